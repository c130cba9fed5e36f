"""Banner tables of a published wave (viewer): ``GET /api/v1/waves/{wave_id}/banner?format=xlsx|csv`` — metrics
× brands in rows, segments in columns, weighted percentages, bases and design-based significance letters
(:mod:`recognition.exports.banner`)."""

from __future__ import annotations

import asyncio
from functools import partial

from aiohttp import web

from recognition.exports.banner import banner_table, wave_banner_input
from recognition.exports.banner_files import BANNER_FORMATS, render_banner
from recognition.figures import StatisticsOptions
from recognition.store import polls as polls_store
from recognition.web.api.errors import Problem
from recognition.web.api.ops import Ctx, Op, Param
from recognition.web.api.schemas import METRIC
from recognition.web.api.waves import WAVE_ID, load_wave


def _list(ctx: Ctx, name: str) -> list[str] | None:
    raw = ctx.params.get(name)
    return None if raw is None else [x.strip() for x in raw.split(",") if x.strip()]


async def wave_banner(ctx: Ctx) -> web.StreamResponse:
    fmt = ctx.params.get("format") or next(k for k, v in BANNER_FORMATS.items() if v == ctx.media)
    async with ctx.pool.acquire() as conn:
        wave = await load_wave(conn, ctx)
        if wave.state != "published":
            raise Problem(
                409, "Conflict", f"wave {wave.id} is {wave.state}; banner tables are made of published waves"
            )
        poll = await polls_store.get_poll(conn, wave.poll_id)
        assert poll is not None
        inp, margins = await wave_banner_input(conn, poll, wave)
    metric = ctx.params.get("metric")
    make = partial(
        banner_table,
        inp,
        margins,
        StatisticsOptions.from_settings(ctx.settings),
        title=f"{poll.name}: wave {wave.id}, {wave.scheduled_at:%Y-%m-%d}"
        + (f" (imported from {wave.source})" if wave.source else ""),
        brands=poll.brand_ids,
        brand_names={b: poll.brand_name(b) for b in poll.brand_ids},
        groups=_list(ctx, "banner"),
        metrics=None if metric is None else [metric],
        alpha=ctx.params.get("alpha", 0.05),
    )
    loop = asyncio.get_running_loop()
    try:
        table = await loop.run_in_executor(None, make)
    except ValueError as exc:
        raise Problem(
            400, "Bad Request", str(exc), errors=[{"field": "banner", "message": str(exc)}]
        ) from None
    body = await loop.run_in_executor(None, render_banner, table, fmt)
    return web.Response(
        body=body,
        content_type=BANNER_FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="wave-{wave.id}-banner.{fmt}"'},
    )


OPS = (
    Op(
        "GET",
        "/api/v1/waves/{wave_id}/banner",
        wave_banner,
        "viewer",
        "Banner table of a wave: metrics in rows, segments in columns, significance letters (XLSX or CSV)",
        "exports",
        {"type": "string"},
        (
            WAVE_ID,
            Param(
                "format", "query", {"type": "string", "enum": list(BANNER_FORMATS)}, "xlsx (default) or csv"
            ),
            Param(
                "banner",
                "query",
                {"type": "string", "minLength": 1, "maxLength": 200},
                "banner variables, comma-separated (default all: the weighting variables and customer)",
            ),
            Param("metric", "query", METRIC, "one metric (default all)"),
            Param("alpha", "query", {"type": "number", "minimum": 0.001, "maximum": 0.2}, "default 0.05"),
        ),
        media=tuple(BANNER_FORMATS.values()),
        errors=(400, 409),
        description="Weighted percentages (NPS: mean) with each column's n and effective n. A cell's letters "
        "name the columns of the same banner variable it is significantly higher than: the difference of two "
        "domains of the one weighted sample, tested with its design-based (linearised, calibration-aware) "
        "variance, two-sided at `alpha`. CSV: one row per cell.",
    ),
)
