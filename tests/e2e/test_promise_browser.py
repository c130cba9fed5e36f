"""The service promise in headless Chromium, on a copy of the demo tracker served over loopback HTTP: the
marketer decides one feature through the API, opens the poll page, follows its link to the promise and sees the
three lists, her decision marked as hers; and she decides in the studio's form, overriding the analysis (a paid
add-on without a price is refused in plain words beside the feature), sees the promise show her override, and
clears it again. No console errors (the Content-Security-Policy would report anything it
blocks), no sideways scrolling on a 390 px phone; screenshots at 390 and 1280 px are written to
``tests/artifacts/``.

Without Chromium the test is skipped, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from recognition.app import create_app
from recognition.settings import Settings
from tests.conftest import demo_db_url
from tests.e2e.browser import Tab, choose, need_browser, shoot, sign_in, type_into

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
db_url = pytest.fixture(demo_db_url)  # the demo tracker, a copy of its own


@pytest.fixture
async def served(
    settings: Settings, pool: asyncpg.Pool, demo_template: dict[str, Any], demo_keys: dict[str, str]
) -> AsyncIterator[dict[str, Any]]:
    need_browser()
    server = TestServer(create_app(settings, pool=pool), host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        yield {
            "base": base,
            "poll": demo_template["poll"]["id"],
            "key": demo_keys["editor"],
            "viewer": demo_keys["viewer"],
        }
    finally:
        await server.close()


async def test_the_marketer_reads_her_service_promise(served: dict[str, Any], page: Tab) -> None:
    base, poll, key = served["base"], served["poll"], served["key"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {key}"}) as api:
        decided = await api.put(
            f"{base}/api/v1/polls/{poll}/service/decisions/evening-advice",
            json={"choice": "paid_add_on", "price": 45, "note": "for the premium line"},
        )
        assert decided.status == 200, await decided.text()
    await sign_in(page, base, key, f"/dashboard/polls/{poll}")
    await page.navigate_by("document.querySelector('#service a[href$=\"/promise\"]').click()")
    assert await page.evaluate("location.pathname") == f"/dashboard/polls/{poll}/promise"
    headings = await page.evaluate("[...document.querySelectorAll('main h2')].map(h => h.textContent)")
    assert headings[:3] == ["We promise", "We offer for a price", "We do not promise"]
    offered = await page.evaluate("document.querySelector('#offered').innerText")
    assert "phone advice in the evening — 45.00 USD" in offered
    assert (
        "Decided by the marketer (overriding the analysis)" in offered and "for the premium line" in offered
    )
    assert await page.evaluate("document.querySelectorAll('main h1').length") == 1
    await shoot(page, "promise-390", 390, min_bytes=10_000)
    await shoot(page, "promise-1280", 1280, min_bytes=10_000)
    assert page.errors() == []


#: Another choice than the analysis' (the demo's analysis decides what it recommends).
OVERRIDE = {"standard": "do_not_promise", "paid_add_on": "standard", "do_not_promise": "standard"}
SECTION = {"standard": "#promised", "paid_add_on": "#offered", "do_not_promise": "#not_promised"}


async def test_the_marketer_overrides_the_analysis_in_the_studio_form(
    served: dict[str, Any], page: Tab
) -> None:
    base, poll, key = served["base"], served["poll"], served["key"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {key}"}) as api:
        promise = await (await api.get(f"{base}/api/v1/polls/{poll}/service/promise")).json()
    item = next(
        i for name in ("promised", "offered", "not_promised") for i in promise[name] if i["id"] == "repairs"
    )
    wanted = OVERRIDE[item["analysis"]["recommendation"]]
    path = f"/studio/trackers/{poll}/service"
    await sign_in(page, base, key, path)
    form = "#feature-repairs form.decide"
    follow = await page.evaluate(f"document.querySelector('{form} select').selectedOptions[0].textContent")
    assert follow.startswith("Follow the analysis")

    await choose(page, "#choice-repairs", "paid_add_on")  # without its price: refused, in the API's words
    await page.navigate_by(f"document.querySelector('{form} button').click()")
    alert = await page.evaluate("document.querySelector('#feature-repairs [role=alert]').textContent")
    assert "a paid add-on needs its price" in alert
    assert await page.evaluate("document.querySelector('#choice-repairs').value") == "paid_add_on"

    await choose(page, "#choice-repairs", wanted)
    await type_into(page, "#note-repairs", "decided in the studio")
    await page.navigate_by(f"document.querySelector('{form} button').click()")
    assert await page.evaluate("location.pathname + location.search") == path + "?done=decided"
    status = await page.evaluate("document.querySelector('#feature-repairs .standing').textContent")
    assert "Your decision" in status and "overriding the analysis" in status
    await shoot(page, "service-decisions-390", 390, min_bytes=10_000)
    await shoot(page, "service-decisions-1280", 1280, min_bytes=10_000)

    await page.goto(f"{base}/dashboard/polls/{poll}/promise")
    listed = await page.evaluate(f"document.querySelector('{SECTION[wanted]}').innerText")
    repairs = listed[listed.index("free repairs for a year") :]
    assert repairs.split("\n")[1].startswith("Decided by the marketer (overriding the analysis)")
    assert "decided in the studio" in repairs

    await page.goto(base + path)
    await page.navigate_by("document.querySelector('#feature-repairs form.inline button').click()")
    assert await page.evaluate("location.search") == "?done=cleared"
    assert await page.evaluate("document.querySelector('#feature-repairs form.inline')") is None
    await page.goto(f"{base}/dashboard/polls/{poll}/promise")
    listed = await page.evaluate(
        f"document.querySelector('{SECTION[item['analysis']['recommendation']]}').innerText"
    )
    repairs = listed[listed.index("free repairs for a year") :]
    assert repairs.split("\n")[1].startswith("Follows the analysis")
    assert [e for e in page.errors() if "status of 400" not in e] == []  # only the refused form
