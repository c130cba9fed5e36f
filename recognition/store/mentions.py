"""Unaided mentions: versioned code frames per poll, the coding of each respondent's unaided boxes (the
``unaided_coded`` answer processing reads, and the review record), unmatched fragments for review, and recoding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from recognition.errors import UserError
from recognition.mentions.coding import CodeFrame, UnmatchedFragment, code_boxes
from recognition.mentions.learning import rebase
from recognition.polls.model import Poll
from recognition.polls.questionnaire import default_frame

#: Frames read back, by checksum: a stored frame never changes, so each respondent who finishes codes their boxes
#: with the frame (and its index, and what it remembers of boxes already read) built once per version.
_READ: dict[str, CodeFrame] = {}
_READ_MAX = 64


async def latest_frame(conn: asyncpg.Connection, poll_id: int) -> CodeFrame | None:
    """The poll's newest stored code frame, or None before its first unaided answer was coded (version 1, the
    poll's brands and aliases, is then stored on first use)."""
    row = await conn.fetchrow(
        "SELECT checksum FROM code_frames WHERE poll_id = $1 ORDER BY version DESC LIMIT 1", poll_id
    )
    if row is None:
        return None
    known = _READ.get(row["checksum"])
    if known is not None:
        return known
    stored = await conn.fetchval(
        "SELECT frame FROM code_frames WHERE poll_id = $1 AND checksum = $2", poll_id, row["checksum"]
    )
    frame = CodeFrame.from_dict(stored)
    if len(_READ) >= _READ_MAX:
        _READ.pop(next(iter(_READ)))
    _READ[frame.checksum] = frame
    return frame


async def current_frame(conn: asyncpg.Connection, poll_id: int, first: CodeFrame) -> CodeFrame:
    """The poll's latest code frame. ``first`` holds the poll's brands and aliases as they are now: stored as
    version 1 on first use, and when the stored frame has other brands (names or aliases edited with the poll)
    the next version is stored with them, keeping what review taught that still fits
    (:func:`recognition.mentions.learning.rebase`)."""
    frame = await latest_frame(conn, poll_id)
    if frame is not None and frame.brands == first.brands:
        return frame
    try:
        await save_frame(conn, poll_id, first if frame is None else rebase(frame, first.brands))
    except ValueError as exc:
        raise UserError(f"the poll's brands cannot form a code frame: {exc}") from None
    frame = await latest_frame(conn, poll_id)  # ours, or the same version stored by a concurrent caller
    assert frame is not None
    return frame


async def save_frame(conn: asyncpg.Connection, poll_id: int, frame: CodeFrame) -> bool:
    """Store a frame version; False when that version already exists (frames are immutable)."""
    done = await conn.fetchval(
        """INSERT INTO code_frames (poll_id, version, frame, checksum) VALUES ($1, $2, $3, $4)
           ON CONFLICT (poll_id, version) DO NOTHING RETURNING version""",
        poll_id,
        frame.version,
        frame.to_dict(),
        frame.checksum,
    )
    return done is not None


async def store_coding(
    conn: asyncpg.Connection, respondent_id: int, wave_id: int, boxes: Sequence[str], frame: CodeFrame
) -> list[list[str]]:
    """Code a respondent's unaided boxes with ``frame`` and store the result (the ``unaided_coded`` answer that
    processing reads, and the review record). Returns the brands per filled box."""
    coded = code_boxes(list(boxes), frame)
    per_box = [list(m.brands) for m in coded.mentions]
    unmatched = [f for m in coded.mentions for f in m.unmatched]
    await conn.execute(
        """INSERT INTO answers (respondent_id, question_id, value) VALUES ($1, 'unaided_coded', $2)
           ON CONFLICT (respondent_id, question_id) DO UPDATE SET value = EXCLUDED.value, answered_at = now()""",
        respondent_id,
        per_box,
    )
    await conn.execute(
        """INSERT INTO unaided_coding (respondent_id, wave_id, frame_version, boxes, unmatched)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (respondent_id) DO UPDATE SET frame_version = EXCLUDED.frame_version,
               boxes = EXCLUDED.boxes, unmatched = EXCLUDED.unmatched, coded_at = now()""",
        respondent_id,
        wave_id,
        frame.version,
        per_box,
        unmatched,
    )
    return per_box


async def latest_coded_wave(conn: asyncpg.Connection, poll_id: int) -> int | None:
    """The poll's latest wave with coded unaided answers, if any."""
    found = await conn.fetchval(
        """SELECT max(c.wave_id) FROM unaided_coding c JOIN waves w ON w.id = c.wave_id WHERE w.poll_id = $1""",
        poll_id,
    )
    return None if found is None else int(found)


async def unmatched_fragments(
    conn: asyncpg.Connection, poll_id: int, *, wave_id: int | None = None, limit: int = 100
) -> list[UnmatchedFragment]:
    """Fragments of the poll's unaided answers left uncoded by the frame they were coded with, most frequent
    first (ties alphabetical): what a reviewer should map to a brand or mark "not a brand"."""
    rows = await conn.fetch(
        """SELECT f AS text, count(*) AS n
           FROM unaided_coding c JOIN waves w ON w.id = c.wave_id, unnest(c.unmatched) AS f
           WHERE w.poll_id = $1 AND ($2::bigint IS NULL OR c.wave_id = $2)
           GROUP BY f ORDER BY count(*) DESC, f LIMIT $3""",
        poll_id,
        wave_id,
        limit,
    )
    return [UnmatchedFragment(str(r["text"]), int(r["n"])) for r in rows]


async def lock_frames(conn: asyncpg.Connection, poll_id: int) -> None:
    """Serialise changes to a poll's code frame (held until the transaction ends)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('recognition.code_frames'), $1::int)", poll_id % 2_000_000_000
    )


async def coded_answers(
    conn: asyncpg.Connection, poll_id: int, wave_id: int | None = None
) -> list[tuple[int, int, list[str], Any]]:
    """(respondent id, wave id, typed unaided texts, coded boxes) of every coded respondent of the poll (of one
    wave with ``wave_id``)."""
    rows = await conn.fetch(
        """SELECT c.respondent_id, c.wave_id, c.boxes, a.value AS texts
           FROM unaided_coding c JOIN waves w ON w.id = c.wave_id
                JOIN answers a ON a.respondent_id = c.respondent_id AND a.question_id = 'unaided'
           WHERE w.poll_id = $1 AND ($2::bigint IS NULL OR c.wave_id = $2) ORDER BY c.respondent_id""",
        poll_id,
        wave_id,
    )
    return [
        (
            int(r["respondent_id"]),
            int(r["wave_id"]),
            r["texts"] if isinstance(r["texts"], list) else [],
            r["boxes"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class RecodeResult:
    frame: CodeFrame
    recoded: int  # respondents whose coding changed
    affected_waves: tuple[int, ...]  # waves holding such a respondent


async def recode(conn: asyncpg.Connection, poll: Poll, fragment: str, brand_id: str | None) -> RecodeResult:
    """Map ``fragment`` to ``brand_id`` (None: "not a brand") in a new frame version, store it, and re-code every
    stored unaided answer of the poll with it. One transaction; ``UserError`` for a bad recode."""
    async with conn.transaction():
        await lock_frames(conn, poll.id)
        current = await current_frame(conn, poll.id, default_frame(poll))
        try:
            frame = current.recode(fragment, brand_id)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        await save_frame(conn, poll.id, frame)
        changed = 0
        affected: set[int] = set()
        for respondent_id, wave_id, texts, boxes in await coded_answers(conn, poll.id):
            if await store_coding(conn, respondent_id, wave_id, texts, frame) != boxes:
                changed += 1
                affected.add(wave_id)
    return RecodeResult(frame, changed, tuple(sorted(affected)))
