"""Who is asking: the signed-in session (a server-side row named by the cookie's random id), the forms' CSRF and
origin checks, and the organisation's poll a signed-in key may open."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy

from recognition.polls.model import Poll
from recognition.store import dashboard as dashboard_store
from recognition.store import orgs
from recognition.store import polls as polls_store
from recognition.store.orgs import ApiKey
from recognition.web.api.auth import has_role
from recognition.web.dashboard import access, security
from recognition.web.keys import POOL, SETTINGS


def secret(request: web.Request) -> str:
    value: str = request.app[SETTINGS].survey_secret
    if not value:
        raise web.HTTPServiceUnavailable(
            text="the dashboard needs survey.secret to sign sessions and share links"
        )
    return value


def set_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, **kw: object
) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Lax",
        secure=security.is_secure(request),
        **kw,  # type: ignore[arg-type]
    )


async def session(request: web.Request) -> tuple[ApiKey, str] | None:
    """The signed-in key and the session id, for a live session of a key that may open the dashboard."""
    sid = request.cookies.get(access.SESSION_COOKIE, "")
    if not sid:
        return None
    async with request.app[POOL].acquire() as conn:
        key_id = await dashboard_store.session_key_id(conn, access.session_hash(sid))
        key = await orgs.active_key_by_id(conn, key_id) if key_id is not None else None
    return (key, sid) if key is not None and has_role(key, "viewer") else None


async def signed_in(request: web.Request) -> tuple[ApiKey, str]:
    found = await session(request)
    if found is None:
        raise web.HTTPFound("/dashboard/login?next=" + quote(request.path_qs, safe=""))
    return found


async def check_form(request: web.Request, value: str) -> MultiDictProxy[Any]:
    """The posted form, after its origin and its CSRF token (bound to ``value``) were checked."""
    security.check_origin(request)
    form = await request.post()
    if not access.csrf_ok(secret(request), value, str(form.get("csrf", ""))):
        raise web.HTTPForbidden(text="the form has expired; reload the page and try again")
    return form


def _poll_id(request: web.Request) -> int:
    raw = request.match_info["poll_id"]
    if not raw.isdigit() or not 1 <= int(raw) < 2**63:
        raise web.HTTPNotFound()
    return int(raw)


async def org_poll(request: web.Request, key: ApiKey) -> Poll:
    async with request.app[POOL].acquire() as conn:
        poll = await polls_store.get_poll(conn, _poll_id(request), org_id=key.organisation_id)
    if poll is None:
        raise web.HTTPNotFound()
    return poll
