"""How much service is too much, as served: a published wave's service analysis (:mod:`recognition.waves.service`,
stored with its insight when it published) and its track over the poll's published waves. JSON or CSV; every
figure carries its base and the method in words. Registered by :mod:`recognition.web.api.routes`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from recognition.labels import segment_name
from recognition.store import insight as insight_store
from recognition.waves.service import SERVICE_BASES
from recognition.web.api.insight import HEAD, MEDIA, NOT_COMPUTED, NUMBER, WAVE, read_insight, wave_head
from recognition.web.api.ops import CSV, Ctx, Op, respond
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.scores import FORMAT, csv_response

RECOMMENDATION = {
    "type": "string",
    "enum": ["standard", "paid_add_on", "do_not_promise"],
    "description": "include as standard, offer as a paid add-on at best_price, or do not promise",
}
LADDER = {
    "type": "object",
    "required": [
        "base",
        "n",
        "n_eff",
        "demand",
        "best_price",
        "best_price_low",
        "best_price_high",
        "expectations",
        "recommendation",
        "flip_probability",
        "uncertain",
        "could_flip",
    ],
    "properties": {
        "base": {"type": "string", "enum": list(SERVICE_BASES)},
        "base_name": {"type": "string"},
        "n": {"type": "integer"},
        "n_eff": NUMBER,
        "demand": {
            "type": "array",
            "description": "per ladder price: share who would buy (with interval) and revenue per member of the base",
            "items": {"type": "object", "required": ["price", "share", "share_low", "share_high", "revenue"]},
        },
        "best_price": {"type": "number", "description": "the revenue-maximising ladder price"},
        "best_price_low": {"type": "number"},
        "best_price_high": {"type": "number"},
        "expectations": {"type": "object", "description": "standard / pay / not_needed: {share, low, high}"},
        "margin": NUMBER,
        "recommendation": RECOMMENDATION,
        "recommendation_shares": {"type": "object"},
        "flip_probability": {
            "type": "number",
            "description": "share of bootstrap replicates recommending otherwise",
        },
        "uncertain": {"type": "boolean"},
        "could_flip": {"type": "array", "items": {"type": "string"}},
    },
}
FEATURE = {
    "type": "object",
    "required": ["id", "prices", "currency", "cost", "bases", "notes"],
    "properties": {
        "id": {"type": "string"},
        "label": {"type": "string", "description": "the feature as respondents read it"},
        "prices": {"type": "array", "items": {"type": "number"}},
        "currency": {"type": "string"},
        "cost": {
            "type": "number",
            "description": "cost to the company per customer, as it was when the wave was fielded (see cost_source)",
        },
        "cost_source": {
            "type": "string",
            "enum": ["fielding", "current"],
            "description": "fielding: the cost kept with the wave when it was created; current: the poll's cost "
            "now (a wave fielded before costs were kept with each wave; its notes say so)",
        },
        "bases": {"type": "array", "items": LADDER},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}
SERVICE = {
    "type": "object",
    "required": ["poll", "wave_id", "service", "note"],
    "properties": {
        **HEAD,
        "service": {
            "type": ["object", "null"],
            "required": ["level", "method", "features"],
            "properties": {
                "level": {"type": "number"},
                "method": {"type": "string"},
                "features": {"type": "array", "items": FEATURE},
            },
        },
    },
}
#: What every row of a feature (the CSV, the track) carries of the feature itself: its cost per customer, currency
#: and where the cost comes from (``fielding``: kept with the wave; ``current``: the poll's cost now).
FEATURE_COLUMNS = ("cost", "currency", "cost_source")
TRACK_FIELDS = (
    "wave_id",
    "scheduled_at",
    "feature",
    "base",
    "n",
    "n_eff",
    "best_price",
    "best_price_low",
    "best_price_high",
    "share_at_best_price",
    "share_at_best_price_low",
    "share_at_best_price_high",
    "standard_share",
    *FEATURE_COLUMNS,
    "recommendation",
    "flip_probability",
    "uncertain",
)
TRACK = {
    "type": "object",
    "required": ["poll", "waves"],
    "properties": {
        "poll": {"type": "object", "required": ["id", "name"]},
        "waves": {
            "type": "array",
            "description": "one row per published wave × feature × base, oldest wave first",
            "items": {"type": "object", "required": list(TRACK_FIELDS)},
        },
    },
}
COLUMNS = (
    "wave_id",
    "feature",
    "base",
    "n",
    "n_eff",
    *FEATURE_COLUMNS,
    "price",
    "share",
    "share_low",
    "share_high",
    "revenue",
    "revenue_low",
    "revenue_high",
    "best_price",
    "best_price_low",
    "best_price_high",
    "recommendation",
    "flip_probability",
    "uncertain",
)


def _of_feature(feature: dict[str, Any]) -> dict[str, Any]:
    """The feature's own columns of a CSV row (:data:`FEATURE_COLUMNS`); ``cost_source`` is empty for an analysis
    stored before it was recorded."""
    return {c: feature.get(c) for c in FEATURE_COLUMNS}


def _labelled(found: dict[str, Any]) -> dict[str, Any]:
    features = [
        {**f, "bases": [{**b, "base_name": segment_name(b["base"])} for b in f["bases"]]}
        for f in found["features"]
    ]
    return {**found, "features": features}


async def wave_service(ctx: Ctx) -> web.StreamResponse:
    poll, wave, stored = await read_insight(ctx)
    found = stored.get("service") if stored else None
    shown = _labelled(found) if found else None
    note = (
        NOT_COMPUTED if stored is None else stored.get("service_note", "computed before the service analysis")
    )
    if ctx.media == CSV:
        rows = [
            {**b, **d, **_of_feature(f), "wave_id": wave.id, "feature": f["id"]}
            for f in (shown["features"] if shown else [])
            for b in f["bases"]
            for d in b["demand"]
        ]
        return csv_response(rows, COLUMNS)
    return respond({**wave_head(poll, wave, note), "service": shown})


def _track_row(wave_id: int, scheduled: Any, feature: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    at_best = next(d for d in base["demand"] if d["price"] == base["best_price"])
    return {
        "wave_id": wave_id,
        "scheduled_at": scheduled.isoformat(),
        "feature": feature["id"],
        "base": base["base"],
        "n": base["n"],
        "n_eff": base["n_eff"],
        "best_price": base["best_price"],
        "best_price_low": base["best_price_low"],
        "best_price_high": base["best_price_high"],
        "share_at_best_price": at_best["share"],
        "share_at_best_price_low": at_best["share_low"],
        "share_at_best_price_high": at_best["share_high"],
        "standard_share": base["expectations"]["standard"]["share"],
        **_of_feature(feature),
        "recommendation": base["recommendation"],
        "flip_probability": base["flip_probability"],
        "uncertain": base["uncertain"],
    }


async def service_track(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        stored = await insight_store.published_insight(conn, poll.id)
    rows = [
        _track_row(wave_id, scheduled, f, b)
        for wave_id, scheduled, body in stored
        for f in (body.get("service") or {}).get("features", [])
        for b in f["bases"]
    ]
    if ctx.media == CSV:
        return csv_response(rows, TRACK_FIELDS)
    return respond({"poll": {"id": poll.id, "name": poll.name}, "waves": rows})


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/service",
        wave_service,
        "reader",
        "How much service is too much: demand, willingness to pay and a recommendation per service feature in one "
        "wave (JSON or CSV)",
        "insight",
        SERVICE,
        (POLL_ID, WAVE, FORMAT),
        media=MEDIA,
        cached=True,
        errors=(400,),
        description="Per service feature and base (all, customers, potential customers): the weighted share who "
        "would buy at each price of its Gabor–Granger ladder, revenue per member of the base, the "
        "revenue-maximising price with its interval, the shares expecting it as standard / would pay / not "
        "needing it, and the recommendation (standard, paid_add_on, do_not_promise) with the share of bootstrap "
        "replicates that would flip it. CSV has one row per feature × base × price, each with the feature's cost, "
        "currency and `cost_source`. `service` is null with a `note` when the poll asks no service features.",
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/service/track",
        service_track,
        "reader",
        "The service analysis tracked over the poll's published waves (JSON or CSV)",
        "insight",
        TRACK,
        (POLL_ID, FORMAT),
        media=MEDIA,
        cached=True,
        errors=(400,),
        description="One row per published wave × feature × base: the revenue-maximising price with its interval, "
        "the share who would buy at it, the share expecting the feature as standard, the cost, currency and "
        "`cost_source` (kept with the wave, or the poll's current one) and the recommendation with its flip "
        "probability, oldest wave first.",
    ),
)
