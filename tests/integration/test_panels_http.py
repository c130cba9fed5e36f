"""The resilient HTTP client against a scripted local server: retries, Retry-After, idempotency, breaker."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from panels.base import ProviderRejected, ProviderUnavailable
from panels.http import CircuitBreaker, ResilientClient, RetryPolicy, loggable, retry_after_seconds


class Script:
    def __init__(self) -> None:
        self.responses: list[tuple[int, dict[str, str]]] = []
        self.seen: list[tuple[str, str | None]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((request.method, request.headers.get("Idempotency-Key")))
        status, headers = self.responses.pop(0) if self.responses else (200, {})
        return web.json_response({"ok": status < 400}, status=status, headers=headers)


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(0.5)
    return web.json_response({"ok": True})


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[Script, str]]:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/x", script.handle)
    app.router.add_route("*", "/slow/submissions/{id}/", slow)
    server = TestServer(app)
    await server.start_server()
    yield script, str(server.make_url("")).rstrip("/")
    await server.close()


def client(url: str, sleeps: list[float], **policy: float) -> ResilientClient:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    defaults = {"attempts": 4, "backoff": 0.1, "max_backoff": 1.0, "breaker_threshold": 100}
    return ResilientClient("test", url, policy=RetryPolicy(**{**defaults, **policy}), sleep=sleep)  # type: ignore[arg-type]


async def test_get_retries_5xx_with_growing_jittered_backoff(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.responses = [(500, {}), (502, {}), (503, {})]
    sleeps: list[float] = []
    c = client(url, sleeps)
    resp = await c.request("GET", "/x")
    await c.aclose()
    assert resp.status == 200 and len(script.seen) == 4
    assert [0.05 <= sleeps[0] <= 0.15, 0.1 <= sleeps[1] <= 0.3, 0.2 <= sleeps[2] <= 0.6] == [True] * 3


async def test_retry_after_is_honoured_on_429(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.responses = [(429, {"Retry-After": "3"}), (503, {"Retry-After": "2"})]
    sleeps: list[float] = []
    c = client(url, sleeps)
    assert (await c.request("GET", "/x")).status == 200
    await c.aclose()
    assert sleeps == [3.0, 2.0]


async def test_post_is_retried_only_with_an_idempotency_key(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.responses = [(503, {}), (503, {})]
    sleeps: list[float] = []
    c = client(url, sleeps)
    with pytest.raises(ProviderUnavailable):
        await c.request("POST", "/x", json_body={})
    assert len(script.seen) == 1
    resp = await c.request("POST", "/x", json_body={}, idempotency_key="k-1")
    await c.aclose()
    assert resp.status == 200
    assert script.seen[1:] == [("POST", "k-1"), ("POST", "k-1")]


async def test_4xx_is_not_retried(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.responses = [(409, {})]
    c = client(url, [])
    with pytest.raises(ProviderRejected) as err:
        await c.request("GET", "/x")
    await c.aclose()
    assert err.value.status == 409 and len(script.seen) == 1


async def test_breaker_opens_fails_fast_then_recovers(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.responses = [(500, {})] * 3
    c = client(url, [], attempts=1, breaker_threshold=3, breaker_reset=60)
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            await c.request("GET", "/x")
    with pytest.raises(ProviderUnavailable, match="circuit open"):
        await c.request("GET", "/x")
    assert len(script.seen) == 3  # the fourth call never left
    c.breaker.opened_at = c.breaker.clock() - 61  # time passes: half-open, one trial call
    assert (await c.request("GET", "/x")).status == 200
    assert c.breaker.state == "closed"
    await c.aclose()


async def test_connection_refused_is_unavailable() -> None:
    sleeps: list[float] = []
    c = client("http://127.0.0.1:9", sleeps, attempts=2)
    with pytest.raises(ProviderUnavailable):
        await c.request("GET", "/x")
    await c.aclose()
    assert len(sleeps) == 1


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    breaker = CircuitBreaker(2, 5.0, clock=lambda: 100.0)
    breaker.failure()
    assert breaker.allow()
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()


async def test_a_call_someone_waits_for_gets_fewer_and_shorter_tries(
    scripted: tuple[Script, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A respondent's arrival confirmed server to server: ``waiting_attempts`` tries of at most
    ``waiting_timeout`` seconds each, where fieldwork's calls keep the whole budget; the respondent's id in the
    path is not logged."""
    script, url = scripted
    script.responses = [(503, {})] * 5
    sleeps: list[float] = []
    c = client(url, sleeps, attempts=6, waiting_attempts=3, waiting_timeout=0.05, timeout=5.0)
    with pytest.raises(ProviderUnavailable, match="after 3 attempt"):
        await c.request("GET", "/x", waiting=True)
    assert len(script.seen) == 3 and len(sleeps) == 2
    assert (await c.request("GET", "/x")).status == 200  # the other two 503s, then the answer
    with caplog.at_level(logging.DEBUG, logger="panels.http"):
        with pytest.raises(ProviderUnavailable, match="TimeoutError"):
            await c.request("GET", "/slow/submissions/5f0c3a9e2b7d4e1a8c6b9d02/", waiting=True)
        assert (await c.request("GET", "/slow/submissions/5f0c3a9e2b7d4e1a8c6b9d02/")).status == 200
    await c.aclose()
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "panels.http"]
    assert [e["path"] for e in logged] == ["/slow/submissions/[id]/"] * 2
    assert "5f0c3a9e" not in caplog.text


def test_respondents_ids_are_left_out_of_logged_paths() -> None:
    assert loggable("/submissions/abc/") == "/submissions/[id]/"
    assert loggable("/submissions/abc/transition/") == "/submissions/[id]/transition/"
    assert loggable("/fulfillment/respondents/0a1b-2c") == "/fulfillment/respondents/[id]"
    assert loggable("/buyers/v3/surveys/12/transactions/t-9") == "/buyers/v3/surveys/12/transactions/[id]"
    for kept in (
        "/submissions/bulk-approve/",
        "/studies/5f0c/submissions/counts/",
        "/fulfillment/respondents/transition",
        "/submissions/",
        "/v1/projects/P1/submissions",
    ):
        assert loggable(kept) == kept
