"""Respondents and their answers. A respondent is known only by an HMAC of the provider's id (see
:func:`respondent_key`); the raw id is never stored."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

#: Outcomes that end a respondent's visit; a terminal status never changes back.
FINAL_STATUSES = frozenset(
    {"complete", "screened_out", "over_quota", "quality_terminate", "refused", "dropped"}
)


def respondent_key(secret: str, provider: str, provider_respondent_id: str) -> bytes:
    """HMAC-SHA256 of ``provider:id`` under the service secret: stable per respondent, not reversible."""
    return hmac.new(secret.encode(), f"{provider}:{provider_respondent_id}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class StoredRespondent:
    id: int
    status: str
    quality_reasons: list[str]
    demographics: dict[str, str]
    answers: dict[str, Any]
    given_weight: float | None = None  # an imported wave's own weight, when it is estimated with it


async def record_complete(
    conn: asyncpg.Connection,
    wave_id: int,
    key: bytes,
    demographics: Mapping[str, str],
    answers: Mapping[str, Any],
    *,
    status: str = "complete",
    quality_reasons: list[str] | None = None,
) -> int | None:
    """Store one finished respondent with its answers in one transaction (a None answer is not stored). Returns the new row id, or None if
    this respondent was already stored for the wave (a duplicate is never counted twice)."""
    async with conn.transaction():
        respondent_id = await conn.fetchval(
            """INSERT INTO respondents (wave_id, respondent_key, status, quality_reasons, demographics,
                                        completed_at)
               VALUES ($1, $2, $3, $4, $5, now())
               ON CONFLICT (wave_id, respondent_key) DO NOTHING RETURNING id""",
            wave_id,
            key,
            status,
            quality_reasons or [],
            dict(demographics),
        )
        if respondent_id is None:
            return None
        await conn.executemany(
            "INSERT INTO answers (respondent_id, question_id, value) VALUES ($1, $2, $3)",
            [(respondent_id, qid, value) for qid, value in answers.items() if value is not None],
        )
    return int(respondent_id)


async def wave_respondents(
    conn: asyncpg.Connection, wave_id: int, *, statuses: tuple[str, ...] = ("complete",)
) -> list[StoredRespondent]:
    rows = await conn.fetch(
        """SELECT r.id, r.status, r.quality_reasons, r.demographics, r.given_weight,
                  coalesce(jsonb_object_agg(a.question_id, a.value) FILTER (WHERE a.question_id IS NOT NULL),
                           '{}'::jsonb) AS answers
           FROM respondents r LEFT JOIN answers a ON a.respondent_id = r.id
           WHERE r.wave_id = $1 AND r.status = ANY($2::text[]) AND NOT r.test
           GROUP BY r.id ORDER BY r.id""",
        wave_id,
        list(statuses),
    )
    return [StoredRespondent(**dict(r)) for r in rows]


async def count_by_status(conn: asyncpg.Connection, wave_id: int) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT status, count(*) AS n FROM respondents WHERE wave_id = $1 AND NOT test GROUP BY status",
        wave_id,
    )
    return {r["status"]: int(r["n"]) for r in rows}


async def store_imported(
    conn: asyncpg.Connection,
    wave_id: int,
    completed_at: Any,
    rows: list[tuple[bytes, Mapping[str, str], Mapping[str, Any], float | None]],
) -> int:
    """Store an imported wave's respondents (key, demographics, answers, own weight or None) as completes, in
    bulk; returns how many."""
    ids = await conn.fetch(
        """INSERT INTO respondents (wave_id, respondent_key, status, demographics, completed_at, given_weight)
           SELECT $1, k, 'complete', d::jsonb, $2, g
           FROM unnest($3::bytea[], $4::text[], $5::float8[]) AS t(k, d, g)
           RETURNING id, respondent_key""",
        wave_id,
        completed_at,
        [r[0] for r in rows],
        [json.dumps(dict(r[1])) for r in rows],
        [r[3] for r in rows],
    )
    by_key = {bytes(r["respondent_key"]): int(r["id"]) for r in ids}
    answers = [(by_key[r[0]], qid, json.dumps(value)) for r in rows for qid, value in r[2].items()]
    await conn.execute(
        """INSERT INTO answers (respondent_id, question_id, value)
           SELECT r, q, v::jsonb FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(r, q, v)""",
        [a[0] for a in answers],
        [a[1] for a in answers],
        [a[2] for a in answers],
    )
    return len(ids)


async def complete_demographics(conn: asyncpg.Connection, wave_id: int) -> dict[tuple[str, str], int]:
    """Valid completes of the wave (test respondents not counted) per (weighting variable, level) stored."""
    rows = await conn.fetch(
        """SELECT d.key AS variable, d.value AS level, count(*) AS n
           FROM respondents r CROSS JOIN LATERAL jsonb_each_text(r.demographics) AS d(key, value)
           WHERE r.wave_id = $1 AND r.status = 'complete' AND NOT r.test
           GROUP BY d.key, d.value""",
        wave_id,
    )
    return {(r["variable"], r["level"]): int(r["n"]) for r in rows}


async def quality_reason_counts(conn: asyncpg.Connection, wave_id: int) -> dict[str, int]:
    """Quality terminations of the wave per reason (a respondent may break several rules)."""
    rows = await conn.fetch(
        """SELECT reason, count(*) AS n
           FROM respondents r CROSS JOIN LATERAL unnest(r.quality_reasons) AS reason
           WHERE r.wave_id = $1 AND r.status = 'quality_terminate' AND NOT r.test
           GROUP BY reason ORDER BY n DESC, reason""",
        wave_id,
    )
    return {r["reason"]: int(r["n"]) for r in rows}
