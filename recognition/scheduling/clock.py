"""Injected time: the service asks a :class:`Clock` for "now" and to sleep, so tests can run months of schedule in
seconds with a :class:`FakeClock`."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """A source of the current instant and of sleeping."""

    def now(self) -> datetime:
        """The current instant as an aware datetime in UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return once ``seconds`` have passed on this clock."""
        ...


class SystemClock:
    """The real clock: ``datetime.now(UTC)`` and ``asyncio.sleep``."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when told to. ``sleep`` returns once :meth:`advance` (or :meth:`advance_to`)
    has carried fake time to its target; sleepers wake in the order of their targets."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start if start is not None else datetime(2026, 1, 1, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError(f"FakeClock needs an aware start time, got naive {start.isoformat()}")
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + timedelta(seconds=seconds), next(self._order), future))
        await future

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting (cancelled ones not counted)."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    @property
    def next_wakeup(self) -> datetime | None:
        """The earliest target of a waiting sleep, or None."""
        waiting = [when for when, _, future in self._sleepers if not future.done()]
        return min(waiting, default=None)

    def advance(self, delta: timedelta) -> None:
        """Move time forward by ``delta`` and wake every sleep whose target has been reached."""
        if delta < timedelta(0):
            raise ValueError(f"time cannot go backwards (advance by {delta})")
        self.advance_to(self._now + delta)

    def advance_to(self, when: datetime) -> None:
        """Move time forward to ``when`` (aware) and wake every sleep whose target has been reached."""
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError(f"time cannot go backwards ({when.isoformat()} < {self._now.isoformat()})")
        self._now = when
        while self._sleepers and self._sleepers[0][0] <= when:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
