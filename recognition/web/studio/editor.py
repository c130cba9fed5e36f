"""The tracker studio's pages: ``/studio`` (the organisation's trackers) and the editor
``/studio/trackers/new`` / ``/studio/trackers/{id}/edit``.

Signed in as the dashboard is (its server-side session). Anyone signed in may look; the editor opens for editors
and admins only (403 page otherwise). The editor page is rendered with its choices (populations, languages,
providers, default attributes, modules, how many entry points, metrics) and the tracker as JSON data; ``/static/studio.js`` fills it in,
asks the plan as she types and saves through the studio's operations (:mod:`recognition.web.studio.writes`),
which are the API's own.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from panels.kinds import KINDS
from recognition.figures import MEAN_METRICS, PROPORTION_METRICS
from recognition.labels import METRIC_NAMES, MODULE_NAMES
from recognition.polls.model import Poll
from recognition.populations import known_populations, population_meta
from recognition.questionnaire.config import (
    DEFAULT_ATTRIBUTES,
    MAX_ENTRY_POINTS,
    MIN_ENTRY_POINTS,
    OPTIONAL_MODULES,
)
from recognition.questionnaire.texts import LANGUAGE_NAMES, text
from recognition.scheduling.words import describe, next_wave
from recognition.store import objectives as objectives_store
from recognition.store import polls as polls_store
from recognition.store.orgs import ApiKey
from recognition.web.api.auth import has_role
from recognition.web.api.ops import plain
from recognition.web.api.polls import render as render_poll
from recognition.web.dashboard import access
from recognition.web.dashboard.pages import render
from recognition.web.dashboard.sessions import org_poll, secret, signed_in
from recognition.web.keys import POOL

#: Time zones offered for a schedule (any IANA zone is accepted; these are the ones most trackers use).
TIMEZONES = (
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "Europe/Vienna",
    "Europe/Zurich",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "UTC",
)


def _page(template: str, **context: Any) -> web.Response:
    return web.Response(text=render(template, **context), content_type="text/html")


def _country(code: str) -> str:
    """The population's country as its margins name it (the code itself for one no longer installed)."""
    try:
        return str(population_meta(code).get("country", code.upper()))
    except ValueError:
        return code.upper()


def _row(poll: Poll, now: datetime) -> dict[str, Any]:
    upcoming = next_wave(poll.schedule, now) if poll.status == "active" else None
    kind = KINDS.get(poll.provider)
    return {
        "poll": poll,
        "language": LANGUAGE_NAMES.get(poll.language, poll.language),
        "population": _country(poll.population),
        "provider": kind.title if kind else poll.provider,
        "schedule": describe(poll.schedule),
        "next_wave": upcoming,
    }


async def index(request: web.Request) -> web.Response:
    key, sid = await signed_in(request)
    async with request.app[POOL].acquire() as conn:
        polls = await polls_store.list_polls(conn, key.organisation_id)
    now = datetime.now(UTC)
    return _page(
        "studio/index.html",
        key=key,
        rows=[_row(p, now) for p in polls],
        editor=has_role(key, "editor"),
        saved=next((p for p in polls if str(p.id) == request.query.get("saved")), None),
        csrf=access.csrf_token(secret(request), sid),
    )


def _choices() -> dict[str, Any]:
    """What the editor offers: the same lists the definition's checks accept."""
    return {
        "populations": [(code, _country(code)) for code in known_populations()],
        "languages": list(LANGUAGE_NAMES.items()),
        "providers": [(name, kind.title) for name, kind in KINDS.items()],
        "attributes": [(a, text("en", f"attr.{a}")) for a in DEFAULT_ATTRIBUTES],
        "modules": [(m, MODULE_NAMES.get(m, m)) for m in OPTIONAL_MODULES],
        "entry_points_range": (MIN_ENTRY_POINTS, MAX_ENTRY_POINTS),
        "metrics": [(m, METRIC_NAMES["en"][m]) for m in (*PROPORTION_METRICS, *MEAN_METRICS)],
        "timezones": TIMEZONES,
    }


async def _editor(request: web.Request) -> tuple[ApiKey, str]:
    key, sid = await signed_in(request)
    if not has_role(key, "editor"):
        raise web.HTTPForbidden(
            text=f"Your key ({key.role}) may look at trackers but not change them; sign in with an editor's key."
        )
    return key, sid


async def new_tracker(request: web.Request) -> web.Response:
    key, sid = await _editor(request)
    return _page(
        "studio/editor.html",
        key=key,
        poll=None,
        data={"poll": None, "objectives": []},
        csrf=access.csrf_token(secret(request), sid),
        **_choices(),
    )


async def edit_tracker(request: web.Request) -> web.Response:
    key, sid = await _editor(request)
    poll = await org_poll(request, key)
    if poll.status == "archived":
        raise web.HTTPConflict(text=f"{poll.name} is archived and can no longer be changed.")
    async with request.app[POOL].acquire() as conn:
        objectives = await objectives_store.list_objectives(conn, poll.id)
    return _page(
        "studio/editor.html",
        key=key,
        poll=poll,
        data=plain({"poll": render_poll(poll), "objectives": [asdict(o) for o in objectives]}),
        csrf=access.csrf_token(secret(request), sid),
        **_choices(),
    )


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/studio", index)
    r.add_get("/studio/trackers/new", new_tracker)
    r.add_get("/studio/trackers/{poll_id}/edit", edit_tracker)
