"""Every error path answers one shape, RFC 9457 application/problem+json, and validation names each bad field."""

from __future__ import annotations

import asyncpg
import pytest

from recognition.polls.definition import PollCreate
from recognition.settings import Settings
from recognition.store import polls as polls_store
from recognition.web.caches import RateLimit
from recognition.web.keys import RATE_LIMIT
from tests.integration.api_support import api_client, make_world, problem

GOOD = {
    "name": "Shoes",
    "category": "running shoes",
    "own_brand": "acme",
    "population": "us",
    "sample_size": 500,
    "brands": [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}],
}


async def test_error_paths(settings: Settings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    world = await make_world(pool, settings)
    editor, reader = world.auth("editor"), world.auth("reader")
    async with api_client(settings, pool) as (client, _):
        # 422: every bad field of a definition is named, including missing and unknown ones
        body = await problem(
            await client.post(
                "/api/v1/polls",
                headers=editor,
                json={"name": "", "brands": "x", "sample_size": 5, "colour": "red"},
            ),
            422,
        )
        fields = {e["field"] for e in body["errors"]}
        assert fields == {"name", "brands", "sample_size", "colour", "category", "own_brand", "population"}
        body = await problem(
            await client.post(
                "/api/v1/polls",
                headers=editor,
                json={**GOOD, "brands": [{"id": "Acme!", "name": "A"}, {"id": "b"}]},
            ),
            422,
        )
        assert {e["field"] for e in body["errors"]} == {"brands[0].id", "brands[1].name"}
        body = await problem(
            await client.get(f"/api/v1/polls/{world.poll_id}/plan?p=abc&bogus=1", headers=editor), 400
        )
        assert {e["field"] for e in body["errors"]} == {"p", "bogus"}
        await problem(
            await client.post(
                "/api/v1/polls", headers={**editor, "Content-Type": "application/json"}, data=b"{not json"
            ),
            400,
        )
        await problem(await client.get("/api/v1/polls?cursor=bm9wZQ", headers=editor), 400)
        # 401 before anything else, even on unknown routes and wrong methods
        await problem(await client.delete("/api/v1/polls"), 401)
        # 403, 404 (object and route), 405 with Allow
        await problem(await client.get("/api/v1/polls", headers=reader), 403)
        await problem(await client.get("/api/v1/polls/999999", headers=editor), 404)
        await problem(await client.get("/api/v1/nothing/here", headers=editor), 404)
        resp = await client.delete("/api/v1/polls", headers=editor)
        await problem(resp, 405)
        assert "POST" in resp.headers["Allow"]
        # 406: scores come as JSON or CSV only
        await problem(
            await client.get(
                f"/api/v1/polls/{world.poll_id}/scores", headers={**reader, "Accept": "application/xml"}
            ),
            406,
        )
        # 409: a duplicate name; 422: valid shape, invalid meaning (own brand, schedule)
        assert (await client.post("/api/v1/polls", headers=editor, json=GOOD)).status == 201
        await problem(await client.post("/api/v1/polls", headers=editor, json=GOOD), 409)
        body = await problem(
            await client.post(
                "/api/v1/polls",
                headers=editor,
                json={
                    **GOOD,
                    "name": "Other",
                    "own_brand": "nobody",
                    "schedule": {"kind": "cron", "cron": "61 * * * *"},
                },
            ),
            422,
        )
        assert {e["field"] for e in body["errors"]} == {"own_brand", "schedule.cron"}
        # 413 and 415
        await problem(
            await client.post("/api/v1/polls", headers=editor, json={**GOOD, "category": "x" * 70_000}), 413
        )
        await problem(
            await client.post("/api/v1/polls", headers={**editor, "Content-Type": "text/plain"}, data="{}"),
            415,
        )

        # 500: an unexpected failure is logged, not leaked
        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("secret internals")

        monkeypatch.setattr(polls_store, "list_polls_page", broken)
        body = await problem(await client.get("/api/v1/polls", headers=editor), 500)
        assert "secret" not in str(body)
        monkeypatch.undo()
        # 429 with Retry-After once the key's bucket is empty
        limiter: RateLimit = client.app[RATE_LIMIT]
        limiter.rate, limiter.burst = 0.5, 2
        limiter.buckets.clear()
        statuses = [(await client.get("/api/v1/polls", headers=editor)).status for _ in range(2)]
        assert statuses == [200, 200]
        resp = await client.get("/api/v1/polls", headers=editor)
        await problem(resp, 429)
        assert int(resp.headers["Retry-After"]) >= 1
        # another key still has its own bucket
        assert (await client.get("/api/v1/polls", headers=world.auth("viewer"))).status == 200
    assert PollCreate.model_json_schema()["required"]


async def test_parameter_limits(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings)
    viewer = world.auth("viewer")
    async with api_client(settings, pool) as (client, _):
        for query, field in (
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=1&limit=2", "limit"),
            ("include_archived=maybe", "include_archived"),
        ):
            body = await problem(await client.get(f"/api/v1/polls?{query}", headers=viewer), 400)
            assert [e["field"] for e in body["errors"]] == [field]
        body = await problem(await client.get(f"/api/v1/polls/{2**63}", headers=viewer), 400)
        assert body["errors"][0]["field"] == "poll_id"
        body = await problem(
            await client.get(f"/api/v1/polls/{world.poll_id}/schedule?count=1000", headers=viewer), 400
        )
        assert body["errors"] == [{"field": "count", "message": "must be at most 100"}]
