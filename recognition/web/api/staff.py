"""The staff view of a poll (:mod:`recognition.waves.staff`): an editor opens and closes the staff round (its
shared link is shown once), and anyone who reads the poll sees the gap between what staff believe customers
answer and what the public says (:mod:`recognition.reports.staff_gap`), as JSON or CSV. Registered by
:mod:`recognition.web.api.routes`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from recognition.errors import UserError
from recognition.figures import finite
from recognition.reports.staff_gap import METHOD, StaffGapView, staff_gap_view
from recognition.store import staff as staff_store
from recognition.store.staff import StaffRound
from recognition.waves.staff import StaffLink, open_staff_round
from recognition.web.api.errors import Problem
from recognition.web.api.ops import CSV, Ctx, Op, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.schemas import record_schema
from recognition.web.api.scores import FORMAT, csv_response

NUMBER = {"type": ["number", "null"]}
ROW = {
    "type": "object",
    "required": [
        "metric",
        "brand",
        "staff_share",
        "staff_low",
        "staff_high",
        "staff_n",
        "public_estimate",
        "gap",
    ],
    "properties": {
        "metric": {"type": "string", "description": "aided or image.<attribute>"},
        "metric_name": {"type": "string"},
        "brand": {"type": "string"},
        "brand_name": {"type": "string"},
        "staff_yes": {"type": "integer", "description": "staff respondents who said yes"},
        "staff_n": {"type": "integer", "description": "staff respondents of the round (complete)"},
        "staff_share": {**NUMBER, "description": "unweighted staff share"},
        "staff_se": {**NUMBER, "description": "binomial standard error √(p(1−p)/n)"},
        "staff_low": {**NUMBER, "description": "Wilson score interval, lower bound"},
        "staff_high": NUMBER,
        "public_estimate": {
            **NUMBER,
            "description": "the published wave's weighted estimate (null: not asked)",
        },
        "public_se": NUMBER,
        "public_low": NUMBER,
        "public_high": NUMBER,
        "public_n": {"type": ["integer", "null"]},
        "public_n_eff": NUMBER,
        "gap": {**NUMBER, "description": "staff − public"},
        "gap_se": {**NUMBER, "description": "√(se_staff² + se_public²)"},
        "gap_low": {**NUMBER, "description": "gap − z·gap_se"},
        "gap_high": NUMBER,
    },
}
GAP = {
    "type": "object",
    "required": ["poll", "round", "wave_id", "level", "method", "rows", "note"],
    "properties": {
        "poll": {"type": "object", "required": ["id", "name"]},
        "round": {"type": ["object", "null"], "description": "the staff round read (null: none opened)"},
        "wave_id": {"type": ["integer", "null"], "description": "the published wave compared with"},
        "level": {"type": "number"},
        "method": {"type": "string"},
        "rows": {"type": "array", "items": ROW},
        "note": {"type": ["string", "null"], "description": "why rows are empty or incomplete"},
    },
}
COLUMNS = tuple(ROW["properties"])


def gap_rows(view: StaffGapView) -> list[dict[str, Any]]:
    """The view's rows as the API writes them (one flat record per item)."""
    out = []
    for r in view.rows:
        item, brand = view.names[(r.metric, r.brand)]
        p = r.public
        out.append(
            {
                "metric": r.metric,
                "metric_name": item,
                "brand": r.brand,
                "brand_name": brand,
                "staff_yes": r.staff_yes,
                "staff_n": r.staff_n,
                "staff_share": r.staff_share,
                "staff_se": r.staff_se,
                "staff_low": r.staff_low,
                "staff_high": r.staff_high,
                "public_estimate": p.estimate if p else None,
                "public_se": p.se if p else None,
                "public_low": finite(p.ci_low) if p else None,
                "public_high": finite(p.ci_high) if p else None,
                "public_n": p.n if p else None,
                "public_n_eff": finite(p.n_eff) if p else None,
                "gap": r.gap,
                "gap_se": r.gap_se,
                "gap_low": r.gap_low,
                "gap_high": r.gap_high,
            }
        )
    return out


def _round(found: StaffRound | None) -> dict[str, Any] | None:
    return asdict(found) if found else None


async def staff_gap(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        view = await staff_gap_view(conn, poll, ctx.settings.statistics_confidence_level)
    rows = gap_rows(view)
    if ctx.media == CSV:
        return csv_response(rows, COLUMNS)
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "round": _round(view.round),
            "wave_id": view.wave_id,
            "level": ctx.settings.statistics_confidence_level,
            "method": METHOD,
            "rows": rows,
            "note": view.note,
        }
    )


async def open_staff_round_op(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        try:
            opened = await open_staff_round(conn, poll.id, ctx.settings.public_base_url)
        except UserError as exc:
            raise Problem(409, "Conflict", str(exc)) from None
        await ctx.audit(conn, "poll.staff_round", "poll", poll.id, {"round_id": opened.round_id})
    return respond(asdict(opened), status=201)


async def close_staff_round(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        closed = await staff_store.close_round(conn, poll.id)
        if closed is None:
            raise Problem(409, "Conflict", f"poll {poll.id} has no open staff round")
        await ctx.audit(conn, "poll.staff_round_closed", "poll", poll.id, {"round_id": closed.id})
    return respond(asdict(closed))


OPS = (
    Op(
        "POST",
        "/api/v1/polls/{poll_id}/staff-round",
        open_staff_round_op,
        "editor",
        "Open a staff round and get its shared link",
        "staff",
        record_schema(StaffLink),
        (POLL_ID,),
        status=201,
        errors=(409,),
        description="An anonymous internal survey of the poll's sales and service staff: anyone with the link "
        "answers the aided brand list and the image questions as they believe customers would. Each entry is a "
        "new anonymous staff respondent, never counted in completes, quotas or estimates and never booked with "
        "the provider. The link is shown once (only its hash is stored); opening a round again closes the open "
        "one. 409 before any wave's fieldwork has created the poll's survey.",
    ),
    Op(
        "POST",
        "/api/v1/polls/{poll_id}/staff-round/close",
        close_staff_round,
        "editor",
        "Close the open staff round",
        "staff",
        record_schema(StaffRound),
        (POLL_ID,),
        errors=(409,),
        description="Its link admits no one after this; answers given stay. 409 when no round is open.",
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/staff-gap",
        staff_gap,
        "reader",
        "What staff believe vs what the public says, per brand and item (JSON or CSV)",
        "staff",
        GAP,
        (POLL_ID, FORMAT),
        media=("application/json", CSV),
        description="For aided awareness and each image attribute × brand: the staff share of the newest round "
        "with answers (unweighted, Wilson interval), the newest published wave's weighted estimate (with its "
        "interval) and the gap staff − public with the interval of two independent samples "
        "(se = √(se_staff² + se_public²)). Staff answers never enter a public figure. Empty `rows` with a `note` "
        "when no round has answers.",
    ),
)
