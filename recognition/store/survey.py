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

from panels.base import WaveAccess
from recognition.errors import UserError


@dataclass(frozen=True)
class SurveyAccess:
    """How respondents reach one wave's survey: through which provider and project, with which entry-link
    secret, until when."""

    wave_id: int
    provider: str
    project_id: str
    reference: str
    secret: str
    expires_at: datetime | None
    organisation_id: int | None = None  # the poll's organisation (whose provider credentials apply)

    def for_provider(self) -> WaveAccess:
        return WaveAccess(
            self.wave_id,
            self.project_id,
            self.reference,
            self.secret,
            self.expires_at.timestamp() if self.expires_at else None,
        )


_ACCESS_COLUMNS = "wave_id, provider, project_id, reference, secret, expires_at"


async def set_access(conn: asyncpg.Connection, access: SurveyAccess) -> None:
    """Store (or replace) the wave's survey access; fieldwork calls it when it launches the wave (before the
    first respondent can arrive)."""
    if len(access.secret) < 32:
        raise UserError("a wave's link secret must be at least 32 characters")
    await conn.execute(
        f"""INSERT INTO survey_links ({_ACCESS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (wave_id) DO UPDATE SET provider = EXCLUDED.provider, project_id = EXCLUDED.project_id,
                reference = EXCLUDED.reference, secret = EXCLUDED.secret, expires_at = EXCLUDED.expires_at,
                updated_at = now()""",
        access.wave_id,
        access.provider,
        access.project_id,
        access.reference,
        access.secret,
        access.expires_at,
    )


async def get_access(conn: asyncpg.Connection, wave_id: int) -> SurveyAccess | None:
    row = await conn.fetchrow(
        """SELECT l.wave_id, l.provider, l.project_id, l.reference, l.secret, l.expires_at, p.organisation_id
           FROM survey_links l JOIN waves w ON w.id = l.wave_id JOIN polls p ON p.id = w.poll_id
           WHERE l.wave_id = $1""",
        wave_id,
    )
    return SurveyAccess(**dict(row)) if row else None


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
    """Valid completes of the wave (test respondents not counted)."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM respondents WHERE wave_id = $1 AND status = 'complete' AND NOT test",
            wave_id,
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
    kind: str = "public",
    staff_round: int | None = None,
) -> tuple[int, str]:
    """Start a respondent (status ``started``; ``kind`` public, test or staff of ``staff_round``) with a session,
    or, for one already started, hand the session to the new token (a re-entry resumes; the old cookie stops
    working). Returns (respondent id, status); a terminal status means nothing was changed."""
    async with conn.transaction():
        rid = await conn.fetchval(
            """INSERT INTO respondents (wave_id, respondent_key, kind, staff_round_id) VALUES ($1, $2, $3, $4)
               ON CONFLICT (wave_id, respondent_key) DO NOTHING RETURNING id""",
            wave_id,
            key,
            kind,
            staff_round,
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
    test: bool = False  # not public (test link, staff round): finishes in any wave state, never counted
    kind: str = "public"  # public | test | staff
    updated_at: datetime | None = None  # the session's last change, as read (see :func:`save_answers`)


_SESSION = """SELECT s.respondent_id, s.wave_id, r.status, s.exit_ref, s.orders, s.shown,
                   s.consented_at IS NOT NULL AS consented, w.poll_id, w.questionnaire_version,
                   p.updated_at AS poll_updated_at, r.test, r.kind, s.updated_at{extra}
            FROM survey_sessions s JOIN respondents r ON r.id = s.respondent_id
                 JOIN waves w ON w.id = s.wave_id JOIN polls p ON p.id = w.poll_id
            WHERE s.token_hash = $1 AND s.wave_id = $2{lock}"""
_ANSWERS = """, (SELECT coalesce(jsonb_object_agg(a.question_id, a.value), '{}'::jsonb) FROM answers a
                                 WHERE a.respondent_id = s.respondent_id) AS answers"""
_RELAXED = ", set_config('synchronous_commit', 'off', true) AS relaxed"


async def find_session(
    conn: asyncpg.Connection, wave_id: int, token_hash: bytes, *, lock: bool = False, relaxed: bool = False
) -> Session | None:
    """The session of a token in ``wave_id``; with ``lock`` the row stays locked until the transaction ends;
    with ``relaxed`` the same statement also relaxes the transaction's commit (:func:`relaxed_commit`)."""
    query = _SESSION.format(extra=_RELAXED if relaxed else "", lock=" FOR UPDATE OF s" if lock else "")
    row = await conn.fetchrow(query, token_hash, wave_id)
    if row is None:
        return None
    values = dict(row)
    values.pop("relaxed", None)
    return Session(**values)


async def session_and_answers(
    conn: asyncpg.Connection, wave_id: int, token_hash: bytes, *, lock: bool = False, relaxed: bool = False
) -> tuple[Session, dict[str, Any]] | None:
    """The session of a token in ``wave_id`` with its respondent's answers so far (:func:`answers_of`), in one
    statement; ``lock`` and ``relaxed`` as for :func:`find_session`."""
    query = _SESSION.format(
        extra=_ANSWERS + (_RELAXED if relaxed else ""), lock=" FOR UPDATE OF s" if lock else ""
    )
    row = await conn.fetchrow(query, token_hash, wave_id)
    if row is None:
        return None
    values = dict(row)
    values.pop("relaxed", None)
    answers = values.pop("answers")
    return Session(**values), dict(answers)


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
    """Record that a screen was shown (once, in order): the audit trail of what the respondent saw when.

    Page progress: the statement also relaxes the commit of its transaction (:func:`relaxed_commit`; outside
    one, of its own implicit transaction), so one round trip does both. The setting is evaluated for every row
    changed; a statement that changes nothing has nothing to commit."""
    await conn.execute(
        """UPDATE survey_sessions SET shown = array_append(shown, $2), updated_at = now()
           WHERE respondent_id = $1 AND NOT ($2 = ANY(shown))
             AND set_config('synchronous_commit', 'off', true) = 'off'""",
        respondent_id,
        screen_id,
    )


async def answers_of(conn: asyncpg.Connection, respondent_id: int) -> dict[str, Any]:
    rows = await conn.fetch("SELECT question_id, value FROM answers WHERE respondent_id = $1", respondent_id)
    return {r["question_id"]: r["value"] for r in rows}


async def save_answers(
    conn: asyncpg.Connection,
    respondent_id: int,
    answers: Mapping[str, Any],
    *,
    shown: str | None = None,
    unchanged_since: datetime | None = None,
) -> bool:
    """Store a screen's answers (``None`` values are not stored) in one statement; with ``shown``, record that
    the screen ``shown`` is now shown (:func:`mark_shown`, its commit relaxed alike).

    With ``unchanged_since`` (the session's ``updated_at`` as read) nothing is stored unless the session is still
    as read: a compare-and-set that needs no lock held across round trips, so two submissions of one screen in
    flight at once store one. Returns whether the answers were stored."""
    stored: bool = await conn.fetchval(
        """WITH moved AS (
               UPDATE survey_sessions
               SET shown = CASE WHEN $3::text IS NULL OR $3 = ANY(shown) THEN shown ELSE array_append(shown, $3) END,
                   updated_at = clock_timestamp()
               WHERE respondent_id = $1 AND ($4::timestamptz IS NULL OR updated_at = $4)
                 AND set_config('synchronous_commit', 'off', true) = 'off'
               RETURNING 1
           ), saved AS (
               INSERT INTO answers (respondent_id, question_id, value)
               SELECT $1, key, value FROM jsonb_each($2::jsonb) WHERE EXISTS (SELECT 1 FROM moved)
               ON CONFLICT (respondent_id, question_id) DO UPDATE SET value = EXCLUDED.value, answered_at = now()
           )
           SELECT EXISTS (SELECT 1 FROM moved)""",
        respondent_id,
        {qid: value for qid, value in answers.items() if value is not None},
        shown,
        unchanged_since,
    )
    return stored


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
           FROM respondents WHERE wave_id = $2 AND status = 'complete' AND NOT test""",
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
            """SELECT EXISTS (SELECT 1 FROM survey_sessions s JOIN respondents r ON r.id = s.respondent_id
                          WHERE s.wave_id = $1 AND s.fingerprint = $2 AND s.respondent_id <> $3
                            AND NOT r.test)""",
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
    organisation_id: int


async def entry_context(conn: asyncpg.Connection, wave_id: int) -> EntryContext | None:
    row = await conn.fetchrow(
        """SELECT w.state, w.target_n, w.poll_id, w.questionnaire_version, p.updated_at AS poll_updated_at,
                  p.provider, p.organisation_id
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
    """Respondents who entered through the hosted survey, by status (test respondents not counted)."""
    rows = await conn.fetch(
        """SELECT r.status, count(*) AS n FROM respondents r JOIN survey_sessions s ON s.respondent_id = r.id
           WHERE r.wave_id = $1 AND NOT r.test GROUP BY r.status""",
        wave_id,
    )
    return {r["status"]: int(r["n"]) for r in rows}


async def still_in_survey(conn: asyncpg.Connection, wave_id: int, within_seconds: float) -> int:
    """Public respondents (never testers or staff) of the wave still taking the survey: started, and shown a page
    in the last ``within_seconds`` (one who left mid-way stops counting once that long has passed)."""
    return int(
        await conn.fetchval(
            """SELECT count(*) FROM survey_sessions s JOIN respondents r ON r.id = s.respondent_id
               WHERE s.wave_id = $1 AND r.status = 'started' AND NOT r.test
                 AND s.updated_at > now() - make_interval(secs => $2)""",
            wave_id,
            float(within_seconds),
        )
    )
