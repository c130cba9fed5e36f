"""Poll scheduling on a real database: one wave per slot across instances, one catch-up wave after downtime,
schedule changes reaching another instance through LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from recognition.scheduling.clock import FakeClock
from recognition.scheduling.schedule import Schedule, next_fire_times
from recognition.store import orgs, polls
from recognition.waves.scheduler import PollScheduler

BRANDS = [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]
WEEKLY_BERLIN = {"kind": "cron", "cron": "0 9 * * mon", "timezone": "Europe/Berlin"}


async def _poll(
    pool: asyncpg.Pool,
    schedule: dict[str, object],
    name: str = "tracker",
    created: datetime | None = datetime(2026, 1, 1, tzinfo=UTC),
) -> int:
    """A poll created at ``created`` (the fake clocks below start after it); None = created now."""
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "sched")
        poll = await polls.create_poll(
            conn,
            org,
            name=name,
            category="c",
            brands=BRANDS,
            own_brand="a",
            population="us",
            sample_size=100,
            schedule=schedule,
        )
        if created is not None:
            await conn.execute("UPDATE polls SET created_at = $2 WHERE id = $1", poll.id, created)
    return poll.id


async def _waves(pool: asyncpg.Pool, poll_id: int) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT scheduled_at, late FROM waves WHERE poll_id = $1 ORDER BY scheduled_at", poll_id
        )


async def test_two_instances_one_wave_per_slot_over_a_simulated_month(pool: asyncpg.Pool) -> None:
    start = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    poll_id = await _poll(
        pool,
        {"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin"},
        created=start - timedelta(hours=1),
    )
    clocks = [FakeClock(start), FakeClock(start)]
    instances = [PollScheduler(pool, clock=c, run_jobs=False) for c in clocks]
    for inst in instances:
        await inst.start()
    try:
        expected = next_fire_times(
            Schedule.from_dict({"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin"}), start, 31
        )
        for slot in expected:  # both instances wake at every slot (and a little after), racing each other
            for c in clocks:
                c.advance_to(slot.astimezone(UTC) + timedelta(seconds=1))
            await asyncio.gather(*(inst.fire_due(poll_id) for inst in instances))
        rows = await _waves(pool, poll_id)
        assert [r["scheduled_at"] for r in rows] == [t.astimezone(UTC) for t in expected]
        assert not any(r["late"] for r in rows)
        # across the DST change of 29 March the wave stays at 09:00 local time
        assert {t.hour for t in expected} == {9} and {t.utcoffset() for t in expected} == {
            timedelta(hours=1),
            timedelta(hours=2),
        }
    finally:
        for inst in instances:
            await inst.stop()


async def test_restart_after_downtime_makes_one_late_catch_up_wave(pool: asyncpg.Pool) -> None:
    poll_id = await _poll(pool, WEEKLY_BERLIN)
    clock = FakeClock(datetime(2026, 1, 5, 8, 0, 30, tzinfo=UTC))  # just after Monday 09:00 Berlin
    first = PollScheduler(pool, clock=clock, run_jobs=False)
    fired = await first.start()
    await first.stop()
    assert len(fired) == 1 and not fired[0].late
    clock.advance(timedelta(weeks=5, hours=3))  # five missed Mondays
    second = PollScheduler(pool, clock=clock, run_jobs=False)
    fired = await second.start()
    await second.stop()
    assert len(fired) == 1 and fired[0].late
    assert fired[0].scheduled_at == datetime(2026, 2, 9, 8, 0, tzinfo=UTC)
    assert len(await _waves(pool, poll_id)) == 2


async def test_misfire_policy_none_and_all(pool: asyncpg.Pool) -> None:
    poll_none = await _poll(pool, WEEKLY_BERLIN, "none")
    poll_all = await _poll(pool, WEEKLY_BERLIN, "all")
    clock = FakeClock(datetime(2026, 1, 5, 8, 0, 30, tzinfo=UTC))
    inst = PollScheduler(pool, clock=clock, run_jobs=False)
    await inst.start()
    await inst.stop()
    clock.advance(timedelta(weeks=3, hours=1))
    assert (
        await PollScheduler(pool, clock=clock, policy="none", run_jobs=False).fire_due(
            poll_none, policy="none"
        )
        == []
    )
    fired = await PollScheduler(pool, clock=clock, run_jobs=False).fire_due(poll_all, policy="all")
    assert [f.late for f in fired] == [True, True, True]


async def test_paused_poll_and_end_date_fire_nothing(pool: asyncpg.Pool) -> None:
    created = datetime(2026, 2, 1, tzinfo=UTC)  # the Monday after is 2 Feb, past the end date
    paused = await _poll(pool, {**WEEKLY_BERLIN, "paused": True}, "paused", created)
    ended = await _poll(pool, {**WEEKLY_BERLIN, "end": "2026-01-31"}, "ended", created)
    clock = FakeClock(datetime(2026, 2, 2, 8, 0, 30, tzinfo=UTC))
    inst = PollScheduler(pool, clock=clock, run_jobs=False)
    await inst.start()
    await inst.stop()
    assert await _waves(pool, paused) == [] and await _waves(pool, ended) == []
    # resuming (a poll update) makes it fire again
    async with pool.acquire() as conn:
        await conn.execute("UPDATE polls SET schedule = $2 WHERE id = $1", paused, WEEKLY_BERLIN)
    assert len(await PollScheduler(pool, clock=clock, run_jobs=False).fire_due(paused)) == 1


async def test_schedule_change_reaches_another_instance_within_seconds(pool: asyncpg.Pool) -> None:
    poll_id = await _poll(pool, WEEKLY_BERLIN)
    a = PollScheduler(pool)
    b = PollScheduler(pool)
    await a.start()
    await b.start()
    try:
        before = a.next_run_time(poll_id)
        assert before is not None and before.weekday() == 0
        a.refreshed.clear()
        async with pool.acquire() as conn:  # instance b (or anyone) changes the schedule to Thursdays
            await conn.execute(
                "UPDATE polls SET schedule = $2 WHERE id = $1",
                poll_id,
                {"kind": "cron", "cron": "0 9 * * thu", "timezone": "Europe/Berlin"},
            )
        await asyncio.wait_for(a.refreshed.wait(), timeout=5)
        after = a.next_run_time(poll_id)
        assert after is not None and after.astimezone(UTC).weekday() == 3
        a.refreshed.clear()
        async with pool.acquire() as conn:  # archiving removes the job everywhere
            await conn.execute("UPDATE polls SET status = 'archived' WHERE id = $1", poll_id)
        await asyncio.wait_for(a.refreshed.wait(), timeout=5)
        assert a.next_run_time(poll_id) is None
    finally:
        await a.stop()
        await b.stop()


async def test_apscheduler_job_fires_and_creates_the_wave(pool: asyncpg.Pool) -> None:
    """The real APScheduler path: the job's next run time is the schedule's, and running it creates the wave."""
    poll_id = await _poll(pool, {"kind": "cron", "cron": "*/5 * * * *", "timezone": "UTC"}, created=None)
    inst = PollScheduler(pool)
    await inst.start()
    try:
        nrt = inst.next_run_time(poll_id)
        now = datetime.now(UTC)
        assert nrt is not None and nrt.minute % 5 == 0 and timedelta(0) < nrt - now <= timedelta(minutes=5)
        job = inst.scheduler.get_job(inst.job_id(poll_id))
        inst.clock = FakeClock(nrt + timedelta(seconds=2))
        await job.func(*job.args)  # what APScheduler runs at nrt
        rows = await _waves(pool, poll_id)
        assert [r["scheduled_at"] for r in rows] == [nrt]  # and no wave for a slot before the poll existed
    finally:
        await inst.stop()


@pytest.mark.parametrize("bad", [{"kind": "cron", "cron": "61 * * * *"}, {"kind": "weekly"}])
async def test_invalid_stored_schedule_is_not_scheduled(pool: asyncpg.Pool, bad: dict[str, object]) -> None:
    poll_id = await _poll(pool, bad)
    inst = PollScheduler(pool, run_jobs=False)
    await inst.start()
    await inst.stop()
    assert inst.next_run_time(poll_id) is None
