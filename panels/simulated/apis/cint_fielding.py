"""The simulated Cint Demand API, part two: the launch-from-draft job (201 with the job's ``Location``; it completes
after :data:`~panels.simulated.apis.cint_exchange.JOB_SECONDS` and creates the fielding run), fielding runs with
their ETags (pause, resume and complete need ``If-Match``: 412 when stale, 422 when the run's state does not
allow it), reconciliations (``text/csv``: ``RID,reason code``) and webhook subscriptions."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from panels.simulated.apis.cint_common import error, group_of, not_found, read_json, remember, replayed, stamp
from panels.simulated.apis.cint_exchange import JOB_SECONDS, SIM_PROJECT_MANAGER, CintExchange, Job

REASON_CODES = {"930", "932", "933", "934", "935", "936", "11", "26"}


# --- launching and fielding runs -------------------------------------------------------------------------------


async def launch_from_draft(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    tg = group_of(ex, request)
    if tg is None:
        return not_found("target group")
    if not request.headers.get("Idempotency-Key"):
        return error(400, "bad_request_error", "The idempotency-key header is required.")
    body = await read_json(request)
    if isinstance(body, web.Response):
        return body
    replay = replayed(request, ex, f"launch:{tg.id}")
    if replay is not None:
        return replay
    if "end_fielding_at" not in body:
        return error(400, "bad_request_error", "Expected field 'end_fielding_at' is missing.")
    if tg.status != "draft" or tg.job is not None:
        return error(
            422, "unprocessable_entity_error", f"Target group {tg.id} is not a draft that can be launched."
        )
    job = Job(ex.ulid(), tg.id, stamp(ex), time.monotonic() + JOB_SECONDS, str(body["end_fielding_at"]))
    ex.jobs[job.id] = job
    tg.job = job
    ex.book_of(tg).launch_calls += 1
    headers = {"Location": f"{request.path}/{job.id}"}
    remember(request, ex, f"launch:{tg.id}", 201, None, headers)
    return web.Response(status=201, headers=headers)


async def launch_job(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    job = ex.jobs.get(request.match_info["job_id"])
    if (
        job is None
        or group_of(ex, request) is None
        or job.target_group != request.match_info["target_group_id"]
    ):
        return not_found("job")
    body: dict[str, Any] = {
        "job_id": job.id,
        "created_at": job.created_at,
        "created_by": SIM_PROJECT_MANAGER,
        "status": job.status,
    }
    if job.run_id:
        body["created_fielding_run_id"] = job.run_id
    return web.json_response(body)


async def fielding_runs(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    tg = group_of(ex, request)
    if tg is None:
        return not_found("target group")
    return web.json_response({"data": [tg.run.public()] if tg.run else [], "has_more": False})


async def fielding_run(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    tg = group_of(ex, request)
    if tg is None or tg.run is None or tg.run.id != request.match_info["run_id"]:
        return not_found("fielding run")
    return web.json_response(tg.run.public(), headers={"ETag": tg.run.etag})


_MOVES = {
    "pause": ({"live"}, "paused"),
    "resume": ({"paused"}, "live"),
    "complete": ({"live", "paused", "scheduled"}, "completed"),
}


async def run_action(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    """Pause, resume or complete with the run's ETag in ``If-Match``: 412 when it is stale, 422 when the run is
    not in a state that allows it, 204 with the new ETag otherwise."""
    tg = group_of(ex, request)
    action = request.match_info["action"]
    if tg is None or tg.run is None or tg.run.id != request.match_info["run_id"] or action not in _MOVES:
        return not_found("fielding run")
    op = f"{action}:{tg.run.id}"
    replay = replayed(request, ex, op)
    if replay is not None:
        return replay
    given = request.headers.get("If-Match")
    if not given:
        return error(400, "bad_request_error", "The If-Match header is required.")
    if given != tg.run.etag:
        return error(412, "precondition_failed_error", "The fielding run was changed by another request.")
    allowed, to = _MOVES[action]
    if tg.run.status not in allowed or (
        action == "resume" and len(tg.billed) >= int(tg.body["completes_goal"])
    ):
        return error(
            422, "unprocessable_entity_error", f"The fielding run is {tg.run.status}; it cannot {action}."
        )
    ex.set_status(tg, to)
    headers = {"ETag": tg.run.etag}
    remember(request, ex, op, 204, None, headers)
    return web.Response(status=204, headers=headers)


# --- reconciliations and webhooks --------------------------------------------------------------------------------


async def reconciliations(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    """``RID,reason code`` per line (text/csv, no header): negative codes reverse paid completes."""
    if not request.query.get("name"):
        return error(400, "bad_request_error", "The name query parameter is required.")
    if not request.content_type.startswith("text/csv"):
        return error(415, "unsupported_media_type_error", "The body must be text/csv.")
    replay = replayed(request, ex, "reconciliations")
    if replay is not None:
        return replay
    invalid = []
    rows = []
    for n, line in enumerate((await request.text()).splitlines(), start=1):
        if not line.strip():
            continue
        rid, _, code = (part.strip() for part in line.partition(","))
        if rid not in ex.sessions or code not in REASON_CODES:
            invalid.append({"name": f"line {n}", "reason": "unknown RID or reason code"})
        rows.append((rid, code))
    if invalid:
        return error(400, "bad_request_error", "The file is not valid.", invalid)
    for rid, code in rows:
        if code != "11":
            ex.reverse(rid)
    body = {"name": request.query["name"], "request_id": ex.ulid()}
    remember(request, ex, "reconciliations", 202, body, {})
    return web.json_response(body, status=202)


async def create_webhook(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    body = await read_json(request)
    if isinstance(body, web.Response):
        return body
    events = body.get("events")
    if not body.get("url") or not isinstance(events, list) or not events:
        return error(400, "bad_request_error", "url and events are required.")
    sub = ex.subscribe(str(body["url"]), [str(e) for e in events])
    now = stamp(ex)
    return web.json_response(
        {
            "id": sub.id,
            "url": sub.url,
            "events": sub.events,
            "secret": sub.secret,
            "created_at": now,
            "updated_at": now,
        },
        status=201,
    )
