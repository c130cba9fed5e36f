"""Scores over rolling windows (``GET /api/v1/polls/{id}/scores?window=N``): each window pools the respondents
of ``N`` consecutive published waves and weights them as one sample; the change is against the previous
non-overlapping window, with BH q over the window's family of tests (:mod:`recognition.waves.windows`).

Windows are computed on request (off the event loop) and cached like other score reads. Pages are windows,
oldest first, named by the wave they end at.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from aiohttp import web

from recognition.populations import load_margins
from recognition.store import waves as waves_store
from recognition.store.estimates import EstimateRow
from recognition.store.polls import Poll
from recognition.store.waves import Wave
from recognition.waves.windows import WindowResult, compute_windows, wave_input, window_ends
from recognition.web.api.errors import Problem
from recognition.web.api.ops import CSV, Ctx, decode_cursor, encode_cursor, respond
from recognition.web.api.polls import load_poll

_BAD_CURSOR = Problem(
    400,
    "Bad Request",
    "the cursor is not one this API issued for these windows",
    errors=[{"field": "cursor", "message": "not a cursor issued for this window size"}],
)


def _chosen_ends(ctx: Ctx, published: list[Wave], window: int) -> list[int]:
    ends = window_ends(len(published), window)
    position = {w.id: i for i, w in enumerate(published)}
    if "wave_id" in ctx.params:
        at = position.get(ctx.params["wave_id"])
        ends = [e for e in ends if e == at]
    after = decode_cursor(ctx)
    if after is not None:
        if after not in position:
            raise _BAD_CURSOR
        ends = [e for e in ends if e > position[after]]
    return ends


def _wanted(ctx: Ctx, row: EstimateRow) -> bool:
    p = ctx.params
    return (
        row.segment == p.get("segment", "all")
        and p.get("metric") in (None, row.metric)
        and p.get("brand") in (None, row.brand)
    )


async def _windows(ctx: Ctx, poll: Poll, published: list[Wave], ends: list[int]) -> list[WindowResult]:
    window: int = ctx.params["window"]
    needed = sorted({i for end in ends for i in range(max(0, end - 2 * window + 1), end + 1)})
    margins = load_margins(poll.population)
    async with ctx.pool.acquire() as conn:
        inputs = {published[i].id: await wave_input(conn, poll, published[i], margins) for i in needed}
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None,
        compute_windows,
        [w.id for w in published],
        inputs,
        ends,
        window,
        margins,
        ctx.settings,
        {w.id: w.questionnaire_version for w in published},
    )


async def window_scores(ctx: Ctx) -> web.StreamResponse:
    from recognition.web.api.scores import COLUMNS, csv_response, public

    window: int = ctx.params["window"]
    limit: int = ctx.params.get("limit", 50)
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        published = [w for w in await waves_store.list_waves(conn, poll.id) if w.state == "published"]
    ends = _chosen_ends(ctx, published, window)
    shown = ends[:limit]
    results = await _windows(ctx, poll, published, shown) if shown else []
    by_id = {w.id: w for w in published}
    items: list[dict[str, Any]] = []
    for result in results:
        end = by_id[result.end_wave_id]
        estimates = sorted(
            (public(asdict(e)) for e in result.output.estimates if _wanted(ctx, e)),
            key=lambda r: (r["metric"], r["brand"], r["base"]),
        )
        items.append(
            {
                "wave_id": end.id,
                "scheduled_at": end.scheduled_at,
                "questionnaire_version": end.questionnaire_version,
                "window_waves": list(result.wave_ids),
                "previous_window_waves": list(result.previous_wave_ids),
                "estimates": [{c: r[c] for c in COLUMNS} for r in estimates],
            }
        )
    if ctx.media == CSV:
        rows = [
            {
                **e,
                "wave_id": item["wave_id"],
                "scheduled_at": item["scheduled_at"],
                "window_waves": ";".join(map(str, item["window_waves"])),
                "previous_window_waves": ";".join(map(str, item["previous_window_waves"])),
            }
            for item in items
            for e in item["estimates"]
        ]
        return csv_response(
            rows, ("wave_id", "scheduled_at", "window_waves", "previous_window_waves", *COLUMNS)
        )
    more = len(ends) > limit
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "window": window,
            "waves": items,
            "next_cursor": encode_cursor(published[shown[-1]].id) if more else None,
        }
    )
