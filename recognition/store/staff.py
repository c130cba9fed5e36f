"""Staff rounds: the anonymous internal survey of a poll's sales and service staff (see
:mod:`recognition.waves.staff`). A round keeps only the SHA-256 of its shared link's token; its respondents are
stored with ``kind = 'staff'`` (never public: excluded wherever ``NOT test`` is read) and no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class StaffRound:
    id: int
    poll_id: int
    wave_id: int
    opened_at: datetime
    closed_at: datetime | None
    completes: int = 0


_ROUND = """SELECT r.id, r.poll_id, r.wave_id, r.opened_at, r.closed_at,
                   (SELECT count(*) FROM respondents x WHERE x.staff_round_id = r.id
                                                      AND x.status = 'complete') AS completes
            FROM staff_rounds r"""


async def survey_wave(conn: asyncpg.Connection, poll_id: int) -> int | None:
    """The poll's newest wave whose hosted survey exists (staff take that wave's questionnaire); None if none."""
    wave_id: int | None = await conn.fetchval(
        """SELECT w.id FROM waves w JOIN survey_links l ON l.wave_id = w.id
           WHERE w.poll_id = $1 ORDER BY w.scheduled_at DESC, w.id DESC LIMIT 1""",
        poll_id,
    )
    return wave_id


async def open_round(conn: asyncpg.Connection, poll_id: int, wave_id: int, token_hash: bytes) -> StaffRound:
    """Open a new round for the poll; a round still open is closed first (its link stops admitting)."""
    async with conn.transaction():
        await close_round(conn, poll_id)
        rid = await conn.fetchval(
            "INSERT INTO staff_rounds (poll_id, wave_id, token_hash) VALUES ($1, $2, $3) RETURNING id",
            poll_id,
            wave_id,
            token_hash,
        )
        row = await conn.fetchrow(f"{_ROUND} WHERE r.id = $1", rid)
    return StaffRound(**dict(row))


async def close_round(conn: asyncpg.Connection, poll_id: int) -> StaffRound | None:
    """Close the poll's open round; None when none was open."""
    rid = await conn.fetchval(
        "UPDATE staff_rounds SET closed_at = now() WHERE poll_id = $1 AND closed_at IS NULL RETURNING id",
        poll_id,
    )
    if rid is None:
        return None
    row = await conn.fetchrow(f"{_ROUND} WHERE r.id = $1", rid)
    return StaffRound(**dict(row))


async def round_of_link(conn: asyncpg.Connection, wave_id: int, token_hash: bytes) -> StaffRound | None:
    """The round (open or closed) whose link token hashes to ``token_hash`` for ``wave_id``; None for a forged
    link."""
    row = await conn.fetchrow(f"{_ROUND} WHERE r.wave_id = $1 AND r.token_hash = $2", wave_id, token_hash)
    return StaffRound(**dict(row)) if row else None


async def latest_round(conn: asyncpg.Connection, poll_id: int) -> StaffRound | None:
    """The poll's newest round with at least one complete answer, else its newest round; None without one."""
    row = await conn.fetchrow(
        f"""SELECT * FROM ({_ROUND} WHERE r.poll_id = $1) q
            ORDER BY (q.completes > 0) DESC, q.opened_at DESC, q.id DESC LIMIT 1""",
        poll_id,
    )
    return StaffRound(**dict(row)) if row else None


async def round_answers(conn: asyncpg.Connection, round_id: int) -> list[dict[str, Any]]:
    """The answers of the round's complete staff respondents, one mapping per respondent (in entry order)."""
    rows = await conn.fetch(
        """SELECT coalesce(jsonb_object_agg(a.question_id, a.value)
                           FILTER (WHERE a.question_id IS NOT NULL), '{}'::jsonb) AS answers
           FROM respondents r LEFT JOIN answers a ON a.respondent_id = r.id
           WHERE r.staff_round_id = $1 AND r.kind = 'staff' AND r.status = 'complete'
           GROUP BY r.id ORDER BY r.id""",
        round_id,
    )
    return [dict(r["answers"]) for r in rows]
