"""Waves: list, detail with fieldwork progress, launch now, cancel.

Launching creates a wave at the current instant and hands it to the app's wave runner
(:class:`recognition.waves.lifecycle.WaveRunner`): fieldwork runs in a background task, cancelled when the app
shuts down; a wave left mid-way is picked up where it stands by the next run.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from recognition.store import estimates as estimates_store
from recognition.store import responses
from recognition.store import waves as store
from recognition.store.waves import Wave
from recognition.web.api.errors import Problem
from recognition.web.api.ops import (
    CURSOR,
    ID,
    LIMIT,
    Ctx,
    Op,
    Param,
    decode_cursor,
    not_found,
    page,
    page_schema,
    respond,
)
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.schemas import record_schema
from recognition.web.keys import WAVES

WAVE = record_schema(Wave)
WAVE_DETAIL = {
    "type": "object",
    "required": ["wave", "progress", "weighting"],
    "properties": {
        "wave": WAVE,
        "progress": {
            "type": "object",
            "required": ["completes", "target_n", "share", "by_status"],
            "properties": {
                "completes": {"type": "integer"},
                "target_n": {"type": "integer"},
                "share": {"type": "number"},
                "by_status": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        },
        "weighting": {"type": ["object", "null"]},
    },
}
WAVE_ID = Param("wave_id", "path", ID, "the wave's id", required=True)


def render(wave: Wave) -> dict[str, Any]:
    return asdict(wave)


async def load_wave(conn: Any, ctx: Ctx) -> Wave:
    """The wave, if its poll belongs to the caller's organisation."""
    wave = await store.get_org_wave(conn, ctx.params["wave_id"], ctx.org_id)
    if wave is None:
        raise not_found("wave", ctx.params["wave_id"])
    return wave


async def list_waves(ctx: Ctx) -> Any:
    limit = ctx.params.get("limit", 50)
    after = decode_cursor(ctx)
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        rows = await store.list_waves_page(
            conn, poll.id, after_id=after, limit=limit + 1, state=ctx.params.get("state")
        )
    return respond(page(rows, limit, render, lambda w: w.id))


async def get_wave(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn:
        wave = await load_wave(conn, ctx)
        counts = await responses.count_by_status(conn, wave.id)
        run = await estimates_store.weighting_run(conn, wave.id)
    completes = counts.get("complete", 0)
    weighting = None
    if run is not None:
        weighting = {k: v for k, v in run.items() if k not in ("wave_id", "created_at")}
    return respond(
        {
            "wave": render(wave),
            "progress": {
                "completes": completes,
                "target_n": wave.target_n,
                "share": min(1.0, completes / wave.target_n),
                "by_status": counts,
            },
            "weighting": weighting,
        }
    )


async def launch_wave(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn, conn.transaction():
        poll = await load_poll(conn, ctx)
        if poll.status != "active":
            raise Problem(
                409, "Conflict", f"poll {poll.id} is {poll.status}; only an active poll launches waves"
            )
        now = datetime.now(UTC).replace(microsecond=0)
        wave, created = await store.create_wave(conn, poll.id, now, poll.sample_size)
        if not created:
            raise Problem(409, "Conflict", f"a wave of poll {poll.id} was launched this second; try again")
        await ctx.audit(conn, "wave.launch", "wave", wave.id, {"poll_id": poll.id})
    ctx.request.app[WAVES].start(poll, wave)
    return respond(render(wave), status=202, headers={"Location": f"/api/v1/waves/{wave.id}"})


async def cancel_wave(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn, conn.transaction():
        wave = await load_wave(conn, ctx)
        if wave.state in store.TERMINAL:
            raise Problem(409, "Conflict", f"wave {wave.id} is already {wave.state}")
        if not await store.transition(
            conn, wave.id, wave.state, "cancelled", reason=f"cancelled by {ctx.key.prefix}"
        ):
            raise Problem(409, "Conflict", f"wave {wave.id} moved on while it was being cancelled; try again")
        await ctx.audit(conn, "wave.cancel", "wave", wave.id, {"from": wave.state})
        current = await store.get_wave(conn, wave.id)
    ctx.request.app[WAVES].stop(wave.id)
    assert current is not None
    return respond(render(current))


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/waves",
        list_waves,
        "viewer",
        "List a poll's waves",
        "waves",
        page_schema(WAVE),
        (
            POLL_ID,
            CURSOR,
            LIMIT,
            Param("state", "query", {"type": "string", "enum": list(store.STATES)}, "only this state"),
        ),
    ),
    Op(
        "POST",
        "/api/v1/polls/{poll_id}/waves",
        launch_wave,
        "editor",
        "Launch a wave now",
        "waves",
        WAVE,
        (POLL_ID,),
        status=202,
        errors=(409,),
        description="Creates a wave at the current instant and starts its fieldwork; answers 202 at once.",
    ),
    Op(
        "GET",
        "/api/v1/waves/{wave_id}",
        get_wave,
        "viewer",
        "A wave with its fieldwork progress",
        "waves",
        WAVE_DETAIL,
        (WAVE_ID,),
    ),
    Op(
        "POST",
        "/api/v1/waves/{wave_id}/cancel",
        cancel_wave,
        "editor",
        "Cancel a wave",
        "waves",
        WAVE,
        (WAVE_ID,),
        errors=(409,),
    ),
)
