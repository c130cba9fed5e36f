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

import dataclasses
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
from tests.e2e.browser import (
    Tab,
    add_objective,
    fill_german_tracker,
    need_browser,
    open_new_tracker,
    open_tab,
    plan_for,
    shoot,
    sign_in,
    until,
    viewport,
)
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


async def _create_tracker(tab: Tab) -> None:
    """The editor's "New tracker": a German tracker with two brands, her own attribute and an objective."""
    await open_new_tracker(tab)
    await fill_german_tracker(tab)
    await add_objective(tab, "aided", "nordlauf", "40")
    await plan_for(tab, SAMPLE)
    await tab.navigate_by("document.getElementById('save').click()")
    listing = await tab.evaluate("location.pathname + ' ' + document.querySelector('main').textContent")
    assert listing.startswith("/studio ") and "Saved “Laufschuhe DE”" in listing, listing


async def test_a_new_editor_sets_up_a_tracker_and_publishes_its_first_wave(
    served: dict[str, Any], pool: asyncpg.Pool
) -> None:
    base = served["base"]
    async with open_tab() as tab:
        await viewport(tab, 1280)
        await sign_in(tab, base, served["key"])
        await _create_tracker(tab)
        async with pool.acquire() as conn:
            (poll,) = await polls_store.list_polls(conn, served["org"])
        assert (poll.population, poll.language, poll.sample_size) == ("de", "de", SAMPLE)
        assert {"id": "grip", "label": {"en": "Grip", "de": "Griffigkeit"}} in (poll.attributes or [])

        # the questionnaire in German at a phone's width, every frame the survey's own page
        await viewport(tab, 390)
        await tab.goto(f"{base}/studio/trackers/{poll.id}/preview?lang=de&width=390")
        assert set(await tab.evaluate("[...document.querySelectorAll('iframe')].map(f => f.width)")) == {
            "390"
        }
        welcome = await until(
            tab,
            "(() => { const d = document.querySelector('iframe').contentDocument;"
            " return d && d.readyState === 'complete' && d.body && d.body.innerText; })()",
            "the survey's welcome page",
        )
        assert "Umfrage beginnen" in welcome and "Laufschuhe" in welcome, welcome
        await shoot(tab, "studio-flow-preview-de-390", 390)

        # the fieldwork page: no waves yet, and the launch behind a confirm step saying what it buys
        await tab.goto(f"{base}/studio/trackers/{poll.id}/fieldwork")
        assert "no waves yet" in await tab.evaluate("document.querySelector('main').textContent")
        await shoot(tab, "studio-flow-fieldwork-1280", 1280)
        await tab.navigate_by("document.querySelector('.launch a.button').click()")
        assert await tab.evaluate("location.pathname") == f"/studio/trackers/{poll.id}/launch"
        said = await tab.evaluate("document.querySelector('.consequences').innerText")
        assert f"A wave of {SAMPLE} completes is bought from simulated" in said and "within seconds" in said
        await shoot(tab, "studio-flow-launch-390", 390)
        await shoot(tab, "studio-flow-launch-1280", 1280)
        await tab.navigate_by("document.querySelector('form.confirm button').click()")
        where = await tab.evaluate("location.pathname + location.search")
        assert where.startswith("/studio/waves/") and where.endswith("?done=launch"), where
        wave_id = int(where.split("/")[3].split("?")[0])
        assert "The wave is launched" in await tab.evaluate("document.querySelector('main').innerText")

        # the monitor follows the wave by itself until it is published
        await until(
            tab,
            "document.getElementById('figures').innerText.includes('Quota cells')",
            "the wave's quota cells",
            seconds=60,
        )
        await shoot(tab, "studio-flow-monitor-fielding-1280", 1280)
        try:
            status = await until(
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
        await shoot(tab, "studio-flow-monitor-published-1280", 1280)
        await shoot(tab, "studio-flow-monitor-published-390", 390)
        async with pool.acquire() as conn:
            state, completes = await conn.fetchrow(
                "SELECT w.state, (SELECT count(*) FROM respondents r WHERE r.wave_id = w.id"
                " AND r.status = 'complete') FROM waves w WHERE w.id = $1",
                wave_id,
            )
        assert state == "published" and completes >= SAMPLE, (state, completes)
        await tab.goto(f"{base}/studio/trackers/{poll.id}/fieldwork")
        assert f"Wave {wave_id}" in await tab.evaluate("document.querySelector('table.waves').innerText")
        await shoot(tab, "studio-flow-fieldwork-390", 390)

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
