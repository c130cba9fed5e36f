"""Brand comparisons: one wave, a reference brand against the others, on the same respondents. (Respondent-level
exports: :mod:`recognition.web.api.exports`; banner tables: :mod:`recognition.web.api.banner`.)"""

from __future__ import annotations

import asyncio

from aiohttp import web

from recognition.figures import PROPORTION_METRICS, StatisticsOptions
from recognition.populations import load_margins
from recognition.store import waves as waves_store
from recognition.waves.contrasts import compare_brands
from recognition.waves.loading import load_input
from recognition.web.api.errors import Problem
from recognition.web.api.ops import ID, Ctx, Op, Param, not_found, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.scores import SEGMENT, check_filters

COMPARISON = {
    "type": "object",
    "required": ["wave_id", "metric", "segment", "reference", "differences"],
    "properties": {
        "wave_id": {"type": "integer"},
        "metric": {"type": "string"},
        "segment": {"type": "string"},
        "reference": {"type": "string"},
        "differences": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["brand", "difference", "se", "p_value", "q_value", "significant", "n"],
                "properties": {
                    "brand": {"type": "string"},
                    "difference": {"type": "number"},
                    "se": {"type": "number"},
                    "p_value": {"type": "number"},
                    "q_value": {"type": ["number", "null"]},
                    "significant": {"type": "boolean"},
                    "n": {"type": "integer"},
                },
            },
        },
    },
}


async def compare(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        check_filters(poll, {"segment": p.get("segment", "all")})
        if "wave_id" in p:
            wave = await waves_store.get_wave(conn, p["wave_id"])
            wave = wave if wave is not None and wave.poll_id == poll.id else None
        else:
            wave = await waves_store.latest_published(conn, poll.id)
        if wave is None or wave.state != "published":
            raise not_found("published wave", p.get("wave_id", f"of poll {poll.id}"))
        reference = p.get("reference", poll.own_brand)
        if reference not in poll.brand_ids:
            raise Problem(
                400,
                "Bad Request",
                f"reference {reference!r} is not a brand of the poll",
                errors=[{"field": "reference", "message": f"not one of {', '.join(poll.brand_ids)}"}],
            )
        margins = load_margins(poll.population)
        _, inp = await load_input(conn, poll, wave.id, wave.questionnaire_version, margins)
    s = ctx.settings
    try:
        result = await asyncio.get_running_loop().run_in_executor(
            None,
            lambda: compare_brands(
                inp,
                margins,
                metric=p.get("metric", "aided"),
                reference=reference,
                segment=p.get("segment", "all"),
                options=StatisticsOptions.from_settings(s),
            ),
        )
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise Problem(400, "Bad Request", str(exc), errors=[{"field": field, "message": message}]) from None
    return respond(
        {
            "wave_id": wave.id,
            "metric": p.get("metric", "aided"),
            "segment": p.get("segment", "all"),
            "reference": reference,
            "differences": [
                {**d.__dict__, "q_value": d.q_value if d.q_value == d.q_value else None} for d in result
            ],
        }
    )


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/comparisons",
        compare,
        "viewer",
        "Compare a reference brand with the others in one wave",
        "scores",
        COMPARISON,
        (
            POLL_ID,
            Param("wave_id", "query", ID, "a published wave (default the latest)"),
            Param("metric", "query", {"type": "string", "enum": list(PROPORTION_METRICS)}, "default aided"),
            SEGMENT,
            Param(
                "reference",
                "query",
                {"type": "string", "minLength": 1, "maxLength": 40},
                "default the own brand",
            ),
        ),
    ),
)
