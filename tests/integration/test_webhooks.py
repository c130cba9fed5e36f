"""Provider webhooks: signed, at least once, duplicated and out of order; each event recorded once. And a
respondent who tries to complete twice is stored once."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from panels.simulated.faults import profile
from panels.simulated.webhooks import SIGNATURE_HEADER, sign
from recognition import sessions
from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import responses
from recognition.waves.fieldwork import run_wave
from tests.integration.field_support import field, make_wave
from tests.integration.test_fieldwork import check_once

SECRET = "w" * 64


def _with_panels(settings: Settings, simulator_url: str) -> Settings:
    return dataclasses.replace(
        settings, panels_simulator_url=simulator_url, panels_simulator_webhook_secret=SECRET
    )


async def _events(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT provider, event_id, kind, project_id FROM provider_events ORDER BY 2")


def _signed(event: dict[str, object], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    return body, {SIGNATURE_HEADER: sign(secret, body), "Content-Type": "application/json"}


async def test_signed_events_are_recorded_once_in_any_order(settings: Settings, pool: asyncpg.Pool) -> None:
    app = create_app(_with_panels(settings, "http://127.0.0.1:9"), pool=pool)
    closed = {"event_id": "evt-p1-status-2", "type": "project.status_changed", "project_id": "p1", "data": {}}
    live = {**closed, "event_id": "evt-p1-status-1"}
    async with TestClient(TestServer(app)) as client:
        for event in (closed, closed, live, closed):  # the later event first, then redelivered
            body, headers = _signed(event)
            r = await client.post("/webhooks/simulated", data=body, headers=headers)
            assert r.status == 200
        answers = []
        for event in (live, closed):
            body, headers = _signed(event)
            answers.append(
                await (await client.post("/webhooks/simulated", data=body, headers=headers)).json()
            )
        assert answers == [
            {"event_id": "evt-p1-status-1", "duplicate": True},
            {"event_id": "evt-p1-status-2", "duplicate": True},
        ]
        forged_body, forged = _signed({**live, "event_id": "evt-forged"}, secret="x" * 64)
        r = await client.post("/webhooks/simulated", data=forged_body, headers=forged)
        assert r.status == 401 and r.content_type == "application/problem+json"
        r = await client.post("/webhooks/simulated", data=forged_body)  # unsigned
        assert r.status == 401
        r = await client.post("/webhooks/prolific", data=forged_body, headers=forged)  # no token configured
        assert r.status == 404
        r = await client.post("/webhooks/nobody", data=forged_body, headers=forged)
        assert r.status == 404
    assert [tuple(e) for e in await _events(pool)] == [
        ("simulated", "evt-p1-status-1", "project.status_changed", "p1"),
        ("simulated", "evt-p1-status-2", "project.status_changed", "p1"),
    ]


async def test_simulator_webhooks_duplicated_and_reordered_are_recorded_once(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    faults = profile("none", p_webhook_duplicate=0.5, p_webhook_reorder=0.3)
    async with field(pool, settings, faults, rate=400, seed=9, webhook_secret=SECRET) as fw:
        sim, served = fw.sim, fw.settings
        wave_id = await make_wave(pool, target=30)
        provider = fw.provider(webhook_secret=SECRET)
        report = await run_wave(pool, served, wave_id, provider, options=fw.options)
        await provider.aclose()
        sender = sim.state.webhooks
        assert sender is not None
        for _ in range(600):  # until every event is delivered (bounded: 30 s)
            if sender.idle and not any(p.events for p in sim.state.projects.values()):
                break
            await asyncio.sleep(0.05)
        assert sender.idle, sender.stats()
        assert report.state == "published"
        await check_once(pool, served, sim, wave_id)
        book = sim.project_for(sessions.project_reference(served.survey_secret, wave_id))
        assert book is not None
        produced = sender.produced
        assert sender.given_up == [] and set(sender.delivered) == set(produced)
        assert sum(sender.delivered.values()) > len(produced)  # some events were delivered twice
        assert sender.arrival != produced  # and some arrived out of order
        rows = await _events(pool)
    assert sorted(r["event_id"] for r in rows) == sorted(set(produced)) and len(rows) == len(set(produced))
    completed = {r["event_id"] for r in rows if r["kind"] == "submission.completed"}
    assert completed == {f"evt-{e['submission_id']}" for e in book.feed}
    statuses = [r for r in rows if r["kind"] == "project.status_changed"]
    assert len(statuses) == 2 and {r["project_id"] for r in rows} == {book.id}  # live, then closed


async def test_respondent_completing_twice_is_stored_once(settings: Settings, pool: asyncpg.Pool) -> None:
    async with field(pool, settings, profile("none", p_double_complete=1.0), rate=400, seed=4) as fw:
        sim = fw.sim
        wave_id = await make_wave(pool, target=30)
        provider = fw.provider()
        report = await run_wave(pool, fw.settings, wave_id, provider, options=fw.options)
        await provider.aclose()
        assert report.state == "published"
        await check_once(pool, fw.settings, sim, wave_id)
        book = sim.project_for(sessions.project_reference(settings.survey_secret, wave_id))
        assert book is not None
        people = len({e["participant_id"] for e in book.feed})
    async with pool.acquire() as conn:
        counts = await responses.count_by_status(conn, wave_id)
        refused = await conn.fetchval("SELECT count(*) FROM survey_refusals WHERE wave_id = $1", wave_id)
    stored = counts.get("complete", 0) + counts.get("quality_terminate", 0)
    assert refused >= stored > 0, (refused, stored)
    # Every respondent who finished opened the link again: refused as done, never stored or booked twice.
    assert stored == people == len(book.completed) and len(book.feed) == people
