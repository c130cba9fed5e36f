"""Attack suite, bad input: each request below once ended in a 500 or was read without limit. Each must now be a
clear 4xx that names what is wrong, with nothing stored (every table counted before and after)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest

from panels.simulated.webhooks import SIGNATURE_HEADER, sign
from recognition.settings import Settings
from recognition.web.api.bodies import MAX_BODY, MAX_DEPTH
from recognition.web.keys import OPERATIONS
from tests.integration.api_support import problem
from tests.integration.security_support import app_client, census, small_world

GOOD_POLL = {
    "name": "Shoes",
    "category": "running shoes",
    "own_brand": "acme",
    "population": "us",
    "sample_size": 500,
    "brands": [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}],
}
SIM_SECRET = "w" * 64
PROLIFIC_SECRET = "prolific-webhook-secret"


def _with_providers(settings: Settings) -> Settings:
    return replace(
        settings,
        panels_simulator_url="http://127.0.0.1:9",
        panels_simulator_webhook_secret=SIM_SECRET,
        panels_prolific_token="token",
        panels_prolific_webhook_secret=PROLIFIC_SECRET,
        panels_prolific_api_url="http://127.0.0.1:9/api/v1",
    )


def _prolific(body: bytes, *, event_id: str = "ev-1", at: float | None = None) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    mac = hmac.new(PROLIFIC_SECRET.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return {
        "X-Prolific-Request-Timestamp": stamp,
        "X-Prolific-Request-Signature": base64.b64encode(mac).decode(),
        "X-Event-ID": event_id,
        "Content-Type": "application/json",
    }


@pytest.fixture
async def counted(pool: asyncpg.Pool) -> AsyncIterator[dict[str, int]]:
    """Every table's row count after set-up; the test then checks nothing was added."""
    yield await census(pool)


async def test_json_nested_30000_deep_is_refused_on_every_json_endpoint(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world = await small_world(pool)
    before = await census(pool)
    deep = ("[" * 30_000 + "]" * 30_000).encode()
    just_too_deep = json.dumps(json.loads("[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2))).encode()
    assert len(deep) <= MAX_BODY
    async with app_client(settings, pool) as client:
        writes = [op for op in client.app[OPERATIONS] if op.body is not None]
        assert len(writes) >= 9  # polls, validate, patch, preview, recode, objectives (2), keys, alerts
        for op in writes:
            path = op.path
            for name in ("poll_id", "objective_id", "wave_id"):
                path = path.replace("{" + name + "}", str(world.poll_id))
            path = path.replace("{provider}", "simulated").replace("{feature_id}", "repairs")
            for body in (deep, just_too_deep):
                resp = await client.request(
                    op.method,
                    path,
                    data=body,
                    headers={**world.auth(), "Content-Type": "application/json"},
                )
                (error,) = (await problem(resp, 400))["errors"]
                assert error["field"] == ("body" if body is deep else "[0]" * (MAX_DEPTH + 1)), (
                    op.path,
                    error,
                )
                assert error["message"] == f"nested more than {MAX_DEPTH} levels deep", (op.path, error)
    assert await census(pool) == before


async def test_unpaired_surrogate_in_a_poll_name_is_refused(
    settings: Settings, pool: asyncpg.Pool, counted: dict[str, int]
) -> None:
    world = await small_world(pool)
    before = await census(pool)
    raw = json.dumps({**GOOD_POLL, "name": "x"}).replace('"x"', '"\\ud800"').encode()
    async with app_client(settings, pool) as client:
        headers = {**world.auth("editor"), "Content-Type": "application/json"}
        for method, path in (("POST", "/api/v1/polls"), ("PATCH", f"/api/v1/polls/{world.poll_id}")):
            body = await problem(await client.request(method, path, data=raw, headers=headers), 400)
            assert body["errors"][0]["field"] == "name" and "surrogate" in body["errors"][0]["message"]
    assert await census(pool) == before


@pytest.mark.parametrize(
    "schedule",
    [
        {"kind": "cron", "cron": "0 7 * * 1", "timezone": "UTC", "fieldwork": "P9999999999D"},
        {"kind": "cron", "cron": "0 7 * * 1", "timezone": "UTC", "fieldwork": "P999999999D"},
        {"kind": "cron", "cron": "0 7 * * 1", "timezone": "UTC", "fieldwork": "P" + "9" * 5000 + "D"},
        {"kind": "interval", "interval": "P999999999D", "anchor": "2026-01-05T09:00", "timezone": "UTC"},
        {"kind": "interval", "interval": "PT1M", "anchor": "9999-12-31T23:00", "timezone": "UTC"},
        {"kind": "cron", "cron": "0 7 * * 1", "timezone": "UTC", "start": "9999-12-31"},
    ],
)
async def test_durations_and_dates_beyond_the_calendar_are_refused(
    settings: Settings, pool: asyncpg.Pool, schedule: dict[str, str]
) -> None:
    world = await small_world(pool)
    before = await census(pool)
    async with app_client(settings, pool) as client:
        headers = world.auth("editor")
        resp = await client.post("/api/v1/polls", json={**GOOD_POLL, "schedule": schedule}, headers=headers)
        assert 400 <= resp.status < 500, await resp.text()
        assert "schedule" in (await resp.json())["errors"][0]["field"]
        resp = await client.post("/api/v1/schedule/preview", json=schedule, headers=headers)
        assert 400 <= resp.status < 500, await resp.text()
    assert await census(pool) == before


async def test_webhook_event_with_nul_or_no_type_is_refused(settings: Settings, pool: asyncpg.Pool) -> None:
    before = await census(pool)
    async with app_client(_with_providers(settings), pool) as client:
        for event, field in (
            ({"event_id": "evt\x00-1", "type": "project.status_changed", "project_id": "p1"}, "event_id"),
            ({"event_id": "evt-1", "type": "kind\x00", "project_id": "p1"}, "type"),
            ({"event_id": "evt-\ud800", "type": "x", "project_id": "p1"}, "event_id"),
            ({"event_id": "e" * 1000, "type": "x", "project_id": "p1"}, "event_id"),
            ({"event_id": "evt-1", "type": "", "project_id": "p1"}, "type"),
        ):
            body = json.dumps(event).encode()
            resp = await client.post(
                "/webhooks/simulated", data=body, headers={SIGNATURE_HEADER: sign(SIM_SECRET, body)}
            )
            assert (await problem(resp, 400))["errors"][0]["field"] == field
    assert await census(pool) == before


async def test_signed_prolific_webhook_that_is_not_a_json_object_is_refused(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    before = await census(pool)
    async with app_client(_with_providers(settings), pool) as client:
        for body in (
            b"[1, 2]",
            b'"study.status.change"',
            b"null",
            b"{not json",
            b"[" * 20_000 + b"]" * 20_000,
        ):
            resp = await client.post("/webhooks/prolific", data=body, headers=_prolific(body))
            found = await problem(resp, 400)
            assert "not" in found["detail"] and "JSON" in found["detail"]
        good = json.dumps({"event_type": "study.status.change", "resource_id": "s1"}).encode()
        resp = await client.post("/webhooks/prolific", data=good, headers=_prolific(good))
        assert resp.status == 200 and (await resp.json()) == {"event_id": "ev-1", "duplicate": False}
    after = await census(pool)
    assert after == {**before, "provider_events": before["provider_events"] + 1}


async def _chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 8192 + 1):
        yield b"x" * 8192


async def test_one_body_limit_holds_on_every_route_that_reads_a_body(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world = await small_world(pool)
    before = await census(pool)
    big = b"{" + b" " * MAX_BODY + b"}"
    form = "screen=s1&answer=" + "a" * MAX_BODY
    async with app_client(_with_providers(settings), pool) as client:
        api = {**world.auth(), "Content-Type": "application/json"}
        targets = [
            ("POST", "/api/v1/polls", api, big),
            ("PUT", f"/api/v1/polls/{world.poll_id}/alerts", api, big),
            ("POST", "/webhooks/simulated", {SIGNATURE_HEADER: sign(SIM_SECRET, big)}, big),
            ("POST", "/webhooks/prolific", _prolific(big), big),
            ("POST", "/survey/1", {"Content-Type": "application/x-www-form-urlencoded"}, form.encode()),
            (
                "POST",
                "/dashboard/login",
                {"Content-Type": "application/x-www-form-urlencoded"},
                form.encode(),
            ),
        ]
        for method, path, headers, body in targets:
            resp = await client.request(method, path, data=body, headers=headers)
            assert resp.status == 413, (path, resp.status, await resp.text())
            # The same body sent in chunks, without a Content-Length to check first.
            resp = await client.request(method, path, data=_chunks(len(body)), headers=headers)
            assert resp.status == 413, (path, "chunked", resp.status, await resp.text())
        assert await census(pool) == before
        # Every other write route reads no body or refuses it: none answers a server error (some act: a
        # DELETE without a body is a fine request).
        for route in client.app.router.routes():
            if route.method in ("POST", "PUT", "PATCH", "DELETE") and route.resource is not None:
                path = route.resource.canonical
                for name in (
                    "{poll_id}",
                    "{objective_id}",
                    "{wave_id}",
                    "{prefix}",
                    "{provider}",
                    "{token}",
                    "{feature_id}",
                ):
                    path = path.replace(name, "1")
                path = path.replace(r"{wave_id:\d+}", "1")
                resp = await client.request(route.method, path, data=big, headers=api, allow_redirects=False)
                assert resp.status < 500, (route.method, path, resp.status)
