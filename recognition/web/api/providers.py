"""Panel providers: which the service can buy from, and the organisation's own credentials for each (admin role to
set or remove; checked with a call to the provider before they are stored; never shown again in full)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field

from panels.registry import KINDS
from recognition import providers
from recognition.errors import UserError
from recognition.polls.definition import Strict
from recognition.web.api.errors import Problem
from recognition.web.api.ops import Ctx, Op, Param, not_found, respond
from recognition.web.keys import PROVIDERS

FIELD = {
    "type": "object",
    "required": ["name", "description", "secret", "required"],
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "secret": {
            "type": "boolean",
            "description": "never shown again once set (only its last four characters)",
        },
        "required": {"type": "boolean"},
        "default": {"type": ["string", "null"]},
    },
}
PROVIDER = {
    "type": "object",
    "required": ["name", "title", "fields", "credentials", "instance"],
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "fields": {"type": "array", "items": FIELD},
        "credentials": {
            "type": ["object", "null"],
            "description": "the organisation's own credentials as they may be shown (null: none set)",
            "properties": {
                "shown": {"type": "object", "additionalProperties": {"type": "string"}},
                "checked_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
        "instance": {
            "type": "boolean",
            "description": "the instance has its own account with this provider, used when the organisation set none",
        },
    },
}
NAME = Param(
    "provider",
    "path",
    {"type": "string", "enum": sorted(KINDS)},
    "the provider's name",
    required=True,
)


class Credentials(Strict):
    fields: dict[str, str] = Field(
        description='the provider\'s credential fields (see GET /api/v1/providers), e.g. {"token": "…"}',
        max_length=20,
    )


async def list_providers(ctx: Ctx) -> web.StreamResponse:
    own = {c.provider: c for c in await providers.listed(ctx.pool, ctx.org_id)}
    config = ctx.request.app[PROVIDERS].config
    items: list[dict[str, Any]] = []
    for kind in KINDS.values():
        saved = own.get(kind.name)
        items.append(
            {
                "name": kind.name,
                "title": kind.title,
                "fields": [
                    {
                        "name": f.name,
                        "description": f.description,
                        "secret": f.secret,
                        "required": f.default is None,
                        "default": None if f.secret else f.default,
                    }
                    for f in kind.fields
                ],
                "credentials": None
                if saved is None
                else {"shown": saved.shown, "checked_at": saved.checked_at, "updated_at": saved.updated_at},
                "instance": kind.name == "simulated" or config.instance_values(kind.name) is not None,
            }
        )
    return respond({"items": items})


async def put_credentials(ctx: Ctx) -> web.StreamResponse:
    name = ctx.params["provider"]
    registry = ctx.request.app[PROVIDERS]
    try:
        saved = await providers.save(
            ctx.pool, ctx.settings.survey_secret, registry, ctx.org_id, name, ctx.body["fields"]
        )
    except UserError as exc:
        raise Problem(400, "Bad Request", str(exc)) from None
    async with ctx.pool.acquire() as conn:
        await ctx.audit(conn, "provider.credentials", "provider", name, {"fields": sorted(saved.shown)})
    return respond({"provider": name, "shown": saved.shown})


async def delete_credentials(ctx: Ctx) -> web.StreamResponse:
    name = ctx.params["provider"]
    if not await providers.remove(ctx.pool, ctx.org_id, name, ctx.request.app[PROVIDERS]):
        raise not_found("credentials for provider", name)
    async with ctx.pool.acquire() as conn:
        await ctx.audit(conn, "provider.credentials.remove", "provider", name)
    return web.Response(status=204)


OPS = (
    Op(
        "GET",
        "/api/v1/providers",
        list_providers,
        "viewer",
        "The panel providers and the organisation's credentials for each (secrets masked)",
        "providers",
        {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": PROVIDER}},
        },
    ),
    Op(
        "PUT",
        "/api/v1/providers/{provider}/credentials",
        put_credentials,
        "admin",
        "Set the organisation's credentials for a provider (checked with a call to the provider first)",
        "providers",
        {
            "type": "object",
            "required": ["provider", "shown"],
            "properties": {"provider": {"type": "string"}, "shown": {"type": "object"}},
        },
        (NAME,),
        body=Credentials,
        example={"fields": {"token": "your-prolific-api-token"}},
        description=(
            "Stored sealed (a database dump alone does not reveal them) and never shown again in full. The "
            "provider is called once with them; if it refuses them, or cannot be reached, nothing is stored."
        ),
    ),
    Op(
        "DELETE",
        "/api/v1/providers/{provider}/credentials",
        delete_credentials,
        "admin",
        "Remove the organisation's credentials for a provider",
        "providers",
        {},
        (NAME,),
        status=204,
    ),
)
