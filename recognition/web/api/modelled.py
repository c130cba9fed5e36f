"""Modelled segment reads: one metric × brand in the segments of one published wave, each segment's direct
estimate with its base and, beside it and labelled ``modelled``, its Fay–Herriot EBLUP
(:mod:`recognition.reports.modelled`), JSON or CSV. Direct estimates are the published figures (suppressed ones
show no numbers); modelled reads are never mixed into them. Cheap (milliseconds), so computed per read from the
stored figures and kept by the response cache. Registered by :mod:`recognition.web.api.routes`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from recognition.figures import finite
from recognition.labels import metric_name, segment_name
from recognition.reports.modelled import METHOD, MODELLED_LABEL, Group
from recognition.reports.views import modelled_reads
from recognition.store import waves as waves_store
from recognition.web.api.insight import WAVE, published_wave
from recognition.web.api.ops import CSV, Ctx, Op, Param, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.schemas import METRIC
from recognition.web.api.scores import FORMAT, check_filters, csv_response

NUMBER = {"type": ["number", "null"]}
DIRECT = {
    "type": "object",
    "required": ["estimate", "se", "ci_low", "ci_high", "n", "n_eff", "base_status"],
    "properties": {
        "estimate": NUMBER,
        "se": NUMBER,
        "ci_low": NUMBER,
        "ci_high": NUMBER,
        "n": {"type": "integer"},
        "n_eff": NUMBER,
        "base_status": {"type": "string"},
    },
    "description": "the published direct estimate and its base (numbers null when suppressed)",
}
MODELLED = {
    "type": ["object", "null"],
    "required": ["label", "estimate", "se", "ci_low", "ci_high", "gamma"],
    "properties": {
        "label": {"type": "string"},
        "estimate": NUMBER,
        "se": {**NUMBER, "description": "√MSE"},
        "ci_low": NUMBER,
        "ci_high": NUMBER,
        "gamma": {**NUMBER, "description": "weight on the direct estimate (0: synthetic alone)"},
    },
}
SEGMENTS = {
    "type": "object",
    "required": ["poll", "wave_id", "metric", "brand", "label", "groups"],
    "properties": {
        "poll": {"type": "object", "required": ["id", "name"]},
        "wave_id": {"type": "integer"},
        "metric": {"type": "string"},
        "brand": {"type": "string"},
        "label": {"type": "string"},
        "groups": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "method", "note", "segments"],
                "properties": {
                    "variable": {"type": "string"},
                    "method": {"type": "string"},
                    "sigma2_v": NUMBER,
                    "warnings": {"type": "array", "items": {"type": "string"}},
                    "note": {"type": ["string", "null"]},
                    "segments": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["segment", "segment_name", "direct", "modelled"],
                            "properties": {
                                "segment": {"type": "string"},
                                "segment_name": {"type": "string"},
                                "direct": DIRECT,
                                "modelled": MODELLED,
                            },
                        },
                    },
                },
            },
        },
    },
}
COLUMNS = (
    "wave_id",
    "metric",
    "metric_name",
    "brand",
    "brand_name",
    "variable",
    "segment",
    "segment_name",
    "direct_estimate",
    "direct_ci_low",
    "direct_ci_high",
    "n",
    "n_eff",
    "base_status",
    "modelled_estimate",
    "modelled_ci_low",
    "modelled_ci_high",
    "gamma",
    "modelled_label",
)


def _group(g: Group, level: float) -> dict[str, Any]:
    r = g.result
    return {
        "variable": g.variable,
        "method": METHOD.format(covariate=g.covariate, level=level),
        "sigma2_v": None if r is None else finite(r.sigma2_v),
        "warnings": [] if r is None else list(r.warnings),
        "note": g.note,
        "segments": [
            {
                "segment": s,
                "segment_name": segment_name(s),
                "direct": f.reading(),
                "modelled": None
                if r is None
                else {
                    "label": MODELLED_LABEL,
                    "estimate": finite(r.estimate[d]),
                    "se": finite(r.se[d]),
                    "ci_low": finite(r.ci_low[d]),
                    "ci_high": finite(r.ci_high[d]),
                    "gamma": finite(r.gamma[d]),
                },
            }
            for d, (s, f) in enumerate(zip(g.segments, g.direct, strict=True))
        ],
    }


async def modelled_segments(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    brand = p.get("brand")
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        check_filters(poll, p)
        brand = brand or poll.own_brand
        wave = await published_wave(conn, ctx, poll)
        published = [w.id for w in await waves_store.list_waves(conn, poll.id) if w.state == "published"]
        level = ctx.settings.statistics_confidence_level
        found = await modelled_reads(conn, published, wave.id, p["metric"], brand, level)
    groups = [_group(g, level) for g in found]
    if ctx.media == CSV:
        rows = [
            {
                "wave_id": wave.id,
                "metric": p["metric"],
                "metric_name": metric_name(p["metric"]),
                "brand": brand,
                "brand_name": poll.brand_name(brand),
                "variable": g["variable"],
                "segment": s["segment"],
                "segment_name": s["segment_name"],
                **{f"direct_{k}": s["direct"][k] for k in ("estimate", "ci_low", "ci_high")},
                **{k: s["direct"][k] for k in ("n", "n_eff", "base_status")},
                **{f"modelled_{k}": (s["modelled"] or {}).get(k) for k in ("estimate", "ci_low", "ci_high")},
                "gamma": (s["modelled"] or {}).get("gamma"),
                "modelled_label": MODELLED_LABEL if s["modelled"] else None,
            }
            for g in groups
            for s in g["segments"]
        ]
        return csv_response(rows, COLUMNS)
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "wave_id": wave.id,
            "metric": p["metric"],
            "brand": brand,
            "label": MODELLED_LABEL,
            "groups": groups,
        }
    )


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/modelled-segments",
        modelled_segments,
        "reader",
        "Modelled segment reads of one metric and brand in one wave, beside the direct estimates (JSON or CSV)",
        "insight",
        SEGMENTS,
        (
            POLL_ID,
            WAVE,
            Param("metric", "query", METRIC, "the metric", required=True),
            Param(
                "brand", "query", {"type": "string", "minLength": 1, "maxLength": 40}, "default the own brand"
            ),
            FORMAT,
        ),
        media=("application/json", CSV),
        cached=True,
        errors=(400,),
        description="Per variable (its levels are the model's areas), every segment's published direct "
        "estimate with its base, and its Fay–Herriot EBLUP labelled `modelled` — never mixed into the direct "
        "estimates. A variable the model cannot be fitted on has `modelled` null and a `note`.",
    ),
)
