"""Every published figure of the organisation — each wave, each rolling window, each segment — for a warehouse
that syncs incrementally: ``GET /api/v1/estimates?updated_since=…``.

Pages run in ``(updated_at, id)`` order. Every page says ``next_updated_since``: the time to pass as
``updated_since`` in the next sync once every page of this one is read. It is the start of the oldest database
transaction in progress when the sync began (or that moment), so a figure committed later — whose
``updated_at`` is its writing transaction's start — is never older than it: nothing is missed, and a figure may
come twice (upsert by its key). A figure's ``updated_at`` changes whenever it is written again (reprocessing, a
recode, a re-test against a reprocessed wave) and when its wave publishes (:file:`sql/0008_history.sql`).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from aiohttp import web

from recognition.store import estimates as store
from recognition.store import polls as polls_store
from recognition.store.estimates import SyncedFigure
from recognition.web.api.errors import Problem
from recognition.web.api.ops import ID, Ctx, Op, Param, not_found, respond
from recognition.web.api.schemas import FIGURE, METRIC
from recognition.web.api.scores import BRAND, SEGMENT, SOURCE, check_filters

ITEM = {
    "type": "object",
    "required": [
        "poll_id",
        "wave_id",
        "window_size",
        "window_waves",
        "scheduled_at",
        "source",
        "updated_at",
        *FIGURE["required"],
    ],
    "properties": {
        "poll_id": {"type": "integer"},
        "wave_id": {"type": "integer", "description": "the wave (or the last wave of the window)"},
        "window_size": {"type": "integer", "description": "1: the wave alone; k: the window of k waves"},
        "window_waves": {"type": "array", "items": {"type": "integer"}, "description": "the waves pooled"},
        "scheduled_at": {"type": "string"},
        "source": SOURCE,
        "updated_at": {"type": "string", "description": "when the figure was last written or published"},
        **FIGURE["properties"],
    },
}
SYNC = {
    "type": "object",
    "required": ["items", "next_cursor", "next_updated_since"],
    "properties": {
        "items": {"type": "array", "items": ITEM},
        "next_cursor": {"type": ["string", "null"]},
        "next_updated_since": {
            "type": "string",
            "description": "pass as updated_since in the next sync, after reading every page of this one",
        },
    },
}
_BAD_CURSOR = Problem(
    400,
    "Bad Request",
    "the cursor is not one this API issued",
    errors=[{"field": "cursor", "message": "not a cursor issued by this API"}],
)


def _instant(ctx: Ctx, name: str) -> datetime | None:
    raw = ctx.params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise Problem(
            400,
            "Bad Request",
            f"{name}: {raw!r} is not an ISO 8601 instant with a UTC offset",
            errors=[{"field": name, "message": "expected an instant like 2026-01-05T07:00:00Z"}],
        )
    return value


def encode_cursor(last: SyncedFigure, watermark: datetime) -> str:
    text = json.dumps([last.updated_at.isoformat(), last.id, watermark.isoformat()], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> tuple[datetime, int, datetime] | None:
    if raw is None:
        return None
    try:
        at, ident, mark = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return datetime.fromisoformat(at), int(ident), datetime.fromisoformat(mark)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _BAD_CURSOR from None


def render(row: SyncedFigure) -> dict[str, Any]:
    return {
        "poll_id": row.poll_id,
        "wave_id": row.wave_id,
        "window_size": row.window_size,
        "window_waves": list(row.window_waves),
        "scheduled_at": row.scheduled_at,
        "source": row.source,
        "updated_at": row.updated_at,
        **row.figure.public().as_dict(),
    }


async def sync_estimates(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    since = _instant(ctx, "updated_since")
    cursor = decode_cursor(p.get("cursor"))
    limit = p.get("limit", 500)
    async with ctx.pool.acquire() as conn:
        if "poll_id" in p:
            poll = await polls_store.get_poll(conn, p["poll_id"], org_id=ctx.org_id)
            if poll is None:
                raise not_found("poll", p["poll_id"])
            check_filters(poll, {k: p[k] for k in ("segment", "brand") if k in p})
        watermark = cursor[2] if cursor else await store.sync_watermark(conn)
        rows = await store.changed_figures(
            conn,
            ctx.org_id,
            since=since,
            after=cursor[:2] if cursor else None,
            limit=limit + 1,
            poll_id=p.get("poll_id"),
            window=p.get("window"),
            metric=p.get("metric"),
            segment=p.get("segment"),
            brand=p.get("brand"),
        )
    shown = rows[:limit]
    return respond(
        {
            "items": [render(r) for r in shown],
            "next_cursor": encode_cursor(shown[-1], watermark) if len(rows) > limit else None,
            "next_updated_since": watermark,
        }
    )


OPS = (
    Op(
        "GET",
        "/api/v1/estimates",
        sync_estimates,
        "reader",
        "Every published figure (waves, rolling windows, segments), changed since a time: for warehouses",
        "scores",
        SYNC,
        (
            Param(
                "updated_since",
                "query",
                {"type": "string", "minLength": 10, "maxLength": 40},
                "only figures written or published at or after this instant (ISO 8601 with offset); "
                "omit for everything",
            ),
            Param("poll_id", "query", ID, "one poll (default: every poll of the organisation)"),
            Param(
                "window", "query", {"type": "integer", "minimum": 1, "maximum": 52}, "1: waves; k: windows"
            ),
            Param("metric", "query", METRIC, "one metric"),
            SEGMENT,
            BRAND,
            Param(
                "cursor", "query", {"type": "string", "maxLength": 300}, "the next_cursor of the last page"
            ),
            Param(
                "limit",
                "query",
                {"type": "integer", "minimum": 1, "maximum": 5000},
                "page size (default 500)",
            ),
        ),
        errors=(400, 404),
        description="Pages in (updated_at, id) order. Read every page (pass `next_cursor` as `cursor`, with the "
        "same filters) and keep `next_updated_since`: pass it as `updated_since` in the next sync. Upsert each "
        "item by (wave_id, window_size, metric, brand, segment, base); an item may come again. Suppressed "
        "figures keep their base but show no numbers.",
    ),
)
