"""Read-only share links: opened, listed, made and withdrawn.

``/share/{token}`` (and ``…/summary``, ``…/summary.pdf``, ``…/promise``, ``…/promise.pdf``) checks the signed link against its row — not revoked,
not expired, its poll not archived — then stores the token in a cookie scoped to that poll's shared pages
(``/shared/{poll_id}``) and redirects there, so the token is never part of an address a reader sees, prints or
sends on. Every shared page checks the cookie's link again, so revoking a link or archiving the poll ends access
at the next request. Signed-in editors see the poll's active links on its page, make new ones and revoke them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import web

from recognition.polls.model import Poll
from recognition.store import dashboard as dashboard_store
from recognition.store import polls as polls_store
from recognition.store.orgs import ApiKey
from recognition.web.api.auth import has_role
from recognition.web.dashboard import access
from recognition.web.dashboard.promise import promise_page, promise_pdf_response
from recognition.web.dashboard.serving import page_response, pdf_response
from recognition.web.dashboard.sessions import check_form, org_poll, secret, set_cookie, signed_in
from recognition.web.keys import POOL, SETTINGS

VIEWS = {
    "": "",
    "summary": "/summary",
    "summary.pdf": "/summary.pdf",
    "promise": "/promise",
    "promise.pdf": "/promise.pdf",
}
INVALID = "this share link is invalid, has expired or was withdrawn"


async def valid_share(request: web.Request, token: str) -> Poll | None:
    """The poll a share token opens, if the token is signed, unexpired, its link active and the poll live."""
    share = access.read_share(secret(request), token)
    if share is None:
        return None
    async with request.app[POOL].acquire() as conn:
        link = await dashboard_store.share_link(conn, share.link_id)
        if link is None or link.poll_id != share.poll_id or not link.active(datetime.now(UTC)):
            return None
        poll = await polls_store.get_poll(conn, share.poll_id)
    if poll is None or poll.status == "archived":
        return None
    return poll


async def open_link(request: web.Request) -> web.Response:
    view = request.match_info.get("view", "")
    if view not in VIEWS:
        raise web.HTTPNotFound()
    token = request.match_info["token"]
    poll = await valid_share(request, token)
    if poll is None:
        raise web.HTTPForbidden(text=INVALID)
    target = f"/shared/{poll.id}{VIEWS[view]}"
    response = web.HTTPSeeOther(target + (f"?{request.query_string}" if request.query_string else ""))
    set_cookie(response, request, access.SHARE_COOKIE, token, path=f"/shared/{poll.id}")
    raise response


async def _shared_poll(request: web.Request) -> Poll:
    raw = request.match_info["poll_id"]
    token = request.cookies.get(access.SHARE_COOKIE, "")
    poll = await valid_share(request, token) if token and raw.isdigit() else None
    if poll is None or str(poll.id) != raw:
        raise web.HTTPForbidden(text=INVALID)
    return poll


async def shared_page(request: web.Request) -> web.Response:
    poll = await _shared_poll(request)
    return await page_response(request, poll, "poll", f"/shared/{poll.id}", shared=True)


async def shared_summary(request: web.Request) -> web.Response:
    poll = await _shared_poll(request)
    return await page_response(request, poll, "summary", f"/shared/{poll.id}", shared=True)


async def shared_pdf(request: web.Request) -> web.Response:
    poll = await _shared_poll(request)
    return await pdf_response(request, poll, f"/shared/{poll.id}")


async def shared_promise(request: web.Request) -> web.Response:
    poll = await _shared_poll(request)
    return await promise_page(request, poll, f"/shared/{poll.id}", shared=True)


async def shared_promise_pdf(request: web.Request) -> web.Response:
    poll = await _shared_poll(request)
    return await promise_pdf_response(request, poll)


async def panel(request: web.Request, poll: Poll, key: ApiKey, csrf: str) -> dict[str, Any]:
    """The share-link panel of a signed-in poll page: the active links, and a new link made just before."""
    async with request.app[POOL].acquire() as conn:
        links = await dashboard_store.list_share_links(conn, poll.id)
    return {
        "csrf": csrf,
        "shares": links,
        "can_share": has_role(key, "editor"),
        "poll_id": poll.id,
        "new_link": "",
    }


async def new_share_link(
    conn: asyncpg.Connection,
    secret_: str,
    base_url: str,
    poll_id: int,
    days: float,
    *,
    label: str = "",
    created_by: str,
) -> str:
    """A new read-only link to a poll's dashboard, recorded (so it is listed and can be revoked), valid for
    ``days``: the one way every caller (the dashboard's form, ``recognition share``, the demo) makes one."""
    link_id = access.new_link_id()
    expires = datetime.now(UTC) + timedelta(days=days)
    await dashboard_store.create_share_link(
        conn, link_id, poll_id, expires, label=label, created_by=created_by
    )
    return access.share_url(base_url, access.share_token(secret_, poll_id, link_id, int(expires.timestamp())))


async def create(request: web.Request) -> web.Response:
    key, sid = await signed_in(request)
    if not has_role(key, "editor"):
        raise web.HTTPForbidden(text="making share links needs an editor key")
    form = await check_form(request, sid)
    poll = await org_poll(request, key)
    try:
        days = float(str(form.get("days", "30")))
    except ValueError:
        days = 0.0
    if not 0 < days <= 366:
        raise web.HTTPBadRequest(text="days: give a number of days between 1 and 366")
    label = str(form.get("label", "")).strip()[:200]
    base = request.app[SETTINGS].public_base_url
    async with request.app[POOL].acquire() as conn:
        link = await new_share_link(
            conn, secret(request), base, poll.id, days, label=label, created_by=key.prefix
        )
    context = await panel(request, poll, key, access.csrf_token(secret(request), sid))
    context["new_link"] = link
    return await page_response(
        request, poll, "poll", f"/dashboard/polls/{poll.id}", shared=False, context=context
    )


async def revoke(request: web.Request) -> web.Response:
    key, sid = await signed_in(request)
    if not has_role(key, "editor"):
        raise web.HTTPForbidden(text="withdrawing share links needs an editor key")
    await check_form(request, sid)
    poll = await org_poll(request, key)
    async with request.app[POOL].acquire() as conn:
        done = await dashboard_store.revoke_share_link(conn, poll.id, request.match_info["link_id"])
    if not done:
        raise web.HTTPNotFound(text="this poll has no such active share link")
    raise web.HTTPSeeOther(f"/dashboard/polls/{poll.id}#h-shares")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/share/{token}", open_link)
    r.add_get("/share/{token}/{view}", open_link)
    r.add_get("/shared/{poll_id}", shared_page)
    r.add_get("/shared/{poll_id}/summary", shared_summary)
    r.add_get("/shared/{poll_id}/summary.pdf", shared_pdf)
    r.add_get("/shared/{poll_id}/promise", shared_promise)
    r.add_get("/shared/{poll_id}/promise.pdf", shared_promise_pdf)
    r.add_post("/dashboard/polls/{poll_id}/shares", create)
    r.add_post("/dashboard/polls/{poll_id}/shares/{link_id}/revoke", revoke)
