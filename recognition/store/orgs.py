"""Organisations and API keys. A key is shown once; only its SHA-256 hash and a visible prefix are stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from recognition.errors import UserError

ROLES = ("admin", "editor", "viewer", "reader")
_ORG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class ApiKey:
    id: int
    organisation_id: int
    organisation: str
    prefix: str
    role: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


async def ensure_organisation(conn: asyncpg.Connection, name: str) -> int:
    """The id of organisation ``name``, creating it if needed (idempotent under concurrency)."""
    if not _ORG_NAME.match(name):
        raise UserError(
            f"organisation name {name!r} must be 1-63 lowercase letters, digits, '-' or '_', starting with a "
            "letter or digit"
        )
    org_id: int = await conn.fetchval(
        """INSERT INTO organisations (name) VALUES ($1)
           ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id""",
        name,
    )
    return org_id


async def organisation_id(conn: asyncpg.Connection, name: str) -> int:
    org_id = await conn.fetchval("SELECT id FROM organisations WHERE name = $1", name)
    if org_id is None:
        raise UserError(f"no organisation named {name!r}")
    return int(org_id)


async def create_key(
    conn: asyncpg.Connection, org_id: int, role: str, *, label: str = "", expires_at: datetime | None = None
) -> tuple[str, int]:
    """Create a key; returns (the key, shown only now, and its row id)."""
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    prefix = "rk_" + secrets.token_hex(4)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    key_id: int = await conn.fetchval(
        """INSERT INTO api_keys (organisation_id, prefix, key_hash, role, label, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id""",
        org_id,
        prefix,
        hash_key(key),
        role,
        label,
        expires_at,
    )
    return key, key_id


_KEY_COLUMNS = """k.id, k.organisation_id, o.name AS organisation, k.prefix, k.role, k.label, k.created_at,
                  k.expires_at, k.revoked_at"""


async def find_active_key(conn: asyncpg.Connection, key: str) -> ApiKey | None:
    """The key's record if it exists, is not revoked and has not expired."""
    row = await conn.fetchrow(
        f"""SELECT {_KEY_COLUMNS} FROM api_keys k JOIN organisations o ON o.id = k.organisation_id
            WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())""",
        hash_key(key),
    )
    return ApiKey(**dict(row)) if row else None


async def list_keys(conn: asyncpg.Connection, org_id: int) -> list[ApiKey]:
    rows = await conn.fetch(
        f"""SELECT {_KEY_COLUMNS} FROM api_keys k JOIN organisations o ON o.id = k.organisation_id
            WHERE k.organisation_id = $1 ORDER BY k.id""",
        org_id,
    )
    return [ApiKey(**dict(r)) for r in rows]


async def revoke_key(conn: asyncpg.Connection, org_id: int, prefix: str) -> bool:
    """Revoke the key with ``prefix`` in the organisation; False if there is no such active key."""
    status = await conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE organisation_id = $1 AND prefix = $2 AND revoked_at IS NULL",
        org_id,
        prefix,
    )
    return status.endswith(" 1")


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
