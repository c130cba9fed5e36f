"""Poll schedules inside ``recognition serve``: APScheduler jobs derived from the polls table.

The polls table is the source of truth; the jobs are rebuilt from it at start and refreshed whenever a poll
changes, on this instance and on every other one (a trigger on ``polls`` sends ``NOTIFY recognition_polls``;
each instance ``LISTEN`` s). A job's trigger is :class:`~recognition.waves.trigger.RecognitionTrigger`, the
same arithmetic that previews use, so the preview and the firing cannot disagree.

A firing does not trust the job's own notion of time: :meth:`PollScheduler.fire_due` asks
:func:`recognition.scheduling.schedule.catch_up` which slots are due for the poll since its latest wave, and inserts each
as a wave row, unique per (poll, slot). A second instance firing the same slot finds the row and does nothing,
and a restart after downtime produces one catch-up wave marked late (policy ``one``; ``none`` and ``all`` are
configurable). The clock is injected so tests can run months of schedule in seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from recognition.polls.model import Poll
from recognition.scheduling.clock import Clock, SystemClock
from recognition.scheduling.schedule import Policy, Schedule, ScheduleError, catch_up
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store
from recognition.store.waves import Wave
from recognition.waves.trigger import RecognitionTrigger

log = logging.getLogger(__name__)
CHANNEL = "recognition_polls"

WaveHandler = Callable[[Poll, Wave], Awaitable[None]]


@dataclass(frozen=True)
class Fired:
    poll_id: int
    wave_id: int
    scheduled_at: datetime
    late: bool


def poll_schedule(poll: Poll) -> Schedule | None:
    """The poll's schedule, or None if it has none, is not active, or its stored schedule is invalid."""
    if poll.status != "active" or not poll.schedule:
        return None
    try:
        return Schedule.from_dict(poll.schedule)
    except ScheduleError as exc:
        log.error("poll %s has an invalid schedule, not scheduling it: %s", poll.id, exc)
        return None


class PollScheduler:
    """One instance's scheduler. ``start()`` builds the jobs, catches up after downtime and starts listening."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        on_wave: WaveHandler | None = None,
        clock: Clock | None = None,
        policy: Policy = "one",
        run_jobs: bool = True,
    ) -> None:
        self.pool = pool
        self.on_wave = on_wave
        self.clock = clock or SystemClock()
        self.policy = policy
        self.run_jobs = run_jobs
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._listener: asyncpg.Connection | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.refreshed = asyncio.Event()

    # --- lifecycle ---------------------------------------------------------------------------------------

    async def start(self) -> list[Fired]:
        """Derive the jobs from the polls table and fire what was missed while no instance ran."""
        async with self.pool.acquire() as conn:
            polls = await polls_store.active_polls(conn)
        fired: list[Fired] = []
        for poll in polls:
            self._sync_job(poll)
            fired += await self.fire_due(poll.id, policy=self.policy)
        self._listener = await self.pool.acquire()
        await self._listener.add_listener(CHANNEL, self._on_notify)
        if self.run_jobs:
            self.scheduler.start()
        return fired

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(CHANNEL, self._on_notify)
            await self.pool.release(self._listener)
            self._listener = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- jobs ------------------------------------------------------------------------------------------------

    @staticmethod
    def job_id(poll_id: int) -> str:
        return f"poll:{poll_id}"

    def _sync_job(self, poll: Poll | None, poll_id: int | None = None) -> None:
        job_id = self.job_id(poll.id if poll else poll_id or 0)
        schedule = poll_schedule(poll) if poll else None
        if schedule is None:
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            return
        assert poll is not None
        self.scheduler.add_job(
            self._job,
            RecognitionTrigger(schedule),
            args=[poll.id],
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def next_run_time(self, poll_id: int) -> datetime | None:
        job = self.scheduler.get_job(self.job_id(poll_id))
        return None if job is None else job.next_run_time

    async def refresh(self, poll_id: int) -> None:
        async with self.pool.acquire() as conn:
            poll = await polls_store.get_poll(conn, poll_id)
        self._sync_job(poll, poll_id)
        self.refreshed.set()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            poll_id = int(payload)
        except ValueError:
            log.warning("ignoring a malformed poll notification %r", payload)
            return
        self.spawn(self.refresh(poll_id))

    async def _job(self, poll_id: int) -> None:
        await self.fire_due(poll_id, policy="one")

    def spawn(self, coro: Awaitable[None]) -> None:
        """Run ``coro`` in the background, cancelled by :meth:`stop`."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- firing ----------------------------------------------------------------------------------------------

    async def fire_due(self, poll_id: int, *, policy: Policy = "one") -> list[Fired]:
        """Create the wave rows for the poll's due slots (idempotent) and hand new ones to fieldwork."""
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            poll = await polls_store.get_poll(conn, poll_id)
            if poll is None:
                return []
            schedule = poll_schedule(poll)
            if schedule is None:
                return []
            last = await waves_store.latest_scheduled(conn, poll_id)
            if last is None and schedule.start is None:
                last = (
                    poll.created_at
                )  # a new poll fires from its creation on, not for slots before it existed
            fired = []
            for slot in catch_up(schedule, last, now, policy):
                wave, created = await waves_store.create_wave(
                    conn, poll_id, slot.at, poll.sample_size, late=slot.late
                )
                if created:
                    log.info(
                        "poll %s: wave %s for slot %s%s", poll_id, wave.id, slot.key, " (late)" * slot.late
                    )
                    fired.append(Fired(poll_id, wave.id, slot.at, slot.late))
                    if self.on_wave is not None:
                        self.spawn(self.on_wave(poll, wave))
        return fired
