"""Operations endpoints: liveness (``/healthz``), readiness (``/readyz``) and Prometheus metrics (``/metrics``).

``/metrics`` holds service-wide figures only (requests by route template and status, latency, provider calls,
waves by state summed over every organisation): no organisation, poll, key, token or respondent appears in it.
It is open unless ``server.metrics_token`` is set; then it answers 401 without ``Authorization: Bearer <token>``
(wrong tokens count as failed authentications, :mod:`recognition.web.throttle`). ``/readyz`` names the failing
part (the database, pending migrations) but never an error's text, which could carry a host name or a user.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from recognition.db import pending_migrations
from recognition.store import waves as waves_store
from recognition.web.api.errors import Problem
from recognition.web.keys import AUTH_THROTTLE, METRICS, POOL, SETTINGS

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        async with request.app[POOL].acquire(timeout=2) as conn:
            pending = await pending_migrations(conn)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        log.warning("not ready: %s: %s", type(exc).__name__, exc)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    if pending:
        names = [f"{m.version:04d}_{m.name}" for m in pending]
        return web.json_response({"status": "unavailable", "pending_migrations": names}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "migrations": "current"})


def _check_metrics_token(request: web.Request) -> None:
    token = request.app[SETTINGS].server_metrics_token
    if not token:
        return
    throttle = request.app[AUTH_THROTTLE]
    throttle.refuse(request)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode()
    ):
        if given:
            throttle.failed(request)
        raise Problem(
            401,
            "Unauthorized",
            "send the metrics token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )


async def metrics_page(request: web.Request) -> web.Response:
    _check_metrics_token(request)
    async with request.app[POOL].acquire() as conn:
        counts = await waves_store.count_by_state(conn)
    return web.Response(
        body=request.app[METRICS].render(counts),
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
