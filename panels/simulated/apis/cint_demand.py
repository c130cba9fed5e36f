"""The simulated Cint Demand API, part one: projects, target groups (draft, details, overview) and feasibility.
(Part two, fielding: :mod:`~panels.simulated.apis.cint_fielding`; part three, allocations and test links:
:mod:`~panels.simulated.apis.cint_allocations`.)
Creating a target group adds it to the simulator's shared books (:class:`~panels.simulated.apis.cint_exchange.
CintBook`): Cint documents that every create request makes a new target group, so no idempotency key is honoured
there."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from aiohttp import web

from panels.cint_targeting import country_for, quotas_from_profiles
from panels.simulated.apis.cint_allocations import links
from panels.simulated.apis.cint_common import (
    error,
    group_of,
    not_found,
    page,
    project_of,
    read_json,
    remember,
    replayed,
    stamp,
)
from panels.simulated.apis.cint_exchange import CintExchange, TargetGroup, adopt

_REFERENCE = re.compile(r"^[a-zA-Z0-9\-_ ]{3,128}$")
_TG_REQUIRED = (
    "name",
    "business_unit_id",
    "locale",
    "project_manager_id",
    "fielding_specification",
    "fielding_assistant_assignment",
    "completes_goal",
    "collects_pii",
    "expected_length_of_interview_minutes",
    "expected_incidence_rate",
    "allocations",
)

# --- projects --------------------------------------------------------------------------------------------------


async def list_projects(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    search = request.query.get("search_string") or request.query.get("name") or ""
    if search and not 5 <= len(search) <= 128:
        return error(400, "bad_request_error", "search_string must be 5 to 128 characters")
    items = [
        {k: v for k, v in p.items() if k != "target_groups"}
        for p in ex.projects.values()
        if not search or search.lower() in p["name"].lower() or search.upper() == p["human_readable_id"]
    ]
    return page(request, items, "projects")


async def create_project(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    if not request.headers.get("Idempotency-Key"):
        return error(400, "bad_request_error", "The idempotency-key header is required.")
    body = await read_json(request)
    if isinstance(body, web.Response):
        return body
    replay = replayed(request, ex, "create_project")
    if replay is not None:
        return replay
    name = str(body.get("name") or "").strip()
    reference = body.get("project_customer_reference_number")
    invalid = [{"name": "name", "reason": "must be 5 to 128 characters"}] if not 5 <= len(name) <= 128 else []
    if not _uuid(body.get("project_manager_id")):
        invalid.append({"name": "project_manager_id", "reason": "must be a UUID"})
    if reference is not None and not _REFERENCE.match(str(reference)):
        invalid.append({"name": "project_customer_reference_number", "reason": "3 to 128 of [a-zA-Z0-9-_ ]"})
    if invalid:
        return error(400, "bad_request_error", "The request is not valid.", invalid)
    pid = ex.ulid()
    ex.projects[pid] = {
        "id": pid,
        "human_readable_id": ex.human_id(6),
        "account_id": int(request.match_info["account_id"]),
        "name": name,
        "project_manager_id": body["project_manager_id"],
        "project_customer_reference_number": reference,
        "status": "active",
        "target_group_count": 0,
        "last_activity_at": stamp(ex),
        "statistics": {},
        "target_groups": [],
    }
    remember(request, ex, "create_project", 202, {"id": pid}, {"ETag": 'W/"1"'})
    return web.json_response({"id": pid}, status=202, headers={"ETag": 'W/"1"'})


async def get_project(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    project = project_of(ex, request)
    if project is None:
        return not_found("project")
    return web.json_response(
        {k: v for k, v in project.items() if k != "target_groups"}, headers={"ETag": 'W/"1"'}
    )


# --- target groups ---------------------------------------------------------------------------------------------


def _tg_item(tg: TargetGroup) -> dict[str, Any]:
    return {
        "id": tg.id,
        "human_readable_id": tg.human_id,
        "name": tg.body["name"],
        "locale": tg.body["locale"],
        "status": tg.status,
        "created_at": tg.created_at,
        "project_manager_id": tg.body["project_manager_id"],
        "target_group_customer_reference_number": tg.body.get("target_group_customer_reference_number"),
        "statistics": {"progress": {"value": len(tg.billed), "issues": []}},
    }


async def list_target_groups(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    project = project_of(ex, request)
    if project is None:
        return not_found("project")
    refs = set(request.query.getall("target_group_customer_reference_numbers", []))
    statuses = set(request.query.getall("status", []))
    items = [
        _tg_item(ex.target_groups[t])
        for t in project["target_groups"]
        if (not refs or ex.target_groups[t].reference in refs)
        and (not statuses or ex.target_groups[t].status in statuses)
    ]
    return page(request, items, "target_groups")


def _check_target_group(ex: CintExchange, body: dict[str, Any]) -> list[dict[str, str]]:
    invalid = [{"name": k, "reason": "is required"} for k in _TG_REQUIRED if k not in body]
    if not 5 <= len(str(body.get("name") or "")) <= 128:
        invalid.append({"name": "name", "reason": "must be 5 to 128 characters"})
    if str(body.get("business_unit_id")) not in ex.business_units:
        invalid.append({"name": "business_unit_id", "reason": "unknown business unit"})
    if not isinstance(body.get("completes_goal"), int) or body["completes_goal"] < 1:
        invalid.append({"name": "completes_goal", "reason": "must be a whole number of at least 1"})
    if not 1 <= int(body.get("expected_length_of_interview_minutes") or 0) <= 45:
        invalid.append({"name": "expected_length_of_interview_minutes", "reason": "must be 1 to 45"})
    for name in ("live_url", "test_url"):
        url = str(body.get(name) or "")
        if url and ("[%RID%]" not in url or not (url.startswith("https://") or _loopback(url))):
            invalid.append({"name": name, "reason": "must be an HTTPS URL carrying [%RID%]"})
    cpi = body.get("cost_per_interview") or {}
    if cpi and cpi.get("currency_code") != ex.business_units.get(str(body.get("business_unit_id"))):
        invalid.append({"name": "cost_per_interview", "reason": "currency must be the business unit's"})
    return invalid


async def create_target_group(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    project = project_of(ex, request)
    if project is None:
        return not_found("project")
    body = await read_json(request)
    if isinstance(body, web.Response):
        return body
    invalid = _check_target_group(ex, body)
    if invalid:
        return error(400, "bad_request_error", "The request is not valid.", invalid)
    study = _study(request.headers.get("X-Sim-Study", ""))
    tg = TargetGroup(ex.ulid(), project["id"], ex.human_id(7), body, stamp(ex))
    country = country_for(str(body["locale"]))
    profiling = body.get("profiling") or {}
    simulation = {**study, "seed": 7}
    project_book = ex.state.add_project(
        tg.id,
        tg.reference or tg.id,
        name=str(body["name"]),
        target_n=int(body["completes_goal"]),
        country=country,
        quotas=quotas_from_profiles(profiling.get("profiles") or [], country),
        price=tg.cpi,
        simulation=simulation,
        link=None,
    )
    book = adopt(ex.state, project_book)
    book.survey = _Entry(ex, tg.id)
    book.bills = tg.billed
    ex.target_groups[tg.id] = tg
    project["target_groups"].append(tg.id)
    project["target_group_count"] = len(project["target_groups"])
    return web.json_response({"id": tg.id}, status=201)


def _details(tg: TargetGroup) -> dict[str, Any]:
    return {
        **tg.body,
        "id": tg.id,
        "human_readable_id": tg.human_id,
        "status": tg.status,
        "created_at": tg.created_at,
    }


async def get_target_group(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    """The draft endpoint: a launched target group answers 301 to its details."""
    tg = group_of(ex, request)
    if tg is None:
        return not_found("target group")
    if tg.status != "draft":
        raise web.HTTPMovedPermanently(location=f"{request.path}/details")
    return web.json_response({**_details(tg), "links": links(tg, str(request.url.origin()))})


async def target_group_details(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    """A launched target group's details with its ``links`` (Cint's test link among them); a draft is not found
    here, as Cint documents."""
    tg = group_of(ex, request)
    if tg is None or tg.status == "draft":
        return not_found("target group")
    return web.json_response({**_details(tg), "links": links(tg, str(request.url.origin()))})


async def overview(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    tg = group_of(ex, request)
    if tg is None or tg.status == "draft":
        return not_found("target group")
    completes, cost = ex.billing(tg.id)
    book = ex.book_of(tg)
    currency = str(tg.body["cost_per_interview"]["currency_code"])

    def money(value: float) -> dict[str, Any]:
        return {"value": f"{value:.2f}", "currency_code": currency, "currency_scale": 2}

    return web.json_response(
        {
            "human_readable_id": tg.human_id,
            "project_name": ex.projects[tg.project_id]["name"],
            "target_group_name": tg.body["name"],
            "project_manager_id": tg.body["project_manager_id"],
            "status": tg.status,
            "progress": {
                "current_completes": completes,
                "current_prescreens": book.arrivals,
                "filling_goal": int(tg.body["completes_goal"]),
                "filling_strategy": "completes",
            },
            "pricing_model": "dynamic",
            "is_pricing_restricted": False,
            "current_cost_per_interview": {"value": str(tg.cpi), "currency_code": currency},
            "current_cost": money(cost),
            "average_cost_per_interview": money(tg.cpi if completes else 0.0),
            "country_code": str(tg.body["locale"]).split("_")[-1].upper(),
            "language_code": str(tg.body["locale"]).split("_")[0],
            "conversion_rate": round(completes / book.arrivals, 4) if book.arrivals else 0.0,
            "drop_off_rate": round(book.dropped / book.arrivals, 4) if book.arrivals else 0.0,
            "incidence_rate": float(tg.body["expected_incidence_rate"]),
            "created_at": tg.created_at,
            "target_group_customer_reference_number": tg.body.get("target_group_customer_reference_number"),
        }
    )


async def feasibility(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    body = await read_json(request)
    if isinstance(body, web.Response):
        return body
    required = (
        "business_unit_id",
        "locale",
        "expected_incidence_rate",
        "expected_length_of_interview_minutes",
    )
    invalid = [
        {"name": k, "reason": "is required"}
        for k in (*required, "fielding_specification", "completes_goal")
        if k not in body
    ]
    if not invalid and not 1 <= int(body["completes_goal"]) <= 10_000:
        invalid.append({"name": "completes_goal", "reason": "must be 1 to 10000"})
    if invalid:
        return error(400, "bad_request_error", "The request is not valid.", invalid)
    incidence = max(0.05, float(body["expected_incidence_rate"]))
    targets = sum(len(p.get("targets") or []) for p in (body.get("profiling") or {}).get("profiles") or [])
    price = (
        (0.5 + 0.15 * int(body["expected_length_of_interview_minutes"])) / incidence * (1 + 0.01 * targets)
    )
    reach = int(40_000 * incidence)
    currency = ex.business_units.get(str(body["business_unit_id"]), "USD")
    return web.json_response(
        {
            "suggested_price": {"value": f"{price:.2f}", "currency_code": currency, "currency_scale": 2},
            "suggested_completes_goal_range": {"min": int(reach * 0.85), "max": reach},
            "allocations": {
                "open_exchange_allocations": {
                    "min_completes": int(reach * 0.85),
                    "max_completes": reach,
                    "groups": [],
                }
            },
        }
    )


# --- helpers ---------------------------------------------------------------------------------------------------


class _Entry:
    """How the shared books send a walker: a new session (RID) of the target group, its ``live_url``."""

    def __init__(self, ex: CintExchange, target_group: str) -> None:
        self.ex = ex
        self.target_group = target_group

    def for_participant(self, pid: str) -> str:
        return self.ex.new_session(self.target_group, pid, test=False).entry


def _uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _loopback(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))


def _study(header: str) -> dict[str, Any]:
    """The study the simulated respondents answer about (``X-Sim-Study``, sent by an adapter told to describe
    it); without it they know no brands."""
    try:
        study = json.loads(header) if header else {}
    except ValueError:
        return {}
    if not isinstance(study, dict):
        return {}
    return {k: study[k] for k in ("brands", "own_brand", "wave_index") if k in study}
