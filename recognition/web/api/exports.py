"""Respondent-level exports (editor): one published wave, or a range of a poll's published waves, as SPSS
``.sav``, Parquet or CSV (:mod:`recognition.exports`). Plain GET links: the format is a query parameter (or the
``Accept`` header), the answer an attachment with a file name, so a page can link to it directly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from recognition.exports.files import FORMATS, render
from recognition.exports.respondents import ExportRefused, respondent_table, waves_in_range
from recognition.polls.model import Poll
from recognition.store import polls as polls_store
from recognition.store.waves import Wave
from recognition.web.api.errors import Problem
from recognition.web.api.ops import ID, Ctx, Op, Param
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.waves import WAVE_ID, load_wave

EXPORT_FORMAT = Param(
    "format",
    "query",
    {"type": "string", "enum": list(FORMATS)},
    "csv (default), sav (SPSS, with variable and value labels and the weight variable set) or parquet",
)
MEDIA = tuple(FORMATS.values())


def _format(ctx: Ctx) -> str:
    if "format" in ctx.params:
        return str(ctx.params["format"])
    return next(k for k, v in FORMATS.items() if v == ctx.media)


async def _export(ctx: Ctx, conn: Any, poll: Poll, waves: list[Wave], stem: str) -> web.StreamResponse:
    fmt = _format(ctx)
    try:
        table = await respondent_table(
            conn,
            poll,
            waves,
            secret=ctx.settings.survey_secret,
            floor=ctx.settings.statistics_suppress_below,
            now=datetime.now(UTC),
        )
    except ExportRefused as exc:
        raise Problem(409, "Conflict", str(exc)) from None
    await ctx.audit(
        conn,
        "wave.export",
        "poll",
        poll.id,
        {"waves": [w.id for w in waves], "rows": table.n, "format": fmt},
    )
    body = await asyncio.get_running_loop().run_in_executor(None, render, table, fmt)
    return web.Response(
        body=body,
        content_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


async def export_respondents(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        wave = await load_wave(conn, ctx)
        poll = await polls_store.get_poll(conn, wave.poll_id)
        assert poll is not None
        return await _export(ctx, conn, poll, [wave], f"wave-{wave.id}-respondents")


async def export_poll_respondents(ctx: Ctx) -> web.StreamResponse:
    p = ctx.params
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        try:
            waves = await waves_in_range(conn, poll, p.get("from_wave"), p.get("to_wave"))
        except ExportRefused as exc:
            field = str(exc).partition(":")[0]
            raise Problem(
                400, "Bad Request", str(exc), errors=[{"field": field, "message": str(exc)}]
            ) from None
        stem = f"poll-{poll.id}-waves-{waves[0].id}-{waves[-1].id}-respondents"
        return await _export(ctx, conn, poll, waves, stem)


_ABOUT = (
    "One row per weighted complete: `respondent` (a pseudonym, stable within the organisation, never a panel's "
    "id), `wave_id`, `wave_date`, `weight`, the weighting variables, `customer_status` and one indicator per "
    "metric × brand (`aided_acme`: 0/1; `nps_acme`: -100/0/100; missing: not in the base). Refused (409) when a "
    "wave's effective base is below the suppression threshold."
)
OPS = (
    Op(
        "GET",
        "/api/v1/waves/{wave_id}/respondents",
        export_respondents,
        "editor",
        "Respondent-level export of one wave (CSV, SPSS .sav or Parquet)",
        "exports",
        {"type": "string"},
        (WAVE_ID, EXPORT_FORMAT),
        media=MEDIA,
        errors=(409,),
        description=_ABOUT,
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/respondents",
        export_poll_respondents,
        "editor",
        "Respondent-level export of a range of published waves (CSV, SPSS .sav or Parquet)",
        "exports",
        {"type": "string"},
        (
            POLL_ID,
            Param("from_wave", "query", ID, "the first wave (default the first published)"),
            Param("to_wave", "query", ID, "the last wave (default the latest published)"),
            EXPORT_FORMAT,
        ),
        media=MEDIA,
        errors=(400, 409),
        description=_ABOUT + " Waves in scheduled order, each with its own weights.",
    ),
)
