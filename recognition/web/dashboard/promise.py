"""The service promise page and its PDF (``…/promise``, ``…/promise.pdf``), signed in or through a share link:
the same document the API serves (:func:`recognition.web.api.promise.read_promise`). Not page-cached: the
marketer's decisions change it between waves."""

from __future__ import annotations

import asyncio

from aiohttp import web

from recognition.polls.model import Poll
from recognition.reports.promise import HEADINGS, LISTS, analysis_words
from recognition.reports.promise_pdf import promise_pdf
from recognition.web.api.promise import read_promise
from recognition.web.dashboard.pages import render
from recognition.web.dashboard.serving import numbers_of
from recognition.web.keys import POOL


async def promise_page(request: web.Request, poll: Poll, base: str, *, shared: bool) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        promise = await read_promise(conn, poll)
    text = render(
        "reports/promise.html",
        promise=promise,
        lists=LISTS,
        headings=HEADINGS,
        words=analysis_words,
        fmt=numbers_of(request),
        base=base,
        home=base if shared else "/dashboard",
        shared=shared,
        title=poll.name,
    )
    return web.Response(text=text, content_type="text/html")


async def promise_pdf_response(request: web.Request, poll: Poll) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        promise = await read_promise(conn, poll)
    fmt = numbers_of(request)
    data = await asyncio.get_running_loop().run_in_executor(None, promise_pdf, promise, fmt)
    return web.Response(
        body=data,
        content_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="service-promise.pdf"'},
    )
