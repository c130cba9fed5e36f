"""One error shape for every error: RFC 9457 ``application/problem+json``.

Handlers raise :class:`Problem` (or aiohttp's HTTP exceptions); the middleware renders both, and turns any other
exception into a 500 problem without leaking internals (or a 503 with ``Retry-After`` while the database cannot be
reached).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from recognition.db import unreachable
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
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}  # extension members (RFC 9457 §3.2), e.g. a plan beside a form's errors


def problem_response(
    request: web.Request,
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in (extra or {}).items() if k not in body})
    return web.Response(status=status, text=json.dumps(body), content_type=PROBLEM_TYPE, headers=headers)


#: Seconds a client is asked to wait before trying again while the database is unavailable.
RETRY_AFTER = 5


def unavailable(request: web.Request) -> web.Response:
    """503 while the database cannot be reached (a restart, a fail-over): nothing was lost, try again shortly.
    A page of the survey answers a page, so a respondent's browser shows words and can reload."""
    headers = {"Retry-After": str(RETRY_AFTER)}
    if request.path.startswith("/survey/"):
        return web.Response(
            status=503,
            text=UNAVAILABLE_PAGE,
            content_type="text/html",
            charset="utf-8",
            headers={**headers, "Cache-Control": "no-store"},
        )
    return problem_response(
        request,
        503,
        "Service Unavailable",
        f"the database cannot be reached just now; nothing was lost, try again in {RETRY_AFTER} seconds",
        headers=headers,
    )


UNAVAILABLE_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>One moment</title>"
    "<p>The survey is briefly unavailable. Your answers so far are kept: reload this page in a few seconds."
)


@web.middleware
async def problem_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as exc:
        return problem_response(
            request,
            exc.status,
            exc.title,
            exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
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
    except Exception as exc:
        if unreachable(exc):
            log.warning(
                "database unavailable on %s %s: %s",
                request.method,
                loggable_path(request.path),
                type(exc).__name__,
            )
            return unavailable(request)
        log.exception("unhandled error on %s %s", request.method, loggable_path(request.path))
        return problem_response(request, 500, "Internal Server Error", "the error was logged")
