"""Brand comparisons (one wave, a reference brand against the others) and respondent-level export.

The export is pseudonymous: each row gets a random id made for that export alone (never the stored respondent
key), the respondent's weight, weighting variables and derived indicators, as CSV. It is refused when the
wave's effective base is below ``statistics.suppress_below``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import secrets

from aiohttp import web

from recognition.figures import MEAN_METRICS, PROPORTION_METRICS
from recognition.populations import load_margins
from recognition.store import estimates as estimates_store
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store
from recognition.waves.contrasts import compare_brands
from recognition.waves.loading import load_input
from recognition.web.api.errors import Problem
from recognition.web.api.ops import CSV, ID, Ctx, Op, Param, not_found, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.scores import SEGMENT, check_filters
from recognition.web.api.waves import WAVE_ID, load_wave

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
                bounds=s.statistics_weight_bounds,
                alpha=s.statistics_alpha,
                practical=s.statistics_practical_threshold,
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


async def export_respondents(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        wave = await load_wave(conn, ctx)
        poll = await polls_store.get_poll(conn, wave.poll_id)
        run = await estimates_store.weighting_run(conn, wave.id)
        floor = ctx.settings.statistics_suppress_below
        if run is None or float(run["n_eff"]) < floor:
            base = "no weighted base" if run is None else f"an effective base of {float(run['n_eff']):.1f}"
            raise Problem(
                409,
                "Conflict",
                f"wave {wave.id} has {base}; respondent-level data is exported only "
                f"from weighted waves with an effective base of at least {floor:g}",
            )
        assert poll is not None
        margins = load_margins(poll.population)
        rows, inp = await load_input(conn, poll, wave.id, wave.questionnaire_version, margins)
        weights = await estimates_store.weights(conn, wave.id)
        await ctx.audit(conn, "wave.export", "wave", wave.id, {"rows": len(weights)})
    variables = list(margins)
    keys = [(m, b) for m in (*PROPORTION_METRICS, *MEAN_METRICS) for b in poll.brand_ids]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["export_id", "weight", *variables, "customer_status", *(f"{m}:{b}" for m, b in keys)])
    order = list(range(len(rows)))
    secrets.SystemRandom().shuffle(order)  # row order must not reveal storage order either
    for i in order:
        row = rows[i]
        if row.id not in weights:
            continue
        values = [
            "" if v != v else int(v) if float(v).is_integer() else v
            for v in (inp.indicators[k][i] for k in keys)
        ]
        writer.writerow(
            [
                secrets.token_hex(8),
                f"{weights[row.id]:.6g}",
                *(inp.demographics[v][i] for v in variables),
                inp.customer[i],
                *values,
            ]
        )
    return web.Response(
        text=buffer.getvalue(),
        content_type=CSV,
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="wave-{wave.id}-respondents.csv"'},
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
    Op(
        "GET",
        "/api/v1/waves/{wave_id}/respondents",
        export_respondents,
        "editor",
        "Respondent-level export (pseudonymous, weighted CSV)",
        "exports",
        {"type": "string"},
        (WAVE_ID,),
        media=(CSV,),
        errors=(409,),
        description="One row per weighted complete with a random per-export id. Refused (409) when the effective "
        "base is below the suppression threshold.",
    ),
)
