"""Outcomes the provider is still to be told: an outcome the hosted survey could not tell the provider at the
exit (or is telling it server to server right now) is kept here, sealed (:func:`recognition.sessions.seal`), until
fieldwork tells it (:mod:`recognition.waves.books`), then deleted."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class PendingReport:
    respondent_id: int
    wave_id: int
    outcome: str
    sealed: bytes
    attempts: int


async def add_pending_report(
    conn: asyncpg.Connection, respondent_id: int, wave_id: int, outcome: str, sealed: bytes, error: str
) -> None:
    await conn.execute(
        """INSERT INTO provider_reports (respondent_id, wave_id, outcome, sealed, attempts, last_error)
           VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (respondent_id) DO NOTHING""",
        respondent_id,
        wave_id,
        outcome,
        sealed,
        error[:500],
    )


async def pending_reports(conn: asyncpg.Connection, wave_id: int, *, limit: int = 200) -> list[PendingReport]:
    rows = await conn.fetch(
        """SELECT respondent_id, wave_id, outcome, sealed, attempts FROM provider_reports
           WHERE wave_id = $1 ORDER BY created_at LIMIT $2""",
        wave_id,
        limit,
    )
    return [PendingReport(**dict(r)) for r in rows]


async def report_failed(conn: asyncpg.Connection, respondent_id: int, error: str) -> None:
    await conn.execute(
        "UPDATE provider_reports SET attempts = attempts + 1, last_error = $2 WHERE respondent_id = $1",
        respondent_id,
        error[:500],
    )


async def report_done(conn: asyncpg.Connection, respondent_id: int) -> None:
    await conn.execute("DELETE FROM provider_reports WHERE respondent_id = $1", respondent_id)
