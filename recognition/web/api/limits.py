"""Per-key rate limiting, and conditional reads (``ETag`` / ``If-None-Match``) with gzip for every GET but the
survey's pages.

Rate limiting is a token bucket per API key: ``burst`` requests at once, refilled at ``rate`` per second. An
empty bucket answers 429 with ``Retry-After`` (whole seconds until a token is back). The buckets live in the
process: with several instances each enforces the limit on its own share of the traffic. The studio's operations
count against the signed-in key's bucket too (:func:`take`).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from aiohttp import web

from recognition.store.orgs import ApiKey
from recognition.web.api.auth import API_PREFIX
from recognition.web.api.errors import Problem
from recognition.web.caches import GZIP_FROM, accepts_gzip, etag_of
from recognition.web.keys import API_KEY, RATE_LIMIT

Next = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The hosted survey's pages: never cached (``no-store``), small, one per respondent and step, so neither an
#: ETag nor gzip is worth its cost on them.
SURVEY_PREFIX = "/survey/"


def take(request: web.Request, key: ApiKey) -> None:
    """Count one request against ``key``'s rate limit; 429 when it is over."""
    wait = request.app[RATE_LIMIT].take(key.id)
    if wait > 0:
        raise Problem(
            429,
            "Too Many Requests",
            f"this key is over its rate limit; retry in {wait:.1f} s",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Next) -> web.StreamResponse:
    key = request.get(API_KEY)
    if key is not None:
        take(request, key)
    return await handler(request)


def _matches(header: str, etag: str) -> bool:
    return any(t.strip().removeprefix("W/") in (etag, "*") for t in header.split(","))


@web.middleware
async def conditional_middleware(request: web.Request, handler: Next) -> web.StreamResponse:
    """Reads get an ``ETag``; a matching ``If-None-Match`` gets 304 without a body. Large bodies are gzipped,
    unless the handler already did (cached answers keep their ETag and gzipped body). The survey's pages are
    left as they are (:data:`SURVEY_PREFIX`)."""
    response = await handler(request)
    if (
        request.method != "GET"
        or response.status != 200
        or not isinstance(response, web.Response)
        or request.path.startswith(SURVEY_PREFIX)
    ):
        return response
    body = response.body
    if not isinstance(body, bytes):
        return response
    etag = response.headers.get("ETag") or etag_of(body)
    response.headers["ETag"] = etag
    if request.path.startswith(API_PREFIX):
        response.headers.setdefault("Cache-Control", "private, no-cache")
    match = request.headers.get("If-None-Match")
    if match and _matches(match, etag):
        return web.Response(
            status=304,
            headers={
                "ETag": etag,
                "Cache-Control": response.headers.get("Cache-Control", "no-cache"),
                "Vary": "Authorization, Accept-Encoding",
            },
        )
    if len(body) >= GZIP_FROM and "Content-Encoding" not in response.headers and accepts_gzip(request):
        response.enable_compression(web.ContentCoding.gzip)
    response.headers["Vary"] = "Authorization, Accept, Accept-Encoding"
    return response
