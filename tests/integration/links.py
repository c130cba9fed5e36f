"""Share links for tests, made as ``recognition share`` makes them (a row, then the signed token)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from recognition.settings import Settings
from recognition.store import dashboard as dashboard_store
from recognition.web.dashboard.access import new_link_id, share_token


async def make_link(pool: asyncpg.Pool, settings: Settings, poll_id: int, days: float = 2) -> str:
    link_id = new_link_id()
    expires = datetime.now(UTC) + timedelta(days=days)
    async with pool.acquire() as conn:
        await dashboard_store.create_share_link(conn, link_id, poll_id, expires, created_by="test")
    return share_token(settings.survey_secret, poll_id, link_id, int(expires.timestamp()))
