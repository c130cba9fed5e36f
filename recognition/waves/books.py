"""Keeping the provider's books and the service's in step while a wave is in the field, when it closes and when
it is cancelled.

- **The submission feed** (providers that keep one: Prolific, the simulated provider): read page by page, each
  page and the cursor stored in one transaction; every submission is linked to the respondent the hosted survey
  stored (same HMAC key of the provider's id). A valid complete waits for approval at close; a quality terminate
  is rejected with its first reason as fieldwork goes on (which re-opens its place); a submission without a
  finished survey respondent is rejected as ``no_code``; a second one of the same person is rejected as a
  duplicate. Feeds deliver at least once (Prolific's whole list whenever something finished), so a submission
  the books hold is passed over.
- **Outcomes still to be told** (providers told server to server: Cint, PureSpectrum): an outcome the survey
  could not tell the provider when the respondent left is told here, then forgotten; at close, until the
  respondents still in the survey have left (at most ``exit_grace`` seconds).
- **Pause and resume** requested through the API reach the provider's project.
- **Closing** closes the project, reads the feed until it accounts for every complete the survey stored (their
  return to the provider follows the exit redirect by moments; at most ``exit_grace`` seconds), approves the valid
  completes, sends the remaining decisions and records the cost: valid completes × the price quoted at launch
  (with a feed, the completes approved in it: a survey complete the provider never reported is not billed),
  plus the paid screen-outs of a provider that charges for them (Prolific).
- **Cancelling** does the same for a wave cancelled in the field, so its project stops buying at once and what
  was bought is paid and recorded.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from panels.base import Decision, Project, Provider, ProviderError
from recognition import sessions
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import pending_reports as reports_store
from recognition.store import responses
from recognition.store import survey as survey_store
from recognition.store import waves as waves_store
from recognition.store.fieldwork import Fieldwork
from recognition.store.waves import Wave
from recognition.waves.outbox import call_once

log = logging.getLogger(__name__)


def completes_cost(valid: int, price: float | None) -> float:
    """What a wave's valid completes cost: each at the price quoted at launch (paid screen-outs come on top at
    the close, for a provider that charges for them)."""
    return valid * (price or 0.0)


class Books:
    def __init__(self, pool: asyncpg.Pool, settings: Settings, provider: Provider, options: Any) -> None:
        self.pool = pool
        self.settings = settings
        self.provider = provider
        self.options = options

    async def _fieldwork(self, wave_id: int) -> Fieldwork:
        async with self.pool.acquire() as conn:
            fw = await fw_store.get_fieldwork(conn, wave_id)
        assert fw is not None and fw.project_id is not None, f"wave {wave_id} has no project"
        return fw

    async def keep(self, wave: Wave) -> Fieldwork:
        """One round while fielding: pause or resume as asked, read the feed, send decisions, tell outcomes."""
        fw = await self._fieldwork(wave.id)
        assert fw.project_id is not None
        if fw.pause_requested != fw.paused:
            await self._pause(wave, fw.project_id, fw.pause_requested)
        if self.provider.reports_submissions:
            await self._read_feed(wave, fw.project_id, fw.feed_cursor)
            await self._reconcile(wave, fw.project_id)
        await self._tell(wave)
        return fw

    async def _pause(self, wave: Wave, project_id: str, pause: bool) -> None:
        if pause:
            await self.provider.pause(project_id)
        else:
            await self.provider.resume(project_id)
        async with self.pool.acquire() as conn:
            await fw_store.set_paused(conn, wave.id, pause)

    async def close(self, wave: Wave) -> None:
        """Close the project and settle the books (see the module docstring)."""
        fw = await self._fieldwork(wave.id)
        assert fw.project_id is not None
        project_id = fw.project_id

        async def closed() -> Project | None:
            current = await self.provider.get_project(project_id)
            return current if current.status == "closed" else None

        project = await call_once(
            self.pool,
            wave.id,
            self.provider.name,
            "close",
            sessions.project_reference(self.settings.survey_secret, wave.id),
            lambda _key: self.provider.close(project_id),
            closed,
        )
        if self.provider.reports_submissions:
            await self._drain(wave, project_id)
            async with self.pool.acquire() as conn:
                await fw_store.approve_completes(conn, wave.id)
            await self._reconcile(wave, project_id)
        await self._tell(wave)
        if not self.provider.reports_submissions:
            await self._tell_late(wave)
        async with self.pool.acquire() as conn:
            if self.provider.reports_submissions:  # the completes approved in its feed are what it bills
                valid = (await fw_store.outcome_counts(conn, wave.id)).get("complete", 0)
            else:
                valid = (await responses.count_by_status(conn, wave.id)).get("complete", 0)
        cost = completes_cost(valid, fw.price) + await self._screen_outs(wave, project)
        async with self.pool.acquire() as conn:
            await fw_store.set_cost(conn, wave.id, round(cost, 2))

    async def _screen_outs(self, wave: Wave, project: Project) -> float:
        """What the paid screen-outs cost, for providers that charge for them (Prolific): the screen-outs the
        provider booked once nobody it sent is still taking part (respondents in the survey at the close finish
        as over quota, a paid screen-out there), waiting at most ``exit_grace`` seconds."""
        if project.screen_out_price <= 0:
            return 0.0
        progress = await self.provider.progress(project.id)
        waited = 0.0
        while progress.active and waited < self.options.exit_grace:
            await self.options.clock.sleep(self.options.poll_interval)
            waited += self.options.poll_interval
            progress = await self.provider.progress(project.id)
        if progress.active:
            log.warning("wave %s: %d respondents still taking part at the close", wave.id, progress.active)
        return progress.screened_out * project.screen_out_price

    async def settle_cancelled(self, wave: Wave) -> None:
        """A wave cancelled in the field: close its project at the provider and settle what was bought, once."""
        async with self.pool.acquire() as conn:
            fw = await fw_store.get_fieldwork(conn, wave.id)
        if fw is None or fw.project_id is None or fw.settled_at is not None:
            return
        await self.close(wave)
        async with self.pool.acquire() as conn:
            await fw_store.mark_settled(conn, wave.id)
        log.info(
            "wave %s: cancelled; its project %s is closed at %s", wave.id, fw.project_id, self.provider.name
        )

    async def settled(self, conn: asyncpg.Connection, wave_id: int) -> bool:
        """Nothing is left to do at the provider for this wave (a cancelled wave's project is closed)."""
        fw = await fw_store.get_fieldwork(conn, wave_id)
        if fw is None or fw.project_id is None or fw.settled_at is not None:
            return True
        wave = await waves_store.get_wave(conn, wave_id)
        return wave is None or wave.state != "cancelled"

    async def reachable(self, wave_id: int) -> None:
        """The provider answered: clear a recorded 'unreachable since'."""
        async with self.pool.acquire() as conn:
            await fw_store.provider_trouble(conn, wave_id, None)

    # --- the feed --------------------------------------------------------------------------------------------

    async def _read_feed(self, wave: Wave, project_id: str, cursor: str) -> str:
        while True:
            page = await self.provider.submissions(project_id, cursor)
            incoming = [
                fw_store.Incoming(
                    s.submission_id,
                    responses.respondent_key(
                        self.settings.survey_secret, self.provider.name, s.participant_id
                    ),
                )
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

    async def _drain(self, wave: Wave, project_id: str) -> None:
        """Read the feed until it accounts for every complete the survey stored, or ``exit_grace`` passed."""
        fw = await self._fieldwork(wave.id)
        cursor = await self._read_feed(wave, project_id, fw.feed_cursor)
        waited = 0.0
        while True:
            async with self.pool.acquire() as conn:
                missing = await fw_store.unreported_survey_completes(conn, wave.id)
            if not missing or waited >= self.options.exit_grace:
                break
            await self.options.clock.sleep(self.options.poll_interval)
            waited += self.options.poll_interval
            cursor = await self._read_feed(wave, project_id, cursor)
        if missing:
            log.warning("wave %s: %d survey completes were never reported by the provider", wave.id, missing)

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

    # --- outcomes still to be told ---------------------------------------------------------------------------

    async def _tell_late(self, wave: Wave) -> None:
        """A provider told server to server: respondents still in the survey at the close finish in moments (as
        over quota) and tell the provider themselves; an outcome the survey could not tell is told here, until
        nobody is left in the survey and nothing is left to tell, or ``exit_grace`` passed."""
        waited = 0.0
        while waited < self.options.exit_grace:
            async with self.pool.acquire() as conn:
                active = await survey_store.still_in_survey(conn, wave.id, self.options.exit_grace)
                pending = await reports_store.pending_reports(conn, wave.id, limit=1)
            if not active and not pending:
                return
            await self.options.clock.sleep(self.options.poll_interval)
            waited += self.options.poll_interval
            await self._tell(wave)
        log.warning("wave %s: respondents were still in the survey %.0f s after the close", wave.id, waited)

    async def _tell(self, wave: Wave) -> None:
        async with self.pool.acquire() as conn:
            pending = await reports_store.pending_reports(conn, wave.id)
            access = await survey_store.get_access(conn, wave.id) if pending else None
        if access is None:
            return
        for report in pending:
            token = sessions.report_token(self.settings.survey_secret, report.respondent_id)
            arrival = sessions.unseal(token, report.sealed)
            try:
                await self.provider.finish(access.for_provider(), arrival, report.outcome)
            except ProviderError as exc:
                async with self.pool.acquire() as conn:
                    await reports_store.report_failed(conn, report.respondent_id, str(exc))
                raise
            async with self.pool.acquire() as conn:
                await reports_store.report_done(conn, report.respondent_id)
