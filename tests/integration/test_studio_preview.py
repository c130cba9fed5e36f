"""The studio's preview over real HTTP on the demo tracker's database: every screen of the questionnaire in
frames, each frame the survey's own page in the chosen language; a test link made through the API's operation
(audited, editors only, CSRF-checked)."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from recognition.store import polls as polls_store
from recognition.web.studio.preview import questionnaire_in
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import csrf_of, sign_in

db_url = pytest.fixture(demo_db_url)  # each test reads its own copy of the demo tracker
FRAME = re.compile(r'<iframe src="([^"]+)" width="(\d+)"')


@pytest.fixture
async def world(
    pool: asyncpg.Pool, demo_template: dict[str, Any], demo_keys: dict[str, str]
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, demo_template["poll"]["id"])
    return {"poll": poll, "keys": demo_keys}


async def test_every_screen_is_framed_and_each_frame_is_the_surveys_page(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool
) -> None:
    poll = world["poll"]
    await sign_in(client, world["keys"]["viewer"])
    # the demo tracker is worded in English only: German is offered, and what is missing is named
    german = await (await client.get(f"/studio/trackers/{poll.id}/preview?lang=de")).text()
    assert "cannot be asked in German (de) yet" in german and "give the wording in German" in german
    assert "<iframe" not in german
    async with pool.acquire() as conn:
        wording = {"en": "sportswear", "de": "Sportbekleidung"}
        poll = await polls_store.update_poll(conn, poll.id, {"category_wording": wording})
    for lang, width in (("en", 1280), ("de", 390)):
        page = await client.get(f"/studio/trackers/{poll.id}/preview?lang={lang}&width={width}")
        html = await page.text()
        assert page.status == 200, html
        assert "frame-src 'self'" in page.headers["Content-Security-Policy"]
        questionnaire = questionnaire_in(poll, lang)
        frames = FRAME.findall(html)
        assert len(frames) == len(questionnaire.screens) + 1
        assert {w for _, w in frames} == {str(width)}
        welcome = await client.get(frames[0][0].replace("&amp;", "&"))
        text = await welcome.text()
        assert welcome.status == 200 and f'<html lang="{lang}">' in text
        assert ("Umfrage beginnen" if lang == "de" else "Start the survey") in text
        assert welcome.headers["X-Frame-Options"] == "SAMEORIGIN"
        policy = welcome.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy and "form-action 'none'" in policy
        # the screens that list brands list every one of them: the preview's respondent knows them all
        filtered = 0
        for index, screen in enumerate(questionnaire.screens, start=1):
            frame = await client.get(frames[index][0].replace("&amp;", "&"))
            body = await frame.text()
            assert frame.status == 200, body
            shown = [q for q in screen.questions if q.shows_brands and q.brand_filter is not None]
            filtered += len(shown)
            for question in shown:
                assert question.prompt.split("{")[0][:20] in body or question.prompt in body
                for brand in (o for o in question.options + question.rows if o.brand):
                    assert f'value="{brand.code}"' in body or f':{brand.code}"' in body, (screen.id, brand)
        assert filtered >= 2  # follow-up questions that show only the brands a respondent knows
    assert "Make a test link" not in html and "needs an editor" in html
    bad = await client.get(f"/studio/trackers/{poll.id}/preview?width=500")
    assert bad.status == 400 and "width: choose 390 or 1280" in await bad.text()
    assert (await client.get(f"/studio/trackers/{poll.id}/preview/frame?screen=999")).status == 404


async def test_a_test_link_is_made_by_the_apis_operation_for_editors_only(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool
) -> None:
    poll = world["poll"]
    url = f"/studio/trackers/{poll.id}/preview/test-link"
    await sign_in(client, world["keys"]["viewer"])
    token = csrf_of(await (await client.get(f"/studio/trackers/{poll.id}/preview")).text())
    assert (await client.post(url, data={"csrf": token})).status == 403
    await sign_in(client, world["keys"]["editor"])
    token = csrf_of(await (await client.get(f"/studio/trackers/{poll.id}/preview")).text())
    assert (await client.post(url, data={})).status == 403
    made = await client.post(url + "?lang=de&width=390", data={"csrf": token})
    html = await made.text()
    assert made.status == 200, html
    link = re.search(r'id="test-link"><code class="link">([^<]+)</code>', html)
    assert link is not None and "test=1" in link.group(1)
    async with pool.acquire() as conn:
        audited = await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'wave.test_link'")
    assert audited == 1
    # the link opens the survey as a tester
    path = link.group(1).split("://", 1)[1].split("/", 1)[1]
    opened = await client.get("/" + path.replace("&amp;", "&"), allow_redirects=False)
    assert opened.status in (200, 303), await opened.text()
