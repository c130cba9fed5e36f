"""The aiohttp application: ``create_app(settings)`` assembles the whole service in one place.

Every middleware, route group and background task is listed here, in order; resources live under the typed keys
of :mod:`recognition.web.keys` (nothing in module globals) and are opened and closed in ``cleanup_ctx``. A pool
may be passed in (tests, ``demo``) instead of being opened from the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from panels.registry import ProviderConfig, ProviderRegistry
from recognition import providers
from recognition.alerts import loop as alert_loop
from recognition.db import databases
from recognition.polls.model import Poll
from recognition.settings import Settings
from recognition.store.waves import Wave
from recognition.waves.lifecycle import WaveRunner, provider_fieldwork, resume_unfinished
from recognition.waves.quality import QualityRules
from recognition.waves.scheduler import PollScheduler
from recognition.web import studio, webhooks
from recognition.web.api import auth, errors, health, limits
from recognition.web.api import routes as api_routes
from recognition.web.api.bodies import MAX_BODY
from recognition.web.caches import KeyCache, RateLimit, ResponseCache
from recognition.web.dashboard import routes as dashboard_routes
from recognition.web.keys import (
    AUTH_THROTTLE,
    FIELDWORK,
    KEY_CACHE,
    METRICS,
    PAGE_POOL,
    POOL,
    PROVIDERS,
    QUALITY_RULES,
    QUESTIONNAIRES,
    RATE_LIMIT,
    RESPONSE_CACHE,
    SCHEDULER,
    SETTINGS,
    WAVES,
)
from recognition.web.metrics import Metrics
from recognition.web.middleware import metrics_middleware, security_headers
from recognition.web.survey import routes as survey_routes
from recognition.web.throttle import AuthThrottle


def create_app(
    settings: Settings, *, pool: asyncpg.Pool | None = None, page_pool: asyncpg.Pool | None = None
) -> web.Application:
    app = web.Application(
        middlewares=[
            metrics_middleware,  # outermost: every request is counted, errors included
            security_headers,  # CSP, no framing, no referrer, no-store on pages, on every answer
            errors.problem_middleware,  # one error shape for the API
            auth.auth_middleware,  # /api/v1 needs a key; the key's organisation scopes every query
            limits.rate_limit_middleware,  # per key
            limits.conditional_middleware,  # ETag / If-None-Match, gzip
            dashboard_routes.html_errors,  # dashboard and share pages answer errors with a page
        ],
        client_max_size=MAX_BODY,  # one limit for every route
    )
    metrics = Metrics()
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[PROVIDERS] = ProviderRegistry(ProviderConfig.from_settings(settings), observer=metrics.provider_call)
    app[RATE_LIMIT] = RateLimit()
    app[AUTH_THROTTLE] = AuthThrottle(settings.server_auth_failures, settings.server_trusted_proxies)
    app[KEY_CACHE] = KeyCache()
    app[RESPONSE_CACHE] = ResponseCache()
    app[QUALITY_RULES] = QualityRules()
    app[QUESTIONNAIRES] = {}

    # Routes: operations endpoints, the JSON API (with the dashboard's JSON operations), the hosted survey, the
    # dashboard pages, the tracker studio and provider webhooks.
    health.setup(app)
    api_routes.setup(app, extra=dashboard_routes.OPERATIONS)
    survey_routes.setup(app)
    dashboard_routes.setup(app)
    studio.setup(app)
    webhooks.setup(app)

    # Background work, opened in this order and closed in reverse.
    if pool is not None:
        app[POOL] = pool
        app[PAGE_POOL] = page_pool or pool
    else:
        app.cleanup_ctx.append(open_database)
    app.cleanup_ctx.append(close_providers)
    app.cleanup_ctx.append(run_waves)
    if settings.scheduling_enabled:
        app.cleanup_ctx.append(run_scheduler)
    if settings.alerts_enabled:
        app.cleanup_ctx.append(run_alerts)
    return app


async def open_database(app: web.Application) -> AsyncIterator[None]:
    """The main pool, and the survey pages' own (see :data:`recognition.web.keys.PAGE_POOL`)."""
    async with databases(app[SETTINGS], pages=True) as pools:
        app[POOL] = pools.main
        app[PAGE_POOL] = pools.pages or pools.main
        yield


async def close_providers(app: web.Application) -> AsyncIterator[None]:
    """Provider adapters (and an in-process simulator) live as long as the application; closed after fieldwork
    stopped (cleanup runs in reverse order). Organisations' own credentials are read from the database."""
    app[PROVIDERS].credentials = providers.source(app[POOL], app[SETTINGS].survey_secret)
    yield
    await app[PROVIDERS].aclose()


async def run_waves(app: web.Application) -> AsyncIterator[None]:
    """Waves in fieldwork in this instance: launched through the API or by the scheduler; when this instance
    runs schedules, it also resumes the waves a previous run left in flight."""
    fieldwork = app.get(FIELDWORK) or provider_fieldwork(app[POOL], app[SETTINGS], app[PROVIDERS])
    runner = app[WAVES] = WaveRunner(fieldwork)
    if app[SETTINGS].scheduling_enabled:
        await resume_unfinished(app[POOL], runner)
    yield
    await runner.aclose()


async def run_scheduler(app: web.Application) -> AsyncIterator[None]:
    """Poll schedules in this instance: jobs from the polls table, new waves handed to the wave runner."""
    runner = app[WAVES]

    async def on_wave(poll: Poll, wave: Wave) -> None:
        runner.start(poll, wave)

    scheduler = PollScheduler(app[POOL], on_wave=on_wave, policy=app[SETTINGS].scheduling_misfire_policy)  # type: ignore[arg-type]
    app[SCHEDULER] = scheduler
    await scheduler.start()
    yield
    await scheduler.stop()


async def run_alerts(app: web.Application) -> AsyncIterator[None]:
    """The alert loop: evaluate published waves and deliver what they raise, every ``alerts.interval``."""
    task = asyncio.create_task(alert_loop.run(app[POOL], app[SETTINGS]), name="alerts")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
