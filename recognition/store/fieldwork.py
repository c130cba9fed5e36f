"""Fieldwork state per wave: the provider project, the outbox of provider calls, the reported submissions.

The outbox (:func:`begin_call`, :func:`finish_call`) makes provider calls safe to repeat after a crash: the intent
and its deterministic idempotency key are committed before the call; the result after it. A caller that finds an
intent without a result knows a call may have happened and must ask the provider what became of it.

Submissions arrive a page at a time; :func:`store_page` stores a page and moves the feed cursor in one
transaction, so after a crash the page is read again from the old cursor and nothing is stored twice: a
submission is unique per (wave, submission id), a respondent per (wave, HMAC key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Fieldwork:
    wave_id: int
    provider: str
    project_id: str | None
    price: float | None
    currency: str
    deadline: datetime | None
    feed_cursor: str
    duplicates_dropped: int
    cost: float
    unreachable_since: datetime | None = None
    last_error: str | None = None
    settled_at: datetime | None = None
    pause_requested: bool = False
    paused: bool = False


@dataclass(frozen=True)
class Call:
    idempotency_key: str
    operation: str
    state: str  # intent | done
    result: dict[str, Any] | None
    fresh: bool  # True when this caller recorded the intent just now (no earlier attempt can exist)


@dataclass(frozen=True)
class Incoming:
    """One submission the provider reported: the respondent took the hosted survey, which stored and judged the
    answers; :func:`store_page` links the submission to that respondent."""

    submission_id: str
    respondent_key: bytes


def _fieldwork(row: asyncpg.Record) -> Fieldwork:
    data = {k: row[k] for k in Fieldwork.__dataclass_fields__}
    data["price"] = None if data["price"] is None else float(data["price"])
    data["cost"] = float(data["cost"])
    return Fieldwork(**data)


async def ensure_fieldwork(conn: asyncpg.Connection, wave_id: int, provider: str) -> Fieldwork:
    await conn.execute(
        "INSERT INTO wave_fieldwork (wave_id, provider) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        wave_id,
        provider,
    )
    row = await conn.fetchrow("SELECT * FROM wave_fieldwork WHERE wave_id = $1", wave_id)
    return _fieldwork(row)


async def get_fieldwork(conn: asyncpg.Connection, wave_id: int) -> Fieldwork | None:
    row = await conn.fetchrow("SELECT * FROM wave_fieldwork WHERE wave_id = $1", wave_id)
    return _fieldwork(row) if row else None


async def set_project(
    conn: asyncpg.Connection,
    wave_id: int,
    project_id: str,
    price: float,
    deadline: datetime | None,
    currency: str = "USD",
) -> None:
    """The wave's project at the provider and the price per complete (in ``currency``) quoted at launch."""
    await conn.execute(
        """UPDATE wave_fieldwork SET project_id = $2, price = $3, deadline = $4, currency = $5,
                  updated_at = now()
           WHERE wave_id = $1""",
        wave_id,
        project_id,
        price,
        deadline,
        currency,
    )


async def set_cost(conn: asyncpg.Connection, wave_id: int, cost: float) -> None:
    await conn.execute(
        "UPDATE wave_fieldwork SET cost = $2, updated_at = now() WHERE wave_id = $1", wave_id, cost
    )


# --- outbox -----------------------------------------------------------------------------------------------


async def begin_call(
    conn: asyncpg.Connection,
    wave_id: int,
    provider: str,
    operation: str,
    key: str,
    request: Mapping[str, Any] | None = None,
) -> Call:
    """Record the intent to make a provider call (or find the earlier record of it)."""
    row = await conn.fetchrow(
        """INSERT INTO provider_calls (wave_id, provider, operation, idempotency_key, request)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *""",
        wave_id,
        provider,
        operation,
        key,
        dict(request or {}),
    )
    fresh = row is not None
    if row is None:
        row = await conn.fetchrow("SELECT * FROM provider_calls WHERE idempotency_key = $1", key)
    return Call(key, row["operation"], row["state"], row["result"], fresh)


async def finish_call(
    conn: asyncpg.Connection, key: str, result: Mapping[str, Any], *, settled_by: str
) -> None:
    await conn.execute(
        """UPDATE provider_calls SET state = 'done', result = $2, settled_by = $3, done_at = now()
           WHERE idempotency_key = $1 AND state = 'intent'""",
        key,
        dict(result),
        settled_by,
    )


async def calls(conn: asyncpg.Connection, wave_id: int) -> list[Call]:
    rows = await conn.fetch("SELECT * FROM provider_calls WHERE wave_id = $1 ORDER BY id", wave_id)
    return [Call(r["idempotency_key"], r["operation"], r["state"], r["result"], False) for r in rows]


# --- submissions ------------------------------------------------------------------------------------------


async def store_page(conn: asyncpg.Connection, wave_id: int, page: Sequence[Incoming], cursor: str) -> int:
    """Store a page of submissions and move the feed cursor, atomically. A submission already stored (a feed
    delivers at least once: Prolific's whole list again) is passed over; returns the duplicates dropped in the
    page (second submissions of one respondent)."""
    duplicates = 0
    async with conn.transaction():
        held = {
            r["submission_id"]
            for r in await conn.fetch(
                """SELECT submission_id FROM wave_submissions
                   WHERE wave_id = $1 AND submission_id = ANY($2::text[])""",
                wave_id,
                [item.submission_id for item in page],
            )
        }
        for item in page:
            if item.submission_id not in held:
                held.add(item.submission_id)
                duplicates += await _link_hosted(conn, wave_id, item)
        await conn.execute(
            """UPDATE wave_fieldwork SET feed_cursor = $2, duplicates_dropped = duplicates_dropped + $3,
                      updated_at = now() WHERE wave_id = $1""",
            wave_id,
            cursor,
            duplicates,
        )
    return duplicates


async def _link_hosted(conn: asyncpg.Connection, wave_id: int, item: Incoming) -> int:
    """Record a submission of a respondent who took the hosted survey and link it to the respondent the survey
    stored: a valid complete awaits approval, a quality terminate is rejected with its first reason. A
    submission the survey has no finished respondent for is rejected as ``no_code``; a second submission of
    the same respondent is a duplicate, rejected as such. Returns 1 when the submission was a duplicate, else 0."""
    inserted = await conn.fetchval(
        """INSERT INTO wave_submissions (wave_id, submission_id, outcome) VALUES ($1, $2, 'duplicate')
           ON CONFLICT DO NOTHING RETURNING 1""",
        wave_id,
        item.submission_id,
    )
    if inserted is None:  # delivered again, stored meanwhile by another instance: not a second response
        return 0
    row = await conn.fetchrow(
        """SELECT r.id, r.status, r.quality_reasons,
                  EXISTS (SELECT 1 FROM wave_submissions s WHERE s.wave_id = r.wave_id AND s.respondent_id = r.id)
                      AS linked
           FROM respondents r WHERE r.wave_id = $1 AND r.respondent_key = $2""",
        wave_id,
        item.respondent_key,
    )
    if row is not None and row["linked"]:  # the same person again, under a new submission: rejected, or its
        await conn.execute(  # place would stay held (and a provider approves what waits too long)
            """UPDATE wave_submissions SET decision = 'reject', reason_code = 'duplicate'
               WHERE wave_id = $1 AND submission_id = $2""",
            wave_id,
            item.submission_id,
        )
        return 1
    if row is None or row["status"] not in ("complete", "quality_terminate"):
        outcome, decision, reason, rid = "quality_terminate", "reject", "no_code", None
    elif row["status"] == "complete":
        outcome, decision, reason, rid = "complete", None, None, row["id"]
    else:
        reasons = list(row["quality_reasons"] or [])
        code = reasons[0] if reasons else "attention_check"
        outcome, decision, reason, rid = "quality_terminate", "reject", code, row["id"]
    await conn.execute(
        """UPDATE wave_submissions SET outcome = $3, decision = $4, reason_code = $5, respondent_id = $6
           WHERE wave_id = $1 AND submission_id = $2""",
        wave_id,
        item.submission_id,
        outcome,
        decision,
        reason,
        rid,
    )
    return 0


async def unreported_survey_completes(conn: asyncpg.Connection, wave_id: int) -> int:
    """Completes (valid or quality-flagged, tests aside) the hosted survey stored that no provider submission is
    linked to."""
    return int(
        await conn.fetchval(
            """SELECT count(*) FROM respondents r JOIN survey_sessions s ON s.respondent_id = r.id
               WHERE r.wave_id = $1 AND r.status IN ('complete', 'quality_terminate') AND NOT r.test
                 AND NOT EXISTS (SELECT 1 FROM wave_submissions w
                                 WHERE w.wave_id = r.wave_id AND w.respondent_id = r.id)""",
            wave_id,
        )
    )


async def approve_completes(conn: asyncpg.Connection, wave_id: int) -> None:
    """Mark every stored valid complete for approval (at close)."""
    await conn.execute(
        """UPDATE wave_submissions SET decision = 'approve'
           WHERE wave_id = $1 AND outcome = 'complete' AND decision IS NULL""",
        wave_id,
    )


async def pending_decisions(
    conn: asyncpg.Connection, wave_id: int, *, limit: int = 1000
) -> list[tuple[str, str, str | None]]:
    rows = await conn.fetch(
        """SELECT submission_id, decision, reason_code FROM wave_submissions
           WHERE wave_id = $1 AND decision IS NOT NULL AND reconciled_at IS NULL
           ORDER BY submission_id LIMIT $2""",
        wave_id,
        limit,
    )
    return [(r["submission_id"], r["decision"], r["reason_code"]) for r in rows]


async def mark_reconciled(conn: asyncpg.Connection, wave_id: int, submission_ids: Sequence[str]) -> None:
    await conn.execute(
        """UPDATE wave_submissions SET reconciled_at = now()
           WHERE wave_id = $1 AND submission_id = ANY($2::text[]) AND reconciled_at IS NULL""",
        wave_id,
        list(submission_ids),
    )


async def outcome_counts(conn: asyncpg.Connection, wave_id: int) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT outcome, count(*) AS n FROM wave_submissions WHERE wave_id = $1 GROUP BY outcome", wave_id
    )
    return {r["outcome"]: int(r["n"]) for r in rows}


async def record_event(
    conn: asyncpg.Connection, provider: str, event_id: str, kind: str, project_id: str
) -> bool:
    """Remember a webhook event; False when it was seen before (providers deliver at least once)."""
    row = await conn.fetchval(
        """INSERT INTO provider_events (provider, event_id, kind, project_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING 1""",
        provider,
        event_id,
        kind,
        project_id,
    )
    return row is not None


#: Advisory lock class for wave drivers (one driver per wave across every instance).
WAVE_LOCK = 0x5245


async def try_lock_wave(conn: asyncpg.Connection, wave_id: int) -> bool:
    """Take the wave's driver lock on this connection (held until released or the connection ends)."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", WAVE_LOCK, wave_id))


async def unlock_wave(conn: asyncpg.Connection, wave_id: int) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1, $2)", WAVE_LOCK, wave_id)


async def unfinished_waves(conn: asyncpg.Connection, provider: str | None = None) -> list[tuple[int, int]]:
    """(wave id, poll id) of every wave not yet published, failed or cancelled, and of every cancelled wave whose
    project at the provider is not yet closed and settled (of polls using ``provider``), in the order they were
    scheduled."""
    rows = await conn.fetch(
        """SELECT w.id, w.poll_id FROM waves w JOIN polls p ON p.id = w.poll_id
           LEFT JOIN wave_fieldwork f ON f.wave_id = w.id
           WHERE ($1::text IS NULL OR p.provider = $1)
             AND (w.state NOT IN ('published', 'failed', 'cancelled')
                  OR (w.state = 'cancelled' AND f.project_id IS NOT NULL AND f.settled_at IS NULL))
           ORDER BY w.scheduled_at, w.id""",
        provider,
    )
    return [(int(r["id"]), int(r["poll_id"])) for r in rows]


async def fieldwork_books(conn: asyncpg.Connection, wave_id: int) -> dict[str, Any] | None:
    """The wave's duplicates dropped, cost and price at the provider."""
    row = await conn.fetchrow(
        "SELECT duplicates_dropped, cost, price FROM wave_fieldwork WHERE wave_id = $1", wave_id
    )
    return dict(row) if row else None


async def provider_trouble(conn: asyncpg.Connection, wave_id: int, error: str | None) -> None:
    """Record that the provider cannot be reached (the first time: since when), or that it answers again
    (``error`` None)."""
    await conn.execute(
        """UPDATE wave_fieldwork SET
               unreachable_since = CASE WHEN $2::text IS NULL THEN NULL ELSE coalesce(unreachable_since, now()) END,
               last_error = $2, updated_at = now()
           WHERE wave_id = $1 AND (unreachable_since IS NOT NULL OR $2::text IS NOT NULL)""",
        wave_id,
        None if error is None else error[:500],
    )


async def mark_settled(conn: asyncpg.Connection, wave_id: int) -> None:
    """A cancelled wave's project is closed at the provider and its submissions settled."""
    await conn.execute("UPDATE wave_fieldwork SET settled_at = now() WHERE wave_id = $1", wave_id)


async def set_pause(conn: asyncpg.Connection, wave_id: int, paused: bool) -> bool:
    """Ask for the wave's fieldwork to be paused (or resumed); False when the wave has no fieldwork yet."""
    status = await conn.execute(
        "UPDATE wave_fieldwork SET pause_requested = $2, updated_at = now() WHERE wave_id = $1",
        wave_id,
        paused,
    )
    return bool(status.endswith(" 1"))


async def set_paused(conn: asyncpg.Connection, wave_id: int, paused: bool) -> None:
    """The project's pause state at the provider, as the driver last set it."""
    await conn.execute(
        "UPDATE wave_fieldwork SET paused = $2, updated_at = now() WHERE wave_id = $1", wave_id, paused
    )
