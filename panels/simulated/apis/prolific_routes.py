"""The study and submission endpoints of the simulator's copy of Prolific's API (see
:mod:`panels.simulated.apis.prolific`), over :class:`panels.simulated.apis.prolific_books.ProlificBooks`."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from aiohttp import web

from panels.simulated.apis.prolific_books import (
    CODE_ACTIONS,
    PLACEHOLDERS,
    REJECTION_CATEGORIES,
    STUDY_TYPES,
    SUBMISSION_STATUSES,
    ProlificBooks,
    Study,
    country_of,
    now_iso,
    with_fee,
)
from panels.simulated.apis.prolific_hooks import error, read_body
from panels.simulated.state import STATE, SimulatorState

WORKSPACE_ID = "60a7f1c2e4b0d3a5f6c7e8da"
PAGE_SIZE, MAX_PAGE_SIZE = 20, 200
MIN_HOURLY = 600  # cents an hour: Prolific's minimum pay (£6 an hour)
MAX_BULK = 1000
BOOKS = web.AppKey("prolific_books", ProlificBooks)
REQUIRED = (
    "name",
    "description",
    "external_study_url",
    "prolific_id_option",
    "completion_codes",
    "total_available_places",
    "estimated_completion_time",
    "reward",
)


def _books(request: web.Request) -> ProlificBooks:
    return request.config_dict[BOOKS]


def _study(request: web.Request, study_id: str) -> Study | None:
    """The study, caught up: participants who arrived since it was last looked at are sent to the survey."""
    study = _books(request).studies.get(study_id)
    if study is not None:
        state: SimulatorState = request.config_dict[STATE]
        state.get(study.id)
        study.sync()
    return study


def _paged(request: web.Request, items: list[dict[str, Any]]) -> dict[str, Any] | web.Response:
    try:
        page = int(request.query.get("page", "1"))
        size = min(MAX_PAGE_SIZE, int(request.query.get("page_size", str(PAGE_SIZE))))
    except ValueError:
        return error(400, "page and page_size must be whole numbers.")
    last = max(1, math.ceil(len(items) / max(size, 1)))
    if page < 1 or size < 1 or page > last:
        return error(404, "Invalid page.")

    def link(n: int, title: str) -> dict[str, Any]:
        href = str(request.url.update_query(page=n, page_size=size)) if 1 <= n <= last else None
        return {"href": href, "title": title}

    return {
        "results": items[(page - 1) * size : page * size],
        "_links": {
            "self": link(page, "Current"),
            "next": link(page + 1, "Next"),
            "previous": link(page - 1, "Previous"),
            "last": link(last, "Last"),
        },
        "meta": {"count": len(items)},
    }


def _json(doc: dict[str, Any] | web.Response, status: int = 200) -> web.Response:
    return doc if isinstance(doc, web.Response) else web.json_response(doc, status=status)


# --- studies ---------------------------------------------------------------------------------------------------


def _check_codes(codes: Any) -> list[str]:
    if not isinstance(codes, list) or not codes:
        return ["At least one completion code is required."]
    problems, seen = [], set()
    for c in codes:
        if not isinstance(c, dict) or not str(c.get("code") or "") or not str(c.get("code_type") or ""):
            problems.append("Each completion code needs a code and a code_type.")
            continue
        if c["code"] in seen:
            problems.append(f"The code {c['code']} is used twice.")
        seen.add(c["code"])
        for action in c.get("actions") or []:
            name = action.get("action") if isinstance(action, dict) else None
            if name not in CODE_ACTIONS:
                problems.append(f"{name!r} is not a valid action.")
            elif name == "FIXED_SCREEN_OUT_PAYMENT" and not (
                int(action.get("fixed_screen_out_reward") or 0) > 0 and int(action.get("slots") or 0) > 0
            ):
                problems.append("A fixed screen-out payment needs a fixed_screen_out_reward and slots.")
    return problems


def _check_study(body: dict[str, Any]) -> dict[str, list[str]]:
    problems = {name: ["This field is required."] for name in REQUIRED if body.get(name) in (None, "")}
    if problems:
        return problems
    if body["prolific_id_option"] not in ("question", "url_parameters", "not_required"):
        problems["prolific_id_option"] = [f"{body['prolific_id_option']!r} is not a valid choice."]
    elif body["prolific_id_option"] == "url_parameters" and PLACEHOLDERS[0] not in body["external_study_url"]:
        problems["external_study_url"] = [f"The URL must carry {PLACEHOLDERS[0]} to use URL parameters."]
    if codes := _check_codes(body["completion_codes"]):
        problems["completion_codes"] = codes
    for name in ("total_available_places", "estimated_completion_time"):
        if not isinstance(body[name], int) or body[name] < 1:
            problems[name] = ["Ensure this value is a whole number of at least 1."]
    if not isinstance(body["reward"], int | float) or body["reward"] < 0:
        problems["reward"] = ["A valid number is required."]
    elif (
        "estimated_completion_time" not in problems
        and body["reward"] * 60 / body["estimated_completion_time"] < MIN_HOURLY
    ):
        problems["reward"] = [f"The reward is below the minimum of {MIN_HOURLY / 100:.2f} an hour."]
    if body.get("study_type", "SINGLE") not in STUDY_TYPES:
        problems["study_type"] = [f"{body['study_type']!r} is not a valid choice."]
    return problems


async def create_study(request: web.Request) -> web.Response:
    body = await read_body(request)
    if isinstance(body, web.Response):
        return body
    if problems := _check_study(body):
        return error(400, problems)
    books, state = _books(request), request.config_dict[STATE]
    study_id, topic = books.new_id(), state.topic
    study_type = str(body.get("study_type") or "SINGLE")
    record = {
        **{k: body[k] for k in REQUIRED},
        "internal_name": str(body.get("internal_name") or body["name"]),
        "study_type": study_type,
        "filters": body.get("filters") or [],
        "device_compatibility": body.get("device_compatibility") or [],
        "maximum_allowed_time": int(
            body.get("maximum_allowed_time") or 3 * body["estimated_completion_time"]
        ),
        "workspace": WORKSPACE_ID,
    }
    project = state.add_project(
        study_id,
        record["internal_name"],
        name=str(body["name"]),
        target_n=int(body["total_available_places"]),
        country=country_of(study_type, str(topic.get("country") or "us")),
        quotas={},
        price=with_fee(float(body["reward"])),
        simulation={
            "brands": list(topic.get("brands") or []),
            "own_brand": str(topic.get("own_brand") or ""),
            "wave_index": len(books.studies),
            "seed": int(topic.get("seed", 7)),
        },
        link=None,
        make_participant=books.new_id,
    )
    screen_outs = [
        a
        for c in body["completion_codes"]
        for a in c.get("actions") or []
        if a.get("action") == "FIXED_SCREEN_OUT_PAYMENT"
    ]
    if screen_outs:
        project.screen_out_price = with_fee(float(screen_outs[0]["fixed_screen_out_reward"]))
    study = books.studies[study_id] = Study(study_id, record, project, books.new_id, books.emit)
    project.survey = study  # participants reach the survey through the study URL
    return web.json_response(study.public(), status=201)


async def list_studies(request: web.Request) -> web.Response:
    wanted = request.query.get("state")
    studies = [_study(request, sid) for sid in list(_books(request).studies)]
    found = [s.public() for s in studies if s is not None and (wanted is None or s.status == wanted)]
    return _json(_paged(request, found))


async def get_study(request: web.Request) -> web.Response:
    study = _study(request, request.match_info["id"])
    return error(404, "Not found.") if study is None else web.json_response(study.public())


async def transition_study(request: web.Request) -> web.Response:
    study = _study(request, request.match_info["id"])
    if study is None:
        return error(404, "Not found.")
    body = await read_body(request)
    if isinstance(body, web.Response):
        return body
    action, status, project, now = body.get("action"), study.status, study.project, time.monotonic()
    if action not in ("PUBLISH", "PAUSE", "START", "STOP"):
        return error(400, {"action": [f"{action!r} is not a valid choice."]})
    if action == "PUBLISH" and status == "UNPUBLISHED":
        project.launch_calls += 1
        study.published_at = now_iso()
        project.set_status("live", now)
    elif action == "PAUSE" and project.status == "live":
        project.set_status("paused", now)
    elif action == "START" and status == "PAUSED":
        project.set_status("live", now)
    elif action == "STOP" and project.status in ("live", "paused"):
        project.set_status("closed", now)
    else:
        return error(400, f"A study that is {status} cannot be transitioned with {action}.")
    study.sync()
    return web.json_response(study.public())


# --- submissions -----------------------------------------------------------------------------------------------


async def submission_counts(request: web.Request) -> web.Response:
    study = _study(request, request.match_info["id"])
    return error(404, "Not found.") if study is None else web.json_response(study.counts())


async def list_submissions(request: web.Request) -> web.Response:
    wanted = request.query.get("status", "").upper().replace("_", " ") or None
    if wanted is not None and wanted not in SUBMISSION_STATUSES:
        return error(400, {"status": [f"{request.query['status']!r} is not a valid choice."]})
    ids = [request.query["study"]] if "study" in request.query else list(_books(request).studies)
    rows: list[dict[str, Any]] = []
    for sid in ids:
        study = _study(request, sid)
        if study is not None:
            rows += [s.listed() for s in study.submissions.values() if wanted in (None, s.status)]
    return _json(_paged(request, rows))


async def get_submission(request: web.Request) -> web.Response:
    found = _books(request).submission(request.match_info["id"])
    if found is None:
        return error(404, "Not found.")
    _study(request, found[0].id)
    return web.json_response(found[1].detail())


async def transition_submission(request: web.Request) -> web.Response:
    found = _books(request).submission(request.match_info["id"])
    if found is None:
        return error(404, "Not found.")
    study, sub = found
    _study(request, study.id)
    body = await read_body(request)
    if isinstance(body, web.Response):
        return body
    action = body.get("action")
    if action == "APPROVE":
        result = study.approve(sub)
    elif action == "REJECT":
        category, message = body.get("rejection_category"), str(body.get("message") or "")
        problems = {}
        if category not in REJECTION_CATEGORIES:
            problems["rejection_category"] = [f"{category!r} is not a valid choice."]
        if len(message) < 100:
            problems["message"] = ["Ensure this field has at least 100 characters."]
        if problems:
            return error(400, problems)
        result = study.reject(sub, str(category), message)
    elif action == "COMPLETE":
        return error(400, "Only a completion code whose actor is the researcher can be used to complete.")
    else:
        return error(400, {"action": [f"{action!r} is not a valid choice."]})
    if result == "not_submitted":
        return error(400, "Submission is not yet submitted.")
    if result == "conflict":
        return error(400, f"A submission that is {sub.status} cannot be transitioned with {action}.")
    study.sync()
    return web.json_response(sub.detail())


async def bulk_approve(request: web.Request) -> web.Response:
    body = await read_body(request)
    if isinstance(body, web.Response):
        return body
    books = _books(request)
    ids, study_id, participants = (
        body.get("submission_ids"),
        body.get("study_id"),
        body.get("participant_ids"),
    )
    if isinstance(ids, list) and ids and participants is None:
        batch = [str(i) for i in ids]
    elif isinstance(participants, list) and study_id in books.studies:
        study = books.studies[str(study_id)]
        batch = [study.by_participant[str(p)] for p in participants if str(p) in study.by_participant]
    else:
        return error(400, "Provide submission_ids, or a study_id with participant_ids.")
    if len(batch) > MAX_BULK:
        return error(400, f"At most {MAX_BULK} submissions can be approved at once.")
    books.bulk.append(batch)
    asyncio.get_running_loop().call_soon(books.apply_bulk)  # applied after the answer, as at Prolific
    return web.json_response({"message": "The request has been received and is being processed."})


#: (method, path, handler) of every study and submission endpoint.
ROUTES = (
    ("POST", "/studies/", create_study),
    ("GET", "/studies/", list_studies),
    ("GET", "/studies/{id}/", get_study),
    ("POST", "/studies/{id}/transition/", transition_study),
    ("GET", "/studies/{id}/submissions/counts/", submission_counts),
    ("GET", "/submissions/", list_submissions),
    ("POST", "/submissions/bulk-approve/", bulk_approve),
    ("GET", "/submissions/{id}/", get_submission),
    ("POST", "/submissions/{id}/transition/", transition_submission),
)
