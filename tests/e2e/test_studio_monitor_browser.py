"""The studio in headless Chromium, as a marketing editor uses it, on a copy of the demo tracker served over
loopback HTTP: she signs in, previews the questionnaire in German at a phone's width (the survey's own page in
each frame), watches a wave's fieldwork monitor update itself, and codes a mention the coder could not place.
No console errors (the Content-Security-Policy would report anything it blocks), every control labelled, no
sideways scrolling on a 390 px phone; screenshots at 390 and 1280 px are written to ``tests/artifacts/``.

Without Chromium the test is skipped, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import polls as polls_store
from tests.conftest import demo_db_url
from tests.e2e.browser import Tab, need_browser, shoot, sign_in, until, viewport
from tests.integration.dashboard_support import plant_unplaced

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
]
db_url = pytest.fixture(demo_db_url)  # the demo tracker, a copy of its own

LAYOUT = """(() => {
  const unlabelled = [...document.querySelectorAll('select, input:not([type=hidden]), textarea, iframe')]
      .filter(e => e.tagName === 'IFRAME' ? !e.title : !(e.labels && e.labels.length) && !e.getAttribute('aria-label'));
  const empty = [...document.querySelectorAll('button, a')].filter(e => !e.textContent.trim());
  const small = [...document.querySelectorAll('main button, main a.button, main select')]
      .filter(e => e.getBoundingClientRect().height > 0 && e.getBoundingClientRect().height < 24);
  return {unlabelled: unlabelled.length, empty: empty.length, small: small.length,
          h1: document.querySelectorAll('h1').length,
          overflow: document.documentElement.scrollWidth - window.innerWidth};
})()"""


@pytest.fixture
async def served(
    settings: Settings, pool: asyncpg.Pool, demo_template: dict[str, Any], demo_keys: dict[str, str]
) -> AsyncIterator[dict]:
    need_browser()
    poll_id = demo_template["poll"]["id"]
    async with pool.acquire() as conn:
        await polls_store.update_poll(
            conn, poll_id, {"category_wording": {"en": "sportswear", "de": "Sportbekleidung"}}
        )
        wave_id = await conn.fetchval("SELECT max(id) FROM waves WHERE poll_id = $1", poll_id)
    await plant_unplaced(pool, poll_id, "Zoomerz", 2)
    server = TestServer(create_app(settings, pool=pool), host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        yield {"base": base, "poll": poll_id, "wave": wave_id, "key": demo_keys["editor"]}
    finally:
        await server.close()


async def test_an_editor_previews_watches_and_reviews(served: dict, page: Tab) -> None:
    base, poll, wave = served["base"], served["poll"], served["wave"]
    await viewport(page, 390)
    await sign_in(page, base, served["key"], f"/studio/trackers/{poll}/preview?lang=de&width=390")

    # The preview in German at a phone's width: every frame the survey's own page, 390 px wide.
    frames = await page.evaluate("[...document.querySelectorAll('iframe')].map(f => f.width)")
    assert len(frames) >= 8 and set(frames) == {"390"}
    welcome = await until(
        page,
        "(() => { const d = document.querySelector('iframe').contentDocument;"
        " return d && d.readyState === 'complete' && d.body && d.body.innerText; })()",
    )
    assert "Umfrage beginnen" in welcome and "Sportbekleidung" in welcome
    assert (
        await page.evaluate("document.querySelector('iframe').contentDocument.documentElement.lang") == "de"
    )
    layout = await page.evaluate(LAYOUT)
    assert layout == {"unlabelled": 0, "empty": 0, "small": 0, "h1": 1, "overflow": 0}, layout
    await shoot(page, "studio-preview-de-390", 390)
    await viewport(page, 1280)
    await page.goto(f"{base}/studio/trackers/{poll}/preview?lang=de&width=1280")
    assert set(await page.evaluate("[...document.querySelectorAll('iframe')].map(f => f.width)")) == {"1280"}
    await until(page, "document.querySelector('iframe').contentDocument?.body?.innerText.includes('Umfrage')")
    await shoot(page, "studio-preview-de-1280", 1280)

    # The fieldwork monitor of a wave: its figures, and the page updating itself while it is open.
    await page.goto(f"{base}/studio/waves/{wave}")
    figures = await page.evaluate("document.getElementById('figures').innerText")
    assert "Quota cells" in figures and "Incidence" in figures and "Cost so far" in figures
    assert await page.evaluate("document.querySelectorAll('.quotas tbody tr').length") >= 4
    await shoot(page, "studio-monitor-1280", 1280)
    await viewport(page, 390)
    await page.goto(f"{base}/studio/waves/{wave}")
    layout = await page.evaluate(LAYOUT)
    assert layout == {"unlabelled": 0, "empty": 0, "small": 0, "h1": 1, "overflow": 0}, layout
    status = await until(
        page,
        "(() => { const t = document.getElementById('live-status').textContent;"
        " return t.includes('final') && t; })()",
        seconds=20,
    )
    assert "The wave is published" in status
    await shoot(page, "studio-monitor-390", 390)

    # Mention review: code the spelling the coder could not place, by keyboard-reachable form controls.
    await page.goto(f"{base}/studio/trackers/{poll}/mentions")
    assert await page.evaluate("document.querySelector('input[name=fragment]').value") == "zoomerz"
    await page.evaluate("document.querySelector('select[name=brand_id]').value = 'acme'")
    await page.navigate_by("document.querySelector('.review form button').click()")
    result = await page.evaluate("document.getElementById('recode-result').innerText")
    assert "“zoomerz” is now coded as Acme" in result and "2 respondents coded differently" in result
    assert "→ Acme" in await page.evaluate("document.getElementById('learnt').innerText")
    layout = await page.evaluate(LAYOUT)
    assert layout["overflow"] == 0 and layout["unlabelled"] == 0, layout
    await shoot(page, "studio-review-390", 390)
    assert page.errors() == []
