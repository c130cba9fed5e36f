"""In-memory state of one service instance, kept on its application (never in module globals): the API's
per-key rate limit, the cache of found API keys, and the cache of recent read answers with their ETag and gzip
encoding. Each instance keeps its own; nothing here is shared between instances (see docs/security.md).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web
from multidict import CIMultiDict

from recognition.store.orgs import ApiKey

#: Bodies at least this long are gzip-compressed when the client accepts it.
GZIP_FROM = 1024
#: How long a found API key is trusted before it is looked up again (a key revoked from the command line stops
#: working within that time; revoking through the API takes effect at once on the instance that did it).
KEY_CACHE_SECONDS = 5.0


@dataclass
class RateLimit:
    rate: float = 20.0
    burst: float = 100.0
    buckets: dict[int, tuple[float, float]] = field(default_factory=dict)  # key id → (tokens, at)

    def take(self, key_id: int, now: float | None = None) -> float:
        """Take a token for ``key_id``; returns 0 if one was free, else the seconds until one is."""
        now = time.monotonic() if now is None else now
        tokens, at = self.buckets.get(key_id, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1:
            self.buckets[key_id] = (tokens - 1, now)
            return 0.0
        self.buckets[key_id] = (tokens, now)
        return (1 - tokens) / self.rate


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


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def accepts_gzip(request: web.Request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")


def gzip_body(body: bytes) -> bytes:
    """The gzip encoding of ``body`` (no timestamp, so the same body always gives the same bytes)."""
    return gzip.compress(body, compresslevel=6, mtime=0)


@dataclass(frozen=True)
class CachedAnswer:
    """A cached 200 answer, ready to send: its body, the gzipped body (if long enough to be worth it), its
    ``ETag`` (of the uncompressed body) and its other headers; all computed once, when it is stored."""

    body: bytes
    gzipped: bytes | None
    etag: str
    headers: tuple[tuple[str, str], ...]

    def response(self, gzip: bool) -> web.Response:
        """A fresh response to send (aiohttp responses are single-use); nothing is re-encoded or re-hashed."""
        headers = CIMultiDict(self.headers)
        headers["ETag"] = self.etag
        if gzip and self.gzipped is not None:
            headers["Content-Encoding"] = "gzip"
            return web.Response(body=self.gzipped, headers=headers)
        return web.Response(body=self.body, headers=headers)


@dataclass
class ResponseCache:
    """Recent answers of cached reads (scores, trends), per organisation, URL and media type, for ``ttl``
    seconds. Any change made through this instance empties it; figures published by fieldwork show up within
    ``ttl``. The ``ETag`` and the gzipped body are computed once per entry, not per hit."""

    ttl: float = 5.0
    size: int = 2048
    entries: OrderedDict[tuple[int, str, str], tuple[float, CachedAnswer]] = field(
        default_factory=OrderedDict
    )
    #: Entries being filled right now: concurrent misses of one URL wait for the first instead of all querying.
    pending: dict[tuple[int, str, str], asyncio.Future[None]] = field(default_factory=dict)
    #: Seconds on a monotonic clock (injectable).
    clock: Callable[[], float] = time.monotonic

    def get(self, key: tuple[int, str, str], gzip: bool = False) -> web.Response | None:
        hit = self.entries.get(key)
        if hit is None or hit[0] < self.clock():
            return None
        return hit[1].response(gzip)

    def put(self, key: tuple[int, str, str], response: web.Response) -> None:
        body = response.body
        if not isinstance(body, bytes) or response.status != 200 or "Content-Encoding" in response.headers:
            return
        etag = etag_of(body)
        response.headers["ETag"] = etag
        gzipped = gzip_body(body) if len(body) >= GZIP_FROM else None
        kept = tuple((k, v) for k, v in response.headers.items() if k.lower() not in _PER_ANSWER)
        self.entries[key] = (self.clock() + self.ttl, CachedAnswer(body, gzipped, etag, kept))
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def clear(self) -> None:
        self.entries.clear()


#: Headers a cached answer does not keep: aiohttp sets the length per response, the ETag is stored apart.
_PER_ANSWER = frozenset({"content-length", "etag", "content-encoding"})
