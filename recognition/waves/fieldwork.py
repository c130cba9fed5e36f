"""Fieldwork: each wave is a durable state machine in PostgreSQL, driven through a panel provider.

``scheduled → launching → fielding → closing → processing → published`` (or ``failed`` / ``cancelled`` with a
reason). Every move is a compare-and-set on the wave's state (:mod:`recognition.store.waves`) and every step can be
repeated: the driver re-reads the wave and does what its state still needs, so a process killed at any instant is
picked up where it stood by the next one (:func:`resume_in_flight`).

- **One driver per wave.** A driver holds a PostgreSQL advisory lock on the wave (on its own connection; it goes
  when the process or the connection dies), so two instances on one database never drive a wave at once.
- **Outbox.** A provider call that changes something (create the project, launch, close) is recorded with a
  deterministic idempotency key before it is made and its result after. An intent found without a result is
  settled by *asking* the provider (find the project by its reference, read its status), never by calling again
  blindly; the key is still sent with any call so the provider can recognise a repeat.
- **Launching** derives the wave's entry-link secret (:func:`link_secret`), stores it with the provider's exit
  URLs (:func:`recognition.store.survey.set_wave_links`) and gives the provider the survey's entry URL
  (``{survey base}/survey/{wave}/start``), then asks feasibility and price; a launch whose cost (target × price) would take the poll past its
  budget (counting what its other waves cost or are committed to) cancels the wave instead. Quotas come from the
  population margins (:func:`panels.base.quotas_from_margins`).
- **Fielding** reads the provider's submission feed page by page (page and cursor stored atomically). A
  submission with answers (server to server) is judged (:func:`recognition.waves.quality.panel_reasons`) and stored; one
  without answers is a respondent who took the hosted survey, already stored by the survey pages, and is linked
  to that respondent (its status decides approval). A respondent is stored once per (wave, HMAC key); fielding
  rejects
  quality terminates as it goes (which re-opens their places). It closes at the target of valid completes or at
  the fieldwork deadline.
- **Closing** closes the project, reads the feed until it accounts for every complete the survey pages stored
  (their return to the provider follows the exit redirect; at most ``exit_grace`` seconds), reads it to its end, approves the valid completes and sends the remaining
  rejections in batches (each decision is marked once sent; the provider treats repeats as no-ops), and records
  the cost: approved completes × price.

Transient trouble (provider unavailable after its retries, the database restarting) pauses the driver and it tries
again; a provider refusing a request fails the wave with the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from panels.base import (
    Decision,
    Project,
    ProjectSpec,
    Provider,
    ProviderError,
    ProviderRejected,
    quotas_from_margins,
)
from recognition.polls.model import Poll
from recognition.populations import load_margins
from recognition.scheduling.clock import Clock, SystemClock
from recognition.scheduling.schedule import fieldwork_window
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import polls as polls_store
from recognition.store import responses, waves
from recognition.store import survey as survey_store
from recognition.store.waves import TERMINAL, Wave
from recognition.waves.outbox import call_once
from recognition.waves.processing import process_wave
from recognition.waves.quality import panel_reasons

log = logging.getLogger(__name__)

Progress = Callable[[Wave, str, int, int], None]
TRANSIENT_DB = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,  # the server is stopping or restarting: its connections are cut
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    TimeoutError,
)


@dataclass(frozen=True)
class FieldworkOptions:
    poll_interval: float = 0.1  # seconds between reads of the submission feed while fielding
    retry_delay: float = 0.5  # seconds to wait after transient trouble
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


def project_reference(settings: Settings, wave_id: int) -> str:
    """The wave's stable reference at the provider: unique per installation (keyed by its secret) and wave."""
    digest = hmac.new(settings.survey_secret.encode(), f"wave:{wave_id}".encode(), hashlib.sha256).hexdigest()
    return f"rw{wave_id}-{digest[:12]}"


def link_secret(settings: Settings, wave_id: int) -> str:
    """The wave's entry-link secret (shared with the provider, who signs each respondent's link with it).

    Derived from the installation secret, so a launch repeated after a crash hands out the same secret."""
    return hmac.new(settings.survey_secret.encode(), f"links:{wave_id}".encode(), hashlib.sha256).hexdigest()


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

    async def run(self, wave_id: int) -> WaveReport:
        while True:
            try:
                async with self.pool.acquire() as lock_conn:
                    if await fw_store.try_lock_wave(lock_conn, wave_id):
                        try:
                            await self._drive(wave_id)
                        finally:
                            await _unlock(lock_conn, wave_id)
                    async with self.pool.acquire() as conn:
                        report = await wave_report(conn, wave_id)
                if report.state in TERMINAL:
                    return report
            except (ProviderError, *TRANSIENT_DB) as exc:
                if isinstance(exc, ProviderError) and not exc.transient:
                    raise
                log.warning(
                    "wave %s: transient trouble, trying again: %s: %s", wave_id, type(exc).__name__, exc
                )
            await self.options.clock.sleep(self.options.retry_delay)

    async def _drive(self, wave_id: int) -> None:
        while True:
            async with self.pool.acquire() as conn:
                wave = await waves.get_wave(conn, wave_id)
                assert wave is not None, f"wave {wave_id} does not exist"
                poll = await polls_store.get_poll(conn, wave.poll_id)
                assert poll is not None
            if wave.state in TERMINAL:
                return
            try:
                await self._step(wave, poll)
            except ProviderRejected as exc:
                await self._end(wave, "failed", f"provider refused: {exc}")
            except (ProviderError, *TRANSIENT_DB):
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
            if await self._field(wave, poll):
                await self._move(wave, "closing")
            else:
                await self.options.clock.sleep(self.options.poll_interval)
        elif wave.state == "closing":
            await self._close(wave, poll)
            await self._move(wave, "processing")
        elif wave.state == "processing":
            await process_wave(self.pool, wave.id, poll, self.settings)
            await self._move(wave, "published")

    # --- launching ------------------------------------------------------------------------------------------

    def _survey_url(self, wave: Wave) -> str:
        base = (self.options.survey_base_url or self.settings.public_base_url).rstrip("/")
        return f"{base}/survey/{wave.id}/start"

    async def _spec(self, wave: Wave, poll: Poll) -> ProjectSpec:
        """What to buy for the wave — the same for every provider; each adapter maps it onto its own API."""
        async with self.pool.acquire() as conn:
            number = await waves.position(conn, poll.id, wave.scheduled_at)
        return ProjectSpec(
            reference=project_reference(self.settings, wave.id),
            name=f"{poll.name} — wave {wave.id}",
            target_n=wave.target_n,
            country=poll.population,
            quotas=quotas_from_margins(load_margins(poll.population), wave.target_n),
            survey_url=self._survey_url(wave),
            webhook_url=f"{self.settings.public_base_url}/webhooks/{self.provider.name}",
            topic={"category": poll.category, "brands": poll.brands, "own_brand": poll.own_brand},
            wave_number=number,
            entry_secret=link_secret(self.settings, wave.id),
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
            if poll.budget is not None:
                async with self.pool.acquire() as conn:
                    spent = await fw_store.committed_cost(conn, poll.id, excluding_wave=wave.id)
                cost = wave.target_n * quote.price
                if spent + cost > poll.budget + 1e-9:
                    await self._end(
                        wave,
                        "cancelled",
                        f"budget: {spent:.2f} committed + {cost:.2f} for this wave "
                        f"exceeds the poll's budget of {poll.budget:.2f}",
                    )
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
                    conn, wave.id, project.id, quote.price, self.options.clock.now() + period
                )
                fw = await fw_store.ensure_fieldwork(conn, wave.id, self.provider.name)
        assert fw.project_id is not None
        project_id = fw.project_id
        await self._set_links(wave, await self.provider.get_project(project_id), fw.deadline)

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

    async def _set_links(self, wave: Wave, project: Project, deadline: datetime | None) -> None:
        """The survey's per-wave settings: the link secret and the provider's exit URLs (before the launch, so
        the first respondent finds them; repeating it stores the same values)."""
        exits = self.provider.exit_links(project)
        async with self.pool.acquire() as conn:
            await survey_store.set_wave_links(
                conn,
                wave.id,
                secret=link_secret(self.settings, wave.id),
                complete_url=exits["complete"],
                screenout_url=exits["screened_out"],
                overquota_url=exits["over_quota"],
                quality_url=exits["quality_terminate"],
                expires_at=None if deadline is None else deadline + timedelta(hours=1),
            )

    async def _outbox(
        self, wave: Wave, operation: str, reference: str, call: Callable[[str], Any], ask: Callable[[], Any]
    ) -> Project:
        return await call_once(self.pool, wave.id, self.provider.name, operation, reference, call, ask)

    # --- fielding -------------------------------------------------------------------------------------------

    async def _read_feed(self, wave: Wave, poll: Poll, project_id: str, cursor: str) -> str:
        while True:
            page = await self.provider.submissions(project_id, cursor)
            incoming = [
                self._judge(s.submission_id, s.participant_id, s.data, poll)
                for s in page.submissions
                if s.status == "complete"
            ]
            if not page.submissions and page.cursor == cursor:
                return cursor
            async with self.pool.acquire() as conn:
                await fw_store.store_page(conn, wave.id, incoming, page.cursor)
            if page.cursor == cursor:
                return cursor
            cursor = page.cursor

    def _judge(self, submission_id: str, participant_id: str, data: Any, poll: Poll) -> fw_store.Incoming:
        key = responses.respondent_key(self.settings.survey_secret, self.provider.name, participant_id)
        if "answers" not in data:  # took the hosted survey: the survey pages stored and judged the answers
            return fw_store.Incoming(submission_id, key, "hosted", (), {}, {})
        reasons = panel_reasons(data, poll.brand_ids)
        return fw_store.Incoming(
            submission_id,
            key,
            "quality_terminate" if reasons else "complete",
            reasons,
            dict(data.get("demographics") or {}),
            dict(data.get("answers") or {}),
        )

    async def _reconcile(self, wave: Wave, project_id: str) -> None:
        while True:
            async with self.pool.acquire() as conn:
                pending = await fw_store.pending_decisions(conn, wave.id, limit=self.options.reconcile_batch)
            if not pending:
                return
            await self.provider.reconcile(
                project_id,
                [Decision(sid, d == "approve", None if d == "approve" else r) for sid, d, r in pending],
            )
            async with self.pool.acquire() as conn:
                await fw_store.mark_reconciled(conn, wave.id, [sid for sid, _, _ in pending])

    async def _field(self, wave: Wave, poll: Poll) -> bool:
        """One round of fielding; True when the wave should close (target reached or deadline passed)."""
        async with self.pool.acquire() as conn:
            fw = await fw_store.get_fieldwork(conn, wave.id)
        assert fw is not None and fw.project_id is not None
        await self._read_feed(wave, poll, fw.project_id, fw.feed_cursor)
        await self._reconcile(wave, fw.project_id)
        async with self.pool.acquire() as conn:
            valid = (await responses.count_by_status(conn, wave.id)).get("complete", 0)
        self.notify(wave, "fielding", valid, wave.target_n)
        return valid >= wave.target_n or (fw.deadline is not None and self.options.clock.now() >= fw.deadline)

    async def _close(self, wave: Wave, poll: Poll) -> None:
        async with self.pool.acquire() as conn:
            fw = await fw_store.get_fieldwork(conn, wave.id)
        assert fw is not None and fw.project_id is not None
        project_id = fw.project_id

        async def closed() -> Project | None:
            current = await self.provider.get_project(project_id)
            return current if current.status == "closed" else None

        await self._outbox(
            wave,
            "close",
            project_reference(self.settings, wave.id),
            lambda _key: self.provider.close(project_id),
            closed,
        )
        async with self.pool.acquire() as conn:
            fw = await fw_store.get_fieldwork(conn, wave.id)
        assert fw is not None
        cursor = await self._read_feed(wave, poll, project_id, fw.feed_cursor)
        waited = 0.0
        while True:  # survey completes whose return has not reached the provider's feed yet
            async with self.pool.acquire() as conn:
                missing = await fw_store.unreported_survey_completes(conn, wave.id)
            if not missing or waited >= self.options.exit_grace:
                break
            await self.options.clock.sleep(self.options.poll_interval)
            waited += self.options.poll_interval
            cursor = await self._read_feed(wave, poll, project_id, cursor)
        if missing:
            log.warning("wave %s: %d survey completes were never reported by the provider", wave.id, missing)
        async with self.pool.acquire() as conn:
            await fw_store.approve_completes(conn, wave.id)
        await self._reconcile(wave, project_id)
        async with self.pool.acquire() as conn:
            valid = (await responses.count_by_status(conn, wave.id)).get("complete", 0)
            await fw_store.set_cost(conn, wave.id, round(valid * (fw.price or 0.0), 2))
