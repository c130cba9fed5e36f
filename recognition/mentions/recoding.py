"""Recoding unaided answers and bringing the affected waves' figures up to date.

:func:`recode` maps a reviewed fragment to a brand (or to "not a brand") in a new code-frame version, stores it
and re-codes every stored unaided answer of the poll's waves with it, in one transaction;
:func:`recode_and_reprocess` then processes again every affected wave that is already published (oldest first),
so its figures, the change tests compared with it and its rolling windows follow the new frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from recognition.errors import UserError
from recognition.mentions.coding import CodeFrame
from recognition.polls.model import Poll
from recognition.polls.questionnaire import default_frame
from recognition.settings import Settings
from recognition.store import mentions as store
from recognition.store import polls as polls_store
from recognition.store import waves
from recognition.waves.processing import process_wave


@dataclass(frozen=True)
class RecodeResult:
    frame: CodeFrame
    recoded: int  # respondents whose coding changed
    affected_waves: tuple[int, ...]  # waves holding such a respondent


@dataclass(frozen=True)
class RecodeReport:
    frame_version: int
    recoded: int
    affected_waves: tuple[int, ...]
    reprocessed_waves: tuple[int, ...]


async def recode(conn: asyncpg.Connection, poll: Poll, fragment: str, brand_id: str | None) -> RecodeResult:
    """Map ``fragment`` to ``brand_id`` (None: "not a brand") in a new frame version, store it, and re-code every
    stored unaided answer of the poll with it. One transaction; ``UserError`` for a bad recode."""
    async with conn.transaction():
        await store.lock_frames(conn, poll.id)
        current = await store.current_frame(conn, poll.id, default_frame(poll))
        try:
            frame = current.recode(fragment, brand_id)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        await store.save_frame(conn, poll.id, frame)
        changed = 0
        affected: set[int] = set()
        for respondent_id, wave_id, texts, boxes in await store.coded_answers(conn, poll.id):
            if await store.store_coding(conn, respondent_id, wave_id, texts, frame) != boxes:
                changed += 1
                affected.add(wave_id)
    return RecodeResult(frame, changed, tuple(sorted(affected)))


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
        result = await recode(conn, poll, fragment, brand_id)
    done = await reprocess(pool, settings, poll, result.affected_waves)
    return RecodeReport(result.frame.version, result.recoded, result.affected_waves, done)
