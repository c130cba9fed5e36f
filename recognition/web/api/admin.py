"""Administration (admin role): the organisation's API keys and its audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from recognition.polls.definition import Strict
from recognition.store import audit, orgs
from recognition.store.orgs import ApiKey
from recognition.web.api.errors import Problem
from recognition.web.api.ops import (
    CURSOR,
    LIMIT,
    Ctx,
    Op,
    Param,
    decode_cursor,
    not_found,
    page,
    page_schema,
    respond,
)
from recognition.web.keys import KEY_CACHE

KEY_INFO: dict[str, Any] = {
    "type": "object",
    "required": ["prefix", "role", "label", "created_at", "expires_at", "revoked_at"],
    "properties": {
        "prefix": {"type": "string"},
        "role": {"type": "string", "enum": list(orgs.ROLES)},
        "label": {"type": "string"},
        "created_at": {"type": "string"},
        "expires_at": {"type": ["string", "null"]},
        "revoked_at": {"type": ["string", "null"]},
    },
}
NEW_KEY = {
    **KEY_INFO,
    "required": [*KEY_INFO["required"], "key"],
    "properties": {**KEY_INFO["properties"], "key": {"type": "string", "description": "shown only now"}},
}
ENTRY = {
    "type": "object",
    "required": ["id", "key_prefix", "action", "target_type", "target_id", "details", "at"],
    "properties": {
        "id": {"type": "integer"},
        "key_prefix": {"type": "string"},
        "action": {"type": "string"},
        "target_type": {"type": "string"},
        "target_id": {"type": "string"},
        "details": {"type": "object"},
        "at": {"type": "string"},
    },
}


class NewKey(Strict):
    role: Literal["admin", "editor", "viewer", "reader"]
    label: str = Field(default="", max_length=200, description="what the key is for")
    expires_at: str | None = Field(default=None, max_length=40, description="an ISO 8601 instant")


PREFIX = Param(
    "prefix",
    "path",
    {"type": "string", "pattern": "^rk_[0-9a-f]{8}$"},
    "the key's visible prefix",
    required=True,
)


def _key(k: ApiKey) -> dict[str, Any]:
    return {
        "prefix": k.prefix,
        "role": k.role,
        "label": k.label,
        "created_at": k.created_at,
        "expires_at": k.expires_at,
        "revoked_at": k.revoked_at,
    }


async def list_keys(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        keys = await orgs.list_keys(conn, ctx.org_id)
    return respond({"items": [_key(k) for k in keys], "next_cursor": None})


async def create_key(ctx: Ctx) -> web.StreamResponse:
    expires = None
    if ctx.body.get("expires_at") is not None:
        try:
            expires = datetime.fromisoformat(ctx.body["expires_at"])
        except ValueError:
            expires = None
        if expires is None or expires.tzinfo is None or expires <= datetime.now(UTC):
            raise Problem(
                400,
                "Bad Request",
                "expires_at must be a future instant with an offset",
                errors=[{"field": "expires_at", "message": "expected a future ISO 8601 instant with offset"}],
            )
    async with ctx.pool.acquire() as conn, conn.transaction():
        key, key_id = await orgs.create_key(
            conn, ctx.org_id, ctx.body["role"], label=ctx.body.get("label", ""), expires_at=expires
        )
        created = next(k for k in await orgs.list_keys(conn, ctx.org_id) if k.id == key_id)
        await ctx.audit(conn, "key.create", "key", created.prefix, {"role": created.role})
    return respond({**_key(created), "key": key}, status=201)


async def revoke_key(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn, conn.transaction():
        if not await orgs.revoke_key(conn, ctx.org_id, ctx.params["prefix"]):
            raise not_found("active key", ctx.params["prefix"])
        await ctx.audit(conn, "key.revoke", "key", ctx.params["prefix"])
    ctx.request.app[KEY_CACHE].clear()
    return web.Response(status=204)


async def list_audit(ctx: Ctx) -> web.StreamResponse:
    limit = ctx.params.get("limit", 50)
    async with ctx.pool.acquire() as conn:
        entries = await audit.list_entries(conn, ctx.org_id, after_id=decode_cursor(ctx), limit=limit + 1)
    return respond(
        page(
            entries,
            limit,
            lambda e: {k: v for k, v in e.__dict__.items() if k not in ("organisation_id", "api_key_id")},
            lambda e: e.id,
        )
    )


OPS = (
    Op(
        "GET",
        "/api/v1/keys",
        list_keys,
        "admin",
        "List the organisation's API keys",
        "admin",
        page_schema(KEY_INFO),
    ),
    Op(
        "POST",
        "/api/v1/keys",
        create_key,
        "admin",
        "Create an API key (shown once)",
        "admin",
        NEW_KEY,
        body=NewKey,
        status=201,
        example={"role": "reader", "label": "BI dashboard", "expires_at": "2027-01-01T00:00:00+00:00"},
    ),
    Op(
        "DELETE",
        "/api/v1/keys/{prefix}",
        revoke_key,
        "admin",
        "Revoke an API key",
        "admin",
        {},
        (PREFIX,),
        status=204,
    ),
    Op(
        "GET",
        "/api/v1/audit",
        list_audit,
        "admin",
        "The audit log, newest first",
        "admin",
        page_schema(ENTRY),
        (CURSOR, LIMIT),
    ),
)
