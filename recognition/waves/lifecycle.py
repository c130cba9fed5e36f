"""The life of a wave in one service instance: started by the scheduler or by "launch now", driven through the
poll's panel provider in a background task (which also closes and settles a cancelled wave's project), resumed
after a restart.

A wave's state lives in PostgreSQL (:mod:`recognition.store.waves`); the :class:`WaveRunner` only holds the
tasks of this instance, so killing the process loses nothing: :func:`resume_unfinished` hands every wave a
previous run left in flight to fieldwork again, and the driver's per-wave lock keeps one driver per wave across
instances (:mod:`recognition.waves.fieldwork`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from panels.registry import ProviderRegistry
from recognition.polls.model import Poll
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store
from recognition.store.waves import Wave
from recognition.waves.fieldwork import FieldworkOptions, WaveReport, run_wave, wave_report

log = logging.getLogger(__name__)

#: What drives one wave's fieldwork to its end.
Fieldwork = Callable[[Poll, Wave], Awaitable[Any]]


async def start_wave(
    pool: asyncpg.Pool,
    settings: Settings,
    providers: ProviderRegistry,
    poll: Poll,
    wave: Wave,
    options: FieldworkOptions | None = None,
) -> WaveReport:
    """Run a wave through the poll's panel provider (from the service's registry); a provider this instance
    cannot serve fails the wave with the reason."""
    provider = await providers.get(poll.provider, poll.organisation_id)
    if provider is None:
        async with pool.acquire() as conn:
            await waves_store.transition(
                conn,
                wave.id,
                wave.state,
                "failed",
                reason=f"provider {poll.provider!r} has no credentials: set them for the organisation "
                f"(PUT /api/v1/providers/{poll.provider}/credentials) or for the instance (panels.*)",
            )
            return await wave_report(conn, wave.id)
    return await run_wave(pool, settings, wave.id, provider, options=options)


def provider_fieldwork(pool: asyncpg.Pool, settings: Settings, providers: ProviderRegistry) -> Fieldwork:
    """The service's fieldwork: each wave through its poll's provider adapter."""

    options = FieldworkOptions(poll_interval=settings.fieldwork_poll_interval)

    async def field(poll: Poll, wave: Wave) -> WaveReport:
        return await start_wave(pool, settings, providers, poll, wave, options)

    return field


class WaveRunner:
    """The waves in fieldwork in this instance, one background task each."""

    def __init__(self, fieldwork: Fieldwork) -> None:
        self.fieldwork = fieldwork
        self.tasks: dict[int, asyncio.Task[None]] = {}

    def start(self, poll: Poll, wave: Wave) -> None:
        """Drive ``wave`` in the background (nothing happens if this instance already drives it)."""
        if wave.id in self.tasks:
            return
        task = asyncio.get_running_loop().create_task(self._field(poll, wave), name=f"wave-{wave.id}")
        self.tasks[wave.id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(wave.id, None))

    async def _field(self, poll: Poll, wave: Wave) -> None:
        try:
            await self.fieldwork(poll, wave)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - fieldwork marks the wave failed with the reason
            log.exception("fieldwork of wave %s failed", wave.id)

    async def aclose(self) -> None:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def resume_unfinished(pool: asyncpg.Pool, runner: WaveRunner) -> int:
    """Hand every wave a previous run left in flight to ``runner``; returns how many."""
    async with pool.acquire() as conn:
        pending = await fw_store.unfinished_waves(conn)
        found = [
            (await polls_store.get_poll(conn, p), await waves_store.get_wave(conn, w)) for w, p in pending
        ]
    for poll, wave in found:
        if poll is not None and wave is not None:
            runner.start(poll, wave)
    return len(found)


def describe(report: WaveReport) -> dict[str, Any]:
    return {
        "id": report.wave_id,
        "state": report.state,
        "stored_completes": report.stored_completes,
        "duplicates_dropped": report.duplicates_dropped,
    }


async def resume_in_flight(
    pool: asyncpg.Pool, settings: Settings, provider: Any, *, options: FieldworkOptions | None = None
) -> list[WaveReport]:
    """Drive every unfinished wave whose poll uses ``provider`` to its end, one after the other (the demo's
    and the tests' way to pick up what a crash left)."""
    async with pool.acquire() as conn:
        pending = await fw_store.unfinished_waves(conn, provider.name)
    return [await run_wave(pool, settings, wave_id, provider, options=options) for wave_id, _ in pending]
