"""The simulator's fault profiles: an opening forces the faults of the first provider API requests, in order."""

from __future__ import annotations

import random

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from panels.simulated.faults import FaultInjector, profile


async def _ok(request: web.Request) -> web.StreamResponse:
    return web.Response(text="handled")


async def test_an_opening_forces_its_faults_on_the_first_requests_then_the_draws_take_over() -> None:
    injector = FaultInjector(profile("none", opening=("drop_after", "error", "throttle")), random.Random(1))
    middleware = injector.middleware(("/api/",))
    statuses, handled = [], 0
    for _ in range(5):
        request = make_mocked_request("POST", "/api/announce")
        response = await middleware(request, _ok)
        statuses.append(response.status)
        handled += isinstance(response, web.Response) and response.text == "handled"
    # The first request was handled and its answer lost, the second met a server error, the third a 429; the
    # profile "none" draws no faults, so the rest were answered.
    assert statuses[1] in (500, 502, 503) and statuses[2] == 429
    assert statuses[0] == statuses[3] == statuses[4] == 200 and handled == 3
    assert injector.injected == {"drop_after": 1, "error": 1, "throttle": 1}
    # Requests outside the prefixes never meet a fault, nor spend the opening.
    assert (await middleware(make_mocked_request("GET", "/survey/1/start"), _ok)).status == 200


async def test_outside_the_prefixes_the_opening_is_not_spent() -> None:
    injector = FaultInjector(profile("none", opening=("error",)), random.Random(1))
    middleware = injector.middleware(("/api/",))
    assert (await middleware(make_mocked_request("GET", "/landing"), _ok)).status == 200
    assert (await middleware(make_mocked_request("GET", "/api/x"), _ok)).status in (500, 502, 503)


def test_an_opening_fault_that_does_not_exist_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'timeout'"):
        profile("heavy", opening=("error", "timeout"))
