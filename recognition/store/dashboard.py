"""The dashboard's server-side state: sign-in sessions (ended on sign-out), share links (listed and revocable per
poll), and the version of a poll's published figures that page caches are keyed by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class ShareLink:
    id: str
    poll_id: int
    label: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def _link(row: asyncpg.Record) -> ShareLink:
    return ShareLink(**dict(row))


_LINK = "id, poll_id, label, created_by, created_at, expires_at, revoked_at"


async def create_session(
    conn: asyncpg.Connection, session_hash: str, key_id: int, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO dashboard_sessions (id, key_id, expires_at) VALUES ($1, $2, $3)",
        session_hash,
        key_id,
        expires_at,
    )


async def session_key_id(conn: asyncpg.Connection, session_hash: str) -> int | None:
    """The API key row of a session that has neither ended nor expired."""
    value = await conn.fetchval(
        """SELECT key_id FROM dashboard_sessions
           WHERE id = $1 AND ended_at IS NULL AND expires_at > now()""",
        session_hash,
    )
    return None if value is None else int(value)


async def end_session(conn: asyncpg.Connection, session_hash: str) -> None:
    await conn.execute(
        "UPDATE dashboard_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL", session_hash
    )


async def create_share_link(
    conn: asyncpg.Connection,
    link_id: str,
    poll_id: int,
    expires_at: datetime,
    *,
    label: str = "",
    created_by: str = "",
) -> ShareLink:
    row = await conn.fetchrow(
        f"""INSERT INTO share_links (id, poll_id, expires_at, label, created_by) VALUES ($1, $2, $3, $4, $5)
            RETURNING {_LINK}""",
        link_id,
        poll_id,
        expires_at,
        label,
        created_by,
    )
    return _link(row)


async def share_link(conn: asyncpg.Connection, link_id: str) -> ShareLink | None:
    row = await conn.fetchrow(f"SELECT {_LINK} FROM share_links WHERE id = $1", link_id)
    return _link(row) if row else None


async def list_share_links(conn: asyncpg.Connection, poll_id: int) -> list[ShareLink]:
    """The poll's links that still work (not revoked, not expired), newest first."""
    rows = await conn.fetch(
        f"""SELECT {_LINK} FROM share_links
            WHERE poll_id = $1 AND revoked_at IS NULL AND expires_at > now()
            ORDER BY created_at DESC, id""",
        poll_id,
    )
    return [_link(r) for r in rows]


async def revoke_share_link(conn: asyncpg.Connection, poll_id: int, link_id: str) -> bool:
    """Withdraw a link of the poll; False when the poll has no such link still active."""
    done = await conn.fetchval(
        """UPDATE share_links SET revoked_at = now()
           WHERE id = $1 AND poll_id = $2 AND revoked_at IS NULL RETURNING id""",
        link_id,
        poll_id,
    )
    return done is not None


async def figures_version(conn: asyncpg.Connection, poll_id: int) -> tuple[Any, ...]:
    """What changes whenever the poll's published figures change: the number of published waves, their latest
    state change and the latest write of their figures (wave or window); and its staff view's (the answers and
    closing of its staff rounds)."""
    row = await conn.fetchrow(
        """SELECT count(*) AS waves, max(w.updated_at) AS waves_at, max(x.at) AS figures_at,
                  (SELECT row(count(r.id), max(r.completed_at), max(s.closed_at), max(s.id))::text
                   FROM staff_rounds s LEFT JOIN respondents r ON r.staff_round_id = s.id AND r.status = 'complete'
                   WHERE s.poll_id = $1) AS staff
           FROM waves w
           LEFT JOIN LATERAL (SELECT max(e.updated_at) AS at FROM estimates e WHERE e.wave_id = w.id) x ON true
           WHERE w.poll_id = $1 AND w.state = 'published'""",
        poll_id,
    )
    return (row["waves"], row["waves_at"], row["figures_at"], row["staff"])
