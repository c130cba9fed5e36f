"""Throttling failed authentication, per client, in memory: unknown API keys, failed dashboard sign-ins, badly
signed webhooks and survey links that do not verify.

Each client has a token bucket of ``server.auth_failures`` failures, refilled at that many per minute; each
failure takes one. While a client's bucket is empty, every authentication it attempts (a right key included) is
answered 429 with ``Retry-After``, before any key is looked up, so guessing is held to that rate. Successes cost
nothing.

**No address is kept.** A client is its peer address (or, behind a proxy listed in ``server.trusted_proxies``,
the address the proxy names in ``X-Forwarded-For``), and the bucket is keyed by a keyed BLAKE2b hash of it under a
salt drawn at random when the instance starts and never written anywhere: the table cannot be turned back into
addresses, not even by reading the process's memory after the salt is gone. At most :data:`MAX_CLIENTS` buckets
are kept (the oldest go first). The buckets are per instance: with several instances each enforces the limit
on the traffic it receives (see docs/security.md).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from recognition.addresses import Network, in_networks, parse_ip

#: Most client buckets one instance keeps.
MAX_CLIENTS = 100_000
PER_SECONDS = 60.0


def client_address(request: web.Request, trusted: Sequence[Network] = ()) -> str:
    """The client's address: the peer, or — when the peer is a trusted proxy — the right-most address in
    ``X-Forwarded-For`` that is not itself a trusted proxy (the left-most ones are whatever the client wrote)."""
    peer = request.remote or ""
    ip = parse_ip(peer)
    if not trusted or ip is None or not in_networks(ip, trusted):
        return peer
    hops = [
        h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",") if h.strip()
    ]
    for hop in reversed(hops):
        hop_ip = parse_ip(hop)
        if hop_ip is None:
            return hop  # not an address: a client's own text, and as good a bucket as any
        if not in_networks(hop_ip, trusted):
            return str(hop_ip)
    return peer


@dataclass
class AuthThrottle:
    """Failed authentications per client (see the module docstring). ``retry_after`` before authenticating,
    ``failed`` after a failure."""

    failures: int = 10
    trusted_proxies: tuple[Network, ...] = ()
    clock: Callable[[], float] = time.monotonic
    _salt: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    _buckets: OrderedDict[bytes, tuple[float, float]] = field(default_factory=OrderedDict, repr=False)

    @property
    def rate(self) -> float:
        """Failures forgiven per second."""
        return self.failures / PER_SECONDS

    def client(self, request: web.Request) -> bytes:
        """The client's bucket key: a salted hash of its address (the address itself is never kept)."""
        address = client_address(request, self.trusted_proxies)
        return hashlib.blake2b(address.encode(), key=self._salt, digest_size=16).digest()

    def _tokens(self, key: bytes, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.failures), now))
        return min(float(self.failures), tokens + (now - at) * self.rate)

    def retry_after(self, request: web.Request) -> float:
        """Seconds until this client may try to authenticate again; 0 when it may now."""
        key = self.client(request)
        if key not in self._buckets:
            return 0.0
        tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def failed(self, request: web.Request) -> None:
        """Count one failed authentication of this client."""
        key, now = self.client(request), self.clock()
        tokens = self._tokens(key, now)
        self._buckets[key] = (max(0.0, tokens - 1), now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)

    def clients(self) -> int:
        """How many clients have failed recently (for tests and metrics)."""
        return len(self._buckets)

    def refuse(self, request: web.Request) -> None:
        """Raise 429 when this client must wait (for routes answering problem+json)."""
        wait = self.retry_after(request)
        if wait > 0:
            raise web.HTTPTooManyRequests(
                text=f"too many failed authentications from this client; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
