"""The studio's whole flow in headless Chromium, as a new marketing editor goes through it with nothing but the
service and a browser: she signs in, sets up a German tracker (population de, language de) with her own image
attribute and an objective, previews it in German at a phone's width, launches a wave of 50 completes from the
tracker's fieldwork page (after a confirm step saying what it buys), watches its monitor update itself until the
wave is published, and codes a mention the coder could not place.

The service runs in-process as ``recognition demo`` serves it, with its own fieldwork (the app's wave runner and provider registry) against the
panel simulator on loopback, whose respondents take the hosted survey over HTTP. Screenshots of the fieldwork
page, the launch confirm step and the monitor at 390 and 1280 px are written to ``tests/artifacts/`` and
checked to be real. No console errors.

Without Chromium the test is skipped, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from panels.simulated.server import running_simulator
from recognition.demo import DEMO_TIME_SCALE, served_app
from recognition.settings import Settings
from recognition.store import orgs
from recognition.store import polls as polls_store
from tests.e2e.browser import Tab, check_png, need_browser, open_tab
from tests.integration.dashboard_support import plant_unplaced

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
    pytest.mark.timeout(300),
]
SAMPLE = 50
#: Wall-clock seconds per simulated second of a respondent's think time (the demo's).
TIME_SCALE = DEMO_TIME_SCALE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def served(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[dict[str, Any]]:
    """The service on loopback, its public address the one the panel's respondents are sent to, and the panel
    simulator it buys from; an editor's key of a new organisation."""
    need_browser()
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "nordlauf-gmbh")
        key, _ = await orgs.create_key(conn, org, "editor")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    async with running_simulator(rate=1500, seed=11, time_scale=TIME_SCALE) as sim:
        live = dataclasses.replace(settings, panels_simulator_url=sim.url, server_base_url=base)
        # the service as `recognition demo` serves it: the speeder floor scaled like the respondents' think time
        async with TestServer(served_app(pool, live), host="127.0.0.1", port=port):
            yield {"base": base, "key": key, "org": org}


async def _until(tab: Tab, expression: str, what: str, seconds: float = 15) -> Any:
    """The value of ``expression`` once it is truthy (polled; fails after ``seconds``)."""
    for _ in range(int(seconds * 10)):
        value = await tab.evaluate(expression)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"the page never showed {what}")


async def _type(tab: Tab, selector: str, text: str) -> None:
    await tab.evaluate(
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.value = ''; }})()"
    )
    await tab.send("Input.insertText", {"text": text})


def _set(selector: str, value: str) -> str:
    return (
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.value = {json.dumps(value)};"
        " e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )


async def _width(tab: Tab, width: int) -> None:
    await tab.send(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": 844 if width < 500 else 900,
            "deviceScaleFactor": 1,
            "mobile": width < 500,
        },
    )
    await asyncio.sleep(0.2)


async def _shoot(tab: Tab, name: str, width: int) -> None:
    """A screenshot of the page at ``width`` px, which must not scroll sideways."""
    await _width(tab, width)
    overflow = await tab.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow} px wider than the screen"
    shot = await tab.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    check_png(base64.b64decode(shot["data"]), name, width)


async def _create_tracker(tab: Tab) -> None:
    """The editor's "New tracker": a German tracker with two brands, her own attribute and an objective."""
    await tab.navigate_by("document.querySelector('a.button.primary').click()")
    assert await tab.evaluate("location.pathname") == "/studio/trackers/new"
    await _until(tab, "!!document.querySelector('#plan .plan-n')", "the first plan")
    await _type(tab, "#f-name", "Laufschuhe DE")
    await _type(tab, "#f-category-de", "Laufschuhe")
    await _type(tab, "#brand-rows li:nth-child(1) .brand-name", "Nordlauf")
    await _type(tab, "#brand-rows li:nth-child(2) .brand-name", "Sprintwerk")
    await tab.evaluate(_set("#f-population", "de"))
    await tab.evaluate(_set("#f-language", "de"))
    await tab.evaluate("document.getElementById('add-attribute').click()")
    await _type(tab, "#attribute-rows li .attr-en", "Grip")
    await _type(tab, "#attribute-rows li .attr-de", "Griffigkeit")
    await tab.evaluate("document.getElementById('add-objective').click()")
    row = "#objective-rows li:nth-child(1)"
    await tab.evaluate(_set(f"{row} .obj-metric", "aided"))
    await tab.evaluate(f"document.querySelector('{row} .obj-brand').dispatchEvent(new Event('focus'))")
    await tab.evaluate(_set(f"{row} .obj-brand", "nordlauf"))
    await _type(tab, f"{row} .obj-threshold", "40")
    await _type(tab, "#f-sample-size", str(SAMPLE))
    await _until(
        tab,
        f"(document.querySelector('#plan .plan-n') || {{}}).textContent === 'With {SAMPLE} completes per wave:'",
        f"the plan for {SAMPLE} completes",
    )
    await tab.navigate_by("document.getElementById('save').click()")
    listing = await tab.evaluate("location.pathname + ' ' + document.querySelector('main').textContent")
    assert listing.startswith("/studio ") and "Saved “Laufschuhe DE”" in listing, listing


async def test_a_new_editor_sets_up_a_tracker_and_publishes_its_first_wave(
    served: dict[str, Any], pool: asyncpg.Pool
) -> None:
    base = served["base"]
    async with open_tab() as tab:
        await _width(tab, 1280)
        await tab.goto(f"{base}/studio")
        assert "/dashboard/login" in await tab.evaluate("location.pathname")
        await tab.evaluate(_set("#api_key", served["key"]))
        await tab.navigate_by("document.querySelector('form.login').submit()")
        assert await tab.evaluate("location.pathname") == "/studio"
        await _create_tracker(tab)
        async with pool.acquire() as conn:
            (poll,) = await polls_store.list_polls(conn, served["org"])
        assert (poll.population, poll.language, poll.sample_size) == ("de", "de", SAMPLE)
        assert {"id": "grip", "label": {"en": "Grip", "de": "Griffigkeit"}} in (poll.attributes or [])

        # the questionnaire in German at a phone's width, every frame the survey's own page
        await _width(tab, 390)
        await tab.goto(f"{base}/studio/trackers/{poll.id}/preview?lang=de&width=390")
        assert set(await tab.evaluate("[...document.querySelectorAll('iframe')].map(f => f.width)")) == {
            "390"
        }
        welcome = await _until(
            tab,
            "(() => { const d = document.querySelector('iframe').contentDocument;"
            " return d && d.readyState === 'complete' && d.body && d.body.innerText; })()",
            "the survey's welcome page",
        )
        assert "Umfrage beginnen" in welcome and "Laufschuhe" in welcome, welcome
        await _shoot(tab, "studio-flow-preview-de-390", 390)

        # the fieldwork page: no waves yet, and the launch behind a confirm step saying what it buys
        await tab.goto(f"{base}/studio/trackers/{poll.id}/fieldwork")
        assert "no waves yet" in await tab.evaluate("document.querySelector('main').textContent")
        await _shoot(tab, "studio-flow-fieldwork-1280", 1280)
        await tab.navigate_by("document.querySelector('.launch a.button').click()")
        assert await tab.evaluate("location.pathname") == f"/studio/trackers/{poll.id}/launch"
        said = await tab.evaluate("document.querySelector('.consequences').innerText")
        assert f"A wave of {SAMPLE} completes is bought from simulated" in said and "within seconds" in said
        await _shoot(tab, "studio-flow-launch-390", 390)
        await _shoot(tab, "studio-flow-launch-1280", 1280)
        await tab.navigate_by("document.querySelector('form.confirm button').click()")
        where = await tab.evaluate("location.pathname + location.search")
        assert where.startswith("/studio/waves/") and where.endswith("?done=launch"), where
        wave_id = int(where.split("/")[3].split("?")[0])
        assert "The wave is launched" in await tab.evaluate("document.querySelector('main').innerText")

        # the monitor follows the wave by itself until it is published
        await _until(
            tab,
            "document.getElementById('figures').innerText.includes('Quota cells')",
            "the wave's quota cells",
            seconds=60,
        )
        await _shoot(tab, "studio-flow-monitor-fielding-1280", 1280)
        try:
            status = await _until(
                tab,
                "(() => { const t = document.getElementById('live-status').textContent;"
                " return t.includes('final') && t; })()",
                "the wave published",
                seconds=120,
            )
        except AssertionError:
            async with pool.acquire() as conn:
                row = await conn.fetchrow("SELECT state, state_reason FROM waves WHERE id = $1", wave_id)
                counts = await conn.fetch(
                    "SELECT status, count(*) FROM respondents WHERE wave_id = $1 GROUP BY status", wave_id
                )
            figures = await tab.evaluate("document.getElementById('figures').innerText")
            raise AssertionError(f"wave {wave_id} not published: {dict(row)} {counts} {figures}") from None
        assert "The wave is published" in status, status
        controls = await tab.evaluate("document.getElementById('actions').innerText")
        assert "nothing left to control" in controls and "Cancel" not in controls, controls
        await _shoot(tab, "studio-flow-monitor-published-1280", 1280)
        await _shoot(tab, "studio-flow-monitor-published-390", 390)
        async with pool.acquire() as conn:
            state, completes = await conn.fetchrow(
                "SELECT w.state, (SELECT count(*) FROM respondents r WHERE r.wave_id = w.id"
                " AND r.status = 'complete') FROM waves w WHERE w.id = $1",
                wave_id,
            )
        assert state == "published" and completes >= SAMPLE, (state, completes)
        await tab.goto(f"{base}/studio/trackers/{poll.id}/fieldwork")
        assert f"Wave {wave_id}" in await tab.evaluate("document.querySelector('table.waves').innerText")
        await _shoot(tab, "studio-flow-fieldwork-390", 390)

        # a mention the coder could not place, coded on the mentions page
        await tab.goto(f"{base}/studio/trackers/{poll.id}/mentions")
        if not await tab.evaluate("!!document.querySelector('.review form')"):
            await plant_unplaced(pool, poll.id, "Nordlaufer", 2)  # the panel wrote none the coder missed
            await tab.goto(f"{base}/studio/trackers/{poll.id}/mentions")
        fragment = await tab.evaluate("document.querySelector('.review input[name=fragment]').value")
        await tab.evaluate("document.querySelector('.review select[name=brand_id]').value = 'nordlauf'")
        await tab.navigate_by("document.querySelector('.review form button').click()")
        result = await tab.evaluate("document.getElementById('recode-result').innerText")
        assert f"“{fragment}” is now coded as Nordlauf" in result and "coded differently" in result, result
        assert f"Figures redone for published wave {wave_id}" in result, result
        assert tab.errors() == [] or all("status of 422" in e for e in tab.errors()), tab.errors()
