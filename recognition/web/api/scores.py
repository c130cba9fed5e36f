"""Scores and trends: a poll's published figures (:class:`recognition.figures.Figure`), per wave or per rolling
window, with their base, uncertainty and change test, as JSON or CSV.

Every figure is stored when its wave publishes — rolling windows too (:mod:`recognition.waves.windows`) — so a
read is one query. Suppressed figures (effective base below ``statistics.suppress_below``) keep their base (n,
effective n) but show no numbers. Registered by :mod:`recognition.web.api.routes`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from aiohttp import web

from recognition.breaks import method_breaks
from recognition.figures import COLUMNS, TREND_WAVES, Figure, StatisticsOptions, trends
from recognition.labels import metric_name, segment_name
from recognition.polls.checks import poll_segments
from recognition.polls.model import Poll
from recognition.store import estimates as estimates_store
from recognition.store import waves as waves_store
from recognition.store.estimates import PollFigure, WindowInfo
from recognition.web.api.errors import Problem
from recognition.web.api.ops import CSV, ID, LIMIT, Ctx, Op, Param, decode_cursor, encode_cursor, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.schemas import FIGURE, METRIC, TREND

WAVE_IDS = {"type": "array", "items": {"type": "integer"}}
SOURCE = {
    "type": ["string", "null"],
    "description": "null: fielded by this service; else where the imported wave came from",
}
BREAK = {
    "type": ["string", "null"],
    "description": "where the method changed at this wave (source or questionnaire version), in plain words, "
    "e.g. 'imported from …'; null when nothing changed",
}
SCORES = {
    "type": "object",
    "required": ["poll", "window", "items", "next_cursor"],
    "properties": {
        "poll": {"type": "object", "required": ["id", "name"]},
        "window": {"type": "integer", "minimum": 1},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "wave_id",
                    "scheduled_at",
                    "questionnaire_version",
                    "source",
                    "break",
                    "estimates",
                ],
                "properties": {
                    "wave_id": {"type": "integer"},
                    "scheduled_at": {"type": "string"},
                    "questionnaire_version": {"type": "integer"},
                    "source": SOURCE,
                    "break": BREAK,
                    "window_waves": {**WAVE_IDS, "description": "the waves pooled (window > 1)"},
                    "previous_window_waves": {
                        **WAVE_IDS,
                        "description": "the previous non-overlapping window the change is against (window > 1)",
                    },
                    "estimates": {"type": "array", "items": FIGURE},
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
        *(c for c in FIGURE["required"] if c not in ("metric", "brand", "segment")),
    ],
    "properties": {
        **{k: v for k, v in FIGURE["properties"].items() if k not in ("metric", "brand", "segment")},
        "wave_id": {"type": "integer"},
        "scheduled_at": {"type": "string"},
        "questionnaire_version": {"type": "integer"},
        "source": SOURCE,
        "break": BREAK,
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
                "required": ["brand", "brand_name", "points", "trend"],
                "properties": {
                    "brand": {"type": "string"},
                    "brand_name": {"type": "string"},
                    "points": {"type": "array", "items": POINT},
                    "trend": TREND,
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
_BAD_CURSOR = Problem(
    400,
    "Bad Request",
    "the cursor is not one this API issued for these windows",
    errors=[{"field": "cursor", "message": "not a cursor issued for this window size"}],
)


#: Columns a CSV row of figures gets after the figure's own: its metric, brand and segment in plain words.
LABELS = ("metric_name", "brand_name", "segment_name")


def labelled(rows: Iterable[dict[str, Any]], poll: Poll) -> list[dict[str, Any]]:
    """Rows of figures with :data:`LABELS` added (the ids stay: they are what programs join on)."""
    return [
        {
            **r,
            "metric_name": metric_name(r["metric"]),
            "brand_name": poll.brand_name(r["brand"]),
            "segment_name": segment_name(r["segment"]),
        }
        for r in rows
    ]


def csv_response(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], headers: dict[str, str] | None = None
) -> web.Response:
    """Rows as CSV: lists joined with ';', instants in ISO 8601, booleans ``true``/``false``, nothing for
    null."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return web.Response(text=buffer.getvalue(), content_type=CSV, charset="utf-8", headers=headers)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _window_size(ctx: Ctx) -> int:
    window: int = ctx.params.get("window", 1)
    sizes = ctx.settings.statistics_windows
    if window != 1 and window not in sizes:
        offered = ", ".join(map(str, (1, *sizes)))
        raise Problem(
            400,
            "Bad Request",
            f"window: {window} is not a window this service computes; choose one of {offered}",
            errors=[{"field": "window", "message": f"must be one of {offered}"}],
        )
    return window


def check_filters(poll: Poll, params: dict[str, Any]) -> None:
    """A 400 naming the poll's segments (or brands) when ``segment`` (or ``brand``) is not one of them."""
    errors = []
    segment = params.get("segment", "all")
    known = poll_segments(poll.population)
    if segment not in known:
        errors.append(
            {"field": "segment", "message": f"not a segment of this poll; one of {', '.join(known)}"}
        )
    brand = params.get("brand")
    if brand is not None and brand not in poll.brand_ids:
        errors.append(
            {"field": "brand", "message": f"not a brand of this poll; one of {', '.join(poll.brand_ids)}"}
        )
    if errors:
        raise Problem(
            400, "Bad Request", "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )


async def poll_breaks(conn: Any, poll_id: int) -> dict[int, str | None]:
    """Wave id → break marker over the poll's published waves (:func:`recognition.breaks.method_breaks`)."""
    published = [w for w in await waves_store.list_waves(conn, poll_id) if w.state == "published"]
    return method_breaks(published)


def _item(
    rows: Sequence[PollFigure], wave: Any, window: WindowInfo | None, breaks: dict[int, str | None]
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "wave_id": wave.id,
        "scheduled_at": wave.scheduled_at,
        "questionnaire_version": wave.questionnaire_version,
        "source": wave.source,
        "break": breaks.get(wave.id),
    }
    if window is not None:
        item["window_waves"] = list(window.wave_ids)
        item["previous_window_waves"] = list(window.previous_wave_ids)
    item["estimates"] = [r.figure.public().as_dict() for r in rows]
    return item


async def poll_scores(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    size = _window_size(ctx)
    limit = p.get("limit", 50)
    after = decode_cursor(ctx)
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        check_filters(poll, p)
        breaks = await poll_breaks(conn, poll.id)
        windows: dict[int, WindowInfo] = {}
        if size == 1:
            ids = await waves_store.published_ids(
                conn, poll.id, after_id=after, wave_id=p.get("wave_id"), limit=limit + 1
            )
        else:
            listed = await estimates_store.poll_windows(conn, poll.id, size)
            ends = [w.end_wave_id for w in listed]
            if after is not None:
                if after not in ends:
                    raise _BAD_CURSOR
                listed = listed[ends.index(after) + 1 :]
            listed = [w for w in listed if p.get("wave_id") in (None, w.end_wave_id)]
            windows = {w.end_wave_id: w for w in listed}
            ids = [w.end_wave_id for w in listed[: limit + 1]]
        shown = ids[:limit]
        waves = await waves_store.get_many(conn, shown)
        rows = await estimates_store.poll_figures(
            conn,
            poll.id,
            window=size,
            wave_ids=shown,
            metric=p.get("metric"),
            segments=[p.get("segment", "all")],
            brand=p.get("brand"),
        )
    by_wave: dict[int, list[PollFigure]] = {w: [] for w in shown}
    for row in rows:
        by_wave[row.wave_id].append(row)
    waves.sort(key=lambda w: (w.scheduled_at, w.id) if size > 1 else (w.id,))
    items = [_item(by_wave[w.id], w, windows.get(w.id), breaks) for w in waves]
    if ctx.media == CSV:
        extra = ("window_waves", "previous_window_waves") if size > 1 else ()
        head = ("wave_id", "scheduled_at", "source", "break", *extra)
        flat = [{**e, **{k: item[k] for k in head}} for item in items for e in item["estimates"]]
        return csv_response(labelled(flat, poll), (*head, *COLUMNS, *LABELS))
    more = len(ids) > limit
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "window": size,
            "items": items,
            "next_cursor": encode_cursor(shown[-1]) if more else None,
        }
    )


async def poll_trends(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        check_filters(poll, p)
        breaks = await poll_breaks(conn, poll.id)
        rows = await estimates_store.poll_figures(
            conn,
            poll.id,
            metric=p["metric"],
            segments=[p.get("segment", "all")],
            brand=p.get("brand"),
            base="total",
        )
    head = ("wave_id", "scheduled_at", "questionnaire_version", "source", "break")
    points = [
        {
            "wave_id": r.wave_id,
            "scheduled_at": r.scheduled_at,
            "questionnaire_version": r.questionnaire_version,
            "source": r.source,
            "break": breaks.get(r.wave_id),
            **r.figure.public().as_dict(),
        }
        for r in rows
    ]
    if ctx.media == CSV:
        return csv_response(labelled(points, poll), (*head, *COLUMNS, *LABELS))
    series: dict[str, list[dict[str, Any]]] = {}
    for point in points:
        series.setdefault(point["brand"], []).append(
            {k: v for k, v in point.items() if k not in ("metric", "brand", "segment")}
        )
    order = [b for b in poll.brand_ids if b in series]
    by_brand: dict[str, list[tuple[int, Figure]]] = {}
    for r in rows:
        by_brand.setdefault(r.figure.brand, []).append((r.wave_id, r.figure))
    fitted = trends(
        [by_brand[b] for b in order],
        StatisticsOptions.from_settings(ctx.settings),
        waves=p.get("trend_waves", TREND_WAVES),
        breaks=[wave_id for wave_id, marker in breaks.items() if marker],
    )
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "metric": p["metric"],
            "segment": p.get("segment", "all"),
            "series": [
                {"brand": b, "brand_name": poll.brand_name(b), "points": series[b], "trend": t.as_dict()}
                for b, t in zip(order, fitted, strict=True)
            ],
        }
    )


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/scores",
        poll_scores,
        "reader",
        "Scores per wave or rolling window (JSON or CSV)",
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
                {"type": "integer", "minimum": 1, "maximum": 52},
                "1 (default: each wave alone) or a rolling-window size the service computes "
                "(statistics.windows; by default 2, 3, 4, 6 and 12 waves)",
            ),
            FORMAT,
            Param("cursor", "query", {"type": "string", "maxLength": 64}, "next page of waves"),
            LIMIT,
        ),
        media=("application/json", CSV),
        cached=True,
        errors=(400,),
        description="Waves are pages (limit = waves per page; the page's list is `items`). CSV has one row per "
        "wave × estimate. Each item carries the wave's `source` and a `break` marker where the method changed "
        "(imported from another provider, or a new questionnaire version). With "
        "window=N each item is the window of N published waves ending at wave_id, its respondents pooled and "
        "weighted as one sample when that wave published; the change is against the previous non-overlapping "
        "window (the N waves before it) and q is BH over the window's family of tests. Windows start at the "
        "N-th published wave.",
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/trends",
        poll_trends,
        "reader",
        "One metric over time, per brand",
        "scores",
        TRENDS,
        (
            POLL_ID,
            Param("metric", "query", METRIC, "the metric", required=True),
            BRAND,
            SEGMENT,
            Param(
                "trend_waves",
                "query",
                {"type": "integer", "minimum": 3, "maximum": 52},
                f"waves each series' trend is fitted over (default {TREND_WAVES})",
            ),
            FORMAT,
        ),
        media=("application/json", CSV),
        cached=True,
        errors=(400,),
        description="Each point carries its wave's questionnaire version, `source` and a `break` marker where "
        "the method changed (e.g. 'imported from …'). Each series carries its `trend` over the last "
        "`trend_waves` waves, never across a break (JSON only).",
    ),
)
