"""The audit log: every change made through the API, with the key that made it, when and what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class AuditEntry:
    id: int
    organisation_id: int
    api_key_id: int | None
    key_prefix: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]
    at: datetime


async def record(
    conn: asyncpg.Connection,
    org_id: int,
    *,
    key_id: int | None,
    key_prefix: str,
    action: str,
    target_type: str,
    target_id: str | int,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one entry (call inside the transaction that makes the change, so both happen or neither)."""
    entry_id: int = await conn.fetchval(
        """INSERT INTO audit_log (organisation_id, api_key_id, key_prefix, action, target_type, target_id, details)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
        org_id,
        key_id,
        key_prefix,
        action,
        target_type,
        str(target_id),
        details or {},
    )
    return entry_id


async def list_entries(
    conn: asyncpg.Connection, org_id: int, *, after_id: int | None = None, limit: int = 50
) -> list[AuditEntry]:
    """The organisation's entries, newest first; ``after_id`` continues below that id (keyset pagination)."""
    rows = await conn.fetch(
        """SELECT * FROM audit_log WHERE organisation_id = $1 AND ($2::bigint IS NULL OR id < $2)
           ORDER BY id DESC LIMIT $3""",
        org_id,
        after_id,
        limit,
    )
    return [AuditEntry(**dict(r)) for r in rows]
