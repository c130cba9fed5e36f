"""The aiohttp application: ``create_app(settings)``.

Resources live under typed :class:`aiohttp.web.AppKey` s and are opened and closed in ``cleanup_ctx``; nothing is
kept in module globals. A pool may be passed in (tests, ``demo``) instead of being opened from the settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from recognition.api import auth, errors, health, scores
from recognition.db import database
from recognition.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)


def create_app(settings: Settings, *, pool: asyncpg.Pool | None = None) -> web.Application:
    app = web.Application(
        middlewares=[errors.problem_middleware, auth.auth_middleware],
        client_max_size=1024 * 1024,
    )
    app[SETTINGS] = settings
    if pool is not None:
        app[POOL] = pool
    else:

        async def open_database(app: web.Application) -> AsyncIterator[None]:
            async with database(settings) as opened:
                app[POOL] = opened
                yield

        app.cleanup_ctx.append(open_database)
    health.setup(app)
    scores.setup(app)
    return app
