"""Authentication: every ``/api/v1`` request carries ``Authorization: Bearer <key>``; it is checked before
anything else (an anonymous request gets 401 whatever the route). The key's organisation scopes every query.

Found keys are cached by the instance for :data:`recognition.web.caches.KEY_CACHE_SECONDS`. A client that sent
too many unknown keys is answered 429 until its failures are forgiven (:mod:`recognition.web.throttle`), before
its key is looked up; a request without a key is not a failure.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from aiohttp import web

from recognition.store import orgs
from recognition.store.orgs import ApiKey
from recognition.web.api.errors import Problem
from recognition.web.keys import API_KEY, AUTH_THROTTLE, KEY_CACHE, POOL

API_PREFIX = "/api/v1"
#: What each role may do, from most to least: a role includes every role after it.
ROLE_ORDER = ("admin", "editor", "viewer", "reader")


def has_role(key: ApiKey, needed: str) -> bool:
    return ROLE_ORDER.index(key.role) <= ROLE_ORDER.index(needed)


def require(request: web.Request, role: str) -> ApiKey:
    key = request[API_KEY]
    if not has_role(key, role):
        raise Problem(403, "Forbidden", f"this operation needs the {role} role; the key has {key.role}")
    return key


#: Longer keys, or keys with characters no key has, are unknown without a look-up.
MAX_KEY_LENGTH = 256


async def _find_key(request: web.Request, token: str) -> ApiKey | None:
    if len(token) > MAX_KEY_LENGTH or not token.isprintable():
        return None
    cache = request.app[KEY_CACHE]
    digest = orgs.hash_key(token)
    key = cache.get(digest)
    if key is None:
        async with request.app[POOL].acquire() as conn:
            key = await orgs.find_active_key(conn, token)
        if key is not None:
            cache.put(digest, key)
    return key


@web.middleware
async def auth_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(
                401,
                "Unauthorized",
                "send an API key as 'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": 'Bearer realm="recognition"'},
            )
        throttle = request.app[AUTH_THROTTLE]
        wait = throttle.retry_after(request)
        if wait > 0:
            raise Problem(
                429,
                "Too Many Requests",
                f"too many unknown API keys from this client; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        key = await _find_key(request, token.strip())
        if key is None:
            throttle.failed(request)
            raise Problem(
                401,
                "Unauthorized",
                "the API key is unknown, revoked or expired",
                headers={"WWW-Authenticate": 'Bearer realm="recognition", error="invalid_token"'},
            )
        request[API_KEY] = key
    return await handler(request)
