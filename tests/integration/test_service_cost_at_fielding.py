"""A wave's service analysis weighs revenue against each feature's cost as it was when the wave was fielded, on a
copy of the demo tracker over real HTTP on a real database: an editor changes a feature's cost after the wave,
the wave is processed again (as a recode does), and its published analysis — cost and recommendation — is what
it was; a wave created after the change keeps the new cost; a wave from before costs were kept with each wave
falls back to the poll's current cost and says so."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store
from recognition.waves.processing import process_wave
from recognition.waves.service import COST_NOW_NOTE
from tests.conftest import demo_db_url

db_url = pytest.fixture(demo_db_url)


@pytest.fixture
async def client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(settings, pool=pool))) as c:
        yield c


def _feature(service: dict[str, Any], feature: str) -> dict[str, Any]:
    return next(f for f in service["service"]["features"] if f["id"] == feature)


async def _service(
    settings: Settings, pool: asyncpg.Pool, poll_id: int, auth: dict[str, str]
) -> dict[str, Any]:
    """The poll's service analysis as the API serves it, from a fresh app (no response cached before)."""
    async with TestClient(TestServer(create_app(settings, pool=pool))) as fresh:
        resp = await fresh.get(f"/api/v1/polls/{poll_id}/service", headers=auth)
        assert resp.status == 200, await resp.text()
        return await resp.json()  # type: ignore[no-any-return]


async def _service_csv(
    settings: Settings, pool: asyncpg.Pool, poll_id: int, auth: dict[str, str]
) -> list[dict[str, str]]:
    """The poll's service analysis as the CSV export serves it, from a fresh app."""
    async with TestClient(TestServer(create_app(settings, pool=pool))) as fresh:
        resp = await fresh.get(f"/api/v1/polls/{poll_id}/service?format=csv", headers=auth)
        assert resp.status == 200, await resp.text()
        return list(csv.DictReader(io.StringIO(await resp.text())))


async def test_a_cost_changed_after_fielding_leaves_the_waves_analysis_as_published(
    client: TestClient,
    settings: Settings,
    pool: asyncpg.Pool,
    demo_template: dict[str, Any],
    demo_keys: dict[str, str],
) -> None:
    poll_id = demo_template["poll"]["id"]
    auth = {"Authorization": f"Bearer {demo_keys['editor']}"}
    before = await _service(settings, pool, poll_id, auth)
    wave_id = before["wave_id"]
    published = _feature(before, "repairs")
    assert published["cost_source"] == "fielding" and COST_NOW_NOTE not in published["notes"]
    everybody = next(b for b in published["bases"] if b["base"] == "all")

    poll = await (await client.get(f"/api/v1/polls/{poll_id}", headers=auth)).json()
    # far above anything a buyer pays: analysed with it, repairs would flip to "do not promise"
    raised = 100 * max(published["prices"])
    features = [{**f, "cost": raised} if f["id"] == "repairs" else f for f in poll["service_features"]]
    changed = await client.patch(
        f"/api/v1/polls/{poll_id}", headers=auth, json={"service_features": features}
    )
    assert changed.status == 200, await changed.text()

    async with pool.acquire() as conn:
        stored = await polls_store.get_poll(conn, poll_id)
    assert stored is not None
    await process_wave(pool, wave_id, stored, settings)  # processed again, as a recode does
    after = await _service(settings, pool, poll_id, auth)
    assert after["wave_id"] == wave_id
    kept = _feature(after, "repairs")
    assert kept["cost"] == published["cost"] != raised and kept["cost_source"] == "fielding"
    assert (
        next(b for b in kept["bases"] if b["base"] == "all")["recommendation"] == everybody["recommendation"]
    )

    # a wave created now keeps the new cost
    async with pool.acquire() as conn:
        new, created = await waves_store.create_wave(conn, poll_id, datetime(2099, 1, 1, tzinfo=UTC), 10)
        assert created and new.service_costs is not None and new.service_costs["repairs"] == raised
        # a wave from before costs were kept: the poll's current cost, said so
        await conn.execute("UPDATE waves SET service_costs = NULL WHERE id = $1", wave_id)
    await process_wave(pool, wave_id, stored, settings)
    fallback = _feature(await _service(settings, pool, poll_id, auth), "repairs")
    assert fallback["cost"] == raised and fallback["cost_source"] == "current"
    assert COST_NOW_NOTE in fallback["notes"]
    assert next(b for b in fallback["bases"] if b["base"] == "all")["recommendation"] == "do_not_promise"
    # the CSV export says the same: the poll's current cost, and that it is the current one
    repairs = [r for r in await _service_csv(settings, pool, poll_id, auth) if r["feature"] == "repairs"]
    assert repairs and all(r["cost_source"] == "current" and float(r["cost"]) == raised for r in repairs)
