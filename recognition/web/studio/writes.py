"""The studio's JSON operations: the API's own poll, objective and schedule operations, reached with the
dashboard's session instead of a bearer key.

``/studio/api/…`` mirrors ``/api/v1/…`` for the few operations the editor needs (validate and plan, create,
change, objectives, schedule preview). Each request must come from a live session, from the service's own
origin and carry the session's CSRF token in ``X-CSRF-Token``; then the signed-in key is handed to the very
handler the API binds (:func:`recognition.web.api.ops.bind`), counted against the key's rate limit: the same
role check (a viewer gets 403), the same body checks, the same 422 problem listing every error by field, the same
writes and the same audit entries (recorded under the signed-in key). There is no second write path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from recognition.web.api import limits, objectives, polls, schedules
from recognition.web.api.errors import Problem
from recognition.web.api.ops import Op, bind
from recognition.web.dashboard import access, security
from recognition.web.dashboard.sessions import secret, session
from recognition.web.keys import API_KEY

CSRF_HEADER = "X-CSRF-Token"
API_PREFIX = "/api/v1"
PREFIX = "/studio/api"
#: The API operations the editor calls, by operation id.
USED = frozenset(
    {
        "validate_poll",
        "create_poll",
        "update_poll",
        "create_objective",
        "delete_objective",
        "preview_schedule",
    }
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _ops() -> list[Op]:
    return [op for op in (*polls.OPS, *objectives.OPS, *schedules.OPS) if op.operation_id in USED]


def path_of(op: Op) -> str:
    """Where the studio serves ``op``: its API path under :data:`PREFIX`."""
    return PREFIX + op.path.removeprefix(API_PREFIX)


def _with_session(handler: Handler) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        found = await session(request)
        if found is None:
            raise Problem(401, "Unauthorized", "you are signed out: sign in again and repeat the change")
        key, sid = found
        try:
            security.check_origin(request)
        except web.HTTPForbidden:
            raise Problem(403, "Forbidden", "this change was sent from another site") from None
        if not access.csrf_ok(secret(request), sid, request.headers.get(CSRF_HEADER, "")):
            raise Problem(403, "Forbidden", "the page has expired; reload it and try again")
        limits.take(request, key)  # the key's rate limit, as on /api/v1
        request[API_KEY] = key
        return await handler(request)

    handle.__name__ = handler.__name__
    return handle


def setup(app: web.Application) -> None:
    for op in _ops():
        app.router.add_route(op.method, path_of(op), _with_session(bind(op)))
