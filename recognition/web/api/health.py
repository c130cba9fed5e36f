"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web

from recognition.db import pending_migrations


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    from recognition.app import POOL

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


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
