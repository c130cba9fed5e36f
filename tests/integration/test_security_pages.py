"""Attack suite, pages and logs: every HTML page carries a Content-Security-Policy that forbids framing, a
no-referrer policy, nosniff and (with data) no-store; share tokens and respondents' ids never reach the access
log, and neither does the client's address."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from recognition.app import create_app
from recognition.settings import Settings
from recognition.web.middleware import PAGE_POLICY, AccessLogger, loggable_path
from tests.integration.dashboard_support import sign_in
from tests.integration.links import make_link
from tests.integration.security_support import app_client, small_world


def _secure_page(resp: Any, *, own_policy: bool = False) -> None:
    headers = resp.headers
    assert resp.content_type == "text/html", (resp.url, resp.content_type)
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy, (resp.url, policy)
    assert (policy == PAGE_POLICY) != own_policy, (resp.url, policy)
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store", (resp.url, headers.get("Cache-Control"))


async def test_every_html_page_carries_the_security_headers(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await small_world(pool)
    token = await make_link(pool, settings, world.poll_id)
    async with app_client(settings, pool) as client:
        pages = [
            ("/dashboard/login", 200, False),
            ("/dashboard/polls/not-a-number", 302, False),  # redirected to sign in: not a page
            (f"/share/{token}", 303, False),  # sets the share's cookie, then the page without the token
            (f"/shared/{world.poll_id}", 200, False),
            (f"/share/{token}/summary", 303, False),
            (f"/shared/{world.poll_id}/summary", 200, False),
            ("/share/forged.token", 403, False),  # an error page is a page too
            ("/docs", 200, True),  # refines the policy (its script), framing still forbidden
            ("/survey/999", 400, True),  # the survey's own, stricter policy
            ("/survey/999/start?pid=p&exp=1&sig=s", 404, True),
        ]
        for path, status, own in pages:
            resp = await client.get(path, allow_redirects=False)
            assert resp.status == status, (path, resp.status)
            if status not in (302, 303):
                _secure_page(resp, own_policy=own)
        signed_in = await sign_in(client, world.keys["viewer"])
        assert signed_in.status == 303 and signed_in.headers["Referrer-Policy"] == "no-referrer"
        _secure_page(await client.get("/dashboard"))
        _secure_page(await client.get(f"/dashboard/polls/{world.poll_id}"))
        # Non-HTML answers are not pages, but never sniffed and never leak a referrer.
        for path in ("/api/v1/polls", "/openapi.json", "/healthz", "/metrics"):
            resp = await client.get(path, headers=world.auth())
            assert resp.headers["X-Content-Type-Options"] == "nosniff", path
            assert resp.headers["Referrer-Policy"] == "no-referrer", path
            assert "Content-Security-Policy" not in resp.headers, path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/share/eyJ0IjoicyJ9.c2ln", "/share/[token]"),
        ("/share/eyJ0IjoicyJ9.c2ln/summary?wave=3", "/share/[token]/summary"),
        ("/survey/12/start?pid=PARTICIPANT&exp=1&sig=abc", "/survey/12/start"),
        ("/api/v1/polls?cursor=x", "/api/v1/polls"),
    ],
)
def test_loggable_paths_hold_no_token_and_no_query(path: str, logged: str) -> None:
    assert loggable_path(path) == logged


async def test_the_access_log_redacts_tokens_and_keeps_no_address(
    settings: Settings, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    world = await small_world(pool)
    token = await make_link(pool, settings, world.poll_id)
    runner = web.AppRunner(
        create_app(settings, pool=pool),
        access_log=logging.getLogger("aiohttp.access"),
        access_log_class=AccessLogger,
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    # The server logs a request after its answer is sent: stop it (which waits for its handlers) before the
    # log level is put back, so no line is dropped however slow the machine.
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        try:
            async with aiohttp.ClientSession() as session:
                for path in (
                    f"/share/{token}",
                    f"/share/{token}/summary",
                    "/survey/1/start?pid=PARTICIPANT-42&sig=s",
                ):
                    headers = {"User-Agent": "probe/9", "Referer": token}
                    async with session.get(base + path, headers=headers, allow_redirects=False):
                        pass
        finally:
            await runner.cleanup()
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 3, lines
    assert lines[0].startswith("GET /share/[token] 303 ")
    assert lines[1].startswith("GET /share/[token]/summary 303 ")
    assert lines[2].startswith("GET /survey/1/start 404 ")
    text = "\n".join(lines)
    for secret in (token, token.split(".")[0], "PARTICIPANT-42", "127.0.0.1", "probe/9"):
        assert secret not in text, secret
