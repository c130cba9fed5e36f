"""Fieldwork as a durable state machine: faults, budget, deadline, outbox settlement, two drivers, resume, cancel
and an unreachable provider. Every respondent takes the hosted survey over HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from panels.simulated.faults import profile
from panels.simulated.server import RunningSimulator
from recognition import sessions
from recognition.db import create_pool
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import polls, responses, waves
from recognition.waves.fieldwork import WaveDriver, run_wave
from recognition.waves.lifecycle import resume_in_flight
from tests.integration.field_support import OPTIONS, SLOT, Field, field, make_wave

# Small waves leave some segments with a single rater; the t interval then multiplies NaN (stats/_intervals.py).


@pytest.fixture
async def fw(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[Field]:
    async with field(pool, settings, profile("heavy", p_error=0.25, p_drop_after=0.1, retry_after=0)) as f:
        yield f


def book_of(sim: RunningSimulator, settings: Settings, wave_id: int):  # type: ignore[no-untyped-def]
    return sim.project_for(sessions.project_reference(settings.survey_secret, wave_id))


async def check_once(pool: asyncpg.Pool, settings: Settings, sim: RunningSimulator, wave_id: int) -> None:
    book = book_of(sim, settings, wave_id)
    assert book is not None and book.launch_calls == 1
    async with pool.acquire() as conn:
        counts = await responses.count_by_status(conn, wave_id)
        outcomes = await fw_store.outcome_counts(conn, wave_id)
        unsent = await fw_store.pending_decisions(conn, wave_id)
    assert len(book.completed) == counts.get("complete", 0) + counts.get("quality_terminate", 0)
    assert len(book.rejected) == counts.get("quality_terminate", 0) == outcomes.get("quality_terminate", 0)
    assert len(book.approved) == counts["complete"] and unsent == []


async def test_wave_under_heavy_faults_is_bought_once_and_stored_once(
    pool: asyncpg.Pool, settings: Settings, fw: Field
) -> None:
    wave_id = await make_wave(pool)
    provider = fw.provider()
    report = await run_wave(pool, settings, wave_id, provider, options=fw.options)
    await provider.aclose()
    assert report.state == "published"
    await check_once(pool, settings, fw.sim, wave_id)
    async with pool.acquire() as conn:
        books = await fw_store.get_fieldwork(conn, wave_id)
        n = (await responses.count_by_status(conn, wave_id))["complete"]
        reasons = await conn.fetchval(
            "SELECT array_agg(DISTINCT reason_code) FROM wave_submissions "
            "WHERE wave_id = $1 AND decision = 'reject'",
            wave_id,
        )
    assert n == 40 and books is not None and books.cost == pytest.approx(n * (books.price or 0), abs=0.01)
    assert set(reasons or []) <= {"speeder", "straight_lining", "attention_check", "duplicate"}
    injected = fw.sim.state.faults.injected  # the faults did happen (how many depends on timing)
    assert injected.get("drop_after", 0) >= 1 and injected.get("error", 0) >= 1


async def test_budget_cap_cancels_before_anything_is_bought(
    pool: asyncpg.Pool, settings: Settings, fw: Field
) -> None:
    wave_id = await make_wave(pool, budget=50.0)  # 40 completes at ≥ 1.50 cost more
    provider = fw.provider()
    report = await run_wave(pool, settings, wave_id, provider, options=fw.options)
    await provider.aclose()
    async with pool.acquire() as conn:
        wave = await waves.get_wave(conn, wave_id)
    assert report.state == "cancelled" and wave is not None and "budget" in (wave.state_reason or "")
    assert fw.sim.state.projects == {}


async def test_deadline_closes_the_wave_below_target(pool: asyncpg.Pool, settings: Settings) -> None:
    wave_id = await make_wave(pool, target=5000)
    async with field(pool, settings, rate=15, field_period=timedelta(seconds=5)) as slow:
        provider = slow.provider()
        report = await run_wave(pool, settings, wave_id, provider, options=slow.options)
        await provider.aclose()
        book = book_of(slow.sim, settings, wave_id)
        assert book is not None and book.status == "closed"
    async with pool.acquire() as conn:
        n = (await responses.count_by_status(conn, wave_id)).get("complete", 0)
    assert report.state == "published" and 0 < n < 5000


async def test_crash_between_call_and_record_is_settled_by_asking(
    pool: asyncpg.Pool, settings: Settings, fw: Field
) -> None:
    wave_id = await make_wave(pool)
    ref = sessions.project_reference(settings.survey_secret, wave_id)
    provider = fw.provider()
    async with pool.acquire() as conn:  # what a process killed right after its calls leaves behind
        await waves.transition(conn, wave_id, "scheduled", "launching")
        await fw_store.ensure_fieldwork(conn, wave_id, "simulated")
        await fw_store.begin_call(conn, wave_id, "simulated", "create", f"{ref}:create")
    spec = await WaveDriver(pool, settings, provider, fw.options, lambda *_: None)._spec(
        (await _wave(pool, wave_id)), await _poll(pool, wave_id)
    )
    project = await provider.create_project(spec, idempotency_key=f"{ref}:create")
    report = await run_wave(pool, settings, wave_id, provider, options=fw.options)
    await provider.aclose()
    assert report.state == "published" and len(fw.sim.state.projects) == 1
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
    await check_once(pool, settings, fw.sim, wave_id)


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
    db_url: str, pool: asyncpg.Pool, settings: Settings, fw: Field
) -> None:
    wave_ids = [await make_wave(pool, target=20)]
    async with pool.acquire() as conn:
        poll_id = (await waves.get_wave(conn, wave_ids[0])).poll_id  # type: ignore[union-attr]
        for week in (1, 2):
            wave, _ = await waves.create_wave(conn, poll_id, SLOT + timedelta(days=7 * week), 20)
            wave_ids.append(wave.id)
    other_pool = await create_pool(db_url, min_size=1, max_size=5)
    first, second = fw.provider(), fw.provider()
    try:
        results = await asyncio.gather(
            *[run_wave(pool, settings, w, first, options=fw.options) for w in wave_ids],
            *[run_wave(other_pool, settings, w, second, options=fw.options) for w in reversed(wave_ids)],
        )
    finally:
        await other_pool.close()
        await first.aclose()
        await second.aclose()
    assert {r.state for r in results} == {"published"}
    assert len(fw.sim.state.projects) == 3
    for wave_id in wave_ids:
        await check_once(pool, settings, fw.sim, wave_id)


async def test_resume_in_flight_picks_up_unfinished_waves(
    pool: asyncpg.Pool, settings: Settings, fw: Field
) -> None:
    wave_id = await make_wave(pool)
    provider = fw.provider()
    fielding = asyncio.Event()

    def seen(_wave: waves.Wave, state: str, _have: int, _target: int) -> None:
        if state == "fielding":
            fielding.set()

    task = asyncio.ensure_future(
        run_wave(pool, settings, wave_id, provider, options=fw.options, progress=seen)
    )
    await asyncio.wait_for(fielding.wait(), 30)
    task.cancel()  # the process stops mid-fieldwork
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await _wave(pool, wave_id)).state == "fielding"
    reports = await resume_in_flight(pool, settings, provider, options=fw.options)
    await provider.aclose()
    assert [(r.wave_id, r.state) for r in reports] == [(wave_id, "published")]
    await check_once(pool, settings, fw.sim, wave_id)


async def test_cancelling_in_the_field_closes_the_project_and_settles_what_was_bought(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=2000)
    async with field(pool, settings, rate=30) as slow:
        provider = slow.provider()
        some = asyncio.Event()

        def seen(_wave: waves.Wave, state: str, have: int, _target: int) -> None:
            if state == "fielding" and have >= 3:
                some.set()

        task = asyncio.ensure_future(
            run_wave(pool, settings, wave_id, provider, options=slow.options, progress=seen)
        )
        await asyncio.wait_for(some.wait(), 60)
        async with pool.acquire() as conn:
            assert await waves.transition(
                conn, wave_id, "fielding", "cancelled", reason="cancelled by a test"
            )
        report = await asyncio.wait_for(task, 60)  # the driver closes the project and settles, then stops
        await provider.aclose()
        book = book_of(slow.sim, settings, wave_id)
        assert book is not None and book.status == "closed"
        arrivals = book.arrivals
        await asyncio.sleep(0.5)  # the project stays closed: nobody more is sent to the survey
        slow.sim.state.get(book.id)  # (the simulator draws arrivals when a project is looked at)
        assert book.arrivals == arrivals
    assert report.state == "cancelled"
    async with pool.acquire() as conn:
        books = await fw_store.get_fieldwork(conn, wave_id)
        valid = (await responses.count_by_status(conn, wave_id)).get("complete", 0)
    assert books is not None and books.settled_at is not None
    assert valid >= 3 and books.cost == pytest.approx(valid * (books.price or 0), abs=0.01)
    assert len(book.approved) == valid


async def test_an_unreachable_provider_is_recorded_and_retried_with_backoff(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool)
    async with field(pool, settings, profile("heavy", p_error=1.0, retry_after=0)) as down:
        provider = down.provider()
        options = dataclasses.replace(down.options, retry_delay=0.01, max_retry_delay=0.08)
        driver = WaveDriver(pool, settings, provider, options, lambda *_: None)
        assert [driver.backoff(k) for k in range(6)] == [0.01, 0.01, 0.02, 0.04, 0.08, 0.08]
        task = asyncio.ensure_future(driver.run(wave_id))
        for _ in range(400):
            async with pool.acquire() as conn:
                books = await fw_store.get_fieldwork(conn, wave_id)
            if books is not None and books.unreachable_since is not None:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await provider.aclose()
    assert (
        books is not None
        and books.unreachable_since is not None
        and "failed after" in (books.last_error or "")
    )
    assert (
        OPTIONS.max_retry_delay == 60.0
    )  # in service the wait grows to a minute, not a retry every half second


async def test_a_feed_page_given_again_is_passed_over_and_a_second_submission_is_a_duplicate(
    pool: asyncpg.Pool,
) -> None:
    """Feeds deliver at least once (Prolific's whole list each time something finished): a submission the books
    hold is passed over without being counted, while a second submission of the same respondent is rejected as
    a duplicate; a quality terminate awaits its rejection, a submission without a survey respondent is rejected."""
    wave_id = await make_wave(pool, target=5)
    done, flagged, stranger = (bytes([n]) * 32 for n in range(3))
    async with pool.acquire() as conn:
        await fw_store.ensure_fieldwork(conn, wave_id, "simulated")
        await responses.record_complete(conn, wave_id, done, {}, {})
        await responses.record_complete(
            conn, wave_id, flagged, {}, {}, status="quality_terminate", quality_reasons=["speeder"]
        )
        page = [fw_store.Incoming("s1", done), fw_store.Incoming("s2", flagged)]
        assert await fw_store.store_page(conn, wave_id, page, "1") == 0
        again = [*page, fw_store.Incoming("s3", done), fw_store.Incoming("s4", stranger)]
        assert await fw_store.store_page(conn, wave_id, again, "2") == 1  # s3: done's second submission
        assert await fw_store.store_page(conn, wave_id, again, "2") == 0
        rows = await conn.fetch(
            """SELECT submission_id, outcome, decision, reason_code FROM wave_submissions
               WHERE wave_id = $1 ORDER BY submission_id""",
            wave_id,
        )
        books = await fw_store.get_fieldwork(conn, wave_id)
    assert [tuple(r) for r in rows] == [
        ("s1", "complete", None, None),
        ("s2", "quality_terminate", "reject", "speeder"),
        ("s3", "duplicate", "reject", "duplicate"),
        ("s4", "quality_terminate", "reject", "no_code"),
    ]
    assert books is not None and books.feed_cursor == "2"
