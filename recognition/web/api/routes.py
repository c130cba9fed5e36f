"""The JSON API under ``/api/v1``, plus ``/openapi.json``, ``/docs`` and ``/metrics``.

``setup(app)`` registers every operation declared in the resource modules, the middlewares that rate-limit per
key, answer conditional reads and count requests, and the background-task registry for launched waves.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from recognition.web.api import admin, analysis, mentions, objectives, polls, scores, waves
from recognition.web.api.auth import KEY_CACHE, KeyCache
from recognition.web.api.docs_page import PAGE
from recognition.web.api.limits import RATE_LIMIT, RateLimit, conditional_middleware, rate_limit_middleware
from recognition.web.api.metrics import metrics, metrics_middleware
from recognition.web.api.openapi import build_document
from recognition.web.api.ops import RESPONSE_CACHE, Op, ResponseCache, add_routes, dumps

OPERATIONS: tuple[Op, ...] = (
    *polls.OPS,
    *waves.OPS,
    *scores.OPS,
    *analysis.OPS,
    *mentions.OPS,
    *objectives.OPS,
    *admin.OPS,
)
#: Every operation of this app, including those other modules add with :func:`add_operations`.
APP_OPERATIONS: web.AppKey[list[Op]] = web.AppKey("api_operations")
DOCUMENT = web.AppKey("openapi_document", dict[str, bytes])


def add_operations(app: web.Application, ops: Sequence[Op]) -> None:
    """Register more ``/api/v1`` operations (from another module's ``setup(app)``, after this one's): their
    routes, request checking and their place in ``/openapi.json``."""
    add_routes(app, ops)
    app[APP_OPERATIONS].extend(ops)


def _version() -> str:
    try:
        return version("recognition")
    except PackageNotFoundError:
        return "0"


async def openapi_json(request: web.Request) -> web.Response:
    cache = request.app[DOCUMENT]
    if "doc" not in cache:
        ops: list[Op] = request.app[APP_OPERATIONS]
        cache["doc"] = dumps(build_document(ops, version=_version())).encode()
    return web.Response(body=cache["doc"], content_type="application/json")


async def docs(request: web.Request) -> web.Response:
    return web.Response(
        text=PAGE,
        content_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline' 'self'; "
            "style-src 'unsafe-inline'"
        },
    )


def setup(app: web.Application) -> None:
    app[RATE_LIMIT] = RateLimit()
    app[RESPONSE_CACHE] = ResponseCache()
    app[KEY_CACHE] = KeyCache()
    app.middlewares.insert(0, metrics_middleware)
    from panels.http import CALL_OBSERVERS
    from recognition.web.api.metrics import observe_provider_call

    if observe_provider_call not in CALL_OBSERVERS:  # the counters are process-wide, like the registry
        CALL_OBSERVERS.append(observe_provider_call)
    app.middlewares.append(rate_limit_middleware)
    app.middlewares.append(conditional_middleware)
    waves.setup_tasks(app)
    app[APP_OPERATIONS] = []
    app[DOCUMENT] = {}
    add_operations(app, OPERATIONS)
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/docs", docs)
    app.router.add_get("/metrics", metrics)
