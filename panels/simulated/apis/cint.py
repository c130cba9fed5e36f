"""A faithful copy of Cint Exchange for the simulator, over its shared books (:mod:`panels.simulated.apis`).

Served under ``/cint/`` (faults apply there):

- ``POST /cint/auth/oauth/token``: OAuth client credentials → ``{access_token, expires_in, token_type}``
  (401 ``access_denied`` for unknown credentials); tokens are JWT-like and expire after ``token_ttl`` seconds;
- ``/cint/api/v1/...``: the Demand API (:mod:`panels.simulated.apis.cint_demand`, ``cint_fielding``,
  ``cint_allocations``);
- ``/cint/s2s/fulfillment/respondents/{rid}`` and ``/cint/s2s/fulfillment/respondents/transition``: the
  server-to-server validation and outcome, with the S2S key in ``Authorization`` (raw or as a bearer).

And outside it (browser landings, never faulted):

- ``GET /cint-exchange/s/ClientCallBack.aspx?RID=…``: Cint's return page (a return without a prior S2S
  transition is a ghost complete, counted and never paid);
- ``GET /cint-exchange/test/{target_group_id}``: the target group's test link, given as ``links.test_screener``
  in its details (a test-supplier session, sent to its ``test_url`` with a fresh RID, once the target group is
  launched and its allocation gives the test supplier 980 a group).

Respondents are sent to live target groups' surveys in the background (Cint sends them whether or not the buyer
looks), and :func:`credentials` gives the adapter's credential fields that point it here.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from panels.simulated.apis.cint_allocations import get_allocation, put_allocation, test_supplier_open
from panels.simulated.apis.cint_common import CINT, demand, error
from panels.simulated.apis.cint_demand import (
    create_project,
    create_target_group,
    feasibility,
    get_project,
    get_target_group,
    list_projects,
    list_target_groups,
    overview,
    target_group_details,
)
from panels.simulated.apis.cint_exchange import (
    AUDIENCE,
    IN_SURVEY,
    OUTCOMES,
    SIM_ACCOUNT,
    SIM_BUSINESS_UNIT,
    SIM_CLIENT_ID,
    SIM_CLIENT_SECRET,
    SIM_PROJECT_MANAGER,
    SIM_S2S_KEY,
    CintExchange,
)
from panels.simulated.apis.cint_fielding import (
    create_webhook,
    fielding_run,
    fielding_runs,
    launch_from_draft,
    launch_job,
    reconciliations,
    run_action,
)
from panels.simulated.state import STATE

PREFIX = "/cint/"
API = "/cint/api/v1"
PAGES = "/cint-exchange"
TICK = 0.02  # seconds between the background sends of respondents
_RID = re.compile(r"^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$")


def credentials(simulator_url: str) -> dict[str, str]:
    """The Cint adapter's credential fields (:data:`panels.registry.KINDS` ``cint``) for the simulator at
    ``simulator_url``; ``simulation`` on, so the adapter tells the simulator what each study is about."""
    base = simulator_url.rstrip("/")
    return {
        "client_id": SIM_CLIENT_ID,
        "client_secret": SIM_CLIENT_SECRET,
        "account_id": SIM_ACCOUNT,
        "project_manager_id": SIM_PROJECT_MANAGER,
        "business_unit_id": SIM_BUSINESS_UNIT,
        "s2s_key": SIM_S2S_KEY,
        "api_url": f"{base}{API}",
        "auth_url": f"{base}/cint/auth/oauth/token",
        "s2s_url": f"{base}/cint/s2s",
        "return_url": f"{base}{PAGES}/s/ClientCallBack.aspx?RID=[%RID%]",
        "simulation": "on",
    }


async def token(request: web.Request) -> web.StreamResponse:
    ex = request.app[CINT]
    try:
        body: Any = await request.json()
    except ValueError:
        body = dict(await request.post())
    denied = web.json_response({"error": "access_denied", "error_description": "Unauthorized"}, status=401)
    if not isinstance(body, dict) or body.get("grant_type") != "client_credentials":
        return web.json_response({"error": "unsupported_grant_type"}, status=400)
    if body.get("audience", AUDIENCE) != AUDIENCE:
        return web.json_response(
            {"error": "access_denied", "error_description": "unknown audience"}, status=403
        )
    client = str(body.get("client_id") or "")
    if client not in ex.clients or ex.clients[client] != str(body.get("client_secret") or ""):
        return denied
    return web.json_response(
        {"access_token": ex.issue_token(client), "expires_in": int(ex.token_ttl), "token_type": "Bearer"}
    )


def _s2s_refused(request: web.Request, ex: CintExchange) -> web.Response | None:
    given = request.headers.get("Authorization", "")
    key = given.removeprefix("Bearer ").strip()
    if key not in ex.s2s_keys:
        return error(401, "authorization_error", "no valid authorization provided for this operation")
    return None


async def respondent(request: web.Request) -> web.StreamResponse:
    """The S2S validation: 404 for an unknown RID, else its status and the entry link Cint sent."""
    ex = request.app[CINT]
    refused = _s2s_refused(request, ex)
    if refused is not None:
        return refused
    if "validate" in ex.down:
        return web.json_response({"object": "service_unavailable"}, status=503, headers={"Retry-After": "0"})
    session = ex.sessions.get(request.match_info["rid"].upper())
    if session is None:
        return web.Response(status=404)
    return web.json_response(
        {"id": session.rid, "status": session.status, "links": [{"href": session.entry}]}
    )


async def transition(request: web.Request) -> web.StreamResponse:
    """The S2S outcome: 200 once per RID; 404 unknown; 422 with the current status for a second one."""
    ex = request.app[CINT]
    refused = _s2s_refused(request, ex)
    if refused is not None:
        return refused
    try:
        body = await request.json()
        rid, code = str(body["id"]).upper(), int(body["status"])
    except (ValueError, KeyError, TypeError):
        return error(400, "bad_request_error", "id and status are required.")
    session = ex.sessions.get(rid)
    if "transition" in ex.down:
        if session is not None:
            session.refused += 1
        return web.json_response({"object": "service_unavailable"}, status=503, headers={"Retry-After": "0"})
    if session is None:
        ex.counts["unknown_transitions"] += 1
        return web.Response(status=404)
    if code not in OUTCOMES or session.status != IN_SURVEY:
        ex.counts["refused_transitions"] += 1
        return web.json_response({"id": session.rid, "status": session.status}, status=422)
    ex.transition(session, code)
    return web.json_response({"id": session.rid, "status": code})


def _page(title: str, text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="icon" href="data:,"></head><body><h1 id="status">{text}</h1></body></html>',
        content_type="text/html",
        status=status,
    )


async def return_page(request: web.Request) -> web.StreamResponse:
    ex = request.app[CINT]
    session = ex.sessions.get(request.query.get("RID", "").upper())
    if session is None:
        return _page("Cint", "unknown session", 404)
    return _page("Cint", ex.returned(session))


async def test_entry(request: web.Request) -> web.StreamResponse:
    """The target group's test link (``links.test_screener``): a test-supplier session sent to the ``test_url``
    (303 See Other), for a launched target group open to the test supplier."""
    ex = request.app[CINT]
    tg = ex.target_groups.get(request.match_info["target_group_id"])
    if tg is None or not tg.body.get("test_url") or tg.status in ("draft", "completed", "archived"):
        return _page("Cint", "no test link", 404)
    if not test_supplier_open(tg):
        return _page("Cint", "the test supplier (980) is not allocated to this target group", 404)
    session = ex.new_session(tg.id, None, test=True)
    raise web.HTTPSeeOther(location=session.entry)


def install(app: web.Application) -> None:
    ex = CintExchange(app[STATE])
    app[CINT] = ex

    async def background(_app: web.Application) -> AsyncIterator[None]:
        async def tick() -> None:
            while True:
                ex.advance()
                await asyncio.sleep(TICK)

        task = asyncio.get_running_loop().create_task(tick())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await ex.aclose()

    app.cleanup_ctx.append(background)
    accounts = f"{API}/demand/accounts/{{account_id}}"
    project = f"{accounts}/projects/{{project_id}}"
    group = f"{project}/target-groups/{{target_group_id}}"
    run = f"{group}/fielding-runs/{{run_id}}"
    app.router.add_post("/cint/auth/oauth/token", token)
    app.router.add_get(f"{accounts}/projects", demand(list_projects))
    app.router.add_post(f"{accounts}/projects", demand(create_project))
    app.router.add_get(project, demand(get_project))
    app.router.add_get(f"{project}/target-groups", demand(list_target_groups))
    app.router.add_post(f"{project}/target-groups", demand(create_target_group))
    app.router.add_get(group, demand(get_target_group))
    app.router.add_get(f"{group}/details", demand(target_group_details))
    app.router.add_get(f"{group}/overview", demand(overview))
    app.router.add_get(f"{group}/allocation-specification", demand(get_allocation))
    app.router.add_put(f"{group}/allocation-specification", demand(put_allocation))
    app.router.add_post(f"{accounts}/target-groups/calculate-feasibility", demand(feasibility))
    app.router.add_post(f"{group}/fielding-run-jobs/launch-from-draft", demand(launch_from_draft))
    app.router.add_get(f"{group}/fielding-run-jobs/launch-from-draft/{{job_id}}", demand(launch_job))
    app.router.add_get(f"{group}/fielding-runs", demand(fielding_runs))
    app.router.add_get(run, demand(fielding_run))
    app.router.add_post(f"{run}/{{action}}", demand(run_action))
    app.router.add_post(f"{accounts}/reconciliations", demand(reconciliations))
    app.router.add_post(f"{API}/accounts/{{account_id}}/webhooks", demand(create_webhook))
    app.router.add_get("/cint/s2s/fulfillment/respondents/{rid}", respondent)
    app.router.add_post("/cint/s2s/fulfillment/respondents/transition", transition)
    app.router.add_get(f"{PAGES}/s/ClientCallBack.aspx", return_page)
    app.router.add_get(f"{PAGES}/test/{{target_group_id}}", test_entry)
