"""The JSON API under ``/api/v1``, plus ``/openapi.json`` and ``/docs``.

:func:`setup` registers every operation declared in the resource modules (and the extra ones another route group
declares, such as the dashboard's summary and alert settings) and the OpenAPI document built from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from recognition.web.api import (
    admin,
    analysis,
    banner,
    estimates,
    exports,
    fieldwork,
    insight,
    mentions,
    modelled,
    notice,
    objectives,
    polls,
    promise,
    providers,
    schedules,
    scores,
    service,
    smoothed,
    staff,
    waves,
)
from recognition.web.api.docs_page import PAGE
from recognition.web.api.openapi import build_document
from recognition.web.api.ops import Op, add_routes, dumps
from recognition.web.keys import OPENAPI, OPERATIONS

OPERATIONS_DECLARED: tuple[Op, ...] = (
    *polls.OPS,
    *schedules.OPS,
    *waves.OPS,
    *fieldwork.OPS,
    *scores.OPS,
    *smoothed.OPS,
    *analysis.OPS,
    *insight.OPS,
    *service.OPS,
    *promise.OPS,
    *modelled.OPS,
    *exports.OPS,
    *banner.OPS,
    *estimates.OPS,
    *mentions.OPS,
    *objectives.OPS,
    *notice.OPS,
    *admin.OPS,
    *providers.OPS,
    *staff.OPS,
)


def _version() -> str:
    try:
        return version("recognition")
    except PackageNotFoundError:
        return "0"


async def openapi_json(request: web.Request) -> web.Response:
    cache = request.app[OPENAPI]
    if "doc" not in cache:
        operations: list[Op] = request.app[OPERATIONS]
        cache["doc"] = dumps(build_document(operations, version=_version())).encode()
    return web.Response(body=cache["doc"], content_type="application/json")


async def docs(request: web.Request) -> web.Response:
    return web.Response(
        text=PAGE,
        content_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline' 'self'; "
            "style-src 'unsafe-inline'; img-src 'self' data:"
        },
    )


def setup(app: web.Application, *, extra: Sequence[Op] = ()) -> None:
    operations = [*OPERATIONS_DECLARED, *extra]
    add_routes(app, operations)
    app[OPERATIONS] = operations
    app[OPENAPI] = {}
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/docs", docs)
