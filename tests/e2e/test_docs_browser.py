"""The API's ``/docs`` page in headless Chromium: the operations listed from ``/openapi.json``, prose without
literal backticks, method badges readable (their text colour differs from their background), curl lines a shell
runs as written (the key as ``"$KEY"`` in double quotes), an empty required path field named on the page with no
request sent to a literal ``{poll_id}`` address, and a filled-in call answered by the service."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import orgs, polls
from tests.e2e.browser import Tab, open_tab
from tests.integration.survey_world import BRANDS

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
async def server(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestServer]:
    running = TestServer(create_app(settings, pool=pool), host="127.0.0.1")
    await running.start_server()
    yield running
    await running.close()


async def _until(tab: Tab, expression: str, what: str) -> None:
    for _ in range(100):
        if await tab.evaluate(expression):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the /docs page never showed {what}")


async def test_the_docs_page_lists_and_calls_operations_as_written(
    server: TestServer, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "docs-org")
        key, _ = await orgs.create_key(conn, org, "viewer")
        poll = await polls.create_poll(
            conn,
            org,
            name="t",
            category="c",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=100,
        )
    base = f"http://127.0.0.1:{server.port}"
    async with open_tab() as tab:
        await tab.send("Network.enable")
        await tab.goto(base + "/docs")
        await _until(tab, "document.querySelectorAll('details').length > 20", "its operations")
        intro = await tab.evaluate("document.querySelector('body > p, main > p, p').innerText")
        assert "`" not in await tab.evaluate("document.body.innerText"), intro
        assert await tab.evaluate("document.querySelectorAll('p code').length") > 0  # `code` spans rendered
        badges = json.loads(
            await tab.evaluate(
                """JSON.stringify([...new Set([...document.querySelectorAll('span.m')].map(b => b.textContent))]
                  .map(m => { const b = [...document.querySelectorAll('span.m')].find(x => x.textContent === m);
                              const s = getComputedStyle(b); return [m, s.color, s.backgroundColor]; }))"""
            )
        )
        assert {m for m, _, _ in badges} >= {"GET", "POST", "PUT", "DELETE"}
        for method, colour, background in badges:
            assert colour != background, (method, colour, background)

        # the poll operation: open it, send with the required path field empty
        opened = """(() => { const d = [...document.querySelectorAll('details')].find(d =>
            d.querySelector('.path').textContent === '/api/v1/polls/{poll_id}' &&
            d.querySelector('.m').textContent === 'GET'); d.open = true; window.__op = d; return !!d; })()"""
        assert await tab.evaluate(opened)
        curl = await tab.evaluate("window.__op.querySelector('pre').textContent")
        assert '-H "Authorization: Bearer $KEY"' in curl and "'$KEY" not in curl
        await tab.evaluate("window.__op.querySelector('button').click()")
        await _until(tab, "!!window.__op.querySelector('.missing')", "the missing field")
        message = await tab.evaluate("window.__op.querySelector('.missing').textContent")
        assert message == "Fill in poll_id first: it is required."
        await asyncio.sleep(0.3)
        sent = [
            e["params"]["request"]["url"]
            for e in tab.events
            if e.get("method") == "Network.requestWillBeSent"
            and "/api/v1/polls/" in e["params"]["request"]["url"]
        ]
        assert sent == [], sent

        # filled in, with a key: the service answers and the page shows it
        await tab.evaluate(f"document.getElementById('key').value = {json.dumps(key)}")
        await tab.evaluate(f"window.__op.querySelector('input').value = '{poll.id}'")
        await tab.evaluate("window.__op.querySelector('button').click()")
        await _until(tab, "window.__op.querySelector('pre').textContent.includes('HTTP ')", "the answer")
        answer = await tab.evaluate("window.__op.querySelector('pre').textContent")
        assert f"{base}/api/v1/polls/{poll.id}" in answer and "HTTP 200" in answer and '"name": "t"' in answer
        assert tab.errors() == []
