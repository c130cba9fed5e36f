"""The simulated panel provider: a standalone HTTP API on loopback, shaped like the real ones.

Run it with ``recognition panel-sim --port P``; ``recognition demo`` and the tests start it in-process
(:func:`running_simulator`). Endpoints (JSON; POSTs that create or launch honour ``Idempotency-Key``):

- ``POST /v1/feasibility`` {target_n, country, quotas} → {feasible, available, price, currency}
- ``POST /v1/projects`` {reference, name, target_n, country, quotas[{variable, level, limit}], simulation}
  (``simulation``: brands, own brand, wave index, seed and ``survey`` = {entry_url, wave_id, secret}, the buyer's
  survey its respondents are sent to with signed links)
- ``GET /v1/projects?reference=R`` → {projects: [...]} (how a buyer finds a project after a crash)
- ``GET /v1/projects/{id}``; ``POST /v1/projects/{id}/launch | /pause | /close``
- ``GET /v1/projects/{id}/progress``
- ``GET /v1/projects/{id}/submissions?after=N&limit=M`` → {submissions: [...], next: N'} (server to server)
- ``POST /v1/projects/{id}/reconcile`` {decisions: [{submission_id, action: approve|reject, reason}]} (≤ 1000)
- ``GET /_sim/projects`` → the simulator's own counters per project (never subject to faults).
- ``PUT /_sim/topic`` {brands, own_brand, country, seed} → what the buyer's tracker asks about, for projects
  created through a real provider's API, whose requests carry no brands (``GET`` reads it back).
- ``GET /return/{id}?outcome=O&pid=P&sig=S``: where the hosted survey sends a respondent at the end (the exit
  the survey's :meth:`SimulatedProvider.finish` sends them to); records the outcome for that respondent (``sig`` is checked
  against the wave's link secret). Not subject to faults: it is a browser landing, not an API call.

Every respondent takes the buyer's hosted survey over HTTP (:mod:`panels.simulated.walkers`), as at a real panel;
the submission feed lists who came back with a complete, without answers (those are the buyer's).

With a webhook secret, a project created with a ``webhook_url`` also sends signed webhooks there
(:mod:`panels.simulated.webhooks`).

The simulator also serves a faithful copy of each real provider's API (:mod:`panels.simulated.apis`), each under its
own prefix and over the same books, population and walkers, so every adapter can be run against it.

Faults (:mod:`panels.simulated.faults`) apply to the provider APIs (``/v1/`` and each API's prefix) only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from panels.links import exit_signature
from panels.simulated.apis import PROVIDER_APIS
from panels.simulated.faults import PROFILES, FaultProfile
from panels.simulated.projects import SimProject
from panels.simulated.state import STATE, SimulatorState, problem, read_json
from panels.simulated.walkers import SurveyLink, WalkerPool
from panels.simulated.webhooks import WebhookSender

BASE_PRICE = 1.50  # USD per complete at 100% incidence and no quotas
MAX_DECISIONS = 1000
RETURN_OUTCOMES = ("complete", "quality_terminate", "screened_out", "over_quota")
PAGE_LIMIT = 500


def _price(target_n: int, quotas: list[dict[str, Any]]) -> float:
    """A CPI that rises a little with the number of quota cells (harder targeting costs more)."""
    return round(BASE_PRICE * (1 + 0.01 * len(quotas)), 2)


async def feasibility(request: web.Request) -> web.Response:
    body = await read_json(request)
    target = int(body.get("target_n", 0))
    if target <= 0:
        raise problem(400, "bad_target", "target_n must be positive")
    available = 250_000
    return web.json_response(
        {
            "feasible": target <= available,
            "available": available,
            "price": _price(target, body.get("quotas") or []),
            "currency": "USD",
        }
    )


async def _idempotent(request: web.Request, op: str, work: Any) -> web.Response:
    state = request.app[STATE]
    key = request.headers.get("Idempotency-Key")
    async with state.lock:
        if key is not None and (op, key) in state.idempotent:
            status, body = state.idempotent[(op, key)]
            return web.json_response(body, status=status, headers={"Idempotent-Replayed": "true"})
        status, body = await work()
        if key is not None and status < 400:
            state.idempotent[(op, key)] = (status, body)
        return web.json_response(body, status=status)


async def create_project(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await read_json(request)

    async def work() -> tuple[int, dict[str, Any]]:
        reference = str(body.get("reference") or "")
        if not reference or int(body.get("target_n", 0)) <= 0:
            raise problem(400, "bad_project", "reference and a positive target_n are required")
        if reference in state.by_reference:
            return 200, state.projects[state.by_reference[reference]].public()
        sim = dict(body.get("simulation") or {})
        quotas = {(str(q["variable"]), str(q["level"])): int(q["limit"]) for q in body.get("quotas") or []}
        survey = sim.get("survey")
        link = None
        if isinstance(survey, dict) and survey.get("entry_url") and len(str(survey.get("secret", ""))) >= 32:
            link = SurveyLink(str(survey["entry_url"]), int(survey["wave_id"]), str(survey["secret"]))
        project = state.add_project(
            f"sim-{len(state.projects) + 1:05d}",
            reference,
            name=str(body.get("name", reference)),
            target_n=int(body["target_n"]),
            country=str(body.get("country", "us")),
            quotas=quotas,
            price=_price(int(body["target_n"]), body.get("quotas") or []),
            simulation=sim,
            link=link,
            webhook_url=str(body.get("webhook_url") or ""),
        )
        return 201, project.public()

    return await _idempotent(request, "create", work)


async def find_projects(request: web.Request) -> web.Response:
    state = request.app[STATE]
    reference = request.query.get("reference")
    found = [p.public() for p in state.projects.values() if reference is None or p.reference == reference]
    return web.json_response({"projects": found})


async def get_project(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].get(request.match_info["id"]).public())


async def launch(request: web.Request) -> web.Response:
    state = request.app[STATE]
    project = state.get(request.match_info["id"])

    async def work() -> tuple[int, dict[str, Any]]:
        if project.status != "draft":
            raise problem(409, "not_draft", f"project {project.id} is {project.status}, not draft")
        project.launch_calls += 1
        project.set_status("live", time.monotonic())
        return 200, project.public()

    return await _idempotent(request, f"launch:{project.id}", work)


async def pause(request: web.Request) -> web.Response:
    project = request.app[STATE].get(request.match_info["id"])
    if project.status == "live":
        project.set_status("paused", time.monotonic())
    return web.json_response(project.public())


async def resume(request: web.Request) -> web.Response:
    project = request.app[STATE].get(request.match_info["id"])
    if project.status == "paused":
        project.set_status("live", time.monotonic())
    return web.json_response(project.public())


async def close(request: web.Request) -> web.Response:
    project = request.app[STATE].get(request.match_info["id"])
    project.set_status("closed", time.monotonic())
    return web.json_response(project.public())


async def progress(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].get(request.match_info["id"]).progress())


async def submissions(request: web.Request) -> web.Response:
    state = request.app[STATE]
    project = state.get(request.match_info["id"])
    try:
        after = max(0, int(request.query.get("after", "0")))
        limit = min(PAGE_LIMIT, max(1, int(request.query.get("limit", str(PAGE_LIMIT)))))
    except ValueError:
        raise problem(400, "bad_cursor", "after and limit are whole numbers") from None
    page = [_public_submission(e) for e in project.feed[after : after + limit]]
    faults = state.faults
    if after > 0 and faults.roll(faults.profile.p_redeliver, "redeliver"):
        page.insert(0, _public_submission(project.feed[after - 1]))  # an already-delivered one, again
    if len(page) > 1 and faults.roll(faults.profile.p_shuffle, "shuffle"):
        random.Random(faults.rng.random()).shuffle(page)
    return web.json_response({"submissions": page, "next": after + min(limit, len(project.feed) - after)})


def _public_submission(entry: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in entry["data"].items() if k != "cells"}
    return {
        "submission_id": entry["submission_id"],
        "participant_id": entry["participant_id"],
        "status": entry["status"],
        "data": data,
    }


async def survey_return(request: web.Request) -> web.Response:
    """A respondent's browser arriving back from the hosted survey with its outcome."""
    state = request.app[STATE]
    project = state.projects.get(request.match_info["id"])
    outcome = request.query.get("outcome", "")
    pid = request.query.get("pid", "")
    if project is None or outcome not in RETURN_OUTCOMES or not pid:
        return web.Response(status=404, text="unknown return link")
    if isinstance(project.survey, SurveyLink):
        want = exit_signature(project.survey.secret, pid, outcome)
        if not hmac.compare_digest(want, request.query.get("sig", "")):
            return web.Response(status=403, text="the return link is not signed by the survey")
    booked = project.returned(pid, outcome)
    return web.Response(
        text='<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Simulated panel</title>'
        f'<link rel="icon" href="data:,"></head><body><h1 id="status">{outcome}</h1>'
        f'<p id="booked">{booked}</p></body></html>',
        content_type="text/html",
    )


async def reconcile(request: web.Request) -> web.Response:
    project = request.app[STATE].get(request.match_info["id"])
    body = await read_json(request)
    decisions = body.get("decisions") or []
    if len(decisions) > MAX_DECISIONS:
        raise problem(400, "too_many", f"at most {MAX_DECISIONS} decisions per request")
    outcome: dict[str, int] = {}
    for d in decisions:
        action = d.get("action")
        if action not in ("approve", "reject"):
            raise problem(400, "bad_action", "action must be approve or reject")
        if action == "reject" and not d.get("reason"):
            raise problem(400, "no_reason", "a rejection needs a reason code")
        result = project.decide(str(d.get("submission_id")), action, d.get("reason"))
        outcome[result] = outcome.get(result, 0) + 1
    return web.json_response({"results": outcome})


async def sim_projects(request: web.Request) -> web.Response:
    state = request.app[STATE]
    for p in state.projects.values():
        p.advance(state.rate, state.faults, walkers=state.walkers)
    return web.json_response(
        {
            "projects": [p.stats() for p in state.projects.values()],
            "faults": {"profile": state.faults.profile.name, "injected": state.faults.injected},
            "webhooks": state.webhooks.stats() if state.webhooks is not None else None,
        }
    )


async def put_topic(request: web.Request) -> web.Response:
    body = await read_json(request)
    brands = body.get("brands")
    if not isinstance(brands, list) or not all(isinstance(b, dict) and b.get("id") for b in brands):
        raise problem(400, "bad_topic", "brands must be a list of objects with an id")
    request.app[STATE].topic = {
        "brands": [{"id": str(b["id"]), "name": str(b.get("name") or b["id"])} for b in brands],
        "own_brand": str(body.get("own_brand") or ""),
        "country": str(body.get("country") or "us"),
        "seed": int(body.get("seed", 7)),
    }
    return web.json_response(request.app[STATE].topic)


async def get_topic(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].topic)


def create_simulator_app(
    faults: FaultProfile | str = "none",
    *,
    rate: float = 2000.0,
    seed: int = 7,
    webhook_secret: str = "",
    time_scale: float = 0.005,
) -> web.Application:
    """The simulator's application; with ``webhook_secret`` its projects send signed webhooks. Respondents take
    the hosted survey with think times scaled by ``time_scale`` (simulated seconds → wall-clock seconds)."""
    fault_profile = PROFILES[faults] if isinstance(faults, str) else faults
    injector = fault_profile.with_seed(seed)
    app = web.Application(middlewares=[injector.middleware(("/v1/", *(api.prefix for api in PROVIDER_APIS)))])
    pool = WalkerPool(time_scale=time_scale, seed=seed)
    state = SimulatorState(faults=injector, rate=rate, walkers=pool)
    app[STATE] = state

    async def walkers(_app: web.Application) -> AsyncIterator[None]:
        yield
        await pool.aclose()

    app.cleanup_ctx.append(walkers)
    if webhook_secret:
        sender = WebhookSender(webhook_secret, fault_profile, seed=seed)
        state.webhooks = sender

        async def deliver(_app: web.Application) -> AsyncIterator[None]:
            task = asyncio.get_running_loop().create_task(sender.run(state.collect_events))
            yield
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        app.cleanup_ctx.append(deliver)
    app.router.add_post("/v1/feasibility", feasibility)
    app.router.add_post("/v1/projects", create_project)
    app.router.add_get("/v1/projects", find_projects)
    app.router.add_get("/v1/projects/{id}", get_project)
    app.router.add_post("/v1/projects/{id}/launch", launch)
    app.router.add_post("/v1/projects/{id}/pause", pause)
    app.router.add_post("/v1/projects/{id}/resume", resume)
    app.router.add_post("/v1/projects/{id}/close", close)
    app.router.add_get("/v1/projects/{id}/progress", progress)
    app.router.add_get("/v1/projects/{id}/submissions", submissions)
    app.router.add_post("/v1/projects/{id}/reconcile", reconcile)
    app.router.add_get("/_sim/projects", sim_projects)
    app.router.add_put("/_sim/topic", put_topic)
    app.router.add_get("/_sim/topic", get_topic)
    app.router.add_get("/return/{id}", survey_return)
    for api in PROVIDER_APIS:
        api.install(app)
    return app


@dataclass(frozen=True)
class RunningSimulator:
    url: str
    app: web.Application

    @property
    def state(self) -> SimulatorState:
        return self.app[STATE]

    def project_for(self, reference: str) -> SimProject | None:
        pid = self.state.by_reference.get(reference)
        return None if pid is None else self.state.projects[pid]


@contextlib.asynccontextmanager
async def running_simulator(
    faults: FaultProfile | str = "none",
    *,
    rate: float = 2000.0,
    seed: int = 7,
    host: str = "127.0.0.1",
    port: int = 0,
    webhook_secret: str = "",
    time_scale: float = 0.005,
) -> AsyncIterator[RunningSimulator]:
    """Serve the simulator on loopback for the duration of the block."""
    app = create_simulator_app(
        faults,
        rate=rate,
        seed=seed,
        webhook_secret=webhook_secret,
        time_scale=time_scale,
    )
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = getattr(site, "_server", None)
    bound = server.sockets[0].getsockname()[1] if server and server.sockets else port
    try:
        yield RunningSimulator(f"http://{host}:{bound}", app)
    finally:
        await runner.cleanup()
