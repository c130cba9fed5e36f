"""Reads for the dashboard: a poll's published waves with their total-base estimates in one query, and the API
key behind a dashboard session."""

from __future__ import annotations

from typing import Any

import asyncpg

from recognition.store.orgs import ApiKey


async def active_key_by_id(conn: asyncpg.Connection, key_id: int) -> ApiKey | None:
    """The key with row id ``key_id`` if it is neither revoked nor expired."""
    row = await conn.fetchrow(
        """SELECT k.id, k.organisation_id, o.name AS organisation, k.prefix, k.role, k.label, k.created_at,
                  k.expires_at, k.revoked_at
           FROM api_keys k JOIN organisations o ON o.id = k.organisation_id
           WHERE k.id = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())""",
        key_id,
    )
    return ApiKey(**dict(row)) if row else None


async def published_waves(conn: asyncpg.Connection, poll_id: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT id, scheduled_at, field_start, field_end, questionnaire_version FROM waves
           WHERE poll_id = $1 AND state = 'published' ORDER BY scheduled_at, id""",
        poll_id,
    )
    return [dict(r) for r in rows]


async def poll_estimates(
    conn: asyncpg.Connection, poll_id: int, segments: list[str] | None = None
) -> list[dict[str, Any]]:
    """Total-base estimates of every published wave of the poll (optionally only some segments)."""
    rows = await conn.fetch(
        """SELECT e.wave_id, e.metric, e.brand, e.segment, e.kind, e.estimate, e.se, e.ci_low, e.ci_high, e.level,
                  e.n, e.n_eff, e.base_status, e.change, e.p_value, e.q_value, e.significant
           FROM estimates e JOIN waves w ON w.id = e.wave_id
           WHERE w.poll_id = $1 AND w.state = 'published' AND e.base = 'total'
             AND ($2::text[] IS NULL OR e.segment = ANY($2))""",
        poll_id,
        segments,
    )
    return [dict(r) for r in rows]


async def poll_segments(conn: asyncpg.Connection, poll_id: int) -> list[str]:
    rows = await conn.fetch(
        """SELECT DISTINCT e.segment FROM estimates e JOIN waves w ON w.id = e.wave_id
           WHERE w.poll_id = $1 AND w.state = 'published' ORDER BY 1""",
        poll_id,
    )
    return [r["segment"] for r in rows]
