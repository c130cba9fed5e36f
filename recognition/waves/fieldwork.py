"""Fieldwork: each wave is a durable state machine in PostgreSQL, driven through a panel provider.

``scheduled → launching → fielding → closing → processing → published`` (or ``failed`` / ``cancelled`` with a
reason). Every move is a compare-and-set on the wave's state (:mod:`recognition.store.waves`) and every step can be
repeated: the driver re-reads the wave and does what its state still needs, so a process killed at any instant is
picked up where it stood by the next one.

- **One driver per wave.** A driver holds a PostgreSQL advisory lock on the wave (on its own connection; it goes
  when the process or the connection dies), so two instances on one database never drive a wave at once.
- **Outbox** (:mod:`recognition.waves.outbox`): creating, launching and closing a project happen at most once in
  effect, even across crashes.
- **Launching** asks feasibility and price (a wave whose target × the provider's price per complete exceeds the
  poll's budget, which is per wave, is cancelled instead: :func:`recognition.polls.plan.budget_problem`),
  creates the project, stores the wave's survey access (provider, project, entry-link secret:
  :func:`recognition.store.survey.set_access`) before the first respondent can arrive, and launches. Every
  provider gets the same project spec (:func:`recognition.waves.pricing.wave_spec`); each adapter maps it onto
  its own API.
- **Fielding** keeps the provider's books and the service's in step (:mod:`recognition.waves.books`) and closes
  the wave at its target of valid completes or its fieldwork deadline. Respondents reach the hosted survey with
  the provider's own entry protocol and leave with its exit; the survey stores and judges their answers.
- **Closing** closes the project and settles the books: approvals, rejections, outcomes still to be told, cost.
- **Cancelling** (a wave moved to ``cancelled`` while in the field) closes the project at the provider and settles
  what was bought, so nothing keeps buying completes.

Transient trouble (the provider unreachable after its retries, the database restarting) pauses the driver, which
tries again with exponential backoff and records since when the provider has been unreachable; a provider
refusing a request fails the wave with the reason. The driver sleeps through its clock.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg

from panels.base import Project, ProjectSpec, Provider, ProviderError, ProviderRejected
from recognition import sessions
from recognition.db import TRANSIENT_DB
from recognition.polls.model import Poll, Price
from recognition.polls.plan import budget_problem
from recognition.scheduling.clock import Clock, SystemClock
from recognition.scheduling.schedule import fieldwork_window
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import polls as polls_store
from recognition.store import responses, waves
from recognition.store import survey as survey_store
from recognition.store.survey import SurveyAccess
from recognition.store.waves import TERMINAL, Wave
from recognition.waves.books import Books
from recognition.waves.outbox import call_once
from recognition.waves.pricing import poll_topic, wave_spec
from recognition.waves.processing import process_wave

log = logging.getLogger(__name__)
#: What the driver waits out and retries (a provider error it calls transient, or the database unreachable).
RETRYABLE: tuple[type[Exception], ...] = (ProviderError, *TRANSIENT_DB)

Progress = Callable[[Wave, str, int, int], None]


@dataclass(frozen=True)
class FieldworkOptions:
    poll_interval: float = (
        5.0  # seconds between rounds with the provider while fielding (fieldwork.poll_interval)
    )
    retry_delay: float = 0.5  # seconds to wait after transient trouble (doubling while it lasts)
    max_retry_delay: float = 60.0
    reconcile_batch: int = 500
    field_period: timedelta | None = None  # default: the poll schedule's fieldwork window (3 days)
    clock: Clock = field(default_factory=SystemClock)
    #: Public address of the hosted survey (default: the settings' public base URL).
    survey_base_url: str | None = None
    #: At close, how long to wait for the provider to report the hosted-survey completes the service stored.
    exit_grace: float = 10.0


@dataclass(frozen=True)
class WaveReport:
    wave_id: int
    state: str
    stored_completes: int
    duplicates_dropped: int


async def run_wave(
    pool: asyncpg.Pool,
    settings: Settings,
    wave_id: int,
    provider: Provider,
    *,
    progress: Progress | None = None,
    options: FieldworkOptions | None = None,
) -> WaveReport:
    """Drive the wave to a terminal state (or, if another instance drives it, wait until it gets there)."""
    driver = WaveDriver(
        pool, settings, provider, options or FieldworkOptions(), progress or (lambda *_: None)
    )
    return await driver.run(wave_id)


async def wave_report(conn: asyncpg.Connection, wave_id: int) -> WaveReport:
    wave = await waves.get_wave(conn, wave_id)
    assert wave is not None
    counts = await responses.count_by_status(conn, wave_id)
    fw = await fw_store.get_fieldwork(conn, wave_id)
    return WaveReport(
        wave_id,
        wave.state,
        counts.get("complete", 0) + counts.get("quality_terminate", 0),
        fw.duplicates_dropped if fw else 0,
    )


async def _unlock(conn: asyncpg.Connection, wave_id: int) -> None:
    """Release the wave's lock; a connection the database already cut took the lock with it."""
    with contextlib.suppress(*TRANSIENT_DB):
        await fw_store.unlock_wave(conn, wave_id)


class WaveDriver:
    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        provider: Provider,
        options: FieldworkOptions,
        progress: Progress,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.provider = provider
        self.options = options
        self.notify = progress
        self.books = Books(pool, settings, provider, options)

    async def run(self, wave_id: int) -> WaveReport:
        failures = 0
        while True:
            try:
                async with self.pool.acquire() as lock_conn:
                    if await fw_store.try_lock_wave(lock_conn, wave_id):
                        try:
                            await self._drive(wave_id)
                        finally:
                            await _unlock(lock_conn, wave_id)
                # Read after the lock's connection went back: a driver never holds two of the pool's at once.
                async with self.pool.acquire() as conn:
                    report = await wave_report(conn, wave_id)
                    settled = await self.books.settled(conn, wave_id)
                if report.state in TERMINAL and settled:
                    return report
                failures = 0
            except RETRYABLE as exc:
                if isinstance(exc, ProviderError) and not exc.transient:
                    raise
                failures += 1
                log.warning(
                    "wave %s: transient trouble, trying again: %s: %s", wave_id, type(exc).__name__, exc
                )
                if isinstance(exc, ProviderError):
                    with contextlib.suppress(*TRANSIENT_DB):
                        async with self.pool.acquire() as conn:
                            await fw_store.provider_trouble(conn, wave_id, str(exc))
            await self.options.clock.sleep(self.backoff(failures))

    def backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures: ``retry_delay · 2^(failures−1)``, capped."""
        if failures == 0:
            return self.options.retry_delay
        return min(self.options.max_retry_delay, self.options.retry_delay * 2 ** (failures - 1))

    async def _drive(self, wave_id: int) -> None:
        while True:
            async with self.pool.acquire() as conn:
                wave = await waves.get_wave(conn, wave_id)
                assert wave is not None, f"wave {wave_id} does not exist"
                poll = await polls_store.get_poll(conn, wave.poll_id)
                assert poll is not None
            if wave.state in TERMINAL:
                if wave.state == "cancelled":
                    await self.books.settle_cancelled(wave)
                return
            try:
                await self._step(wave, poll)
                await self.books.reachable(wave.id)
            except ProviderRejected as exc:
                await self._end(wave, "failed", f"provider refused: {exc}")
            except RETRYABLE:
                raise
            except Exception as exc:  # noqa: BLE001 - anything else fails the wave, with the reason
                log.error(
                    "wave %s failed in %s: %s: %s",
                    wave.id,
                    wave.state,
                    type(exc).__name__,
                    exc,
                    exc_info=log.isEnabledFor(logging.DEBUG),
                )
                await self._end(wave, "failed", f"{type(exc).__name__}: {exc}")

    async def _end(self, wave: Wave, state: str, reason: str) -> None:
        async with self.pool.acquire() as conn:
            await waves.transition(conn, wave.id, wave.state, state, reason=reason)

    async def _move(self, wave: Wave, to_state: str) -> None:
        async with self.pool.acquire() as conn:
            await waves.transition(conn, wave.id, wave.state, to_state)
        self.notify(wave, to_state, 0, wave.target_n)

    async def _step(self, wave: Wave, poll: Poll) -> None:
        if wave.state == "scheduled":
            await self._move(wave, "launching")
        elif wave.state == "launching":
            if await self._launch(wave, poll):
                await self._move(wave, "fielding")
        elif wave.state == "fielding":
            if await self._field(wave):
                await self._move(wave, "closing")
            else:
                await self.options.clock.sleep(self.options.poll_interval)
        elif wave.state == "closing":
            await self.books.close(wave)
            await self._move(wave, "processing")
        elif wave.state == "processing":
            await process_wave(self.pool, wave.id, poll, self.settings)
            await self._move(wave, "published")

    # --- launching ------------------------------------------------------------------------------------------

    def _survey_url(self, wave: Wave) -> str:
        base = (self.options.survey_base_url or self.settings.public_base_url).rstrip("/")
        return f"{base}/survey/{wave.id}/start"

    async def _spec(self, wave: Wave, poll: Poll) -> ProjectSpec:
        """What to buy for the wave (:func:`recognition.waves.pricing.wave_spec`, which quotes price too)."""
        async with self.pool.acquire() as conn:
            number = await waves.position(conn, poll.id, wave.scheduled_at)
        return wave_spec(
            poll.population,
            wave.target_n,
            reference=sessions.project_reference(self.settings.survey_secret, wave.id),
            name=f"{poll.name} — wave {wave.id}",
            topic=poll_topic(poll),
            survey_url=self._survey_url(wave),
            webhook_url=f"{self.settings.public_base_url}/webhooks/{self.provider.name}/{poll.organisation_id}",
            wave_number=number,
            entry_secret=sessions.link_secret(self.settings.survey_secret, wave.id),
        )

    async def _launch(self, wave: Wave, poll: Poll) -> bool:
        """Create and launch the wave's project, once. False if the wave was cancelled instead."""
        async with self.pool.acquire() as conn:
            fw = await fw_store.ensure_fieldwork(conn, wave.id, self.provider.name)
        spec = await self._spec(wave, poll)
        if fw.project_id is None:
            quote = await self.provider.feasibility(spec)
            if not quote.feasible:
                await self._end(wave, "failed", f"not feasible: the provider reaches {quote.available}")
                return False
            price = Price(quote.price, "provider", quote.currency)
            problem = budget_problem(wave.target_n, price, poll.budget)
            if problem is not None:  # the budget is per wave
                await self._end(wave, "cancelled", f"budget: {problem}")
                return False
            project = await self._outbox(
                wave,
                "create",
                spec.reference,
                lambda key: self.provider.create_project(spec, idempotency_key=key),
                lambda: self.provider.find_project(spec.reference),
            )
            period = self.options.field_period or fieldwork_window(poll.schedule)
            async with self.pool.acquire() as conn:
                await fw_store.set_project(
                    conn, wave.id, project.id, quote.price, self.options.clock.now() + period, quote.currency
                )
                fw = await fw_store.ensure_fieldwork(conn, wave.id, self.provider.name)
        assert fw.project_id is not None
        project_id = fw.project_id
        project = await self.provider.get_project(project_id)
        expires = None if fw.deadline is None else fw.deadline + timedelta(hours=1)
        async with self.pool.acquire() as conn:
            await survey_store.set_access(
                conn,
                SurveyAccess(
                    wave.id, self.provider.name, project_id, project.reference, spec.entry_secret, expires
                ),
            )

        async def launched() -> Project | None:
            current = await self.provider.get_project(project_id)
            return None if current.status == "draft" else current

        await self._outbox(
            wave,
            "launch",
            spec.reference,
            lambda key: self.provider.launch(project_id, idempotency_key=key),
            launched,
        )
        return True

    async def _outbox(
        self, wave: Wave, operation: str, reference: str, call: Callable[[str], Any], ask: Callable[[], Any]
    ) -> Project:
        return await call_once(self.pool, wave.id, self.provider.name, operation, reference, call, ask)

    # --- fielding -------------------------------------------------------------------------------------------

    async def _field(self, wave: Wave) -> bool:
        """One round of fielding; True when the wave should close (target reached or deadline passed)."""
        fw = await self.books.keep(wave)
        async with self.pool.acquire() as conn:
            valid = (await responses.count_by_status(conn, wave.id)).get("complete", 0)
        self.notify(wave, "fielding", valid, wave.target_n)
        return valid >= wave.target_n or (fw.deadline is not None and self.options.clock.now() >= fw.deadline)
