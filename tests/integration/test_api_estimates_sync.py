"""The warehouse read: every published figure, paged in (updated_at, id) order, filtered by updated_since; a
figure stored while its wave was processing comes with the sync after the wave publishes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from panels.simulated.inprocess import InProcessPanel
from recognition.settings import Settings
from recognition.store import polls, responses, waves
from recognition.waves.processing import process_wave
from tests.integration.api_support import SLOT, api_client, make_world, problem


async def _sync(client: TestClient, headers: dict[str, str], query: str) -> tuple[list[dict[str, Any]], str]:
    """Every page of one sync: its items and its next_updated_since."""
    items: list[dict[str, Any]] = []
    cursor = None
    marks = set()
    while True:
        url = f"/api/v1/estimates?limit=97&{query}" + (f"&cursor={cursor}" if cursor else "")
        resp = await client.get(url, headers=headers)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        items += body["items"]
        marks.add(body["next_updated_since"])
        cursor = body["next_cursor"]
        if cursor is None:
            assert len(marks) == 1  # every page of a sync names the same resume point
            return items, marks.pop()


async def test_incremental_sync_sees_each_change_once_published(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world = await make_world(pool, settings, sample_size=150)
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM estimates WHERE wave_id = $1", world.wave_id)
        poll = await polls.get_poll(conn, world.poll_id)
        assert poll is not None
        second, _ = await waves.create_wave(conn, poll.id, SLOT + timedelta(days=7), 150)
        for a, b in (("scheduled", "launching"), ("launching", "fielding")):
            assert await waves.transition(conn, second.id, a, b)
        for person in await InProcessPanel(poll, SLOT).respondents(second, 150):
            key = responses.respondent_key(settings.survey_secret, "simulated", person.provider_id)
            await responses.record_complete(conn, second.id, key, person.demographics, person.answers)
        for a, b in (("fielding", "closing"), ("closing", "processing")):
            assert await waves.transition(conn, second.id, a, b)
    await process_wave(pool, second.id, poll, settings)
    async with api_client(settings, pool) as (client, _):
        reader = world.auth("reader")
        first, mark = await _sync(client, reader, "")
        assert len(first) == stored and {i["wave_id"] for i in first} == {world.wave_id}
        keys = {
            (i["wave_id"], i["window_size"], i["metric"], i["brand"], i["segment"], i["base"]) for i in first
        }
        assert len(keys) == stored  # paging neither repeats nor skips
        assert [i["updated_at"] for i in first] == sorted(i["updated_at"] for i in first)
        assert first[0]["window_waves"] == [world.wave_id] and first[0]["source"] is None

        async with pool.acquire() as conn:  # the second wave publishes after the first sync
            assert await waves.transition(conn, second.id, "processing", "published")
            windows = await conn.fetchval("SELECT count(*) FROM estimates WHERE wave_id = $1", second.id)
        later, _ = await _sync(client, reader, f"updated_since={mark.replace('+', '%2B')}")
        assert {i["wave_id"] for i in later} == {second.id} and len(later) == windows
        assert {i["window_size"] for i in later} == {1, 2}
        pair = next(i for i in later if i["window_size"] == 2)
        assert pair["window_waves"] == [world.wave_id, second.id]

        only = await (
            await client.get(
                f"/api/v1/estimates?poll_id={world.poll_id}&window=1&metric=aided&segment=age=18-24&brand=acme",
                headers=reader,
            )
        ).json()
        assert [(i["wave_id"], i["metric"], i["segment"], i["brand"]) for i in only["items"]] == [
            (world.wave_id, "aided", "age=18-24", "acme"),
            (second.id, "aided", "age=18-24", "acme"),
        ]
        theirs = await (
            await client.get("/api/v1/estimates", headers={"Authorization": f"Bearer {world.foreign}"})
        ).json()
        assert theirs["items"] == []
        body = await problem(
            await client.get("/api/v1/estimates?updated_since=yesterday", headers=reader), 400
        )
        assert body["errors"][0]["field"] == "updated_since"
        await problem(await client.get("/api/v1/estimates?cursor=bm90IGEgY3Vyc29y", headers=reader), 400)
        body = await problem(
            await client.get(f"/api/v1/estimates?poll_id={world.poll_id}&segment=nobody", headers=reader), 400
        )
        assert body["errors"][0]["field"] == "segment"
