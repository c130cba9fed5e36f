"""Dashboard pages, the written summary (HTML, printable, PDF and JSON) and alert settings.

Pages: ``/dashboard`` (sign in with an API key of role viewer or above: the session is a server-side row, the
cookie holds a random id, never the key), ``/dashboard/polls/{id}``, ``…/summary`` (printable) and
``…/summary.pdf``, the service promise ``…/promise`` and ``…/promise.pdf``; read-only share links ``/share/{token}`` (:mod:`recognition.web.dashboard.shares`). Every form
carries a CSRF token and is checked for its origin; every page is sent with the headers of
:mod:`recognition.web.dashboard.security`. The JSON operations (summary, alert settings, delivery log) are
declared in :mod:`recognition.web.dashboard.api` and registered with the API's own.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from recognition.store import dashboard as dashboard_store
from recognition.store import orgs
from recognition.store import polls as polls_store
from recognition.web.api.auth import has_role
from recognition.web.dashboard import access, api, shares
from recognition.web.dashboard.cache import PAGE_CACHE, PageCache
from recognition.web.dashboard.pages import render
from recognition.web.dashboard.promise import promise_page, promise_pdf_response
from recognition.web.dashboard.serving import html_error, page_response, pdf_response
from recognition.web.dashboard.sessions import check_form, org_poll, secret, session, set_cookie, signed_in
from recognition.web.keys import AUTH_THROTTLE, POOL
from recognition.web.middleware import is_page

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


# --- sign in ---------------------------------------------------------------------------------------------------


def _login_page(request: web.Request, target: str, error: str, status: int = 200) -> web.Response:
    value = request.cookies.get(access.LOGIN_COOKIE) or access.new_session_id()
    response = web.Response(
        status=status,
        text=render(
            "reports/login.html", next=target, error=error, csrf=access.csrf_token(secret(request), value)
        ),
        content_type="text/html",
    )
    set_cookie(response, request, access.LOGIN_COOKIE, value, path="/dashboard/login", max_age=3600)
    return response


async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, access.safe_next(request.query.get("next", "")), "")


async def login(request: web.Request) -> web.Response:
    form = await check_form(request, request.cookies.get(access.LOGIN_COOKIE, ""))
    key_text = str(form.get("api_key", "")).strip()
    target = access.safe_next(str(form.get("next", "")))
    throttle = request.app[AUTH_THROTTLE]  # the same budget of failed sign-ins as the API's keys
    wait = throttle.retry_after(request)
    if wait > 0:
        page = _login_page(
            request,
            target,
            f"Too many failed sign-ins from here; try again in {math.ceil(wait)} seconds.",
            429,
        )
        page.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return page
    async with request.app[POOL].acquire() as conn:
        key = await orgs.find_active_key(conn, key_text) if key_text else None
        if key is None or not has_role(key, "viewer"):
            if key is None:
                throttle.failed(request)
            message = (
                "That key is unknown, revoked or expired."
                if key is None
                else "That key cannot open the dashboard."
            )
            return _login_page(request, target, message, 401)
        sid = access.new_session_id()
        expires = datetime.now(UTC) + timedelta(seconds=access.SESSION_SECONDS)
        await dashboard_store.create_session(conn, access.session_hash(sid), key.id, expires)
    response = web.HTTPSeeOther(target)
    set_cookie(response, request, access.SESSION_COOKIE, sid, path="/", max_age=access.SESSION_SECONDS)
    response.del_cookie(access.LOGIN_COOKIE, path="/dashboard/login")
    raise response


async def logout(request: web.Request) -> web.Response:
    found = await session(request)
    if found is not None:
        await check_form(request, found[1])
        async with request.app[POOL].acquire() as conn:
            await dashboard_store.end_session(conn, access.session_hash(found[1]))
    response = web.HTTPSeeOther("/dashboard/login")
    response.del_cookie(access.SESSION_COOKIE, path="/")
    raise response


# --- pages -----------------------------------------------------------------------------------------------------


async def index(request: web.Request) -> web.Response:
    key, sid = await signed_in(request)
    async with request.app[POOL].acquire() as conn:
        polls = await polls_store.list_polls(conn, key.organisation_id)
    csrf = access.csrf_token(secret(request), sid)
    return web.Response(
        text=render("reports/index.html", polls=polls, key=key, csrf=csrf), content_type="text/html"
    )


async def poll_page(request: web.Request) -> web.Response:
    key, sid = await signed_in(request)
    poll = await org_poll(request, key)
    context = await shares.panel(request, poll, key, access.csrf_token(secret(request), sid))
    return await page_response(
        request, poll, "poll", f"/dashboard/polls/{poll.id}", shared=False, context=context
    )


async def poll_summary_page(request: web.Request) -> web.Response:
    key, _ = await signed_in(request)
    poll = await org_poll(request, key)
    return await page_response(request, poll, "summary", f"/dashboard/polls/{poll.id}", shared=False)


async def poll_summary_pdf(request: web.Request) -> web.Response:
    key, _ = await signed_in(request)
    poll = await org_poll(request, key)
    return await pdf_response(request, poll, f"/dashboard/polls/{poll.id}")


async def poll_promise_page(request: web.Request) -> web.Response:
    key, _ = await signed_in(request)
    poll = await org_poll(request, key)
    return await promise_page(request, poll, f"/dashboard/polls/{poll.id}", shared=False)


async def poll_promise_pdf(request: web.Request) -> web.Response:
    key, _ = await signed_in(request)
    poll = await org_poll(request, key)
    return await promise_pdf_response(request, poll)


@web.middleware
async def html_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Dashboard and share pages answer errors with a page, not problem+json."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not is_page(request.path):
            raise
        return html_error(exc.status, exc.text if exc.text and exc.text != exc.reason else exc.reason)


#: The dashboard's JSON operations under /api/v1 (registered with the API's own).
OPERATIONS = api.OPS


def setup(app: web.Application) -> None:
    app[PAGE_CACHE] = PageCache()
    r = app.router
    r.add_get("/dashboard", index)
    r.add_get("/dashboard/login", login_form)
    r.add_post("/dashboard/login", login)
    r.add_post("/dashboard/logout", logout)
    r.add_get("/dashboard/polls/{poll_id}", poll_page)
    r.add_get("/dashboard/polls/{poll_id}/summary", poll_summary_page)
    r.add_get("/dashboard/polls/{poll_id}/summary.pdf", poll_summary_pdf)
    r.add_get("/dashboard/polls/{poll_id}/promise", poll_promise_page)
    r.add_get("/dashboard/polls/{poll_id}/promise.pdf", poll_promise_pdf)
    shares.setup(app)
    r.add_static("/static/", STATIC_DIR, append_version=True)
