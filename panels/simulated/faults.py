"""Fault injection for the simulated provider: the ways real provider APIs misbehave.

Per request to the provider API (``/v1/...``): added latency; a 5xx before the request is handled; a 429 with
``Retry-After``; a connection dropped before the request is handled, or — the nasty one — *after* it was handled,
so the change happened but the caller never hears of it. Per respondent: a second attempt to complete by the same
person (a new submission with the same participant id), and submissions delivered twice or out of order in the
server-to-server feed; webhooks delivered twice and out of order.

Profiles: ``none``, ``light`` and ``heavy`` (:data:`PROFILES`). Faults draw from their own seeded generator, so a
run is reproducible given the order of requests. A profile's ``opening`` forces the faults of the first requests
to the provider APIs, one per request in order, before the draws take over: a provider the service calls only a
handful of times (a redirect panel hears of a wave through a few announcements) still meets each of them.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, replace

from aiohttp import web
from aiohttp.typedefs import Handler

#: The faults a request to a provider API can meet.
REQUEST_FAULTS = ("drop_before", "error", "throttle", "drop_after")


@dataclass(frozen=True)
class FaultProfile:
    name: str = "none"
    latency: tuple[float, float] = (0.0, 0.0)  # seconds, uniform
    p_error: float = 0.0  # 500/502/503 before handling
    p_throttle: float = 0.0  # 429 with Retry-After
    retry_after: int = 1  # seconds sent with 429 (and with some 503s)
    p_drop_before: float = 0.0  # connection dropped, request not handled
    p_drop_after: float = 0.0  # request handled, then the connection dropped (response lost)
    p_double_complete: float = 0.0  # a completed respondent tries to complete a second time
    p_redeliver: float = 0.0  # a feed page repeats an earlier submission
    p_shuffle: float = 0.0  # a feed page comes out of order
    p_webhook_duplicate: float = 0.0
    p_webhook_reorder: float = 0.0
    #: Faults forced on the first requests to the provider APIs, in order (each one of :data:`REQUEST_FAULTS`).
    opening: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for kind in self.opening:
            if kind not in REQUEST_FAULTS:
                raise ValueError(f"opening fault {kind!r} is not one of {', '.join(REQUEST_FAULTS)}")

    def with_seed(self, seed: int) -> FaultInjector:
        return FaultInjector(self, random.Random(seed))


PROFILES: dict[str, FaultProfile] = {
    "none": FaultProfile(),
    "light": FaultProfile(
        name="light",
        latency=(0.0, 0.01),
        p_error=0.03,
        p_throttle=0.01,
        p_drop_before=0.01,
        p_drop_after=0.01,
        p_double_complete=0.01,
        p_redeliver=0.05,
        p_shuffle=0.1,
        p_webhook_duplicate=0.05,
        p_webhook_reorder=0.1,
    ),
    "heavy": FaultProfile(
        name="heavy",
        latency=(0.0, 0.03),
        p_error=0.12,
        p_throttle=0.03,
        p_drop_before=0.04,
        p_drop_after=0.04,
        p_double_complete=0.03,
        p_redeliver=0.2,
        p_shuffle=0.3,
        p_webhook_duplicate=0.2,
        p_webhook_reorder=0.3,
    ),
}


def profile(name: str, **overrides: object) -> FaultProfile:
    if name not in PROFILES:
        raise ValueError(f"unknown fault profile {name!r}; known: {', '.join(PROFILES)}")
    return replace(PROFILES[name], **overrides)  # type: ignore[arg-type]


class FaultInjector:
    """A profile with its random generator, and counters of what it injected."""

    def __init__(self, profile: FaultProfile, rng: random.Random) -> None:
        self.profile = profile
        self.rng = rng
        self.injected: dict[str, int] = {}
        self.opened = 0  # requests that met a fault of the profile's opening

    def roll(self, p: float, kind: str) -> bool:
        hit = p > 0 and self.rng.random() < p
        if hit:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return hit

    def _forced(self) -> str | None:
        """The fault the profile's opening forces on this request (None once the opening is spent)."""
        opening = self.profile.opening
        if self.opened >= len(opening):
            return None
        self.opened += 1
        return opening[self.opened - 1]

    def _meets(self, forced: str | None, p: float, kind: str) -> bool:
        """Whether this request meets fault ``kind``: the forced one if any, else a draw with probability ``p``."""
        if forced is None:
            return self.roll(p, kind)
        if forced == kind:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return forced == kind

    def middleware(self, prefixes: tuple[str, ...] = ("/v1/",)) -> web.middleware:  # type: ignore[valid-type]
        """Faults for requests to the provider APIs (paths under ``prefixes``); landings and ``/_sim`` never."""

        @web.middleware
        async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not request.path.startswith(prefixes):
                return await handler(request)
            p = self.profile
            low, high = p.latency
            if high > 0:
                await asyncio.sleep(self.rng.uniform(low, high))
            forced = self._forced()
            if self._meets(forced, p.p_drop_before, "drop_before"):
                _drop(request)
                return web.Response(status=500)
            if self._meets(forced, p.p_error, "error"):
                status = self.rng.choice((500, 502, 503))
                headers = (
                    {"Retry-After": str(p.retry_after)} if status == 503 and self.rng.random() < 0.5 else {}
                )
                return web.json_response(
                    {"error": {"status": status, "title": "injected fault"}}, status=status, headers=headers
                )
            if self._meets(forced, p.p_throttle, "throttle"):
                return web.json_response(
                    {"error": {"status": 429, "title": "slow down"}},
                    status=429,
                    headers={"Retry-After": str(p.retry_after)},
                )
            response = await handler(request)
            if self._meets(forced, p.p_drop_after, "drop_after"):
                _drop(request)
            return response

        return inject


def _drop(request: web.Request) -> None:
    """Close the connection without an answer: the client sees a disconnect, never a status."""
    transport = request.transport
    if transport is not None:
        transport.abort() if hasattr(transport, "abort") else transport.close()
