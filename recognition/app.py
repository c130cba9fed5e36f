"""The aiohttp application: ``create_app(settings)``.

Resources live under typed :class:`aiohttp.web.AppKey` s and are opened and closed in ``cleanup_ctx``; nothing is
kept in module globals. A pool may be passed in (tests, ``demo``) instead of being opened from the settings.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from panels.registry import ProviderConfig, ProviderRegistry
from recognition.db import database
from recognition.scheduling.scheduler import PollScheduler
from recognition.settings import Settings
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store
from recognition.store.polls import Poll
from recognition.store.waves import Wave
from recognition.web.api import auth, errors

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
SCHEDULER = web.AppKey("scheduler", PollScheduler)
PROVIDERS = web.AppKey("providers", ProviderRegistry)

#: Modules that add routes (and their own cleanup_ctx entries) through ``setup(app)``, in order.
ROUTE_MODULES = (
    "recognition.web.api.health",
    "recognition.web.api.routes",  # the JSON API for polls, waves, scores, objectives, exports
    "recognition.web.survey.routes",  # respondent-facing survey pages and provider webhooks
    "recognition.web.dashboard.routes",  # dashboard, summaries, share links
    "recognition.web.webhooks",  # provider webhooks (signed by the provider, outside /api/v1)
)


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
    app[PROVIDERS] = ProviderRegistry(ProviderConfig.from_settings(settings))
    app.cleanup_ctx.append(close_providers)
    if settings.scheduling_enabled:
        app.cleanup_ctx.append(run_scheduler)
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (
                name == exc.name or name.startswith(exc.name + ".")
            ):  # not part of this build
                continue
            raise
        module.setup(app)
    return app


async def close_providers(app: web.Application) -> AsyncIterator[None]:
    """Provider adapters (and an in-process simulator) live as long as the application; closed after fieldwork
    stopped (cleanup runs in reverse order)."""
    yield
    await app[PROVIDERS].aclose()
    from panels.registry import close_all

    await close_all()


async def run_scheduler(app: web.Application) -> AsyncIterator[None]:
    """Poll schedules in this instance: jobs from the polls table, new waves handed to fieldwork."""
    from recognition.waves.fieldwork import start_wave

    settings = app[SETTINGS]
    pool = app[POOL]

    async def on_wave(poll: Poll, wave: Wave) -> None:
        await start_wave(pool, settings, poll, wave, app[PROVIDERS])

    scheduler = PollScheduler(pool, on_wave=on_wave, policy=settings.scheduling_misfire_policy)  # type: ignore[arg-type]
    app[SCHEDULER] = scheduler
    # Waves a previous run left in flight are picked up again (a per-wave lock keeps one driver per wave).
    async with pool.acquire() as conn:
        unfinished = await conn.fetch(
            "SELECT id, poll_id FROM waves WHERE state NOT IN ('published', 'failed', 'cancelled') ORDER BY id"
        )
        for row in unfinished:
            poll = await polls_store.get_poll(conn, row["poll_id"])
            wave = await waves_store.get_wave(conn, row["id"])
            if poll is not None and wave is not None:
                scheduler.spawn(on_wave(poll, wave))
    await scheduler.start()
    yield
    await scheduler.stop()
