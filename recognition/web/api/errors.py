"""One error shape for every error: RFC 9457 ``application/problem+json``.

Handlers raise :class:`Problem` (or aiohttp's HTTP exceptions); the middleware renders both, and turns any other
exception into a 500 problem without leaking internals.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from recognition.web.middleware import loggable_path

log = logging.getLogger(__name__)
PROBLEM_TYPE = "application/problem+json"


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(
    request: web.Request,
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return web.Response(status=status, text=json.dumps(body), content_type=PROBLEM_TYPE, headers=headers)


@web.middleware
async def problem_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as exc:
        return problem_response(
            request, exc.status, exc.title, exc.detail, errors=exc.errors, headers=exc.headers
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        return problem_response(
            request,
            exc.status,
            exc.reason,
            (exc.text or "") if exc.text != exc.reason else "",
            headers=headers,
        )
    except Exception:
        log.exception("unhandled error on %s %s", request.method, loggable_path(request.path))
        return problem_response(request, 500, "Internal Server Error", "the error was logged")
