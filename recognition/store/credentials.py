"""Organisations' own provider credentials, as sealed by :mod:`recognition.providers` (never in clear)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class StoredCredentials:
    provider: str
    shown: dict[str, Any]
    checked_at: datetime
    updated_at: datetime


async def put(
    conn: asyncpg.Connection, org_id: int, provider: str, sealed: bytes, shown: dict[str, str]
) -> None:
    await conn.execute(
        """INSERT INTO provider_credentials (organisation_id, provider, sealed, shown, checked_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (organisation_id, provider) DO UPDATE SET sealed = EXCLUDED.sealed, shown = EXCLUDED.shown,
               checked_at = now(), updated_at = now()""",
        org_id,
        provider,
        sealed,
        shown,
    )


async def sealed(conn: asyncpg.Connection, org_id: int, provider: str) -> bytes | None:
    value: bytes | None = await conn.fetchval(
        "SELECT sealed FROM provider_credentials WHERE organisation_id = $1 AND provider = $2",
        org_id,
        provider,
    )
    return value


async def listed(conn: asyncpg.Connection, org_id: int) -> list[StoredCredentials]:
    rows = await conn.fetch(
        """SELECT provider, shown, checked_at, updated_at FROM provider_credentials
           WHERE organisation_id = $1 ORDER BY provider""",
        org_id,
    )
    return [StoredCredentials(**dict(r)) for r in rows]


async def delete(conn: asyncpg.Connection, org_id: int, provider: str) -> bool:
    status = await conn.execute(
        "DELETE FROM provider_credentials WHERE organisation_id = $1 AND provider = $2", org_id, provider
    )
    return bool(status.endswith(" 1"))
