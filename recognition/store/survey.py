"""Hosted-survey storage: per-wave link secrets and exit URLs, respondent sessions, answers and refused entries
(code frames and the coding of unaided answers are in :mod:`recognition.store.mentions`).

No function here takes or stores personal data: respondents are known by their HMAC key, a session by the SHA-256
of its token; the provider id lives only sealed under the token (see :mod:`recognition.web.survey.links`) until the
exit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from recognition.errors import UserError


@dataclass(frozen=True)
class WaveLinks:
    wave_id: int
    secret: str
    complete_url: str
    screenout_url: str
    overquota_url: str
    quality_url: str
    expires_at: datetime | None

    def url_for(self, status: str) -> str:
        """The exit URL template for a terminal respondent status."""
        return {
            "complete": self.complete_url,
            "screened_out": self.screenout_url,
            "over_quota": self.overquota_url,
            "quality_terminate": self.quality_url,
        }[status]


_LINK_COLUMNS = "wave_id, secret, complete_url, screenout_url, overquota_url, quality_url, expires_at"


async def set_wave_links(
    conn: asyncpg.Connection,
    wave_id: int,
    *,
    secret: str,
    complete_url: str,
    screenout_url: str,
    overquota_url: str,
    quality_url: str,
    expires_at: datetime | None = None,
) -> WaveLinks:
    """Store (or replace) the wave's entry-link secret and the provider's exit URLs. Exit URLs may hold the
    placeholders ``{pid}``, ``{status}`` and ``{sig}``. Called by fieldwork when it launches a wave."""
    if len(secret) < 32:
        raise UserError("a wave's link secret must be at least 32 characters")
    for name, url in (
        ("complete_url", complete_url),
        ("screenout_url", screenout_url),
        ("overquota_url", overquota_url),
        ("quality_url", quality_url),
    ):
        if not url.startswith(("https://", "http://")):
            raise UserError(f"{name}: expected an http(s) URL, got {url!r}")
    row = await conn.fetchrow(
        f"""INSERT INTO survey_links ({_LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (wave_id) DO UPDATE SET secret = EXCLUDED.secret, complete_url = EXCLUDED.complete_url,
                screenout_url = EXCLUDED.screenout_url, overquota_url = EXCLUDED.overquota_url,
                quality_url = EXCLUDED.quality_url, expires_at = EXCLUDED.expires_at, updated_at = now()
            RETURNING {_LINK_COLUMNS}""",
        wave_id,
        secret,
        complete_url,
        screenout_url,
        overquota_url,
        quality_url,
        expires_at,
    )
    return WaveLinks(**dict(row))


async def get_wave_links(conn: asyncpg.Connection, wave_id: int) -> WaveLinks | None:
    row = await conn.fetchrow(f"SELECT {_LINK_COLUMNS} FROM survey_links WHERE wave_id = $1", wave_id)
    return WaveLinks(**dict(row)) if row else None


# -- entries and sessions ---------------------------------------------------------------------------------------


async def record_refusal(
    conn: asyncpg.Connection,
    wave_id: int | None,
    key: bytes | None,
    reason: str,
    *,
    as_respondent: bool = False,
) -> None:
    """Log a refused entry. With ``as_respondent`` (the link was genuinely signed for this respondent) the
    respondent is also recorded with status ``refused`` unless already known for the wave."""
    await conn.execute(
        "INSERT INTO survey_refusals (wave_id, respondent_key, reason) VALUES ($1, $2, $3)",
        wave_id,
        key,
        reason,
    )
    if as_respondent and wave_id is not None and key is not None:
        await conn.execute(
            """INSERT INTO respondents (wave_id, respondent_key, status, completed_at)
               VALUES ($1, $2, 'refused', now()) ON CONFLICT (wave_id, respondent_key) DO NOTHING""",
            wave_id,
            key,
        )


async def respondent_status(conn: asyncpg.Connection, wave_id: int, key: bytes) -> tuple[int, str] | None:
    row = await conn.fetchrow(
        "SELECT id, status FROM respondents WHERE wave_id = $1 AND respondent_key = $2", wave_id, key
    )
    return (int(row["id"]), str(row["status"])) if row else None


async def count_completes(conn: asyncpg.Connection, wave_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM respondents WHERE wave_id = $1 AND status = 'complete'", wave_id
        )
    )


async def record_over_quota(conn: asyncpg.Connection, wave_id: int, key: bytes) -> bool:
    """Record a respondent turned away because the wave is full; False if already known for the wave."""
    rid = await conn.fetchval(
        """INSERT INTO respondents (wave_id, respondent_key, status, completed_at) VALUES ($1, $2, 'over_quota', now())
           ON CONFLICT (wave_id, respondent_key) DO NOTHING RETURNING id""",
        wave_id,
        key,
    )
    return rid is not None


async def open_session(
    conn: asyncpg.Connection,
    wave_id: int,
    key: bytes,
    token_hash: bytes,
    exit_ref: bytes,
    orders: Mapping[str, Sequence[str]],
) -> tuple[int, str]:
    """Start a respondent (status ``started``) with a session, or, for a respondent already started, hand the
    session to the new token (a re-entry resumes; the old cookie stops working). Returns (respondent id, status);
    a terminal status means nothing was changed."""
    async with conn.transaction():
        rid = await conn.fetchval(
            """INSERT INTO respondents (wave_id, respondent_key) VALUES ($1, $2)
               ON CONFLICT (wave_id, respondent_key) DO NOTHING RETURNING id""",
            wave_id,
            key,
        )
        if rid is not None:
            await conn.execute(
                """INSERT INTO survey_sessions (respondent_id, wave_id, token_hash, exit_ref, orders)
                   VALUES ($1, $2, $3, $4, $5)""",
                rid,
                wave_id,
                token_hash,
                exit_ref,
                dict(orders),
            )
            return int(rid), "started"
        row = await conn.fetchrow(
            "SELECT id, status FROM respondents WHERE wave_id = $1 AND respondent_key = $2 FOR UPDATE",
            wave_id,
            key,
        )
        if row["status"] != "started":
            return int(row["id"]), str(row["status"])
        await conn.execute(
            """UPDATE survey_sessions SET token_hash = $2, exit_ref = $3, updated_at = now()
               WHERE respondent_id = $1""",
            row["id"],
            token_hash,
            exit_ref,
        )
        return int(row["id"]), "started"


@dataclass(frozen=True)
class Session:
    respondent_id: int
    wave_id: int
    status: str
    exit_ref: bytes | None
    orders: dict[str, list[str]]
    shown: list[str]
    consented: bool
    poll_id: int
    questionnaire_version: int
    poll_updated_at: datetime


async def find_session(
    conn: asyncpg.Connection, wave_id: int, token_hash: bytes, *, lock: bool = False
) -> Session | None:
    """The session of a token in ``wave_id``; with ``lock`` the row stays locked until the transaction ends."""
    row = await conn.fetchrow(
        f"""SELECT s.respondent_id, s.wave_id, r.status, s.exit_ref, s.orders, s.shown,
                   s.consented_at IS NOT NULL AS consented, w.poll_id, w.questionnaire_version,
                   p.updated_at AS poll_updated_at
            FROM survey_sessions s JOIN respondents r ON r.id = s.respondent_id
                 JOIN waves w ON w.id = s.wave_id JOIN polls p ON p.id = w.poll_id
            WHERE s.token_hash = $1 AND s.wave_id = $2 {"FOR UPDATE OF s" if lock else ""}""",
        token_hash,
        wave_id,
    )
    return Session(**dict(row)) if row else None


async def consent(conn: asyncpg.Connection, respondent_id: int) -> None:
    await conn.execute(
        "UPDATE survey_sessions SET consented_at = coalesce(consented_at, now()), updated_at = now() "
        "WHERE respondent_id = $1",
        respondent_id,
    )


async def relaxed_commit(conn: asyncpg.Connection) -> None:
    """Within the current transaction, commit without waiting for the WAL flush (``synchronous_commit = off``).

    Used for a respondent's page-by-page progress only: a database crash can lose the last moments of it (the
    respondent then answers that page again) but never corrupts anything; terminal statuses are written with
    ``synchronous_commit`` back on."""
    await conn.execute("SET LOCAL synchronous_commit = off")


async def strict_commit(conn: asyncpg.Connection) -> None:
    await conn.execute("SET LOCAL synchronous_commit = on")


async def mark_shown(conn: asyncpg.Connection, respondent_id: int, screen_id: str) -> None:
    """Record that a screen was shown (once, in order): the audit trail of what the respondent saw when."""
    await conn.execute(
        """UPDATE survey_sessions SET shown = array_append(shown, $2), updated_at = now()
           WHERE respondent_id = $1 AND NOT ($2 = ANY(shown))""",
        respondent_id,
        screen_id,
    )


async def answers_of(conn: asyncpg.Connection, respondent_id: int) -> dict[str, Any]:
    rows = await conn.fetch("SELECT question_id, value FROM answers WHERE respondent_id = $1", respondent_id)
    return {r["question_id"]: r["value"] for r in rows}


async def save_answers(conn: asyncpg.Connection, respondent_id: int, answers: Mapping[str, Any]) -> None:
    await conn.executemany(
        """INSERT INTO answers (respondent_id, question_id, value) VALUES ($1, $2, $3)
           ON CONFLICT (respondent_id, question_id) DO UPDATE SET value = EXCLUDED.value, answered_at = now()""",
        [(respondent_id, qid, value) for qid, value in answers.items() if value is not None],
    )


@dataclass(frozen=True)
class Timing:
    elapsed: float  # seconds since this respondent started
    median: float | None  # median completion time of the wave's valid completes so far
    completes: int


async def timing(conn: asyncpg.Connection, respondent_id: int, wave_id: int) -> Timing:
    row = await conn.fetchrow(
        """SELECT (SELECT extract(epoch FROM now() - started_at) FROM respondents WHERE id = $1) AS elapsed,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at)) AS median,
                  count(*) AS n
           FROM respondents WHERE wave_id = $2 AND status = 'complete'""",
        respondent_id,
        wave_id,
    )
    median = row["median"]
    return Timing(float(row["elapsed"]), None if median is None else float(median), int(row["n"]))


async def is_duplicate(
    conn: asyncpg.Connection, wave_id: int, fingerprint: bytes, respondent_id: int
) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM survey_sessions WHERE wave_id = $1 AND fingerprint = $2
                          AND respondent_id <> $3)""",
            wave_id,
            fingerprint,
            respondent_id,
        )
    )


async def finish(
    conn: asyncpg.Connection,
    respondent_id: int,
    *,
    status: str,
    reasons: Sequence[str] = (),
    demographics: Mapping[str, str] | None = None,
    fingerprint: bytes | None = None,
) -> bool:
    """End a started respondent with a terminal ``status``; erases the sealed provider id. False when the
    respondent had already ended (nothing changed)."""
    done = await conn.fetchval(
        """UPDATE respondents SET status = $2, quality_reasons = $3, demographics = $4, completed_at = now()
           WHERE id = $1 AND status = 'started' RETURNING id""",
        respondent_id,
        status,
        list(reasons),
        dict(demographics or {}),
    )
    if done is None:
        return False
    await conn.execute(
        "UPDATE survey_sessions SET exit_ref = NULL, fingerprint = $2, updated_at = now() "
        "WHERE respondent_id = $1",
        respondent_id,
        fingerprint,
    )
    return True


@dataclass(frozen=True)
class EntryContext:
    """What the survey's entry needs to know about a wave and its poll."""

    state: str
    target_n: int
    poll_id: int
    questionnaire_version: int
    poll_updated_at: datetime
    provider: str


async def entry_context(conn: asyncpg.Connection, wave_id: int) -> EntryContext | None:
    row = await conn.fetchrow(
        """SELECT w.state, w.target_n, w.poll_id, w.questionnaire_version, p.updated_at AS poll_updated_at,
                  p.provider
           FROM waves w JOIN polls p ON p.id = w.poll_id WHERE w.id = $1""",
        wave_id,
    )
    return EntryContext(**dict(row)) if row else None


async def share_wave_state(conn: asyncpg.Connection, wave_id: int) -> str | None:
    """The wave's state, with its row share-locked until the transaction ends: a move out of ``fielding``
    waits for the respondents finishing now."""
    state: str | None = await conn.fetchval("SELECT state FROM waves WHERE id = $1 FOR SHARE", wave_id)
    return state


async def session_outcomes(conn: asyncpg.Connection, wave_id: int) -> dict[str, int]:
    """Respondents who entered through the hosted survey, by status."""
    rows = await conn.fetch(
        """SELECT r.status, count(*) AS n FROM respondents r JOIN survey_sessions s ON s.respondent_id = r.id
           WHERE r.wave_id = $1 GROUP BY r.status""",
        wave_id,
    )
    return {r["status"]: int(r["n"]) for r in rows}
