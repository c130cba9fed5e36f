"""Where users look beyond the shares: a published wave's key drivers, image map and mental availability, as JSON
or CSV. Each is read as stored when the wave published (:mod:`recognition.waves.insight`, one query); a wave
published before insight was computed, or one whose questionnaire lacks what a part needs, answers an empty
part with a ``note`` saying why. Every figure carries its base (n, effective n) and a ``method`` in words.
Registered by :mod:`recognition.web.api.routes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from aiohttp import web

from recognition.labels import attribute_name, metric_name, segment_name
from recognition.polls.model import Poll
from recognition.store import insight as insight_store
from recognition.store import waves as waves_store
from recognition.store.waves import Wave
from recognition.waves.insight import DRIVER_BASES, OUTCOMES
from recognition.web.api.ops import CSV, ID, Ctx, Op, Param, not_found, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.scores import FORMAT, csv_response

NOT_COMPUTED = (
    "this wave was published before key drivers and image maps were computed at publishing; "
    "`recognition insight POLL_ID` adds them"
)
NUMBER = {"type": ["number", "null"]}
BASE = {
    "n": {"type": "integer", "description": "respondents in the base"},
    "n_eff": {**NUMBER, "description": "Kish effective n of the base"},
}
NOTE = {"type": ["string", "null"], "description": "why a part is empty (null when it is not)"}
HEAD = {
    "poll": {"type": "object", "required": ["id", "name"]},
    "wave_id": {"type": "integer"},
    "scheduled_at": {"type": "string"},
    "note": NOTE,
}
DRIVER = {
    "type": "object",
    "required": ["outcome", "base", "r_squared", "n", "rows", "n_eff", "replicates", "method", "attributes"],
    "properties": {
        "outcome": {"type": "string", "enum": list(OUTCOMES)},
        "base": {"type": "string", "enum": list(DRIVER_BASES)},
        "base_name": {"type": "string"},
        "r_squared": NUMBER,
        "r_squared_low": NUMBER,
        "r_squared_high": NUMBER,
        **BASE,
        "rows": {"type": "integer", "description": "respondent × brand rows (brands the respondent knows)"},
        "replicates": {"type": "integer", "description": "bootstrap replicates behind the intervals"},
        "level": {"type": "number"},
        "base_status": {"type": "string"},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "method": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["attribute", "attribute_name", "share", "share_low", "share_high"],
                "properties": {
                    "attribute": {"type": "string", "description": "the image metric, image.<attribute>"},
                    "attribute_name": {"type": "string"},
                    "share": {**NUMBER, "description": "share of the explained variance (sums to 1)"},
                    "share_se": NUMBER,
                    "share_low": NUMBER,
                    "share_high": NUMBER,
                    "raw": {**NUMBER, "description": "raw relative weight (sums to R²)"},
                    "raw_low": NUMBER,
                    "raw_high": NUMBER,
                },
            },
        },
    },
}
DRIVERS = {
    "type": "object",
    "required": ["poll", "wave_id", "drivers", "note"],
    "properties": {**HEAD, "drivers": {"type": "array", "items": DRIVER}},
}
POINT = {
    "type": "object",
    "required": ["x", "y", "mass", "quality"],
    "properties": {
        "brand": {"type": "string"},
        "attribute": {"type": "string"},
        "name": {"type": "string"},
        "x": {**NUMBER, "description": "principal coordinate on dimension 1 (null: not placed)"},
        "y": {**NUMBER, "description": "principal coordinate on dimension 2"},
        "mass": NUMBER,
        "quality": {**NUMBER, "description": "share of the point's inertia the two dimensions show"},
    },
}
IMAGE_MAP = {
    "type": "object",
    "required": ["poll", "wave_id", "image_map", "note"],
    "properties": {
        **HEAD,
        "image_map": {
            "type": ["object", "null"],
            "required": ["brands", "attributes", "inertia_explained", "n", "n_eff", "method"],
            "properties": {
                "brands": {"type": "array", "items": POINT},
                "attributes": {"type": "array", "items": POINT},
                "inertia": {"type": "array", "items": NUMBER},
                "inertia_share": {"type": "array", "items": NUMBER},
                "inertia_explained": {**NUMBER, "description": "share of the total inertia the map shows"},
                "total_inertia": NUMBER,
                **BASE,
                "warnings": {"type": "array", "items": {"type": "string"}},
                "method": {"type": "string"},
            },
        },
    },
}
RATIO = {
    "type": "object",
    "required": ["estimate", "ci_low", "ci_high", "n", "n_eff"],
    "properties": {
        "estimate": NUMBER,
        "se": NUMBER,
        "ci_low": NUMBER,
        "ci_high": NUMBER,
        **BASE,
        "base_status": {"type": "string"},
    },
}
MEASURES = ("mental_market_share", "mental_penetration", "network_size")
MENTAL = {
    "type": "object",
    "required": ["poll", "wave_id", "mental_availability", "note"],
    "properties": {
        **HEAD,
        "mental_availability": {
            "type": ["object", "null"],
            "required": ["entry_points", "buyers", "buyers_n_eff", "method", "brands"],
            "properties": {
                "entry_points": {"type": "integer"},
                "buyers": {"type": "integer"},
                "buyers_n_eff": NUMBER,
                "level": {"type": "number"},
                "warnings": {"type": "array", "items": {"type": "string"}},
                "method": {"type": "string"},
                "brands": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["brand", *MEASURES],
                        "properties": {
                            "brand": {"type": "string"},
                            "name": {"type": "string"},
                            **{m: RATIO for m in MEASURES},
                        },
                    },
                },
            },
        },
    },
}
WAVE = Param("wave_id", "query", ID, "a published wave of the poll (default the latest)")


async def published_wave(conn: asyncpg.Connection, ctx: Ctx, poll: Poll) -> Wave:
    """The wave asked for (``wave_id``), or the poll's latest published one; 404 when there is none."""
    if "wave_id" in ctx.params:
        wave = await waves_store.get_wave(conn, ctx.params["wave_id"])
        if wave is None or wave.poll_id != poll.id or wave.state != "published":
            raise not_found("published wave", ctx.params["wave_id"])
        return wave
    latest = await waves_store.latest_published(conn, poll.id)
    if latest is None:
        raise not_found("published wave", f"of poll {poll.id}")
    return latest


async def read_insight(ctx: Ctx) -> tuple[Poll, Wave, dict[str, Any] | None]:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        wave = await published_wave(conn, ctx, poll)
        return poll, wave, await insight_store.wave_insight(conn, wave.id)


def wave_head(poll: Poll, wave: Wave, note: str | None) -> dict[str, Any]:
    return {
        "poll": {"id": poll.id, "name": poll.name},
        "wave_id": wave.id,
        "scheduled_at": wave.scheduled_at.isoformat(),
        "note": note,
    }


def labelled_drivers(found: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored driver results with the base's and each attribute's name added."""
    return [
        {
            **d,
            "base_name": segment_name(d["base"]),
            "attributes": [{**a, "attribute_name": attribute_name(a["attribute"])} for a in d["attributes"]],
        }
        for d in found
    ]


DRIVER_COLUMNS = (
    "wave_id",
    "outcome",
    "outcome_name",
    "base",
    "base_name",
    "attribute",
    "attribute_name",
    "share",
    "share_low",
    "share_high",
    "share_se",
    "raw",
    "r_squared",
    "n",
    "rows",
    "n_eff",
    "base_status",
    "replicates",
    "level",
    "method",
)


async def wave_drivers(ctx: Ctx) -> web.StreamResponse:
    outcome, base = ctx.params.get("outcome"), ctx.params.get("base")  # checked against their enums
    poll, wave, stored = await read_insight(ctx)
    found = labelled_drivers(stored["drivers"]) if stored else []
    found = [
        d
        for d in found
        if (outcome is None or d["outcome"] == outcome) and (base is None or d["base"] == base)
    ]
    note = NOT_COMPUTED if stored is None else stored.get("drivers_note")
    if ctx.media == CSV:
        rows = [
            {**d, **a, "wave_id": wave.id, "outcome_name": metric_name(d["outcome"])}
            for d in found
            for a in d["attributes"]
        ]
        return csv_response(rows, DRIVER_COLUMNS)
    return respond({**wave_head(poll, wave, note), "drivers": found})


def labelled_map(placed: dict[str, Any], poll: Poll) -> dict[str, Any]:
    return {
        **placed,
        "brands": [{**b, "name": poll.brand_name(b["brand"])} for b in placed["brands"]],
        "attributes": [{**a, "name": attribute_name(a["attribute"])} for a in placed["attributes"]],
    }


MAP_COLUMNS = (
    "wave_id",
    "kind",
    "id",
    "name",
    "x",
    "y",
    "mass",
    "quality",
    "inertia_explained",
    "n",
    "n_eff",
    "method",
)


async def wave_image_map(ctx: Ctx) -> web.StreamResponse:
    poll, wave, stored = await read_insight(ctx)
    placed = stored.get("image_map") if stored else None
    shown = labelled_map(placed, poll) if placed else None
    note = NOT_COMPUTED if stored is None else stored.get("image_map_note")
    if ctx.media == CSV:
        common = {k: shown[k] for k in ("inertia_explained", "n", "n_eff", "method")} if shown else {}
        rows = [
            {**common, **p, "wave_id": wave.id, "kind": kind, "id": p[kind]}
            for kind, points in (("brand", "brands"), ("attribute", "attributes"))
            for p in (shown[points] if shown else [])
        ]
        return csv_response(rows, MAP_COLUMNS)
    return respond({**wave_head(poll, wave, note), "image_map": shown})


MENTAL_COLUMNS = (
    "wave_id",
    "brand",
    "name",
    "measure",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_eff",
    "base_status",
    "entry_points",
    "method",
)


async def wave_mental_availability(ctx: Ctx) -> web.StreamResponse:
    poll, wave, stored = await read_insight(ctx)
    found = stored.get("mental_availability") if stored else None
    shown = (
        {**found, "brands": [{**b, "name": poll.brand_name(b["brand"])} for b in found["brands"]]}
        if found
        else None
    )
    note = NOT_COMPUTED if stored is None else stored.get("mental_availability_note")
    if ctx.media == CSV:
        entry_points, method = (shown["entry_points"], shown["method"]) if shown else (0, "")
        rows = [
            {
                **b[m],
                "wave_id": wave.id,
                "brand": b["brand"],
                "name": b["name"],
                "measure": m,
                "entry_points": entry_points,
                "method": method,
            }
            for b in (shown["brands"] if shown else [])
            for m in MEASURES
        ]
        return csv_response(rows, MENTAL_COLUMNS)
    return respond({**wave_head(poll, wave, note), "mental_availability": shown})


MEDIA = ("application/json", CSV)
OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/drivers",
        wave_drivers,
        "reader",
        "Key drivers of consideration and preference in one wave (JSON or CSV)",
        "insight",
        DRIVERS,
        (
            POLL_ID,
            WAVE,
            Param(
                "outcome", "query", {"type": "string", "enum": list(OUTCOMES)}, "one outcome (default both)"
            ),
            Param(
                "base",
                "query",
                {"type": "string", "enum": list(DRIVER_BASES)},
                "all or customer=non (potential customers: not current customers of the own brand); default both",
            ),
            FORMAT,
        ),
        media=MEDIA,
        cached=True,
        errors=(400,),
        description="Johnson's relative weights of the image associations for each outcome, computed when the "
        "wave published, with bootstrap intervals from re-raked replicates. CSV has one row per outcome × base "
        "× attribute. An empty list comes with a `note` saying why (no image attributes, too few respondents).",
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/image-map",
        wave_image_map,
        "reader",
        "The image map of one wave: brand and attribute coordinates (JSON or CSV)",
        "insight",
        IMAGE_MAP,
        (POLL_ID, WAVE, FORMAT),
        media=MEDIA,
        cached=True,
        errors=(400,),
        description="Correspondence analysis of the weighted brand × attribute association table. CSV has one "
        "row per brand and attribute. `image_map` is null with a `note` when the wave has no image attributes.",
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/mental-availability",
        wave_mental_availability,
        "reader",
        "Mental availability per brand in one wave (JSON or CSV)",
        "insight",
        MENTAL,
        (POLL_ID, WAVE, FORMAT),
        media=MEDIA,
        cached=True,
        errors=(400,),
        description="Mental market share, mental penetration and network size per brand from the category "
        "entry points. CSV has one row per brand × measure. `mental_availability` is null with a `note` when the "
        "wave's questionnaire asks no category entry points.",
    ),
)
