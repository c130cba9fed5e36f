"""The service promise and the marketer's decisions behind it: per service feature an editor may override the
analysis' recommendation (standard, paid add-on at a price, or not promised, with a note); the promise
(:func:`recognition.reports.promise.build_promise`) lists what the company promises, offers for a price and does
not promise, from the latest published wave's service analysis and those decisions. Registered by
:mod:`recognition.web.api.routes`; the dashboard's promise page and PDF read :func:`read_promise`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import asyncpg
from aiohttp import web
from pydantic import AfterValidator, Field, model_validator

from recognition.polls.definition import Strict
from recognition.polls.model import Poll
from recognition.reports.promise import LISTS, build_promise
from recognition.store import insight as insight_store
from recognition.store import service as service_store
from recognition.store import waves as waves_store
from recognition.web.api.errors import Problem
from recognition.web.api.ops import Ctx, Op, Param, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.service import RECOMMENDATION


def _price(value: float | None) -> float | None:
    if value is not None and value < 0:
        raise ValueError("a price cannot be negative; give 0 or more")
    return value


def _note(value: str) -> str:
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValueError("must be plain text, without control characters")
    return value.strip()


class DecisionBody(Strict):
    choice: Literal["standard", "paid_add_on", "do_not_promise"] = Field(
        description="include as standard, offer as a paid add-on at `price`, or do not promise"
    )
    price: Annotated[float | None, AfterValidator(_price)] = Field(
        default=None, description="the add-on's price in the feature's currency (paid_add_on only)"
    )
    note: Annotated[str, Field(max_length=600), AfterValidator(_note)] = Field(
        default="", description="why, in the marketer's words (shown on the promise)"
    )

    @model_validator(mode="after")
    def _priced(self) -> DecisionBody:
        if self.choice == "paid_add_on" and self.price is None:
            raise ValueError("a paid add-on needs its price")
        if self.choice != "paid_add_on" and self.price is not None:
            raise ValueError(f"only a paid add-on has a price; {self.choice} takes none")
        return self


FEATURE_ID = Param(
    "feature_id", "path", {"type": "string", "maxLength": 100}, "the service feature's id", True
)
DECISION = {
    "type": "object",
    "required": ["feature_id", "choice", "price", "note", "decided_by", "decided_at"],
    "properties": {
        "feature_id": {"type": "string"},
        "choice": RECOMMENDATION,
        "price": {"type": ["number", "null"]},
        "note": {"type": "string"},
        "decided_by": {"type": "string", "description": "the prefix of the key that decided"},
        "decided_at": {"type": "string"},
    },
}
ITEM = {
    "type": "object",
    "required": ["id", "label", "choice", "price", "currency", "source", "overrides", "analysis"],
    "properties": {
        "id": {"type": "string"},
        "label": {"type": "string"},
        "choice": {"type": ["string", "null"]},
        "price": {"type": ["number", "null"]},
        "currency": {"type": "string"},
        "cost": {"type": ["number", "null"]},
        "source": {
            "type": ["string", "null"],
            "enum": ["analysis", "marketer", None],
            "description": "analysis: follows the recommendation; marketer: decided by the marketer",
        },
        "overrides": {"type": "boolean", "description": "the marketer's decision differs from the analysis"},
        "note": {"type": "string"},
        "analysis": {
            "type": ["object", "null"],
            "description": "what the analysis recommended among everybody (null: not analysed)",
        },
    },
}
PROMISE = {
    "type": "object",
    "required": ["poll", "wave_id", "scheduled_at", *LISTS],
    "properties": {
        "poll": {"type": "object", "required": ["id", "name"]},
        "wave_id": {
            "type": ["integer", "null"],
            "description": "the published wave analysed (null: none yet)",
        },
        "scheduled_at": {"type": ["string", "null"]},
        **{name: {"type": "array", "items": ITEM} for name in LISTS},
    },
}


def _decision_json(d: service_store.Decision) -> dict[str, Any]:
    return {
        "feature_id": d.feature_id,
        "choice": d.choice,
        "price": d.price,
        "note": d.note,
        "decided_by": d.decided_by,
        "decided_at": d.decided_at.isoformat(),
    }


async def read_promise(conn: asyncpg.Connection, poll: Poll) -> dict[str, Any]:
    """The poll's service promise: its latest published wave's service analysis with the decisions."""
    wave = await waves_store.latest_published(conn, poll.id)
    stored = await insight_store.wave_insight(conn, wave.id) if wave is not None else None
    decisions = await service_store.list_decisions(conn, poll.id)
    lists = build_promise(poll.service_features or [], (stored or {}).get("service"), decisions)
    return {
        "poll": {"id": poll.id, "name": poll.name},
        "wave_id": wave.id if wave is not None else None,
        "scheduled_at": wave.scheduled_at.isoformat() if wave is not None else None,
        **lists,
    }


def _feature(poll: Poll, feature_id: str) -> None:
    known = [f["id"] for f in poll.service_features or []]
    if feature_id not in known:
        asked = ", ".join(known) if known else "none"
        raise Problem(
            404, "Not Found", f"poll {poll.id} asks no service feature '{feature_id}' (its features: {asked})"
        )


async def service_promise(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        return respond(await read_promise(conn, poll))


async def decide_service_feature(ctx: Ctx) -> web.StreamResponse:
    fid = ctx.params["feature_id"]
    async with ctx.pool.acquire() as conn, conn.transaction():
        poll = await load_poll(conn, ctx)
        _feature(poll, fid)
        body = ctx.body
        saved = await service_store.set_decision(
            conn, poll.id, fid, body["choice"], body.get("price"), body.get("note", ""), ctx.key.prefix
        )
        await ctx.audit(conn, "service.decide", "poll", poll.id, _decision_json(saved))
    return respond(_decision_json(saved))


async def withdraw_service_decision(ctx: Ctx) -> web.StreamResponse:
    fid = ctx.params["feature_id"]
    async with ctx.pool.acquire() as conn, conn.transaction():
        poll = await load_poll(conn, ctx)
        _feature(poll, fid)
        if await service_store.delete_decision(conn, poll.id, fid):
            await ctx.audit(conn, "service.undecide", "poll", poll.id, {"feature_id": fid})
    return web.Response(status=204)


DECISION_PATH = "/api/v1/polls/{poll_id}/service/decisions/{feature_id}"
OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/service/promise",
        service_promise,
        "viewer",
        "The service promise: what is promised, offered for a price and not promised, per service feature",
        "insight",
        PROMISE,
        (POLL_ID,),
        description="From the latest published wave's service analysis (its recommendation among everybody) and "
        "the marketer's decisions: `promised` (standard), `offered` (paid add-on, with `price`), `not_promised`, "
        "and `undecided` (neither analysed nor decided). Each item's `source` says whether it follows the "
        "analysis or the marketer decided it, `analysis` what the analysis recommended.",
    ),
    Op(
        "PUT",
        DECISION_PATH,
        decide_service_feature,
        "editor",
        "Decide a service feature's place in the promise, overriding the analysis' recommendation",
        "insight",
        DECISION,
        (POLL_ID, FEATURE_ID),
        body=DecisionBody,
        example={
            "choice": "paid_add_on",
            "price": 4.5,
            "note": "priced below the best price to win customers",
        },
        errors=(404,),
    ),
    Op(
        "DELETE",
        DECISION_PATH,
        withdraw_service_decision,
        "editor",
        "Withdraw the decision: the feature follows the analysis again (done if there is none)",
        "insight",
        {},
        (POLL_ID, FEATURE_ID),
        status=204,
        errors=(404,),
    ),
)
