"""Serving a poll's page, printable summary or PDF: from the page cache, built when the poll's figures changed.

The cached part is what every viewer of the same page sees (the page's main content, or the PDF); the parts that
differ per viewer (the sign-out form's CSRF token, the share-link panel) are rendered around it per request.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from recognition.figures import StatisticsOptions
from recognition.polls.model import Poll
from recognition.reports.numbers import Numbers, numbers_for
from recognition.reports.pdf import summary_pdf
from recognition.reports.views import FilterError, Page, build_page
from recognition.store import dashboard as dashboard_store
from recognition.store import objectives as objectives_store
from recognition.web.dashboard.cache import PAGE_CACHE
from recognition.web.dashboard.pages import render
from recognition.web.keys import POOL, SETTINGS

#: The query parameters a page depends on (anything else is ignored, and never reaches the cache key).
PARAMS = ("segment", "window", "metric", "wave", "lang")
VIEWS = {"poll": "reports/_poll_main.html", "summary": "reports/_summary_main.html"}


def page_query(request: web.Request) -> dict[str, str]:
    return {k: request.query[k] for k in PARAMS if k in request.query}


def html_error(status: int, message: str) -> web.Response:
    return web.Response(
        status=status,
        text=render("reports/error.html", status=status, message=message),
        content_type="text/html",
    )


def _poll_signature(poll: Poll) -> tuple[Any, ...]:
    return (poll.id, poll.name, poll.own_brand, repr(poll.brands), poll.status)


async def cached(
    request: web.Request,
    poll: Poll,
    view: str,
    base: str,
    make: Callable[[], Awaitable[tuple[Any, Page | None]]] | None = None,
) -> tuple[Any, Page | None]:
    """The cached output of ``view`` (``poll`` / ``summary``: main HTML; ``pdf``: bytes; or what ``make``
    builds) for this request's filters and language; FilterError when a filter names something the poll does
    not have."""
    pool, settings = request.app[POOL], request.app[SETTINGS]
    query = page_query(request)
    fmt = numbers_for(request.headers.get("Accept-Language"), query.get("lang"))
    async with pool.acquire() as conn:
        version = await dashboard_store.figures_version(conn, poll.id)
        objectives = await objectives_store.list_objectives(conn, poll.id)
    key = (
        _poll_signature(poll),
        version,
        tuple((o.id, o.metric, o.brand, o.segment, o.threshold, o.direction, o.label) for o in objectives),
        tuple(sorted(query.items())),
        fmt.locale,
        view,
        base,
    )

    async def build() -> Any:
        async with pool.acquire() as conn:
            page = await build_page(conn, settings, poll, query, fmt=fmt, objectives=objectives)
        stats = StatisticsOptions.from_settings(settings)
        if view == "pdf":
            return await asyncio.get_running_loop().run_in_executor(None, summary_pdf, page, stats), page
        return render(VIEWS[view], page=page, base=base, stats=stats), page

    return await request.app[PAGE_CACHE].get(key, make or build)


@dataclass(frozen=True)
class Body:
    """A whole page that is the same for every viewer, kept with its gzip form and ETag."""

    html: bytes
    gzipped: bytes
    etag: str

    @classmethod
    def of(cls, text: str) -> Body:
        html = text.encode()
        return cls(html, gzip.compress(html, 6), '"' + hashlib.sha256(html).hexdigest()[:32] + '"')


def _page_html(
    poll: Poll, view: str, base: str, shared: bool, main: str, page: Page | None, **context: Any
) -> str:
    return render(
        "reports/poll.html" if view == "poll" else "reports/summary.html",
        main=main,
        base=base,
        home=base if shared else "/dashboard",
        shared=shared,
        title=poll.name,
        query=page.filters.query() if page is not None else "",
        **{"csrf": "", "shares": None, **context},
    )


async def page_response(
    request: web.Request,
    poll: Poll,
    view: str,
    base: str,
    *,
    shared: bool,
    context: Mapping[str, Any] | None = None,
) -> web.Response:
    """The HTML of a poll page or printable summary. With a per-viewer ``context`` (the signed-in page: its
    CSRF token, its share links) the page is rendered around the cached main part; without one the whole page,
    compressed, comes from the cache."""
    try:
        main, page = await cached(request, poll, view, base)
        if context is not None:
            text = _page_html(poll, view, base, shared, main, page, **context)
            return web.Response(text=text, content_type="text/html")

        async def whole() -> tuple[Body, None]:
            return Body.of(_page_html(poll, view, base, shared, main, page)), None

        body, _ = await cached(request, poll, f"{view}:whole", base, whole)
    except FilterError as exc:
        return html_error(400, str(exc))
    if body.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers={"ETag": body.etag})
    headers = {"ETag": body.etag, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return web.Response(body=body.gzipped, content_type="text/html", charset="utf-8", headers=headers)
    return web.Response(body=body.html, content_type="text/html", charset="utf-8", headers=headers)


async def pdf_response(request: web.Request, poll: Poll, base: str) -> web.Response:
    try:
        data, page = await cached(request, poll, "pdf", base)
    except FilterError as exc:
        return html_error(400, str(exc))
    name = (
        "summary.pdf"
        if page is None or page.wave is None
        else f"summary-{page.wave.scheduled_at:%Y-%m-%d}.pdf"
    )
    return web.Response(
        body=data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def numbers_of(request: web.Request) -> Numbers:
    return numbers_for(request.headers.get("Accept-Language"), request.query.get("lang"))
