"""A simulated respondent spends its drawn duration on the whole survey, however many pages it has: the think time
is spread over the pages the survey's progress bar announces (``<progress max="n">``), so a longer questionnaire
does not make every respondent slower than drawn."""

from __future__ import annotations

import random
import time

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from panels.simulated.respondents import SimulatedRespondent
from panels.simulated.walkers import Walker, walk

SCALE = 0.002
DURATION = 500.0  # simulated seconds: one second of wall-clock time at SCALE


def _survey(pages: int) -> web.Application:
    """A survey of ``pages`` screens, each a one-question form under a progress bar, then the exit."""
    answered: dict[str, int] = {}

    def page(step: int) -> web.Response:
        body = (
            f'<progress id="progress" max="{pages}" value="{step}"></progress>'
            f'<form method="post" action="/survey/1"><input type="hidden" name="screen" value="s{step}">'
            '<input type="radio" name="q" value="a"><input type="radio" name="q" value="b">'
            '<button type="submit">Next</button></form>'
        )
        return web.Response(text=body, content_type="text/html")

    async def start(request: web.Request) -> web.Response:
        response = web.Response(status=303, headers={"Location": "/survey/1"})
        response.set_cookie("rsession", "t")
        return response

    async def show(request: web.Request) -> web.Response:
        return page(answered.get("t", 0))

    async def submit(request: web.Request) -> web.Response:
        await request.post()
        answered["t"] = answered.get("t", 0) + 1
        if answered["t"] >= pages:
            return web.Response(status=303, headers={"Location": str(request.url.with_path("/exit"))})
        return page(answered["t"])

    async def exit_page(request: web.Request) -> web.Response:
        return web.Response(text="done")

    app = web.Application()
    app.router.add_get("/survey/1/start", start)
    app.router.add_get("/survey/1", show)
    app.router.add_post("/survey/1", submit)
    app.router.add_get("/exit", exit_page)
    return app


@pytest.mark.parametrize("pages", [8, 40])
async def test_a_walker_takes_its_drawn_duration_whatever_the_number_of_pages(pages: int) -> None:
    server = TestServer(_survey(pages))
    await server.start_server()
    person = SimulatedRespondent("P1", {}, {})
    walker = Walker(
        "P1", str(server.make_url("/survey/1/start")), person, {}, "acme", "normal", DURATION, 0, False
    )
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            started = time.perf_counter()
            exit_url = await walk(session, walker, random.Random(1), time_scale=SCALE)
            elapsed = time.perf_counter() - started
    finally:
        await server.close()
    assert exit_url is not None and exit_url.endswith("/exit")
    # Think time is the drawn duration less the one page before the bar shows (EXPECTED_PAGES' share), plus
    # loopback round trips: within 25% of the drawn duration at either length (40 pages once took 2.5×).
    assert DURATION * SCALE * 0.75 < elapsed < DURATION * SCALE * 1.25, elapsed
