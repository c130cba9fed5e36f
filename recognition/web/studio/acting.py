"""How a studio page acts: as its signed-in user, through the API's own operations.

A studio page reads and changes nothing by itself: it runs the operation an API client would call
(:func:`recognition.web.api.ops.perform`) with the signed-in session's key, so the role, the checks, the audit
log entry and the answer are the API's. A refusal comes back as the API's problem, shown to the editor in its
own words. Every form is checked for its origin and its CSRF token (bound to the session) before it acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from recognition.polls.model import Poll
from recognition.store.orgs import ApiKey
from recognition.web.api.auth import has_role
from recognition.web.api.errors import Problem
from recognition.web.api.ops import Op, perform
from recognition.web.dashboard import access
from recognition.web.dashboard.pages import render
from recognition.web.dashboard.serving import html_error
from recognition.web.dashboard.sessions import check_form, org_poll, secret, signed_in


@dataclass(frozen=True)
class Visitor:
    """The signed-in user of a studio page: the key, its session's form token, and whether it may act."""

    key: ApiKey
    session_id: str
    csrf: str

    @property
    def editor(self) -> bool:
        return has_role(self.key, "editor")


async def visitor(request: web.Request) -> Visitor:
    """The signed-in user (redirected to sign in otherwise)."""
    key, sid = await signed_in(request)
    return Visitor(key, sid, access.csrf_token(secret(request), sid))


async def poll_of(request: web.Request, who: Visitor) -> Poll:
    """The poll named by the route's ``poll_id``, if it belongs to the user's organisation (404 otherwise)."""
    return await org_poll(request, who.key)


async def posted(request: web.Request) -> tuple[Visitor, dict[str, str]]:
    """The user and the fields of a form they posted, once its origin and CSRF token were checked."""
    who = await visitor(request)
    form = await check_form(request, who.session_id)
    return who, {k: str(v) for k, v in form.items() if isinstance(v, str)}


class Refused(Exception):
    """An operation answered with a problem; ``status`` and ``message`` as the API gave them."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def act(request: web.Request, who: Visitor, op: Op, params: dict[str, Any], body: Any = None) -> Any:
    """Run ``op`` as the user; :class:`Refused` with the API's words when it answers with a problem."""
    try:
        return await perform(op, request, who.key, {k: str(v) for k, v in params.items()}, body)
    except Problem as exc:
        detail = exc.detail or exc.title
        if exc.errors:
            detail = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        raise Refused(exc.status, detail) from None


def refused_page(exc: Refused) -> web.Response:
    """A refusal as a page (a refusal the page cannot show in place: the wrong role, an unknown wave)."""
    return html_error(exc.status, exc.message)


def page(
    template: str, who: Visitor, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> web.Response:
    return web.Response(
        text=render(template, key=who.key, csrf=who.csrf, editor=who.editor, **context),
        status=status,
        content_type="text/html",
        headers=headers,
    )
