"""Authentication: every ``/api/v1`` request carries ``Authorization: Bearer <key>``; it is checked before
anything else (an anonymous request gets 401 whatever the route). The key's organisation scopes every query.

Found keys are cached in the process for :data:`KEY_CACHE_SECONDS` (a key revoked from the command line stops
working within that time; revoking through the API takes effect at once on the instance that did it).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from recognition.store import orgs
from recognition.store.orgs import ApiKey
from recognition.web.api.errors import Problem

API_PREFIX = "/api/v1"
KEY = web.RequestKey("api_key", ApiKey)
#: What each role may do, from most to least: a role includes every role after it.
ROLE_ORDER = ("admin", "editor", "viewer", "reader")
KEY_CACHE_SECONDS = 5.0


@dataclass
class KeyCache:
    """Key hash → (found key, monotonic expiry). Unknown keys are not cached."""

    entries: dict[bytes, tuple[ApiKey, float]] = field(default_factory=dict)

    def get(self, digest: bytes) -> ApiKey | None:
        hit = self.entries.get(digest)
        if hit is None:
            return None
        key, until = hit
        if until < time.monotonic() or (key.expires_at is not None and key.expires_at <= datetime.now(UTC)):
            del self.entries[digest]
            return None
        return key

    def put(self, digest: bytes, key: ApiKey) -> None:
        if len(self.entries) > 10_000:
            self.entries.clear()
        self.entries[digest] = (key, time.monotonic() + KEY_CACHE_SECONDS)

    def clear(self) -> None:
        self.entries.clear()


KEY_CACHE = web.AppKey("key_cache", KeyCache)


def has_role(key: ApiKey, needed: str) -> bool:
    return ROLE_ORDER.index(key.role) <= ROLE_ORDER.index(needed)


def require(request: web.Request, role: str) -> ApiKey:
    key = request[KEY]
    if not has_role(key, role):
        raise Problem(403, "Forbidden", f"this operation needs the {role} role; the key has {key.role}")
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
        from recognition.app import POOL

        cache = request.app.get(KEY_CACHE)
        digest = orgs.hash_key(token.strip())
        key = cache.get(digest) if cache is not None else None
        if key is None:
            async with request.app[POOL].acquire() as conn:
                key = await orgs.find_active_key(conn, token.strip())
            if key is not None and cache is not None:
                cache.put(digest, key)
        if key is None:
            raise Problem(
                401,
                "Unauthorized",
                "the API key is unknown, revoked or expired",
                headers={"WWW-Authenticate": 'Bearer realm="recognition", error="invalid_token"'},
            )
        request[KEY] = key
    return await handler(request)
