"""Operations endpoints: liveness (``/healthz``), readiness (``/readyz``) and Prometheus metrics (``/metrics``)."""

from __future__ import annotations

from aiohttp import web

from recognition.db import pending_migrations
from recognition.store import waves as waves_store
from recognition.web.keys import METRICS, POOL


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        async with request.app[POOL].acquire(timeout=2) as conn:
            pending = await pending_migrations(conn)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return web.json_response(
            {"status": "unavailable", "database": f"{type(exc).__name__}: {exc}"}, status=503
        )
    if pending:
        names = [f"{m.version:04d}_{m.name}" for m in pending]
        return web.json_response({"status": "unavailable", "pending_migrations": names}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "migrations": "current"})


async def metrics_page(request: web.Request) -> web.Response:
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
