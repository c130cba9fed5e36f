"""Read-only helpers for reviewing coded unaided mentions (the code frames and coding live in
:mod:`recognition.store.survey`)."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from recognition.mentions.coding import CodeFrame


async def latest_frame(conn: asyncpg.Connection, poll_id: int) -> CodeFrame | None:
    """The poll's newest stored code frame, or None before its first unaided answer was coded (version 1, the
    poll's brands and aliases, is then stored on first use)."""
    row = await conn.fetchrow(
        "SELECT frame FROM code_frames WHERE poll_id = $1 ORDER BY version DESC LIMIT 1", poll_id
    )
    return CodeFrame.from_dict(row["frame"]) if row is not None else None


async def published_from(conn: asyncpg.Connection, poll_id: int, wave_ids: Iterable[int]) -> list[int]:
    """The poll's published waves from the earliest published one of ``wave_ids`` on, oldest first: the waves
    whose estimates follow a change to ``wave_ids`` (each later wave's change is tested against the one before
    it). Empty when none of ``wave_ids`` is published."""
    rows = await conn.fetch(
        """WITH first AS (SELECT min(scheduled_at) AS at FROM waves
                          WHERE poll_id = $1 AND state = 'published' AND id = ANY($2::bigint[]))
           SELECT w.id FROM waves w, first
           WHERE w.poll_id = $1 AND w.state = 'published' AND w.scheduled_at >= first.at
           ORDER BY w.scheduled_at, w.id""",
        poll_id,
        list(wave_ids),
    )
    return [int(r["id"]) for r in rows]
