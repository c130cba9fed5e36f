"""Fieldwork: drive one wave through its states, from scheduled to published.

``scheduled → launching → fielding → closing → processing → published`` (or ``failed`` with a reason). Every step
is a compare-and-set transition in PostgreSQL (:mod:`recognition.store.waves`), so re-running :func:`run_wave`
on a wave that is already under way picks it up where it stands instead of starting over, and a second process
doing the same finds nothing left to do.

Completes are stored under a pseudonymous respondent key (HMAC of the provider's id), unique per wave, so a
respondent reported twice is stored once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from panels.simulated.respondents import SimulatedRespondent
from recognition.processing import process_wave
from recognition.settings import Settings
from recognition.store import polls as polls_store
from recognition.store import responses, waves
from recognition.store.waves import Wave

log = logging.getLogger(__name__)

Progress = Callable[[Wave, str, int, int], None]


class RespondentSource(Protocol):
    """The part of a panel provider the fieldwork loop needs: respondents arriving for a wave."""

    name: str

    async def respondents(self, wave: Wave, n: int) -> list[SimulatedRespondent]: ...


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
    source: RespondentSource,
    *,
    progress: Progress | None = None,
) -> WaveReport:
    """Take the wave from whatever state it is in to a terminal one."""
    notify = progress or (lambda *_: None)
    duplicates = 0
    async with pool.acquire() as conn:
        wave = await waves.get_wave(conn, wave_id)
        assert wave is not None, f"wave {wave_id} does not exist"
        poll = await polls_store.get_poll(conn, wave.poll_id)
        assert poll is not None
    try:
        if wave.state == "scheduled":
            wave = await _move(pool, wave, "launching")
        if wave.state == "launching":
            wave = await _move(pool, wave, "fielding")
        if wave.state == "fielding":
            duplicates = await _field(pool, settings, wave, source, notify)
            wave = await _move(pool, wave, "closing")
        if wave.state == "closing":
            wave = await _move(pool, wave, "processing")
        if wave.state == "processing":
            notify(wave, "processing", 0, 0)
            await process_wave(pool, wave.id, poll, settings)
            wave = await _move(pool, wave, "published")
    except Exception as exc:
        log.error("wave %s failed: %s: %s", wave.id, type(exc).__name__, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        async with pool.acquire() as conn:
            await waves.transition(conn, wave.id, wave.state, "failed", reason=f"{type(exc).__name__}: {exc}")
        raise
    async with pool.acquire() as conn:
        counts = await responses.count_by_status(conn, wave.id)
    notify(wave, wave.state, counts.get("complete", 0), wave.target_n)
    return WaveReport(wave.id, wave.state, sum(counts.get(s, 0) for s in ("complete", "quality_terminate")),
                      duplicates)


async def _move(pool: asyncpg.Pool, wave: Wave, to_state: str) -> Wave:
    async with pool.acquire() as conn:
        await waves.transition(conn, wave.id, wave.state, to_state)
        current = await waves.get_wave(conn, wave.id)
    assert current is not None
    return current


async def _field(pool: asyncpg.Pool, settings: Settings, wave: Wave, source: RespondentSource,
                 notify: Progress) -> int:
    """Collect completes until the wave's target of valid completes is reached. Returns duplicates dropped."""
    duplicates = 0
    async with pool.acquire() as conn:
        have = (await responses.count_by_status(conn, wave.id)).get("complete", 0)
    batch_size = max(50, wave.target_n // 10)
    while have < wave.target_n:
        batch = await source.respondents(wave, min(batch_size, wave.target_n - have))
        async with pool.acquire() as conn:
            for person in batch:
                key = responses.respondent_key(settings.survey_secret, source.name, person.provider_id)
                stored = await responses.record_complete(conn, wave.id, key, person.demographics, person.answers)
                if stored is None:
                    duplicates += 1
                else:
                    have += 1
        notify(wave, "fielding", have, wave.target_n)
    return duplicates


async def start_wave(pool: asyncpg.Pool, settings: Settings, poll: polls_store.Poll, wave: Wave) -> WaveReport:
    """Run a wave the scheduler (or an API call) created, through the poll's panel provider."""
    from panels.simulated.inprocess import InProcessPanel

    if poll.provider != "simulated":
        async with pool.acquire() as conn:
            await waves.transition(conn, wave.id, wave.state, "failed",
                                   reason=f"provider {poll.provider!r} is not configured in this instance")
        return WaveReport(wave.id, "failed", 0, 0)
    return await run_wave(pool, settings, wave.id, InProcessPanel(poll, poll.created_at))


def describe(report: WaveReport) -> dict[str, Any]:
    return {"id": report.wave_id, "state": report.state, "stored_completes": report.stored_completes,
            "duplicates_dropped": report.duplicates_dropped}
