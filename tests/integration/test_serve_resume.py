"""``serve`` picks up waves a previous run left in flight, and new scheduled waves go to fieldwork."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.demo import BRANDS
from recognition.settings import Settings
from recognition.store import orgs, polls, waves
from tests.integration.field_support import field


async def test_unfinished_wave_is_resumed_on_start(settings: Settings, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "resume")
        poll = await polls.create_poll(
            conn,
            org,
            name="t",
            category="sportswear",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=120,
        )
        wave, _ = await waves.create_wave(conn, poll.id, datetime(2026, 1, 5, tzinfo=UTC), 120)
        assert await waves.transition(conn, wave.id, "scheduled", "launching")  # a crash left it here
    async with field(pool, settings, rate=200) as fw:
        serving = dataclasses.replace(fw.settings, scheduling_enabled=True)
        async with TestClient(TestServer(create_app(serving, pool=pool))):
            for _ in range(600):
                async with pool.acquire() as conn:
                    state = await conn.fetchval("SELECT state FROM waves WHERE id = $1", wave.id)
                if state in ("published", "failed", "cancelled"):
                    break
                await asyncio.sleep(0.1)
    assert state == "published"
    async with pool.acquire() as conn:
        completes = await conn.fetchval(
            "SELECT count(*) FROM respondents WHERE wave_id = $1 AND status = 'complete'", wave.id
        )
        moves = await conn.fetch(
            "SELECT from_state, to_state FROM wave_events WHERE wave_id = $1 ORDER BY id", wave.id
        )
    assert completes >= 120
    assert [m["to_state"] for m in moves] == [
        "scheduled",
        "launching",
        "fielding",
        "closing",
        "processing",
        "published",
    ]
