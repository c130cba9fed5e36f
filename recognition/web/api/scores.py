"""Scores and trends: published estimates of a poll, per wave, with their base, uncertainty and the wave-on-wave
test (change, p, BH q and the significance flag), as JSON or CSV.

Suppressed figures (effective base below ``statistics.suppress_below``) keep their base (n, effective n) but show
no numbers. Routes are registered by :mod:`recognition.web.api.routes`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from recognition.waves.processing import MEAN_METRICS, PROPORTION_METRICS
from recognition.waves.windows import MAX_WINDOW
from recognition.web.api.ops import CSV, ID, LIMIT, Ctx, Op, Param, decode_cursor, encode_cursor, respond
from recognition.web.api.polls import POLL_ID, load_poll

METRICS = [*PROPORTION_METRICS, *MEAN_METRICS]
HIDDEN = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "change",
    "change_se",
    "p_value",
    "q_value",
    "significant",
)
COLUMNS = (
    "metric",
    "brand",
    "segment",
    "base",
    "kind",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "ci_method",
    "level",
    "n",
    "n_eff",
    "deff",
    "base_status",
    "warnings",
    "change",
    "change_se",
    "p_value",
    "q_value",
    "significant",
)
NUM = {"type": ["number", "null"]}
ESTIMATE: dict[str, Any] = {
    "type": "object",
    "required": [
        "metric",
        "brand",
        "segment",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "n_eff",
        "base_status",
        "change",
        "p_value",
        "q_value",
        "significant",
    ],
    "properties": {
        "metric": {"type": "string"},
        "brand": {"type": "string"},
        "segment": {"type": "string"},
        "base": {"type": "string"},
        "kind": {"type": "string"},
        "estimate": NUM,
        "se": NUM,
        "ci_low": NUM,
        "ci_high": NUM,
        "ci_method": {"type": "string"},
        "level": {"type": "number"},
        "n": {"type": "integer"},
        "n_eff": {"type": "number"},
        "deff": NUM,
        "base_status": {"type": "string", "enum": ["ok", "low", "suppressed"]},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "change": NUM,
        "change_se": NUM,
        "p_value": NUM,
        "q_value": NUM,
        "significant": {"type": ["boolean", "null"]},
    },
}
WAVE_IDS = {"type": "array", "items": {"type": "integer"}}
SCORES = {
    "type": "object",
    "required": ["poll", "waves", "next_cursor"],
    "properties": {
        "poll": {"type": "object", "required": ["id", "name"]},
        "window": {"type": "integer", "minimum": 1},
        "waves": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["wave_id", "scheduled_at", "questionnaire_version", "estimates"],
                "properties": {
                    "wave_id": {"type": "integer"},
                    "scheduled_at": {"type": "string"},
                    "questionnaire_version": {"type": "integer"},
                    "window_waves": {**WAVE_IDS, "description": "the waves pooled (window > 1)"},
                    "previous_window_waves": {
                        **WAVE_IDS,
                        "description": "the previous non-overlapping window the change is against (window > 1)",
                    },
                    "estimates": {"type": "array", "items": ESTIMATE},
                },
            },
        },
        "next_cursor": {"type": ["string", "null"]},
    },
}
POINT = {
    "type": "object",
    "required": [
        "wave_id",
        "scheduled_at",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "n_eff",
        "base_status",
        "change",
        "p_value",
        "q_value",
        "significant",
    ],
    "properties": {
        **ESTIMATE["properties"],
        "wave_id": {"type": "integer"},
        "scheduled_at": {"type": "string"},
    },
}
TRENDS = {
    "type": "object",
    "required": ["poll", "metric", "segment", "series"],
    "properties": {
        "poll": {"type": "object"},
        "metric": {"type": "string"},
        "segment": {"type": "string"},
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["brand", "brand_name", "points"],
                "properties": {
                    "brand": {"type": "string"},
                    "brand_name": {"type": "string"},
                    "points": {"type": "array", "items": POINT},
                },
            },
        },
    },
}
SEGMENT = Param(
    "segment",
    "query",
    {"type": "string", "minLength": 1, "maxLength": 100},
    "'all' (default), 'age=18-24', 'customer=current', ...",
)
BRAND = Param("brand", "query", {"type": "string", "minLength": 1, "maxLength": 40}, "one brand id")
FORMAT = Param(
    "format", "query", {"type": "string", "enum": ["json", "csv"]}, "csv is the same as 'Accept: text/csv'"
)

_SELECT = """SELECT w.id AS wave_id, w.scheduled_at, w.questionnaire_version, e.metric, e.brand, e.segment, e.base,
                    e.kind, e.estimate, e.se, e.ci_low, e.ci_high, e.ci_method, e.level, e.n, e.n_eff, e.deff,
                    e.base_status, e.warnings, e.change, e.change_se, e.p_value, e.q_value, e.significant
             FROM waves w JOIN estimates e ON e.wave_id = w.id
             WHERE w.poll_id = $1 AND w.state = 'published' AND ($2::text IS NULL OR e.metric = $2)
                   AND e.segment = $3 AND ($4::text IS NULL OR e.brand = $4)"""


def public(row: dict[str, Any]) -> dict[str, Any]:
    """An estimate as published: suppressed figures keep their base but show no numbers."""
    out = dict(row)
    if out["base_status"] == "suppressed":
        for name in HIDDEN:
            out[name] = None
    return out


def csv_response(rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> web.Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                ""
                if row[c] is None
                else ";".join(row[c])
                if isinstance(row[c], list)
                else row[c].isoformat()
                if hasattr(row[c], "isoformat")
                else row[c]
                for c in columns
            ]
        )
    return web.Response(text=buffer.getvalue(), content_type=CSV, charset="utf-8")


async def poll_scores(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    if p.get("window", 1) > 1:
        from recognition.web.api.windows import window_scores

        return await window_scores(ctx)
    limit = p.get("limit", 50)
    after = decode_cursor(ctx)
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        wave_ids = [
            r["id"]
            for r in await conn.fetch(
                """SELECT id FROM waves WHERE poll_id = $1 AND state = 'published' AND ($2::bigint IS NULL OR id > $2)
                    AND ($3::bigint IS NULL OR id = $3) ORDER BY id LIMIT $4""",
                poll.id,
                after,
                p.get("wave_id"),
                limit + 1,
            )
        ]
        shown = wave_ids[:limit]
        rows = [
            public(dict(r))
            for r in await conn.fetch(
                _SELECT
                + " AND w.id = ANY($5::bigint[]) ORDER BY w.scheduled_at, w.id, e.metric, e.brand, e.base",
                poll.id,
                p.get("metric"),
                p.get("segment", "all"),
                p.get("brand"),
                shown,
            )
        ]
    if ctx.media == CSV:
        return csv_response(rows, ("wave_id", "scheduled_at", *COLUMNS))
    waves: dict[int, dict[str, Any]] = {}
    for wave_id in shown:
        waves[wave_id] = {"wave_id": wave_id, "estimates": []}
    for row in rows:
        wave = waves[row["wave_id"]]
        wave["scheduled_at"] = row["scheduled_at"]
        wave["questionnaire_version"] = row["questionnaire_version"]
        wave["estimates"].append({c: row[c] for c in COLUMNS})
    if any("scheduled_at" not in w for w in waves.values()):
        async with ctx.pool.acquire() as conn:
            for r in await conn.fetch(
                "SELECT id, scheduled_at, questionnaire_version FROM waves WHERE id = ANY($1)",
                [w for w, v in waves.items() if "scheduled_at" not in v],
            ):
                waves[r["id"]].update(
                    scheduled_at=r["scheduled_at"], questionnaire_version=r["questionnaire_version"]
                )
    more = len(wave_ids) > limit
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "window": 1,
            "waves": list(waves.values()),
            "next_cursor": encode_cursor(shown[-1]) if more else None,
        }
    )


async def poll_trends(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        rows = [
            public(dict(r))
            for r in await conn.fetch(
                _SELECT + " AND e.base = 'total' ORDER BY e.brand, w.scheduled_at, w.id",
                poll.id,
                p["metric"],
                p.get("segment", "all"),
                p.get("brand"),
            )
        ]
    if ctx.media == CSV:
        return csv_response(rows, ("wave_id", "scheduled_at", *COLUMNS))
    series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        series.setdefault(row["brand"], []).append(
            {
                k: row[k]
                for k in ("wave_id", "scheduled_at", *COLUMNS)
                if k not in ("metric", "brand", "segment")
            }
        )
    order = [b for b in poll.brand_ids if b in series]
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "metric": p["metric"],
            "segment": p.get("segment", "all"),
            "series": [{"brand": b, "brand_name": poll.brand_name(b), "points": series[b]} for b in order],
        }
    )


METRIC = {"type": "string", "enum": METRICS}
OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/scores",
        poll_scores,
        "reader",
        "Scores per wave (JSON or CSV)",
        "scores",
        SCORES,
        (
            POLL_ID,
            Param("metric", "query", METRIC, "one metric (default all)"),
            BRAND,
            SEGMENT,
            Param("wave_id", "query", ID, "one wave (with window: the window ending at that wave)"),
            Param(
                "window",
                "query",
                {"type": "integer", "minimum": 1, "maximum": MAX_WINDOW},
                "pool this many consecutive published waves per estimate (default 1: each wave alone)",
            ),
            FORMAT,
            Param("cursor", "query", {"type": "string", "maxLength": 64}, "next page of waves"),
            LIMIT,
        ),
        media=("application/json", CSV),
        cached=True,
        description="Waves are pages (limit = waves per page). CSV has one row per wave × estimate. With "
        "window=N each item is the window of N published waves ending at wave_id, its respondents pooled and "
        "weighted as one sample; the change is against the previous non-overlapping window (the N waves "
        "before it) and q is BH over the window's family of tests. Windows start at the N-th published wave.",
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/trends",
        poll_trends,
        "reader",
        "One metric over time, per brand",
        "scores",
        TRENDS,
        (POLL_ID, Param("metric", "query", METRIC, "the metric", required=True), BRAND, SEGMENT, FORMAT),
        media=("application/json", CSV),
        cached=True,
    ),
)
