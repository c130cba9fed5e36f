"""A faithful copy of Prolific's researcher API (``https://api.prolific.com/api/v1/``), served by the simulator
under :data:`PREFIX` over its shared books, and Prolific's completion page.

Every request needs ``Authorization: Token <token>`` (the simulated researcher's token is :data:`TOKEN`); errors
answer ``{"error": {status, error_code, title, detail, additional_information}}``; faults (429 with
``Retry-After``, 5xx, dropped connections) apply to every path under the prefix. Endpoints:

- ``GET /users/me/``; ``POST /eligibility-count/`` {filters} → {count}; ``POST /study-cost-calculator/``
  {reward, total_available_places} → {total_cost} (in cents, the service fee included);
- ``POST /studies/`` (a draft: ``UNPUBLISHED``), ``GET /studies/`` (paged), ``GET /studies/{id}/``,
  ``POST /studies/{id}/transition/`` {action: PUBLISH | PAUSE | START | STOP};
- ``GET /studies/{id}/submissions/counts/``; ``GET /submissions/?study=&status=&page=&page_size=`` (paged:
  ``results``, ``_links`` {self, next, previous, last}, ``meta`` {count}); ``GET /submissions/{id}/``;
- ``POST /submissions/{id}/transition/`` {action: APPROVE | REJECT, rejection_category, message (≥ 100
  characters)}, idempotent; ``POST /submissions/bulk-approve/`` {submission_ids} or {study_id,
  participant_ids}, asynchronous;
- webhooks (:mod:`panels.simulated.apis.prolific_hooks`).

A study's participants are the simulator's walkers: each is sent to the study URL with ``{{%PROLIFIC_PID%}}``,
``{{%STUDY_ID%}}`` and ``{{%SESSION_ID%}}`` filled in and comes back to :data:`COMPLETION_PATH` ``?cc=CODE``
(standing in for ``https://app.prolific.com/submissions/complete``; outside the prefix, so never faulted), which
books the outcome by the code's actions (:mod:`panels.simulated.apis.prolific_books`). What the studies are about
(brands, country) comes from the simulator's topic (``PUT /_sim/topic``): Prolific's API carries no brands.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from panels.simulated.apis.prolific_books import FEE, ProlificBooks
from panels.simulated.apis.prolific_hooks import Hooks, error, read_body
from panels.simulated.apis.prolific_routes import BOOKS, ROUTES, WORKSPACE_ID
from panels.simulated.state import STATE
from panels.simulated.walkers import PARTICIPANT_HEADER
from panels.simulated.webhooks import WebhookSender

__all__ = ["BOOKS", "COMPLETION_PATH", "HOOKS", "PREFIX", "SENDER", "TOKEN", "WORKSPACE_ID"]

PREFIX = "/prolific/api/v1/"
COMPLETION_PATH = "/prolific/submissions/complete"
#: The simulated researcher's API token.
TOKEN = "sim-prolific-token-7c1e5a92b4d8"
RESEARCHER_ID = "60a7f1c2e4b0d3a5f6c7e8d9"
POOL = {"us": 41_200, "uk": 38_600}  # eligible participants per country
HOOKS = web.AppKey("prolific_hooks", Hooks)
SENDER = web.AppKey("prolific_webhooks", WebhookSender)


def simulator_credentials(simulator_url: str) -> dict[str, str]:
    """The credential fields that point the Prolific adapter at a simulator running at ``simulator_url``."""
    base = simulator_url.rstrip("/")
    return {"token": TOKEN, "api_url": base + PREFIX.rstrip("/"), "completion_url": base + COMPLETION_PATH}


@web.middleware
async def _auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    given = request.headers.get("Authorization")
    if given != f"Token {TOKEN}":
        return error(401, "Invalid token." if given else "Authentication credentials were not provided.")
    return await handler(request)


# --- account, feasibility and price ---------------------------------------------------------------------------


async def me(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "id": RESEARCHER_ID,
            "user_type": "researcher",
            "name": "Simulated Researcher",
            "email": "researcher@example.org",
            "currency_code": "GBP",
            "current_project_id": None,
            "fees_percentage": 100 * FEE,
        }
    )


async def eligibility_count(request: web.Request) -> web.Response:
    body = await read_body(request)
    if isinstance(body, web.Response):
        return body
    if not isinstance(body.get("filters", []), list):
        return error(400, {"filters": ["Expected a list of items."]})
    topic = request.config_dict[STATE].topic
    return web.json_response({"count": POOL.get(str(topic.get("country") or "us"), 25_000)})


async def cost_calculator(request: web.Request) -> web.Response:
    body = await read_body(request)
    if isinstance(body, web.Response):
        return body
    reward, places = body.get("reward"), body.get("total_available_places")
    problems = {
        name: ["A valid number is required."]
        for name, value in (("reward", reward), ("total_available_places", places))
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0
    }
    if problems:
        return error(400, problems)
    assert isinstance(reward, int | float) and isinstance(places, int | float)
    return web.json_response({"total_cost": round(reward * places * (1 + FEE), 2)})


# --- the completion page ---------------------------------------------------------------------------------------


async def completion_page(request: web.Request) -> web.Response:
    """Where a participant lands with ``?cc=CODE`` (Prolific knows them by their signed-in session, here the
    walker's :data:`PARTICIPANT_HEADER`)."""
    books, cc = request.app[BOOKS], request.query.get("cc", "")
    participant = request.headers.get(PARTICIPANT_HEADER, "")
    study = books.active_study_of(participant, cc) if participant else None
    if study is None:
        booked = "not_signed_in" if not participant else "no_submission"
        status = 401 if not participant else 404
    else:
        request.app[STATE].get(study.id)
        booked = study.complete(participant, cc)
        study.sync()
        status = 200 if booked in ("awaiting_review", "approved", "screened_out") else 400
    return web.Response(
        text='<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Prolific (simulated)</title>'
        f'<link rel="icon" href="data:,"></head><body><h1 id="status">{booked}</h1></body></html>',
        content_type="text/html",
        status=status,
    )


def install(app: web.Application) -> None:
    """Prolific's API under :data:`PREFIX` (its own token check) and the completion page, on the simulator."""
    books, hooks, state = ProlificBooks(), Hooks(), app[STATE]
    api = web.Application(middlewares=[_auth])
    for method, path, handler in (
        ("GET", "/users/me/", me),
        ("POST", "/eligibility-count/", eligibility_count),
        ("POST", "/study-cost-calculator/", cost_calculator),
        *ROUTES,
    ):
        api.router.add_route(method, path, handler)
    hooks.install(api)
    app.add_subapp(PREFIX.rstrip("/"), api)
    app.router.add_get(COMPLETION_PATH, completion_page)
    sender = WebhookSender("", state.faults.profile, render=hooks.render, tick=0.02)
    app[BOOKS], app[HOOKS], app[SENDER] = books, hooks, sender

    def collect() -> list[tuple[str, dict[str, Any]]]:
        events, books.events = books.events, []
        return hooks.collect(events)

    async def deliver(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(sender.run(collect))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(deliver)
