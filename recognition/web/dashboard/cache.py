"""Rendered dashboard pages kept until the poll's figures change.

An entry is keyed by what the page depends on — the poll (its definition), the version of its published figures
(:func:`recognition.store.dashboard.figures_version`: a new or reprocessed wave changes it), its objectives, the
filters, the language and the view — so a page is computed once per publish and then served from memory. When
several viewers ask for a page that is not built yet, one builds it and the others wait for that build. The cache
holds at most ``size`` entries (least recently used first out) and lives on the application, never in a module.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from aiohttp import web


class PageCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._building: dict[Hashable, asyncio.Future[Any]] = {}
        self.hits = 0
        self.misses = 0

    async def get(self, key: Hashable, build: Callable[[], Awaitable[Any]]) -> Any:
        if key in self._entries:
            self._entries.move_to_end(key)
            self.hits += 1
            return self._entries[key]
        pending = self._building.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        self.misses += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            value = await build()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody is left with an unread error
            raise
        finally:
            self._building.pop(key, None)
        future.set_result(value)
        self._entries[key] = value
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()


#: The application's page cache (set by :func:`recognition.web.dashboard.routes.setup`). Kept beside its class
#: rather than in ``web/keys.py`` so the dashboard package and ``web.keys`` do not import each other.
PAGE_CACHE = web.AppKey("dashboard_pages", PageCache)
