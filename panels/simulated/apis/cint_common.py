"""What every call of the simulated Cint Demand API shares: the version header, the bearer token and the
account are checked first (:func:`demand`); errors are Cint's error object (``{"id", "object", "detail",
"invalid_params"}``); POSTs with an ``Idempotency-Key`` seen before are answered from the record; lists are paged
with ``page_size`` and ``start_after`` (the ``next_cursor`` of the previous page)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from panels.simulated.apis.cint_exchange import CintExchange, TargetGroup

CINT = web.AppKey("cint", CintExchange)
Handler = Callable[[web.Request, CintExchange], Awaitable[web.StreamResponse]]
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def error(status: int, kind: str, detail: str, invalid: list[dict[str, str]] | None = None) -> web.Response:
    body: dict[str, Any] = {"id": str(uuid.uuid4()), "object": kind, "detail": detail}
    if invalid:
        body["invalid_params"] = invalid
    return web.json_response(body, status=status)


def demand(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Version header, bearer token and account, then the handler."""

    async def checked(request: web.Request) -> web.StreamResponse:
        ex = request.app[CINT]
        version = request.headers.get("Cint-API-Version")
        if not version:
            return error(
                403,
                "required_header_missing",
                "The Cint-API-Version HTTP request header is missing. This is a required header, please try "
                "again by specifying one of our supplied API versions.",
            )
        if not _VERSION.match(version):
            return error(
                400, "bad_request_error", f"Cint-API-Version {version!r} is not a version (YYYY-MM-DD)"
            )
        problem = ex.token_problem(request.headers.get("Authorization", ""))
        if problem is not None:
            return error(problem[0], "authorization_error", problem[1])
        if request.match_info.get("account_id", next(iter(ex.accounts))) not in ex.accounts:
            return error(
                403, "authorization_error", "you don't have the right permissions to perform this operation"
            )
        ex.advance()
        return await handler(request, ex)

    return checked


async def read_json(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        body = await request.json()
    except ValueError:
        return error(400, "bad_request_error", "The request body is not valid JSON.")
    return body if isinstance(body, dict) else error(400, "bad_request_error", "Expected a JSON object.")


def replayed(request: web.Request, ex: CintExchange, op: str) -> web.Response | None:
    key = request.headers.get("Idempotency-Key")
    hit = ex.replays.get((op, key)) if key else None
    if hit is None:
        return None
    status, body, headers = hit
    headers = {**headers, "Idempotent-Replayed": "true"}
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.json_response(body, status=status, headers=headers)


def remember(
    request: web.Request, ex: CintExchange, op: str, status: int, body: Any, headers: dict[str, str]
) -> None:
    key = request.headers.get("Idempotency-Key")
    if key:
        ex.replays[(op, key)] = (status, body, headers)


def page(request: web.Request, items: list[dict[str, Any]], name: str) -> web.Response:
    """Cursor paging (``page_size`` 1–100, default 10; ``start_after`` = the ``next_cursor`` given)."""
    try:
        size = int(request.query.get("page_size", "10"))
    except ValueError:
        size = 0
    if not 1 <= size <= 100:
        return error(
            400,
            "bad_request_error",
            "page_size must be between 1 and 100",
            [{"name": "page_size", "reason": "out of range"}],
        )
    after = request.query.get("start_after")
    start = next((i + 1 for i, it in enumerate(items) if it["id"] == after), 0) if after else 0
    page = items[start : start + size]
    more = start + size < len(items)
    return web.json_response(
        {
            name: page,
            "has_more": more,
            "next_cursor": page[-1]["id"] if more and page else None,
            "url": request.path,
        }
    )


def project_of(ex: CintExchange, request: web.Request) -> dict[str, Any] | None:
    return ex.projects.get(request.match_info["project_id"])


def group_of(ex: CintExchange, request: web.Request) -> TargetGroup | None:
    tg = ex.target_groups.get(request.match_info["target_group_id"])
    return tg if tg is not None and tg.project_id == request.match_info["project_id"] else None


def not_found(what: str) -> web.Response:
    return error(404, "not_found_error", f"The {what} could not be found.")


def stamp(ex: CintExchange) -> str:
    seconds = ex.now()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"
