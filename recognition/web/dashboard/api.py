"""The reports' JSON operations under ``/api/v1``: the written summary of a poll's latest wave, its alert
settings and the alert delivery log.

Declared as :class:`~recognition.web.api.ops.Op` s, so they are checked like every other operation (role, media
type, parameters, body) and appear in ``/openapi.json``. Registered by :mod:`recognition.web.dashboard.routes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from recognition.addresses import Network, email_problem
from recognition.alerts.targets import webhook_problem
from recognition.polls.definition import Strict
from recognition.reports.summary import KINDS
from recognition.reports.views import WINDOWS, FilterError, build_page
from recognition.store import alerts as alerts_store
from recognition.web.api.errors import Problem
from recognition.web.api.ops import ID, Ctx, Op, Param, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.schemas import FIGURE, TREND


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """A figure field as a point carries it: null when the point rests on no single figure (the line of
    metrics with no significant change, objectives listed together)."""
    out = dict(schema)
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    kinds = out.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        out["type"] = list(dict.fromkeys([*kinds, "null"]))
    return out


POINT: dict[str, Any] = {
    "type": "object",
    "required": list(dict.fromkeys(["text", "kind", "wave_id", "test", "status", *FIGURE["required"]])),
    "properties": {
        **{name: _nullable(schema) for name, schema in FIGURE["properties"].items()},
        "text": {"type": "string"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "wave_id": {"type": "integer"},
        "test": {"type": ["string", "null"], "description": "how the point was judged"},
        "status": {"type": ["string", "null"], "description": "an objective's status"},
        "family": {
            "type": ["string", "null"],
            "enum": ["headline", "secondary", "segment", None],
            "description": "a change's significance family (secondary and segment reads are exploratory)",
        },
        "baseline": {
            "type": ["object", "null"],
            "description": "a 'since' point's test: the baseline wave and the change from it (p, BH q)",
            "properties": {
                "wave_id": {"type": "integer"},
                "change": {"type": "number"},
                "p_value": {"type": ["number", "null"]},
                "q_value": {"type": ["number", "null"]},
            },
        },
        "trend": {**TREND, "type": ["object", "null"], "description": "a 'trend' point's trend"},
        "items": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the metrics a no_change point names, or the figures (metric|brand|segment) of a "
            "low_base point",
        },
    },
}
SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["poll", "wave", "segment", "window", "previous_wave_id", "points", "objectives"],
    "properties": {
        "poll": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "wave": {
            "type": "object",
            "required": ["id", "scheduled_at", "fieldwork", "questionnaire_version"],
            "properties": {
                "id": {"type": "integer"},
                "scheduled_at": {"type": "string"},
                "fieldwork": {"type": ["string", "null"]},
                "questionnaire_version": {"type": "integer"},
            },
        },
        "segment": {"type": "string"},
        "window": {"type": "integer"},
        "previous_wave_id": {"type": ["integer", "null"]},
        "points": {"type": "array", "items": POINT},
        "objectives": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "metric", "brand", "segment", "threshold", "direction", "label", "status"],
                "properties": {
                    "id": {"type": "integer"},
                    "metric": {"type": "string"},
                    "brand": {"type": "string"},
                    "segment": {"type": "string"},
                    "threshold": {"type": "number"},
                    "direction": {"type": "string"},
                    "label": {"type": "string"},
                    "created_at": {"type": "string"},
                    "status": {"type": ["string", "null"]},
                },
            },
        },
    },
}
ALERTS_OUT: dict[str, Any] = {
    "type": "object",
    "required": ["webhook_url", "webhook_secret_set", "email_to", "digest"],
    "properties": {
        "webhook_url": {"type": "string"},
        "webhook_secret_set": {"type": "boolean"},
        "email_to": {"type": "array", "items": {"type": "string"}},
        "digest": {"type": "boolean"},
    },
}


class AlertSettingsIn(Strict):
    webhook_url: str = Field(
        default="", max_length=2000, description="an http(s) URL that receives signed alert events, or empty"
    )
    webhook_secret: str = Field(
        default="", max_length=256, description="signs webhook bodies (16+ characters); kept when omitted"
    )
    email_to: list[Annotated[str, Field(max_length=254)]] = Field(
        default_factory=list, max_length=50, description="addresses that receive alert e-mails"
    )
    digest: bool = Field(default=False, description="one message per wave instead of one per event")


DELIVERIES: dict[str, Any] = {
    "type": "object",
    "required": ["deliveries"],
    "properties": {
        "deliveries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "wave_id", "channel", "status", "attempts", "created_at", "log"],
                "properties": {
                    "id": {"type": "integer"},
                    "message_id": {"type": "string"},
                    "wave_id": {"type": "integer"},
                    "channel": {"type": "string", "enum": ["webhook", "email"]},
                    "target": {"type": "string"},
                    "status": {"type": "string", "enum": ["pending", "sending", "delivered", "failed"]},
                    "attempts": {"type": "integer"},
                    "last_error": {"type": ["string", "null"]},
                    "created_at": {"type": "string"},
                    "delivered_at": {"type": ["string", "null"]},
                    "log": {"type": "array", "items": {"type": "object"}},
                },
            },
        }
    },
}


async def poll_summary(ctx: Ctx) -> web.StreamResponse:
    query = {k: str(v) for k, v in ctx.params.items() if k != "poll_id"}
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        try:
            page = await build_page(conn, ctx.settings, poll, query, with_charts=False)
        except FilterError as exc:
            field = str(exc).split(":", 1)[0]
            raise Problem(
                400, "Bad Request", str(exc), errors=[{"field": field, "message": str(exc)}]
            ) from None
    if page.summary is None or page.wave is None:
        raise Problem(404, "Not Found", f"poll {poll.id} has no published wave yet")
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "wave": {
                "id": page.wave.id,
                "scheduled_at": page.wave.scheduled_at,
                "fieldwork": page.wave.fieldwork,
                "questionnaire_version": page.wave.questionnaire_version,
            },
            "segment": page.filters.segment,
            "window": page.filters.window,
            "previous_wave_id": page.summary.previous_wave_id,
            "points": [p.as_dict() for p in page.summary.points],
            "objectives": [{**asdict(o), "status": h[-1].status if h else None} for o, h in page.objectives],
        }
    )


def _settings_body(s: alerts_store.AlertSettings) -> dict[str, Any]:
    return {
        "webhook_url": s.webhook_url,
        "webhook_secret_set": bool(s.webhook_secret),
        "email_to": list(s.email_to),
        "digest": s.digest,
    }


async def get_alert_settings(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        settings = await alerts_store.get_settings(conn, poll.id)
    return respond(_settings_body(settings))


def _bad(field: str, message: str) -> Problem:
    return Problem(
        422, "Unprocessable Content", f"{field}: {message}", errors=[{"field": field, "message": message}]
    )


async def parse_alert_settings(
    poll_id: int, body: dict[str, Any], allow: Sequence[Network] = ()
) -> alerts_store.AlertSettings:
    """The settings a (schema-checked) body asks for; 422 names the first field that makes no sense. A webhook
    must reach a public address (or one in ``allow``, ``alerts.webhook_allow``): see
    :mod:`recognition.alerts.targets`; each e-mail address must be one plain address, without line breaks."""
    url = body.get("webhook_url", "")
    problem = await webhook_problem(url, allow) if url else None
    if problem:
        raise _bad("webhook_url", problem)
    secret = body.get("webhook_secret", "")
    if url and "webhook_secret" in body and len(secret) < 16:
        raise _bad("webhook_secret", "must be a string of at least 16 characters")
    emails = body.get("email_to", [])
    for i, address in enumerate(emails):
        problem = email_problem(address)
        if problem:
            raise _bad(f"email_to[{i}]", problem)
    return alerts_store.AlertSettings(poll_id, url, secret, tuple(emails), body.get("digest", False))


async def put_alert_settings(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        wanted = await parse_alert_settings(poll.id, ctx.body, ctx.settings.alerts_webhook_allow)
        async with conn.transaction():
            current = await alerts_store.get_settings(conn, poll.id)
            if "webhook_secret" not in ctx.body:
                wanted = alerts_store.AlertSettings(
                    poll.id, wanted.webhook_url, current.webhook_secret, wanted.email_to, wanted.digest
                )
            saved = await alerts_store.put_settings(conn, wanted)
            await ctx.audit(conn, "alerts.update", "poll", poll.id, _settings_body(saved))
    return respond(_settings_body(saved))


async def alert_deliveries(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        rows = await alerts_store.list_deliveries(conn, poll.id)
    return respond({"deliveries": rows})


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/summary",
        poll_summary,
        "viewer",
        "The written summary of the latest (or a chosen) published wave",
        "reports",
        SUMMARY,
        (
            POLL_ID,
            Param("segment", "query", {"type": "string", "minLength": 1, "maxLength": 100}, "default 'all'"),
            Param(
                "window",
                "query",
                {"type": "integer", "enum": list(WINDOWS)},
                "waves per rolling window for the trend points (default 1)",
            ),
            Param("metric", "query", {"type": "string", "minLength": 1, "maxLength": 40}, "the chart metric"),
            Param("wave", "query", ID, "a published wave (default: the latest)"),
            Param(
                "lang",
                "query",
                {"type": "string", "enum": ["en", "de"]},
                "the sentences' language (default en)",
            ),
        ),
        description="The news first: objectives breached or at risk, significant moves (headline, then "
        "exploratory), the headline metrics with no significant change, low bases. Each point is a sentence "
        "with the figure it rests on: estimate, interval, n, effective n, the test, its family, p and BH q. "
        "404 until the poll has a published wave.",
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/alerts",
        get_alert_settings,
        "viewer",
        "Alert settings (the webhook secret is never shown)",
        "reports",
        ALERTS_OUT,
        (POLL_ID,),
    ),
    Op(
        "PUT",
        "/api/v1/polls/{poll_id}/alerts",
        put_alert_settings,
        "editor",
        "Replace the alert settings",
        "reports",
        ALERTS_OUT,
        (POLL_ID,),
        body=AlertSettingsIn,
        errors=(422,),
        example={
            "webhook_url": "https://hooks.example.org/recognition",
            "webhook_secret": "a-long-shared-secret-0123456789",
            "email_to": ["brand-team@example.org"],
            "digest": True,
        },
        description="Fields left out take their defaults (no webhook, no e-mail, no digest), except "
        "webhook_secret, which is kept when omitted.",
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/alerts/deliveries",
        alert_deliveries,
        "viewer",
        "The alert delivery log, newest first (last 100 messages with each attempt)",
        "reports",
        DELIVERIES,
        (POLL_ID,),
    ),
)
