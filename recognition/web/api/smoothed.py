"""Smoothed trends: one metric over the published waves, per brand, the raw figure of every wave with its
local-level smoothing beside it (:mod:`recognition.reports.smoothed`), JSON or CSV. The raw figures are the
published ones, unchanged; ``smoothed`` is labelled as such and never replaces them. Smoothing a poll's series
is cheap (well under a tenth of a second for dozens of series), so it is done per read and kept by the
response cache. Registered by :mod:`recognition.web.api.routes`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from recognition.labels import metric_name
from recognition.reports.smoothed import METHOD, SMOOTHED_LABEL, SmoothedPoint, smooth_series
from recognition.store import estimates as estimates_store
from recognition.web.api.ops import CSV, Ctx, Op, Param, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.schemas import METRIC
from recognition.web.api.scores import BRAND, FORMAT, SEGMENT, check_filters, csv_response, poll_breaks

NUMBER = {"type": ["number", "null"]}
VALUE_NAMES = ["estimate", "se", "ci_low", "ci_high"]
VALUES: dict[str, Any] = {
    "type": "object",
    "required": VALUE_NAMES,
    "properties": dict.fromkeys(VALUE_NAMES, NUMBER),
}
RAW = {
    "type": "object",
    "required": [*VALUE_NAMES, "n", "n_eff", "base_status"],
    "properties": {
        **dict.fromkeys(VALUE_NAMES, NUMBER),
        "n": {"type": "integer", "description": "respondents in the base"},
        "n_eff": {**NUMBER, "description": "Kish effective n of the base"},
        "base_status": {"type": "string"},
    },
    "description": "the published figure (numbers null when suppressed)",
}
SMOOTHED = {
    "type": "object",
    "required": ["poll", "metric", "segment", "label", "method", "series"],
    "properties": {
        "poll": {"type": "object", "required": ["id", "name"]},
        "metric": {"type": "string"},
        "segment": {"type": "string"},
        "label": {"type": "string", "description": "what the smoothed numbers are: model-based, not direct"},
        "method": {"type": "string"},
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["brand", "brand_name", "signal_variance", "note", "points"],
                "properties": {
                    "brand": {"type": "string"},
                    "brand_name": {"type": "string"},
                    "signal_variance": {
                        **NUMBER,
                        "description": "ML variance of the level's wave-to-wave step",
                    },
                    "warnings": {"type": "array", "items": {"type": "string"}},
                    "note": {"type": ["string", "null"], "description": "why the series is not smoothed"},
                    "points": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["wave_id", "scheduled_at", "raw", "smoothed"],
                            "properties": {
                                "wave_id": {"type": "integer"},
                                "scheduled_at": {"type": "string"},
                                "break": {"type": ["string", "null"]},
                                "raw": RAW,
                                "smoothed": {
                                    **VALUES,
                                    "type": ["object", "null"],
                                    "description": "null before the last method break or for a short series",
                                },
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
    "scheduled_at",
    "brand",
    "brand_name",
    "metric",
    "metric_name",
    "segment",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "n_eff",
    "base_status",
    "smoothed",
    "smoothed_se",
    "smoothed_ci_low",
    "smoothed_ci_high",
    "smoothed_label",
)


def _smoothed(p: SmoothedPoint | None) -> dict[str, Any] | None:
    return (
        None if p is None else {"estimate": p.estimate, "se": p.se, "ci_low": p.ci_low, "ci_high": p.ci_high}
    )


async def smoothed_trends(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    segment = p.get("segment", "all")
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        check_filters(poll, p)
        breaks = await poll_breaks(conn, poll.id)
        rows = await estimates_store.poll_figures(
            conn, poll.id, metric=p["metric"], segments=[segment], brand=p.get("brand"), base="total"
        )
    by_brand: dict[str, list[Any]] = {}
    for r in rows:
        by_brand.setdefault(r.figure.brand, []).append(r)
    order = [b for b in poll.brand_ids if b in by_brand]
    level = ctx.settings.statistics_confidence_level
    fitted = smooth_series(
        [[(r.wave_id, r.figure) for r in by_brand[b]] for b in order],
        breaks=[w for w, marker in breaks.items() if marker],
        level=level,
    )
    series: list[dict[str, Any]] = [
        {
            "brand": b,
            "brand_name": poll.brand_name(b),
            "signal_variance": fit.signal_variance,
            "warnings": list(fit.warnings),
            "note": fit.note,
            "points": [
                {
                    "wave_id": r.wave_id,
                    "scheduled_at": r.scheduled_at,
                    "break": breaks.get(r.wave_id),
                    "raw": r.figure.reading(),
                    "smoothed": _smoothed(s),
                }
                for r, s in zip(by_brand[b], fit.points, strict=True)
            ],
        }
        for b, fit in zip(order, fitted, strict=True)
    ]
    if ctx.media == CSV:
        flat = [
            {
                "wave_id": point["wave_id"],
                "scheduled_at": point["scheduled_at"],
                "brand": s["brand"],
                "brand_name": s["brand_name"],
                "metric": p["metric"],
                "metric_name": metric_name(p["metric"]),
                "segment": segment,
                **point["raw"],
                **{
                    f"smoothed{suffix}": (point["smoothed"] or {}).get(key)
                    for suffix, key in (
                        ("", "estimate"),
                        ("_se", "se"),
                        ("_ci_low", "ci_low"),
                        ("_ci_high", "ci_high"),
                    )
                },
                "smoothed_label": SMOOTHED_LABEL if point["smoothed"] else None,
            }
            for s in series
            for point in s["points"]
        ]
        return csv_response(flat, COLUMNS)
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "metric": p["metric"],
            "segment": segment,
            "label": SMOOTHED_LABEL,
            "method": METHOD.format(level=level),
            "series": series,
        }
    )


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/smoothed-trends",
        smoothed_trends,
        "reader",
        "One metric over time per brand, raw and smoothed side by side (JSON or CSV)",
        "scores",
        SMOOTHED,
        (POLL_ID, Param("metric", "query", METRIC, "the metric", required=True), BRAND, SEGMENT, FORMAT),
        media=("application/json", CSV),
        cached=True,
        errors=(400,),
        description="Each point carries the published figure (`raw`, with its base) and, beside it, the "
        "local-level smoothing (`smoothed`, labelled by `label`), from the series' last method break on; a "
        "series with fewer than three usable waves there is not smoothed and says so in `note`.",
    ),
)
