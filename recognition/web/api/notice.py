"""The organisation's privacy notice for respondents: who carries its surveys out, where its privacy policy is,
and (optionally) its own words on how answers are used. Shown on every survey's introduction
(:func:`recognition.web.survey.pages.intro_page`); set by an admin, read by anyone signed in."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import AfterValidator, Field

from recognition.polls.definition import Language, Strict
from recognition.store import notices
from recognition.web.api.ops import Ctx, Op, respond


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError(
            "needs a web address starting with https:// (for example https://example.com/privacy)"
        )
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValueError("must be plain text, without control characters")
    return value.strip()


class NoticeBody(Strict):
    operator: Annotated[
        str,
        Field(
            min_length=1, max_length=200, description="who carries the surveys out, as respondents know it"
        ),
        AfterValidator(_text),
    ]
    policy_url: (
        Annotated[
            str,
            Field(max_length=500, description="the full privacy policy (https)"),
            AfterValidator(_https_url),
        ]
        | None
    ) = None
    purpose: dict[Language, Annotated[str, Field(min_length=1, max_length=600), AfterValidator(_text)]] = (
        Field(
            default_factory=dict,
            description="how answers are used, in the organisation's own words, per language (en, de); "
            "a language left out gets the service's wording",
        )
    )


NOTICE: dict[str, Any] = {
    "type": "object",
    "required": ["operator", "policy_url", "purpose", "updated_at"],
    "properties": {
        "operator": {"type": ["string", "null"], "description": "null: not set (surveys name no one)"},
        "policy_url": {"type": ["string", "null"]},
        "purpose": {"type": "object", "additionalProperties": {"type": "string"}},
        "updated_at": {"type": ["string", "null"]},
    },
}


def _json(notice: notices.SurveyNotice) -> dict[str, Any]:
    return {
        "operator": notice.operator,
        "policy_url": notice.policy_url,
        "purpose": notice.purpose,
        "updated_at": notice.updated_at.isoformat() if notice.updated_at else None,
    }


async def get_notice(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        notice = await notices.get_notice(conn, ctx.org_id)
    return respond(
        _json(notice or notices.SurveyNotice(operator="")) | ({"operator": None} if notice is None else {})
    )


async def put_notice(ctx: Ctx) -> web.StreamResponse:
    body = ctx.body
    wanted = notices.SurveyNotice(
        operator=body["operator"].strip(),
        policy_url=body.get("policy_url"),
        purpose={lang: text.strip() for lang, text in (body.get("purpose") or {}).items()},
    )
    async with ctx.pool.acquire() as conn, conn.transaction():
        saved = await notices.set_notice(conn, ctx.org_id, wanted)
        await ctx.audit(conn, "notice.set", "survey_notice", ctx.org_id, _json(saved) | {"updated_at": None})
    return respond(_json(saved))


async def delete_notice(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn, conn.transaction():
        if await notices.delete_notice(conn, ctx.org_id):
            await ctx.audit(conn, "notice.delete", "survey_notice", ctx.org_id)
    return web.Response(status=204)


OPS = (
    Op(
        "GET",
        "/api/v1/survey-notice",
        get_notice,
        "viewer",
        "The privacy notice shown on the organisation's surveys",
        "admin",
        NOTICE,
    ),
    Op(
        "PUT",
        "/api/v1/survey-notice",
        put_notice,
        "admin",
        "Set the privacy notice shown on the organisation's surveys",
        "admin",
        NOTICE,
        body=NoticeBody,
        example={
            "operator": "Kaffee Haus GmbH, Berlin",
            "policy_url": "https://kaffeehaus.example/datenschutz",
            "purpose": {"de": "Ihre Antworten helfen uns, unsere Marke und unseren Service zu verbessern."},
        },
    ),
    Op(
        "DELETE",
        "/api/v1/survey-notice",
        delete_notice,
        "admin",
        "Remove the privacy notice (surveys then name no one; done if none is set)",
        "admin",
        {},
        status=204,
    ),
)
