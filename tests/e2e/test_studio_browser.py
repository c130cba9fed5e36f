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

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import audit, orgs
from recognition.store import objectives as objectives_store
from recognition.store import polls as polls_store
from tests.e2e.browser import (
    PLAN_N,
    add_entry_point,
    add_objective,
    choose,
    fill_german_tracker,
    need_browser,
    open_new_tracker,
    open_tab,
    plan_for,
    shoot,
    sign_in,
    type_into,
    until,
)

pytestmark = [pytest.mark.timeout(300)]


@pytest.fixture
async def server(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestServer]:
    need_browser()
    async with TestServer(create_app(settings, pool=pool), host="127.0.0.1") as s:
        yield s


LABELLED = """(() => [...document.querySelectorAll('select, input:not([type=hidden]), textarea')]
  .filter(e => !e.closest('[hidden]') && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.id || e.className))()"""


async def test_an_editor_sets_up_a_german_tracker_in_the_browser(
    server: TestServer, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        org_id = await orgs.ensure_organisation(conn, "nordlauf-gmbh")
        key = (await orgs.create_key(conn, org_id, "editor"))[0]
    base = f"http://127.0.0.1:{server.port}"
    async with open_tab() as tab:
        await sign_in(tab, base, key)  # signed out: sent to the sign-in form, then back
        await open_new_tracker(tab)
        assert await tab.evaluate(LABELLED) == []

        await fill_german_tracker(tab)
        names = await tab.evaluate(
            "[...document.querySelectorAll('#brand-rows .brand-own')].map(r => r.labels[0].textContent)"
        )
        assert names == ["Our own brand: Nordlauf", "Our own brand: Sprintwerk"]  # told apart when read aloud
        await choose(tab, "#f-kind", "weekly")
        await until(tab, "document.querySelectorAll('#schedule-next li').length === 4", "the next waves")

        # buying situations: one alone is too few, told beside the step; a second one is enough
        run = await add_entry_point(tab, "for a run", "zum Laufen")
        assert await tab.evaluate(LABELLED) == []
        await tab.evaluate("document.getElementById('f-sample-size').focus()")  # she moves on
        few = await until(
            tab,
            "(() => { const m = document.querySelector('#f-entry-points legend').nextElementSibling;"
            " return m && m.className === 'error-message' && m.textContent; })()",
            "that one buying situation is too few",
        )
        assert few == "needs at least 2 items", few
        await add_entry_point(tab, "in the rain", "bei Regen")
        await until(
            tab,
            "!document.querySelector('#f-entry-points .error-message')",
            "the buying situations accepted",
        )
        await add_entry_point(tab, "for a gift", "als Geschenk")  # and a third, removed by keyboard
        await tab.evaluate("document.querySelector('#entry-point-rows li:nth-child(3) .remove').focus()")
        removes = await tab.evaluate("document.activeElement.textContent")
        assert removes == "Remove buying situation for a gift", removes
        await tab.evaluate("document.activeElement.click()")
        assert await tab.evaluate("document.querySelectorAll('#entry-point-rows li').length") == 2
        labels = await tab.evaluate(
            f"[...document.querySelectorAll('{run} .ep-wording')].map(e => e.labels[0].textContent)"
        )
        assert labels == ["Situation in English (en)", "Situation in German (de)"], labels

        # the plan follows the sample size as she types it
        await plan_for(tab, 2000)
        large = await tab.evaluate("document.querySelector('#plan dd').textContent")
        await plan_for(tab, 500)
        small = await tab.evaluate("document.querySelector('#plan dd').textContent")
        assert float(small.strip("±").split()[0]) > float(large.strip("±").split()[0])

        await add_objective(tab, "aided", "nordlauf", "40")
        await add_objective(tab, "prefer", "nordlauf", "150")  # a share above 100 %
        assert await tab.evaluate(LABELLED) == []  # the rows she added are labelled too

        # a sample too small: listed in the summary, which takes the focus, and next to its field
        await type_into(tab, "#f-sample-size", "20")
        # she moves on to the budget: the problem shows beside the sample size, not yet in a summary
        await tab.evaluate("document.getElementById('f-budget').focus()")
        await until(
            tab,
            "(document.getElementById('f-sample-size').nextElementSibling || {}).className === 'error-message'"
            " && document.getElementById('error-summary').hidden",
            "the problem next to the sample size as she types",
        )
        await tab.evaluate("document.getElementById('save').click()")
        await until(
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
        await shoot(tab, "studio-editor-390", 390)
        await shoot(tab, "studio-editor-1280", 1280)

        await plan_for(tab, 800)
        # the tracker and the first objective are saved; the second objective's limit is told beside it
        await tab.evaluate("document.getElementById('save').click()")
        await until(tab, "location.pathname.endsWith('/edit')", "the saved tracker's address")
        limit = await tab.evaluate(
            "document.querySelector('#objective-rows .obj-threshold').nextElementSibling.textContent"
        )
        assert limit.startswith("a share's limit lies between 0 % and 100 %"), limit
        assert await tab.evaluate("document.querySelectorAll('#objective-list li').length") == 1
        await type_into(tab, "#objective-rows .obj-threshold", "15")
        await tab.navigate_by("document.getElementById('save').click()")
        assert await tab.evaluate("location.pathname") == "/studio"
        listing = await tab.evaluate("document.querySelector('main').textContent")
        assert "Saved “Laufschuhe DE”" in listing and "Every Monday at 07:00 (Europe/Berlin)" in listing
        # the tracker opens again for editing with what she set
        await tab.navigate_by("document.querySelector('td.links a').click()")
        await until(tab, PLAN_N + " === 'With 800 completes per wave:'", "the stored tracker's plan")
        shown = await tab.evaluate(
            "[document.getElementById('f-name').value, document.getElementById('f-kind').value,"
            " document.querySelector('#attribute-rows .attr-de').value,"
            " document.querySelectorAll('#brand-rows li').length, document.getElementById('objective-list').textContent,"
            " [...document.querySelectorAll('#entry-point-rows .ep-wording')].map(e => e.value)]"
        )
        assert shown[:4] == ["Laufschuhe DE", "weekly", "Griffigkeit", 2], shown
        assert "at least 40 %" in shown[4] and "at least 15 %" in shown[4], shown
        assert shown[5] == ["for a run", "zum Laufen", "in the rain", "bei Regen"], shown
        await plan_for(tab, 900)  # a change sends only what she changed
        await tab.navigate_by("document.getElementById('save').click()")
        assert await tab.evaluate("location.pathname") == "/studio"

        # the questionnaire's preview asks in each buying situation, in German
        poll_id = await tab.evaluate(
            "document.querySelector('td.links a').getAttribute('href').split('/')[3]"
        )
        await tab.goto(f"{base}/studio/trackers/{poll_id}/preview?lang=de&width=390")
        situations = "[...document.querySelectorAll('iframe')].filter(f => f.title.includes('entry point'))"
        assert await tab.evaluate(f"{situations}.length") == 2
        screens = await until(  # a frame loads once it is scrolled to
            tab,
            f"(() => {{ const fs = {situations}; const t = fs.map(f => f.contentDocument"
            " && f.contentDocument.body && f.contentDocument.body.innerText || '');"
            " const next = fs[t.findIndex(x => !x)]; if (next) next.scrollIntoView();"
            " return t.every(Boolean) && t.join(' | '); })()",
            "the buying situations' screens",
        )
        for situation in ("zum Laufen", "bei Regen"):
            assert f"Wenn Sie an Laufschuhe {situation} denken" in screens, situation
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
    assert poll.entry_points == [
        {"id": "for-a-run", "wording": {"en": "for a run", "de": "zum Laufen"}},
        {"id": "in-the-rain", "wording": {"en": "in the rain", "de": "bei Regen"}},
    ]
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
