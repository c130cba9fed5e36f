"""The tracker studio in headless Chromium, as a marketing editor uses it: signs in with an editor's key, opens
"New tracker", sets up a German tracker (population de, language de) with her own image attribute and an
objective, watches the plan change as she types the sample size, sees a problem listed in the summary (which
takes the focus) and next to its field, fixes it, saves, and finds the tracker in the list. The service runs
in-process on a real database; the page is driven over the DevTools protocol. Screenshots of the editor at 390
and 1280 px are written to ``tests/artifacts/`` and checked to be real. No console errors (the page's
Content-Security-Policy would report any inline script or style it blocked).

Without Chromium the test is skipped, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import audit, orgs
from recognition.store import objectives as objectives_store
from recognition.store import polls as polls_store
from tests.e2e.browser import Tab, check_png, need_browser, open_tab

pytestmark = [pytest.mark.timeout(300)]


@pytest.fixture
async def server(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestServer]:
    need_browser()
    async with TestServer(create_app(settings, pool=pool), host="127.0.0.1") as s:
        yield s


async def _until(tab: Tab, expression: str, what: str, seconds: float = 10) -> Any:
    """The value of ``expression`` once it is truthy (the page fetches as it goes)."""
    for _ in range(int(seconds * 10)):
        value = await tab.evaluate(expression)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"the page never showed {what}")


async def _type(tab: Tab, selector: str, text: str) -> None:
    """Focus the field, clear it and type ``text`` as keystrokes would insert it."""
    await tab.evaluate(
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.value = ''; }})()"
    )
    await tab.send("Input.insertText", {"text": text})


def _set(selector: str, value: str) -> str:
    return (
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.value = {json.dumps(value)};"
        " e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )


PLAN_N = "((document.querySelector('#plan .plan-n') || {}).textContent || '')"
LABELLED = """(() => [...document.querySelectorAll('select, input:not([type=hidden]), textarea')]
  .filter(e => !e.closest('[hidden]') && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.id || e.className))()"""


async def _shoot(tab: Tab, width: int, name: str) -> None:
    await tab.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500},
    )
    await asyncio.sleep(0.3)
    overflow = await tab.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow} px wider than the screen"
    shot = await tab.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    check_png(base64.b64decode(shot["data"]), name, width)


async def test_an_editor_sets_up_a_german_tracker_in_the_browser(
    server: TestServer, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        org_id = await orgs.ensure_organisation(conn, "nordlauf-gmbh")
        key = (await orgs.create_key(conn, org_id, "editor"))[0]
    base = f"http://127.0.0.1:{server.port}"
    async with open_tab() as tab:
        await tab.goto(f"{base}/studio")  # signed out: sent to the sign-in form, then back
        assert "/dashboard/login" in await tab.evaluate("location.pathname")
        await tab.evaluate(_set("#api_key", key))
        await tab.navigate_by("document.querySelector('form.login').submit()")
        assert await tab.evaluate("location.pathname") == "/studio", await tab.evaluate(
            "location.href + document.body.innerText"
        )
        await tab.navigate_by("document.querySelector('a.button.primary').click()")
        assert await tab.evaluate("location.pathname") == "/studio/trackers/new"
        await _until(tab, PLAN_N, "the first plan")
        assert await tab.evaluate(LABELLED) == []

        await _type(tab, "#f-name", "Laufschuhe DE")
        await _type(tab, "#f-category-de", "Laufschuhe")
        await _type(tab, "#brand-rows li:nth-child(1) .brand-name", "Nordlauf")
        await _type(tab, "#brand-rows li:nth-child(1) .brand-aliases", "Nordlaufschuhe, nordluaf")
        await _type(tab, "#brand-rows li:nth-child(2) .brand-name", "Sprintwerk")
        names = await tab.evaluate(
            "[...document.querySelectorAll('#brand-rows .brand-own')].map(r => r.labels[0].textContent)"
        )
        assert names == ["Our own brand: Nordlauf", "Our own brand: Sprintwerk"]  # told apart when read aloud
        await tab.evaluate(_set("#f-population", "de"))
        await tab.evaluate(_set("#f-language", "de"))
        await tab.evaluate("document.getElementById('add-attribute').click()")
        await _type(tab, "#attribute-rows li .attr-en", "Grip")
        await _type(tab, "#attribute-rows li .attr-de", "Griffigkeit")
        await tab.evaluate(_set("#f-kind", "weekly"))
        await _until(tab, "document.querySelectorAll('#schedule-next li').length === 4", "the next waves")

        # the plan follows the sample size as she types it
        await _type(tab, "#f-sample-size", "2000")
        await _until(tab, f"{PLAN_N} === 'With 2000 completes per wave:'", "the plan for 2000 completes")
        large = await tab.evaluate("document.querySelector('#plan dd').textContent")
        await _type(tab, "#f-sample-size", "500")
        await _until(tab, f"{PLAN_N} === 'With 500 completes per wave:'", "the plan for 500 completes")
        small = await tab.evaluate("document.querySelector('#plan dd').textContent")
        assert float(small.strip("±").split()[0]) > float(large.strip("±").split()[0])

        await tab.evaluate("document.getElementById('add-objective').click()")
        row = "#objective-rows li:nth-child(1)"
        await tab.evaluate(_set(f"{row} .obj-metric", "aided"))
        await tab.evaluate(f"document.querySelector('{row} .obj-brand').dispatchEvent(new Event('focus'))")
        await tab.evaluate(_set(f"{row} .obj-brand", "nordlauf"))
        await _type(tab, f"{row} .obj-threshold", "40")
        await tab.evaluate("document.getElementById('add-objective').click()")
        second = "#objective-rows li:nth-child(2)"
        await tab.evaluate(_set(f"{second} .obj-metric", "prefer"))
        await tab.evaluate(f"document.querySelector('{second} .obj-brand').dispatchEvent(new Event('focus'))")
        await tab.evaluate(_set(f"{second} .obj-brand", "nordlauf"))
        await _type(tab, f"{second} .obj-threshold", "150")  # a share above 100 %
        assert await tab.evaluate(LABELLED) == []  # the rows she added are labelled too

        # a sample too small: listed in the summary, which takes the focus, and next to its field
        await _type(tab, "#f-sample-size", "20")
        # she moves on to the budget: the problem shows beside the sample size, not yet in a summary
        await tab.evaluate("document.getElementById('f-budget').focus()")
        await _until(
            tab,
            "(document.getElementById('f-sample-size').nextElementSibling || {}).className === 'error-message'"
            " && document.getElementById('error-summary').hidden",
            "the problem next to the sample size as she types",
        )
        await tab.evaluate("document.getElementById('save').click()")
        await _until(
            tab, "document.activeElement && document.activeElement.id === 'error-summary'", "the summary"
        )
        summary = await tab.evaluate("document.querySelector('#error-summary ul').textContent")
        beside = await tab.evaluate(
            "(() => { const e = document.getElementById('f-sample-size'); const m = e.nextElementSibling;"
            " return [e.getAttribute('aria-invalid'), m && m.className, m && m.textContent,"
            " (e.getAttribute('aria-describedby') || '').includes(m && m.id)]; })()"
        )
        assert "sample size" in summary and beside[0] == "true" and beside[1] == "error-message", beside
        assert beside[2] in summary and beside[3], beside
        await tab.evaluate("document.querySelector('#error-summary a').click()")
        focused = await tab.evaluate("document.activeElement.id")
        assert focused == "f-sample-size"  # the summary's link leads to the field
        await _shoot(tab, 390, "studio-editor-390")
        await _shoot(tab, 1280, "studio-editor-1280")

        await _type(tab, "#f-sample-size", "800")
        await _until(tab, f"{PLAN_N} === 'With 800 completes per wave:'", "the plan for 800 completes")
        # the tracker and the first objective are saved; the second objective's limit is told beside it
        await tab.evaluate("document.getElementById('save').click()")
        await _until(tab, "location.pathname.endsWith('/edit')", "the saved tracker's address")
        limit = await tab.evaluate(
            "document.querySelector('#objective-rows .obj-threshold').nextElementSibling.textContent"
        )
        assert limit.startswith("a share's limit lies between 0 % and 100 %"), limit
        assert await tab.evaluate("document.querySelectorAll('#objective-list li').length") == 1
        await _type(tab, "#objective-rows .obj-threshold", "15")
        await tab.navigate_by("document.getElementById('save').click()")
        assert await tab.evaluate("location.pathname") == "/studio"
        listing = await tab.evaluate("document.querySelector('main').textContent")
        assert "Saved “Laufschuhe DE”" in listing and "Every Monday at 07:00 (Europe/Berlin)" in listing
        # the tracker opens again for editing with what she set
        await tab.navigate_by("document.querySelector('td.links a').click()")
        await _until(tab, PLAN_N + " === 'With 800 completes per wave:'", "the stored tracker's plan")
        shown = await tab.evaluate(
            "[document.getElementById('f-name').value, document.getElementById('f-kind').value,"
            " document.querySelector('#attribute-rows .attr-de').value,"
            " document.querySelectorAll('#brand-rows li').length, document.getElementById('objective-list').textContent]"
        )
        assert shown[:4] == ["Laufschuhe DE", "weekly", "Griffigkeit", 2], shown
        assert "at least 40 %" in shown[4] and "at least 15 %" in shown[4], shown
        await _type(tab, "#f-sample-size", "900")  # a change sends only what she changed
        await _until(tab, PLAN_N + " === 'With 900 completes per wave:'", "the plan for 900 completes")
        await tab.navigate_by("document.getElementById('save').click()")
        assert await tab.evaluate("location.pathname") == "/studio"
        # a definition checked as she types answers 422 until it is right: the browser logs those, nothing else
        assert [e for e in tab.errors() if "status of 422" not in e] == []

    async with pool.acquire() as conn:
        (poll,) = await polls_store.list_polls(conn, org_id)
        objectives = await objectives_store.list_objectives(conn, poll.id)
        entries = await audit.list_entries(conn, org_id)
    assert (poll.population, poll.language, poll.sample_size) == ("de", "de", 900)
    assert poll.category_wording.get("de") == "Laufschuhe"
    assert {"id": "grip", "label": {"en": "Grip", "de": "Griffigkeit"}} in (poll.attributes or [])
    assert [b["aliases"] for b in poll.brands][0] == ["Nordlaufschuhe", "nordluaf"]
    assert [(o.metric, o.brand, o.direction, o.threshold) for o in objectives] == [
        ("aided", "nordlauf", "at_least", 0.4),
        ("prefer", "nordlauf", "at_least", 0.15),
    ]
    assert [e.action for e in reversed(entries)] == [
        "poll.create",
        "objective.create",
        "objective.create",
        "poll.update",
    ]
    assert entries[0].details["changed"] == ["sample_size"]
    assert poll.questionnaire_version == 1  # nothing that changes what respondents are asked
