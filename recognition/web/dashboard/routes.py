"""Dashboard pages, the written summary (HTML, printable, and JSON) and alert settings.

Pages: ``/dashboard`` (sign in with an API key of role viewer or above: the form sets a cookie holding a signed
session token, never the key), ``/dashboard/polls/{id}`` and ``…/summary`` (printable), and the same two under
``/share/{token}`` for a signed read-only link (``recognition share``). The JSON operations (summary, alert
settings, delivery log) are declared in :mod:`recognition.web.dashboard.api` and registered here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import asyncpg
from aiohttp import web

from recognition.polls.model import Poll
from recognition.reports.views import FilterError, build_page
from recognition.settings import Settings
from recognition.store import orgs
from recognition.store import polls as polls_store
from recognition.store.orgs import ApiKey
from recognition.web.api.auth import has_role
from recognition.web.dashboard import access, api
from recognition.web.dashboard.pages import render
from recognition.web.keys import POOL, SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


def _app_things(request: web.Request) -> tuple[asyncpg.Pool, Settings]:
    return request.app[POOL], request.app[SETTINGS]


def _secret(request: web.Request) -> str:
    secret: str = _app_things(request)[1].survey_secret
    if not secret:
        raise web.HTTPServiceUnavailable(
            text="the dashboard needs survey.secret to sign sessions and share links"
        )
    return secret


def _html_error(status: int, message: str) -> web.Response:
    return web.Response(
        status=status,
        text=render("reports/error.html", status=status, message=message),
        content_type="text/html",
    )


async def _session_key(request: web.Request) -> ApiKey | None:
    token = request.cookies.get(access.SESSION_COOKIE, "")
    key_id = access.read_session(_secret(request), token) if token else None
    if key_id is None:
        return None
    pool, _ = _app_things(request)
    async with pool.acquire() as conn:
        key = await orgs.active_key_by_id(conn, key_id)
    return key if key is not None and has_role(key, "viewer") else None


async def _signed_in(request: web.Request) -> ApiKey:
    key = await _session_key(request)
    if key is None:
        raise web.HTTPFound("/dashboard/login?next=" + quote(request.path_qs, safe=""))
    return key


def _poll_id(request: web.Request) -> int:
    raw = request.match_info["poll_id"]
    if not raw.isdigit() or not 1 <= int(raw) < 2**63:
        raise web.HTTPNotFound()
    return int(raw)


# --- sign in ---------------------------------------------------------------------------------------------------


async def login_form(request: web.Request) -> web.Response:
    return web.Response(
        text=render("reports/login.html", next=request.query.get("next", "/dashboard"), error=""),
        content_type="text/html",
    )


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    key_text = str(form.get("api_key", "")).strip()
    target = str(form.get("next", "/dashboard"))
    if not target.startswith("/") or target.startswith("//"):
        target = "/dashboard"
    pool, _ = _app_things(request)
    async with pool.acquire() as conn:
        key = await orgs.find_active_key(conn, key_text) if key_text else None
    if key is None or not has_role(key, "viewer"):
        message = (
            "That key is unknown, revoked or expired."
            if key is None
            else "That key cannot open the dashboard."
        )
        return web.Response(
            status=401,
            text=render("reports/login.html", next=target, error=message),
            content_type="text/html",
        )
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        access.SESSION_COOKIE,
        access.session_token(_secret(request), key.id),
        max_age=access.SESSION_SECONDS,
        httponly=True,
        samesite="Lax",
        path="/",
        secure=request.secure,
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    response = web.HTTPSeeOther("/dashboard/login")
    response.del_cookie(access.SESSION_COOKIE, path="/")
    raise response


# --- pages -----------------------------------------------------------------------------------------------------


async def index(request: web.Request) -> web.Response:
    key = await _signed_in(request)
    pool, _ = _app_things(request)
    async with pool.acquire() as conn:
        polls = await polls_store.list_polls(conn, key.organisation_id)
    return web.Response(text=render("reports/index.html", polls=polls, key=key), content_type="text/html")


async def _page(request: web.Request, poll: Poll, template: str, base: str, shared: bool) -> web.Response:
    pool, settings = _app_things(request)
    async with pool.acquire() as conn:
        try:
            page = await build_page(
                conn, settings, poll, request.query, with_charts=template.endswith("poll.html")
            )
        except FilterError as exc:
            return _html_error(400, str(exc))
    return web.Response(text=render(template, page=page, base=base, shared=shared), content_type="text/html")


async def _org_poll(request: web.Request, key: ApiKey) -> Poll:
    pool, _ = _app_things(request)
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, _poll_id(request), org_id=key.organisation_id)
    if poll is None:
        raise web.HTTPNotFound()
    return poll


async def poll_page(request: web.Request) -> web.Response:
    key = await _signed_in(request)
    poll = await _org_poll(request, key)
    return await _page(request, poll, "reports/poll.html", f"/dashboard/polls/{poll.id}", False)


async def poll_summary_page(request: web.Request) -> web.Response:
    key = await _signed_in(request)
    poll = await _org_poll(request, key)
    return await _page(request, poll, "reports/summary.html", f"/dashboard/polls/{poll.id}", False)


async def _shared_poll(request: web.Request) -> tuple[Poll, str]:
    token = request.match_info["token"]
    share = access.read_share(_secret(request), token)
    if share is None:
        raise web.HTTPForbidden(text="this share link is invalid or has expired")
    pool, _ = _app_things(request)
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, share.poll_id)
    if poll is None:
        raise web.HTTPNotFound()
    return poll, f"/share/{token}"


async def shared_page(request: web.Request) -> web.Response:
    poll, base = await _shared_poll(request)
    return await _page(request, poll, "reports/poll.html", base, True)


async def shared_summary(request: web.Request) -> web.Response:
    poll, base = await _shared_poll(request)
    return await _page(request, poll, "reports/summary.html", base, True)


@web.middleware
async def html_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Dashboard and share pages answer errors with a page, not problem+json."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not (
            request.path.startswith("/dashboard") or request.path.startswith("/share/")
        ):
            raise
        return _html_error(exc.status, exc.text if exc.text and exc.text != exc.reason else exc.reason)


#: The dashboard's JSON operations under /api/v1 (registered with the API's own).
OPERATIONS = api.OPS


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/dashboard", index)
    r.add_get("/dashboard/login", login_form)
    r.add_post("/dashboard/login", login)
    r.add_post("/dashboard/logout", logout)
    r.add_get("/dashboard/polls/{poll_id}", poll_page)
    r.add_get("/dashboard/polls/{poll_id}/summary", poll_summary_page)
    r.add_get("/share/{token}", shared_page)
    r.add_get("/share/{token}/summary", shared_summary)
    r.add_static("/static/", STATIC_DIR, append_version=True)
