"""Bringing published figures up to date after a change to stored answers (a recoded mention).

:func:`reprocess` processes again the published waves among the ones given, oldest first: their figures, the
change tests compared with them and the rolling windows that hold them follow
(:func:`recognition.waves.processing.process_wave`). :func:`recode_and_reprocess` maps a reviewed fragment to a
brand (or to "not a brand") in a new code-frame version and re-codes every stored unaided answer of the poll
(:func:`recognition.store.mentions.recode`), then reprocesses the affected waves.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from recognition.errors import UserError
from recognition.polls.model import Poll
from recognition.settings import Settings
from recognition.store import mentions as mentions_store
from recognition.store import polls as polls_store
from recognition.store import waves
from recognition.waves.processing import process_wave


@dataclass(frozen=True)
class RecodeReport:
    frame_version: int
    recoded: int
    affected_waves: tuple[int, ...]
    reprocessed_waves: tuple[int, ...]


async def reprocess(
    pool: asyncpg.Pool, settings: Settings, poll: Poll, wave_ids: tuple[int, ...]
) -> tuple[int, ...]:
    """Process again the published waves among ``wave_ids``, oldest first; returns them. Each reprocessing
    re-tests the wave after it and refreshes the rolling windows that hold it
    (:func:`recognition.waves.processing.process_wave`)."""
    async with pool.acquire() as conn:
        published = tuple(
            w.id for w in await waves.list_waves(conn, poll.id) if w.id in wave_ids and w.state == "published"
        )
    for wave_id in published:
        await process_wave(pool, wave_id, poll, settings)
    return published


async def recode_and_reprocess(
    pool: asyncpg.Pool, settings: Settings, poll_id: int, fragment: str, brand_id: str | None
) -> RecodeReport:
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, poll_id)
        if poll is None:
            raise UserError(f"no poll {poll_id}")
        result = await mentions_store.recode(conn, poll, fragment, brand_id)
    done = await reprocess(pool, settings, poll, result.affected_waves)
    return RecodeReport(result.frame.version, result.recoded, result.affected_waves, done)
