"""A wave's stored insight (key drivers, image map, mental availability, service; :mod:`recognition.waves.insight`): one
JSON document per wave, written when the wave publishes, read by the API and the dashboard."""

from __future__ import annotations

from typing import Any

import asyncpg


async def save_insight(conn: asyncpg.Connection, wave_id: int, body: dict[str, Any]) -> None:
    """Store (or re-store, on reprocessing) the wave's insight."""
    await conn.execute(
        """INSERT INTO wave_insight (wave_id, body) VALUES ($1, $2)
           ON CONFLICT (wave_id) DO UPDATE SET body = EXCLUDED.body, computed_at = now()""",
        wave_id,
        body,
    )


async def wave_insight(conn: asyncpg.Connection, wave_id: int) -> dict[str, Any] | None:
    """The wave's insight, or None when it was published before insight was computed at publishing."""
    body: dict[str, Any] | None = await conn.fetchval(
        "SELECT body FROM wave_insight WHERE wave_id = $1", wave_id
    )
    return body


async def published_without_insight(conn: asyncpg.Connection, poll_id: int) -> list[int]:
    """The poll's published waves that have no stored insight (published before it was computed), oldest first."""
    rows = await conn.fetch(
        """SELECT w.id FROM waves w LEFT JOIN wave_insight i ON i.wave_id = w.id
           WHERE w.poll_id = $1 AND w.state = 'published' AND i.wave_id IS NULL
           ORDER BY w.scheduled_at, w.id""",
        poll_id,
    )
    return [r["id"] for r in rows]


async def published_insight(conn: asyncpg.Connection, poll_id: int) -> list[tuple[int, Any, dict[str, Any]]]:
    """``(wave_id, scheduled_at, insight)`` of the poll's published waves that have insight, oldest first."""
    rows = await conn.fetch(
        """SELECT w.id, w.scheduled_at, i.body FROM waves w JOIN wave_insight i ON i.wave_id = w.id
           WHERE w.poll_id = $1 AND w.state = 'published'
           ORDER BY w.scheduled_at, w.id""",
        poll_id,
    )
    return [(r["id"], r["scheduled_at"], r["body"]) for r in rows]
