"""The service's own middlewares and its access log (the API's middlewares live in :mod:`recognition.web.api`).

* :func:`metrics_middleware` counts and times every request.
* :func:`security_headers` gives every response ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
  no-referrer`` (a share link's token must never leave in a ``Referer``), and every HTML page a
  Content-Security-Policy (:data:`PAGE_POLICY` unless the page set its own, which always gets
  ``frame-ancestors 'none'``), ``X-Frame-Options: DENY`` and ``Cache-Control: no-store`` unless the page chose
  its own caching; every answer under the dashboard's, the studio's and share links' paths (:func:`is_page`: PDFs, redirects,
  errors) gets the page headers too. Page routes refine by setting these headers themselves.
* :class:`AccessLogger` writes one line per request with :func:`loggable_path`: the path with share tokens
  redacted and without the query string (which carries respondents' ids and link signatures), the status, the
  size and the time taken; never the client's address, its user agent or any other header.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, MutableMapping

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from recognition.web.keys import METRICS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The policy of an HTML page that sets none: nothing by default, scripts, styles, fonts and fetches from the
#: service itself only (nothing inline: the charts are SVG with presentation attributes), images from itself or
#: data: URLs, forms posted to itself, never framed.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: Paths whose every answer is treated as a page (HTML, the PDF built from one, redirects and errors).
PAGE_PREFIXES = ("/dashboard", "/share/", "/shared/", "/studio/")
#: Every response gets these unless the handler chose otherwise.
ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
#: Path segments that are secrets (a share token follows /share/).
_SECRET_SEGMENT = re.compile(r"(/share/)[^/?#]+")


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request. Outermost, so errors rendered by the problem middleware are counted too."""
    start = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        info = request.match_info.route.resource
        route = info.canonical if info is not None else "unmatched"
        metrics = request.app[METRICS]
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.latency.labels(route).observe(time.perf_counter() - start)


def is_page(path: str) -> bool:
    """Whether every answer under ``path`` is a dashboard or share page (or its PDF)."""
    return path == "/dashboard" or path.startswith(PAGE_PREFIXES)


def secure_headers(headers: MutableMapping[str, str], content_type: str, path: str = "") -> None:
    """Add the security headers to a response's ``headers`` (see the module docstring)."""
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    if content_type != "text/html" and not is_page(path):
        return
    policy = headers.get("Content-Security-Policy")
    if policy is None:
        headers["Content-Security-Policy"] = PAGE_POLICY
    elif "frame-ancestors" not in policy:
        headers["Content-Security-Policy"] = policy.rstrip("; ") + "; frame-ancestors 'none'"
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cache-Control", "no-store")


def _content_type(headers: MutableMapping[str, str]) -> str:
    return headers.get("Content-Type", "").split(";")[0].strip().lower()


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every response, errors included (registered just inside the metrics middleware)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        secure_headers(exc.headers, _content_type(exc.headers), request.path)
        raise
    if not response.prepared:
        secure_headers(response.headers, response.content_type, request.path)
    return response


def loggable_path(path: str) -> str:
    """``path`` as it may be logged: share tokens replaced by ``[token]``, the query string dropped."""
    return _SECRET_SEGMENT.sub(r"\1[token]", path.split("?", 1)[0])


class AccessLogger(AbstractAccessLogger):
    """One line per request with nothing that identifies a person or unlocks a page (see the module docstring).
    Use it as ``web.AppRunner(app, access_log_class=AccessLogger)``."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %s %.3fs",
            request.method,
            loggable_path(request.rel_url.raw_path),
            response.status,
            response.body_length,
            time,
        )
