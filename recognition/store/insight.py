"""A wave's stored insight (key drivers, image map, mental availability; :mod:`recognition.waves.insight`): one
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
