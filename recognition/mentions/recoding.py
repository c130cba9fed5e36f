"""Recoding unaided answers and bringing the affected waves' estimates up to date.

:func:`recode_and_reprocess` stores a new code-frame version mapping a reviewed fragment to a brand (or to "not a
brand"), re-codes the stored unaided answers of the poll's waves (:func:`recognition.store.survey.recode`) and
processes again every affected wave that already has published estimates, so they follow the new frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from recognition.errors import UserError
from recognition.settings import Settings
from recognition.store import polls as polls_store
from recognition.store import survey as store
from recognition.store import waves
from recognition.waves.processing import process_wave


@dataclass(frozen=True)
class RecodeReport:
    frame_version: int
    recoded: int
    affected_waves: tuple[int, ...]
    reprocessed_waves: tuple[int, ...]


async def recode_and_reprocess(
    pool: asyncpg.Pool, settings: Settings, poll_id: int, fragment: str, brand_id: str | None
) -> RecodeReport:
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, poll_id)
        if poll is None:
            raise UserError(f"no poll {poll_id}")
        result = await store.recode(conn, poll, fragment, brand_id)
        published = []
        for wave_id in result.affected_waves:
            wave = await waves.get_wave(conn, wave_id)
            if wave is not None and wave.state == "published":
                published.append(wave_id)
    for wave_id in published:
        await process_wave(pool, wave_id, poll, settings)
    return RecodeReport(result.frame.version, result.recoded, result.affected_waves, tuple(published))
