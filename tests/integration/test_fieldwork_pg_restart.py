"""A PostgreSQL restart while a wave is fielding: every connection is cut, the driver waits and carries on, the
survey answers 503 (reload shortly) meanwhile, the wave still publishes, and each complete the provider counts
is stored once."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
import pytest

from recognition.db import EmbeddedPostgres, connect, create_pool, migrate
from recognition.settings import Settings, load_settings
from recognition.store import responses, waves
from recognition.waves.fieldwork import run_wave
from tests.conftest import outside_pytest_tmp
from tests.integration.field_support import field, make_wave
from tests.integration.test_fieldwork import check_once

pytestmark = [
    pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning"),
    pytest.mark.timeout(240),
]


@pytest.fixture
async def own_server() -> AsyncIterator[tuple[EmbeddedPostgres, str]]:
    folder = outside_pytest_tmp("recognition-test-pg-restart-")
    server = EmbeddedPostgres(folder)
    try:
        url = await asyncio.to_thread(server.start)
        conn = await connect(url)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        yield server, url
    finally:
        await asyncio.to_thread(server.stop)
        shutil.rmtree(folder, ignore_errors=True)


async def test_postgres_restart_mid_wave_is_survived(
    own_server: tuple[EmbeddedPostgres, str], tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    server, url = own_server
    settings: Settings = load_settings(
        env={},
        overrides={
            "data_dir": str(tmp_path),
            "database.url": url,
            "survey.secret": "r" * 64,
            "scheduling.enabled": False,
        },
    )
    pool = await create_pool(url, min_size=2, max_size=5)
    stored_before = 0
    try:
        wave_id = await make_wave(pool, target=150)
        fielding = asyncio.Event()

        def seen(_wave: waves.Wave, state: str, have: int, _target: int) -> None:
            if state == "fielding" and have >= 10:
                fielding.set()

        async with field(pool, settings, rate=60, seed=3) as fw:
            sim = fw.sim
            provider = fw.provider()
            options = fw.options
            task = asyncio.ensure_future(
                run_wave(pool, settings, wave_id, provider, options=options, progress=seen)
            )
            await asyncio.wait_for(fielding.wait(), 60)
            async with pool.acquire() as conn:
                stored_before = (await responses.count_by_status(conn, wave_id)).get("complete", 0)
            started = await _start_time(url)
            await asyncio.to_thread(server.restart)
            assert await _start_time(url) > started  # a new server process answers
            report = await asyncio.wait_for(task, 180)
            await provider.aclose()
            assert report.state == "published"
            await check_once(pool, settings, sim, wave_id)
        async with pool.acquire() as conn:
            wave = await waves.get_wave(conn, wave_id)
            moves = await conn.fetch(
                "SELECT to_state FROM wave_events WHERE wave_id = $1 ORDER BY id", wave_id
            )
            n = (await responses.count_by_status(conn, wave_id))["complete"]
    finally:
        await pool.close()
    assert wave is not None and wave.state == "published"
    # respondents caught by the restart were asked to reload (503), never shown a server error
    assert not [r for r in caplog.records if r.getMessage().startswith("unhandled error")]
    assert 10 <= stored_before < 150 and n == 150  # the restart fell in the middle of fielding
    assert [m["to_state"] for m in moves] == [
        "scheduled",
        "launching",
        "fielding",
        "closing",
        "processing",
        "published",
    ]


async def _start_time(url: str) -> datetime:
    conn = await asyncpg.connect(url)
    try:
        started: datetime = await conn.fetchval("SELECT pg_postmaster_start_time()")
        return started
    finally:
        await conn.close()
