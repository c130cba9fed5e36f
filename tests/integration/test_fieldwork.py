"""Fieldwork as a durable state machine: faults, budget, deadline, outbox settlement, two drivers, resume."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from panels.http import RetryPolicy
from panels.simulated.client import SimulatedProvider
from panels.simulated.faults import profile
from panels.simulated.server import RunningSimulator, running_simulator
from recognition.db import create_pool
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import orgs, polls, responses, waves
from recognition.waves.fieldwork import FieldworkOptions, project_reference, run_wave
from recognition.waves.lifecycle import resume_in_flight

BRANDS = [
    {"id": "acme", "name": "Acme", "aliases": []},
    {"id": "velo", "name": "Velo", "aliases": []},
    {"id": "kinetic", "name": "Kinetic", "aliases": []},
]
FAST = RetryPolicy(
    attempts=10,
    backoff=0.005,
    max_backoff=0.05,
    max_retry_after=0.05,
    breaker_threshold=30,
    breaker_reset=0.05,
)
OPTIONS = FieldworkOptions(poll_interval=0.02, retry_delay=0.05)
SLOT = datetime(2026, 3, 2, 7, tzinfo=UTC)
# Small waves leave some segments with a single rater; the t interval then multiplies NaN (stats/_intervals.py).
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning")


async def make_wave(pool: asyncpg.Pool, *, target: int = 120, budget: float | None = None) -> int:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-co")
        poll = await polls.create_poll(
            conn,
            org,
            name="t",
            category="sportswear",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=target,
            cost_per_complete=1.5,
            budget=budget,
        )
        wave, _ = await waves.create_wave(conn, poll.id, SLOT, target)
    return wave.id


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(
        profile("heavy", p_error=0.25, p_drop_after=0.1, retry_after=0), rate=400, seed=5
    ) as running:
        yield running


async def check_once(pool: asyncpg.Pool, settings: Settings, sim: RunningSimulator, wave_id: int) -> None:
    book = sim.project_for(project_reference(settings, wave_id))
    assert book is not None and book.launch_calls == 1
    async with pool.acquire() as conn:
        counts = await responses.count_by_status(conn, wave_id)
        outcomes = await fw_store.outcome_counts(conn, wave_id)
        unsent = await fw_store.pending_decisions(conn, wave_id)
    assert len(book.completed) == counts.get("complete", 0) + counts.get("quality_terminate", 0)
    assert len(book.rejected) == counts.get("quality_terminate", 0) == outcomes.get("quality_terminate", 0)
    assert len(book.approved) == counts["complete"] and unsent == []


async def test_wave_under_heavy_faults_is_bought_once_and_stored_once(
    pool: asyncpg.Pool, settings: Settings, sim: RunningSimulator
) -> None:
    wave_id = await make_wave(pool)
    provider = SimulatedProvider(sim.url, policy=FAST)
    report = await run_wave(pool, settings, wave_id, provider, options=OPTIONS)
    await provider.aclose()
    assert report.state == "published"
    await check_once(pool, settings, sim, wave_id)
    async with pool.acquire() as conn:
        fw = await fw_store.get_fieldwork(conn, wave_id)
        n = (await responses.count_by_status(conn, wave_id))["complete"]
        reasons = await conn.fetchval(
            "SELECT array_agg(DISTINCT reason_code) FROM wave_submissions "
            "WHERE wave_id = $1 AND decision = 'reject'",
            wave_id,
        )
    assert n == 120 and fw is not None and fw.cost == pytest.approx(n * (fw.price or 0), abs=0.01)
    assert set(reasons) <= {"speeder", "straight_lining"}
    injected = sim.state.faults.injected  # the faults did happen (how many depends on timing)
    assert injected.get("drop_after", 0) >= 1 and injected.get("error", 0) >= 1


async def test_budget_cap_cancels_before_anything_is_bought(
    pool: asyncpg.Pool, settings: Settings, sim: RunningSimulator
) -> None:
    wave_id = await make_wave(pool, budget=100.0)  # 120 completes at ≥ 1.50 cost more
    provider = SimulatedProvider(sim.url, policy=FAST)
    report = await run_wave(pool, settings, wave_id, provider, options=OPTIONS)
    await provider.aclose()
    async with pool.acquire() as conn:
        wave = await waves.get_wave(conn, wave_id)
    assert report.state == "cancelled" and wave is not None and "budget" in (wave.state_reason or "")
    assert sim.state.projects == {}


async def test_deadline_closes_the_wave_below_target(pool: asyncpg.Pool, settings: Settings) -> None:
    wave_id = await make_wave(pool, target=5000)
    async with running_simulator("none", rate=300) as slow:
        provider = SimulatedProvider(slow.url, policy=FAST)
        options = FieldworkOptions(poll_interval=0.02, retry_delay=0.05, field_period=timedelta(seconds=0.5))
        report = await run_wave(pool, settings, wave_id, provider, options=options)
        await provider.aclose()
        book = slow.project_for(project_reference(settings, wave_id))
        assert book is not None and book.status == "closed"
    async with pool.acquire() as conn:
        n = (await responses.count_by_status(conn, wave_id)).get("complete", 0)
    assert report.state == "published" and 30 < n < 5000


async def test_crash_between_call_and_record_is_settled_by_asking(
    pool: asyncpg.Pool, settings: Settings, sim: RunningSimulator
) -> None:
    wave_id = await make_wave(pool)
    ref = project_reference(settings, wave_id)
    provider = SimulatedProvider(sim.url, policy=FAST)
    async with pool.acquire() as conn:  # what a process killed right after its calls leaves behind
        await waves.transition(conn, wave_id, "scheduled", "launching")
        await fw_store.ensure_fieldwork(conn, wave_id, "simulated")
        await fw_store.begin_call(conn, wave_id, "simulated", "create", f"{ref}:create")
    from recognition.waves.fieldwork import WaveDriver

    spec = await WaveDriver(pool, settings, provider, OPTIONS, lambda *_: None)._spec(
        (await _wave(pool, wave_id)), await _poll(pool, wave_id)
    )
    project = await provider.create_project(spec, idempotency_key=f"{ref}:create")
    report = await run_wave(pool, settings, wave_id, provider, options=OPTIONS)
    await provider.aclose()
    assert report.state == "published" and len(sim.state.projects) == 1
    async with pool.acquire() as conn:
        calls = {c.operation: c for c in await fw_store.calls(conn, wave_id)}
        settled = await conn.fetchval(
            "SELECT settled_by FROM provider_calls WHERE idempotency_key = $1", f"{ref}:create"
        )
    assert (
        settled == "query"
        and calls["create"].result is not None
        and calls["create"].result["id"] == project.id
    )
    await check_once(pool, settings, sim, wave_id)


async def _wave(pool: asyncpg.Pool, wave_id: int) -> waves.Wave:
    async with pool.acquire() as conn:
        wave = await waves.get_wave(conn, wave_id)
    assert wave is not None
    return wave


async def _poll(pool: asyncpg.Pool, wave_id: int) -> polls.Poll:
    wave = await _wave(pool, wave_id)
    async with pool.acquire() as conn:
        poll = await polls.get_poll(conn, wave.poll_id)
    assert poll is not None
    return poll


async def test_two_instances_never_launch_a_wave_twice(
    db_url: str, pool: asyncpg.Pool, settings: Settings, sim: RunningSimulator
) -> None:
    wave_ids = [await make_wave(pool)]
    async with pool.acquire() as conn:
        poll_id = (await waves.get_wave(conn, wave_ids[0])).poll_id  # type: ignore[union-attr]
        for week in (1, 2):
            wave, _ = await waves.create_wave(conn, poll_id, SLOT + timedelta(days=7 * week), 120)
            wave_ids.append(wave.id)
    other_pool = await create_pool(db_url, min_size=1, max_size=5)
    first, second = SimulatedProvider(sim.url, policy=FAST), SimulatedProvider(sim.url, policy=FAST)
    try:
        results = await asyncio.gather(
            *[run_wave(pool, settings, w, first, options=OPTIONS) for w in wave_ids],
            *[run_wave(other_pool, settings, w, second, options=OPTIONS) for w in reversed(wave_ids)],
        )
    finally:
        await other_pool.close()
        await first.aclose()
        await second.aclose()
    assert {r.state for r in results} == {"published"}
    assert len(sim.state.projects) == 3
    for wave_id in wave_ids:
        await check_once(pool, settings, sim, wave_id)


async def test_resume_in_flight_picks_up_unfinished_waves(
    pool: asyncpg.Pool, settings: Settings, sim: RunningSimulator
) -> None:
    wave_id = await make_wave(pool)
    provider = SimulatedProvider(sim.url, policy=FAST)
    fielding = asyncio.Event()

    def seen(_wave: waves.Wave, state: str, _have: int, _target: int) -> None:
        if state == "fielding":
            fielding.set()

    task = asyncio.ensure_future(run_wave(pool, settings, wave_id, provider, options=OPTIONS, progress=seen))
    await asyncio.wait_for(fielding.wait(), 30)
    task.cancel()  # the process stops mid-fieldwork
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await _wave(pool, wave_id)).state == "fielding"
    reports = await resume_in_flight(pool, settings, provider, options=OPTIONS)
    await provider.aclose()
    assert [(r.wave_id, r.state) for r in reports] == [(wave_id, "published")]
    await check_once(pool, settings, sim, wave_id)
