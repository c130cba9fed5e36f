"""What a marketing user and an API consumer do: create a poll, preview its schedule and cost, launch and cancel
waves, set objectives, pull scores as CSV, compare brands, export respondents; every change is audited."""

from __future__ import annotations

import csv
import io

import asyncpg
import pytest

from recognition.settings import Settings
from tests.integration.api_support import api_client, make_world, problem

POLL = {
    "name": "Shoes",
    "category": "running shoes",
    "own_brand": "acme",
    "population": "de",
    "sample_size": 800,
    "cost_per_complete": 2.5,
    "budget": 2500,
    "brands": [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}],
    "schedule": {
        "kind": "interval",
        "interval": "P14D",
        "anchor": "2026-03-02T09:00",
        "timezone": "Europe/Berlin",
    },
}


async def test_poll_lifecycle_is_audited(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings)
    editor = world.auth("editor")
    async with api_client(settings, pool) as (client, launched):
        check = await (await client.post("/api/v1/polls/validate", headers=editor, json=POLL)).json()
        assert check["valid"] and check["errors"] == []
        plan = check["plan"]  # costed at the simulated provider's quote, not the poll's own 2.50
        assert plan["price_source"] == "provider" and plan["currency"] == "USD" and plan["price_note"] is None
        assert 1.5 <= plan["cost_per_complete"] < 2.5 and plan["within_budget"] is True
        assert plan["cost_per_wave"] == pytest.approx(800 * plan["cost_per_complete"])
        assert 0.05 < check["plan"]["mdc"] < 0.1 and check["plan"]["waves_per_year"] in (26, 27)
        resp = await client.post("/api/v1/polls", headers=editor, json=POLL)
        assert resp.status == 201
        poll = await resp.json()
        pid = poll["id"]
        preview = await (await client.get(f"/api/v1/polls/{pid}/schedule?count=3", headers=editor)).json()
        assert len(preview["fire_times"]) == 3 and preview["timezone"] == "Europe/Berlin"
        assert all(
            "T09:00:00" in t["at"] and t["at"].endswith(("+01:00", "+02:00")) for t in preview["fire_times"]
        )
        plan = await (await client.get(f"/api/v1/polls/{pid}/plan?change=0.05", headers=editor)).json()
        assert plan["n"] == 800 and plan["required_n"] > 800
        questionnaire = await (await client.get(f"/api/v1/polls/{pid}/questionnaire", headers=editor)).json()
        assert [s["id"] for s in questionnaire["screens"]][:3] == ["screener", "unaided", "aided"]
        updated = await client.patch(f"/api/v1/polls/{pid}", headers=editor, json={"sample_size": 900})
        assert (await updated.json())["sample_size"] == 900
        launch = await client.post(f"/api/v1/polls/{pid}/waves", headers=editor)
        assert launch.status == 202
        wave = await launch.json()
        assert launched == [wave["id"]] and wave["target_n"] == 900
        cancelled = await client.post(f"/api/v1/waves/{wave['id']}/cancel", headers=editor)
        assert (await cancelled.json())["state"] == "cancelled"
        await problem(await client.post(f"/api/v1/waves/{wave['id']}/cancel", headers=editor), 409)
        archived = await client.post(f"/api/v1/polls/{pid}/archive", headers=editor)
        assert (await archived.json())["status"] == "archived"
        await problem(
            await client.patch(f"/api/v1/polls/{pid}", headers=editor, json={"sample_size": 100}), 409
        )
        await problem(await client.post(f"/api/v1/polls/{pid}/waves", headers=editor), 409)
        log = await (await client.get("/api/v1/audit", headers=world.auth("admin"))).json()
        actions = [e["action"] for e in log["items"]]
        assert actions == ["poll.archive", "wave.cancel", "wave.launch", "poll.update", "poll.create"]
        assert {e["key_prefix"] for e in log["items"]} == {world.keys["editor"][:11]}


async def test_scores_trends_comparisons_and_export(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings)
    reader = world.auth("reader")
    async with api_client(settings, pool) as (client, _):
        resp = await client.get(
            f"/api/v1/polls/{world.poll_id}/scores?metric=aided&format=csv", headers=reader
        )
        assert resp.status == 200 and resp.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await resp.text())))
        assert {r["brand"] for r in rows} == {"acme", "stride", "velo"}
        assert all(float(r["ci_low"]) <= float(r["estimate"]) <= float(r["ci_high"]) for r in rows)
        assert {"n", "n_eff", "p_value", "q_value", "significant"} <= set(rows[0])
        same = await client.get(
            f"/api/v1/polls/{world.poll_id}/scores?metric=aided", headers={**reader, "Accept": "text/csv"}
        )
        assert await same.text() == await resp.text()
        trends = await (
            await client.get(f"/api/v1/polls/{world.poll_id}/trends?metric=aided", headers=reader)
        ).json()
        assert [s["brand"] for s in trends["series"]] == ["acme", "stride", "velo"]
        assert trends["series"][0]["points"][0]["wave_id"] == world.wave_id
        viewer = world.auth("viewer")
        comparison = await (
            await client.get(f"/api/v1/polls/{world.poll_id}/comparisons", headers=viewer)
        ).json()
        assert comparison["reference"] == "acme" and {d["brand"] for d in comparison["differences"]} == {
            "stride",
            "velo",
        }
        assert all(0 <= d["p_value"] <= 1 and d["se"] > 0 for d in comparison["differences"])
        export = await client.get(f"/api/v1/waves/{world.wave_id}/respondents", headers=world.auth("editor"))
        text = await export.text()
        assert export.status == 200, text
        table = list(csv.DictReader(io.StringIO(text)))
        assert len(table) == 200 and len({r["respondent"] for r in table}) == 200
        again = list(
            csv.DictReader(
                io.StringIO(
                    await (
                        await client.get(
                            f"/api/v1/waves/{world.wave_id}/respondents", headers=world.auth("editor")
                        )
                    ).text()
                )
            )
        )
        # pseudonyms: the same in every export of the organisation, never the stored key or storage order
        assert [r["respondent"] for r in again] == [r["respondent"] for r in table]
        assert [r["respondent"] for r in table] == sorted(r["respondent"] for r in table)
        assert all(len(r["respondent"]) == 16 for r in table)
        assert abs(sum(float(r["weight"]) for r in table) - 200) < 1e-9 and "aided_acme" in table[0]


async def test_small_base_export_is_refused(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE weighting_runs SET n_eff = 12 WHERE wave_id = $1", world.wave_id)
    async with api_client(settings, pool) as (client, _):
        body = await problem(
            await client.get(f"/api/v1/waves/{world.wave_id}/respondents", headers=world.auth("editor")), 409
        )
        assert "effective base" in body["detail"]


async def test_objectives_crud(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings)
    editor = world.auth("editor")
    async with api_client(settings, pool) as (client, _):
        url = f"/api/v1/polls/{world.poll_id}/objectives"
        created = await client.post(
            url,
            headers=editor,
            json={"metric": "consider", "brand": "acme", "threshold": 0.3, "direction": "at_least"},
        )
        assert created.status == 201
        oid = (await created.json())["id"]
        body = await problem(
            await client.post(
                url,
                headers=editor,
                json={"metric": "aided", "brand": "nike", "threshold": 3, "direction": "at_most"},
            ),
            422,
        )
        assert {e["field"] for e in body["errors"]} == {"brand", "threshold"}
        changed = await client.patch(f"/api/v1/objectives/{oid}", headers=editor, json={"threshold": 0.35})
        assert (await changed.json())["threshold"] == 0.35
        listed = await (await client.get(url + "?limit=1", headers=editor)).json()
        assert len(listed["items"]) == 1 and listed["next_cursor"]
        rest = await (
            await client.get(f"{url}?limit=1&cursor={listed['next_cursor']}", headers=editor)
        ).json()
        assert [o["id"] for o in rest["items"]] == [oid] and rest["next_cursor"] is None
        assert (await client.delete(f"/api/v1/objectives/{oid}", headers=editor)).status == 204
        await problem(await client.get(f"/api/v1/objectives/{oid}", headers=editor), 404)


async def test_etag_gzip_metrics_and_key_management(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings)
    reader = world.auth("reader")
    async with api_client(settings, pool) as (client, _):
        url = f"/api/v1/polls/{world.poll_id}/scores"
        first = await client.get(url, headers={**reader, "Accept-Encoding": "gzip"})
        assert first.status == 200 and first.headers["Content-Encoding"] == "gzip"
        etag = first.headers["ETag"]
        document = await first.json()
        # a cached hit keeps the ETag and serves the same document, gzipped or not
        hit = await client.get(url, headers={**reader, "Accept-Encoding": "gzip"})
        assert hit.headers["Content-Encoding"] == "gzip" and hit.headers["ETag"] == etag
        assert await hit.json() == document
        plain = await client.get(url, headers={**reader, "Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers and plain.headers["ETag"] == etag
        assert await plain.json() == document
        again = await client.get(url, headers={**reader, "If-None-Match": etag})
        assert again.status == 304 and again.headers["ETag"] == etag
        metrics = await (await client.get("/metrics")).text()
        assert (
            'recognition_http_requests_total{method="GET",route="/api/v1/polls/{poll_id}/scores",status="304"} 1'
            in metrics
        )
        assert 'recognition_waves{state="published"} 1' in metrics
        assert "recognition_provider_calls_total" in metrics
        admin = world.auth("admin")
        made = await (await client.post("/api/v1/keys", headers=admin, json={"role": "reader"})).json()
        assert made["key"].startswith(made["prefix"])
        assert (await client.get(url, headers={"Authorization": f"Bearer {made['key']}"})).status == 200
        assert (await client.delete(f"/api/v1/keys/{made['prefix']}", headers=admin)).status == 204
        await problem(await client.get(url, headers={"Authorization": f"Bearer {made['key']}"}), 401)


async def test_a_comparability_change_starts_a_new_questionnaire_version(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world = await make_world(pool, settings)
    editor = world.auth("editor")
    async with api_client(settings, pool) as (client, _):
        poll = await (await client.post("/api/v1/polls", headers=editor, json=POLL)).json()
        pid = poll["id"]
        assert poll["questionnaire_version"] == 1
        same = await (
            await client.patch(f"/api/v1/polls/{pid}", headers=editor, json={"sample_size": 700})
        ).json()
        assert same["questionnaire_version"] == 1  # sample size does not change what respondents are asked
        brands = [*POLL["brands"], {"id": "newco", "name": "Newco"}]
        changed = await (
            await client.patch(f"/api/v1/polls/{pid}", headers=editor, json={"brands": brands})
        ).json()
        assert changed["questionnaire_version"] == 2
        log = await (await client.get("/api/v1/audit", headers=world.auth("admin"))).json()
        details = log["items"][0]["details"]
        assert details["questionnaire_version"] == 2 and any(
            "newco" in c for c in details["comparability_changes"]
        )
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT version, definition FROM questionnaire_versions WHERE poll_id = $1 ORDER BY version", pid
        )
    assert [r["version"] for r in rows] == [1, 2]
    assert "newco" not in {b["id"] for b in rows[0]["definition"]["brands"]}
    assert "newco" in {b["id"] for b in rows[1]["definition"]["brands"]}
