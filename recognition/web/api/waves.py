"""Waves: list, detail with fieldwork progress, launch now, pause, resume, cancel, test links.

Launching creates a wave at the current instant and hands it to the app's wave runner
(:class:`recognition.waves.lifecycle.WaveRunner`): fieldwork runs in a background task, cancelled when the app
shuts down; a wave left mid-way is picked up where it stands by the next run. "Launch now" is idempotent: a
request with an ``Idempotency-Key`` the poll has seen answers with the wave that key launched; and a poll with a
wave still in flight launches another only when asked (``concurrent=true``).

Pausing and resuming are requests the wave's driver carries to the provider's project on its next round;
cancelling closes the provider's project and settles what was bought (the driver does it, here or after a
restart).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from recognition.store import estimates as estimates_store
from recognition.store import fieldwork as fieldwork_store
from recognition.store import polls as polls_store
from recognition.store import responses
from recognition.store import survey as survey_store
from recognition.store import waves as store
from recognition.store.fieldwork import Fieldwork
from recognition.store.waves import Wave
from recognition.waves.testruns import ProviderTestRefused, WaveTestLinks, wave_test_links
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
from recognition.web.keys import PROVIDERS, WAVES

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
        "fieldwork": {
            "type": ["object", "null"],
            "description": "The wave at its panel provider (null before launch).",
            "properties": {
                "provider": {"type": "string"},
                "project_id": {"type": ["string", "null"]},
                "price": {"type": ["number", "null"], "description": "per complete, quoted at launch"},
                "currency": {"type": "string"},
                "cost": {"type": "number", "description": "valid completes × price, recorded at close"},
                "deadline": {"type": ["string", "null"], "format": "date-time"},
                "paused": {"type": "boolean"},
                "pause_requested": {"type": "boolean"},
                "unreachable_since": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "since when the provider cannot be reached (null when it answers)",
                },
                "last_error": {"type": ["string", "null"]},
                "settled_at": {"type": ["string", "null"], "format": "date-time"},
                "entry_url": {
                    "type": ["string", "null"],
                    "description": "the link the provider sends respondents to, with its own placeholders: for "
                    "a panel reached by redirect, the link to paste into the panel's tool",
                },
            },
        },
    },
}
FIELDWORK_FIELDS = (
    "provider",
    "project_id",
    "price",
    "currency",
    "cost",
    "deadline",
    "paused",
    "pause_requested",
    "unreachable_since",
    "last_error",
    "settled_at",
)
IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    "header",
    {"type": "string", "minLength": 1, "maxLength": 200},
    "a key of the caller's choosing: a repeated request with the same key answers with the wave it launched",
)
CONCURRENT = Param(
    "concurrent",
    "query",
    {"type": "boolean"},
    "launch even though the poll has a wave in flight (default false: answered 409)",
)
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
        fw = await fieldwork_store.get_fieldwork(conn, wave.id)
        entry = await _entry_url(ctx, conn, wave, fw)
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
            "fieldwork": None
            if fw is None
            else {**{k: getattr(fw, k) for k in FIELDWORK_FIELDS}, "entry_url": entry},
        }
    )


async def _entry_url(ctx: Ctx, conn: Any, wave: Wave, fw: Fieldwork | None) -> str | None:
    """The entry link the wave's provider was given (None before its project exists)."""
    access = await survey_store.get_access(conn, wave.id) if fw is not None and fw.project_id else None
    if fw is None or access is None:
        return None
    # the adapter as the webhooks see it: never starts an in-process simulator just to show a link
    provider = await ctx.request.app[PROVIDERS].for_webhooks(fw.provider, ctx.org_id)
    if provider is None:
        return None
    base = ctx.settings.public_base_url.rstrip("/")
    return provider.entry_url(f"{base}/survey/{wave.id}/start", access.for_provider())


async def launch_wave(ctx: Ctx) -> Any:
    key = ctx.params.get("Idempotency-Key")
    async with ctx.pool.acquire() as conn, conn.transaction():
        poll = await load_poll(conn, ctx)
        await store.lock_launches(conn, poll.id)
        if key is not None and (earlier := await store.launched_for(conn, poll.id, key)) is not None:
            return respond(render(earlier), status=200, headers={"Location": f"/api/v1/waves/{earlier.id}"})
        if poll.status != "active":
            raise Problem(
                409, "Conflict", f"poll {poll.id} is {poll.status}; only an active poll launches waves"
            )
        flying = await store.in_flight(conn, poll.id)
        if flying and not ctx.params.get("concurrent", False):
            w = flying[-1]
            raise Problem(
                409,
                "Conflict",
                f"poll {poll.id} already has wave {w.id} in flight ({w.state}); wait for it, cancel it, or "
                "launch with concurrent=true to field two waves at once",
            )
        now = datetime.now(UTC).replace(microsecond=0)
        wave, created = await store.create_wave(conn, poll.id, now, poll.sample_size)
        while not created:  # a wave already holds this second (launched or scheduled): the next free one
            now += timedelta(seconds=1)
            wave, created = await store.create_wave(conn, poll.id, now, poll.sample_size)
        if key is not None:
            await store.record_launch(conn, poll.id, key, wave.id)
        await ctx.audit(conn, "wave.launch", "wave", wave.id, {"poll_id": poll.id})
    ctx.request.app[WAVES].start(poll, wave)
    return respond(render(wave), status=202, headers={"Location": f"/api/v1/waves/{wave.id}"})


#: Times a cancel re-reads a wave its driver moved on in the meantime before asking the client to try again.
CANCEL_ATTEMPTS = 5


async def cancel_wave(ctx: Ctx) -> Any:
    for _ in range(CANCEL_ATTEMPTS):  # the driver may move the wave on (launching, fielding) meanwhile
        async with ctx.pool.acquire() as conn, conn.transaction():
            wave = await load_wave(conn, ctx)
            if wave.state in store.TERMINAL:
                raise Problem(409, "Conflict", f"wave {wave.id} is already {wave.state}")
            if await store.transition(
                conn, wave.id, wave.state, "cancelled", reason=f"cancelled by {ctx.key.prefix}"
            ):
                await ctx.audit(conn, "wave.cancel", "wave", wave.id, {"from": wave.state})
                current = await store.get_wave(conn, wave.id)
                poll = await polls_store.get_poll(conn, wave.poll_id)
                break
    else:
        raise Problem(
            409, "Conflict", f"wave {wave.id} kept moving on while it was being cancelled; try again"
        )
    assert poll is not None
    assert current is not None
    # The driver (already running here, or started now) closes the provider's project and settles it.
    ctx.request.app[WAVES].start(poll, current)
    return respond(render(current))


async def _pause(ctx: Ctx, pause: bool) -> Any:
    verb = "pause" if pause else "resume"
    async with ctx.pool.acquire() as conn, conn.transaction():
        wave = await load_wave(conn, ctx)
        if wave.state != "fielding":
            raise Problem(
                409, "Conflict", f"wave {wave.id} is {wave.state}; only a wave in fieldwork can {verb}"
            )
        if not await fieldwork_store.set_pause(conn, wave.id, pause):
            raise Problem(409, "Conflict", f"wave {wave.id} has no project at its provider yet; try again")
        await ctx.audit(conn, f"wave.{verb}", "wave", wave.id, {})
    return respond(render(wave), status=202)


async def test_link(ctx: Ctx) -> Any:
    """The wave's test links (:mod:`recognition.waves.testruns`)."""
    async with ctx.pool.acquire() as conn:
        wave = await load_wave(conn, ctx)
        access = await survey_store.get_access(conn, wave.id)
        if access is None:
            raise Problem(
                409,
                "Conflict",
                f"wave {wave.id} has no survey link yet: test links exist once its fieldwork has started",
            )
        await ctx.audit(conn, "wave.test_link", "wave", wave.id, {})
    # the adapter as the webhooks see it: never starts an in-process simulator just for a link
    provider = await ctx.request.app[PROVIDERS].for_webhooks(access.provider, ctx.org_id)
    try:
        links = await wave_test_links(access, provider, ctx.settings.public_base_url)
    except ProviderTestRefused as exc:
        raise Problem(409, "Conflict", str(exc)) from None
    return respond(asdict(links))


async def pause_wave(ctx: Ctx) -> Any:
    return await _pause(ctx, True)


async def resume_wave(ctx: Ctx) -> Any:
    return await _pause(ctx, False)


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
        (POLL_ID, IDEMPOTENCY_KEY, CONCURRENT),
        status=202,
        errors=(409,),
        description=(
            "Creates a wave at the current instant and starts its fieldwork; answers 202 at once. With an "
            "Idempotency-Key seen before, answers 200 with the wave that key launched (nothing is bought twice). "
            "A poll with a wave in flight is answered 409 unless concurrent=true."
        ),
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
        description=(
            "Cancels the wave. A wave in fieldwork has its project closed at the provider within seconds; what "
            "was bought is settled and its cost recorded (see the wave's fieldwork)."
        ),
    ),
    Op(
        "POST",
        "/api/v1/waves/{wave_id}/test-link",
        test_link,
        "editor",
        "Test links to try the wave's survey",
        "waves",
        record_schema(WaveTestLinks),
        (WAVE_ID,),
        errors=(409,),
        description=(
            "A new tester's link: the service's own signed entry link with test=1 (admitted whatever the wave's "
            "state, stored as a test respondent, never told to the provider, never in progress, quotas or "
            "estimates), and the provider's own test mode where it has one (Cint: a test run through its test "
            "supplier 980, never billed). 409 before the wave's fieldwork created its survey, and when the "
            "provider refuses its test run (the detail names why, e.g. Cint's target group not launched yet)."
        ),
    ),
    Op(
        "POST",
        "/api/v1/waves/{wave_id}/pause",
        pause_wave,
        "editor",
        "Pause a wave's fieldwork",
        "waves",
        WAVE,
        (WAVE_ID,),
        status=202,
        errors=(409,),
        description="Asks the provider to pause the wave's project (no new respondents); answers 202 at once.",
    ),
    Op(
        "POST",
        "/api/v1/waves/{wave_id}/resume",
        resume_wave,
        "editor",
        "Resume a paused wave's fieldwork",
        "waves",
        WAVE,
        (WAVE_ID,),
        status=202,
        errors=(409,),
    ),
)
