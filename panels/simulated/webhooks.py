"""Webhooks of the simulated provider: signed, at least once, with stable event ids.

A project created with a ``webhook_url`` announces each submission (``submission.completed``) and each change of
its status (``project.status_changed``). Each event is POSTed as JSON to that URL with
``X-Sim-Signature: t=<unix seconds>,v1=hex(HMAC-SHA256(secret, "<t>." + body))`` (:func:`sign`; the receiver
refuses a timestamp more than :data:`TOLERANCE` seconds from its clock, so a captured delivery cannot be replayed
later); anything but a 2xx answer is retried with exponential
backoff (a 4xx other than 408/429 is given up at once, as real providers do for a misconfigured endpoint).

Delivery is *at least once*, like every real provider's: the receiver must deduplicate on ``event_id``, which
stays the same across redeliveries. The fault profile adds what happens in the wild: an event delivered again
after it was acknowledged (``p_webhook_duplicate``), and an event held back so later ones overtake it
(``p_webhook_reorder``). Faults draw from their own seeded generator, so turning webhooks on does not change the
API's fault sequence.

A provider API of the simulator that signs its webhooks its own way (Prolific:
``X-Prolific-Request-Signature``) passes ``render``, which turns an event into the body and headers of one
delivery (called for every attempt, so a timestamp in the signature is the time of sending).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from panels.simulated.faults import FaultProfile

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Sim-Signature"


#: Seconds a signed delivery stays acceptable either side of the receiver's clock.
TOLERANCE = 300


def sign(secret: str, body: bytes, at: float | None = None) -> str:
    """The ``X-Sim-Signature`` of ``body`` sent at ``at`` (Unix seconds; now by default)."""
    stamp = int(time.time() if at is None else at)
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Whether ``header`` (an ``X-Sim-Signature``) signs ``body`` with ``secret`` at a time within
    :data:`TOLERANCE` seconds of ``now``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if not secret or abs((time.time() if now is None else now) - stamp) > TOLERANCE:
        return False
    want = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(parts.get("v1", ""), want)


#: Turns an event into the body and headers of one delivery.
Render = Callable[[dict[str, Any]], tuple[bytes, dict[str, str]]]


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    url: str = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=0)


class WebhookSender:
    """Delivers the events that projects produce (:attr:`SimProject.events`) in the background."""

    def __init__(
        self,
        secret: str,
        profile: FaultProfile,
        *,
        seed: int = 7,
        max_attempts: int = 8,
        backoff: float = 0.05,
        tick: float = 0.01,
        render: Render | None = None,
    ) -> None:
        self.secret = secret
        self.render = render
        self.profile = profile
        self.rng = random.Random(seed ^ 0x5EB400C)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.tick = tick
        self.produced: list[str] = []  # event ids, in the order the events happened
        self.delivered: Counter[str] = Counter()  # 2xx answers per event id (> 1: delivered again)
        self.arrival: list[str] = []  # event ids in the order they were acknowledged
        self.given_up: list[str] = []
        self.injected: Counter[str] = Counter()
        self._queue: list[_Delivery] = []
        self._seq = itertools.count()

    def _roll(self, p: float, kind: str) -> bool:
        hit = p > 0 and self.rng.random() < p
        if hit:
            self.injected[kind] += 1
        return hit

    def enqueue(self, url: str, event: dict[str, Any]) -> None:
        self.produced.append(str(event["event_id"]))
        delay = 0.0
        if self._roll(self.profile.p_webhook_reorder, "webhook_reorder"):
            delay = self.rng.uniform(0.05, 0.25)  # held back: later events overtake it
        heapq.heappush(self._queue, _Delivery(time.monotonic() + delay, next(self._seq), url, event))

    @property
    def idle(self) -> bool:
        return not self._queue

    async def run(self, collect: Callable[[], Iterable[tuple[str, dict[str, Any]]]]) -> None:
        """Deliver until cancelled; ``collect`` hands over the events produced since the last tick."""
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                for url, event in collect():
                    self.enqueue(url, event)
                now = time.monotonic()
                while self._queue and self._queue[0].due <= now:
                    await self._deliver(session, heapq.heappop(self._queue))
                await asyncio.sleep(self.tick)

    async def _deliver(self, session: aiohttp.ClientSession, item: _Delivery) -> None:
        if self.render is not None:
            body, headers = self.render(item.event)
        else:
            body = json.dumps(item.event, sort_keys=True).encode()
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)}
        status = 0
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
            async with session.post(item.url, data=body, headers=headers) as response:
                status = response.status
                await response.read()
        event_id = str(item.event["event_id"])
        if 200 <= status < 300:
            self.delivered[event_id] += 1
            self.arrival.append(event_id)
            if item.attempt == 0 and self._roll(self.profile.p_webhook_duplicate, "webhook_duplicate"):
                self._retry(item, self.rng.uniform(0.0, 0.1), counts=False)
            return
        if self.delivered[event_id]:  # a failed extra delivery of an acknowledged event: nothing lost
            return
        if 400 <= status < 500 and status not in (408, 429) or item.attempt + 1 >= self.max_attempts:
            log.info("webhook %s to %s given up after status %s", event_id, item.url, status or "none")
            self.given_up.append(event_id)
            return
        self._retry(item, self.backoff * 2**item.attempt * (0.5 + self.rng.random()), counts=True)

    def _retry(self, item: _Delivery, delay: float, *, counts: bool) -> None:
        attempt = item.attempt + 1 if counts else self.max_attempts  # a duplicate is not retried itself
        heapq.heappush(
            self._queue,
            _Delivery(time.monotonic() + delay, next(self._seq), item.url, item.event, attempt),
        )

    def stats(self) -> dict[str, Any]:
        return {
            "produced": len(self.produced),
            "delivered": sum(self.delivered.values()),
            "distinct_delivered": len(self.delivered),
            "given_up": len(self.given_up),
            "pending": len(self._queue),
            "injected": dict(self.injected),
        }
