"""The studio's mention review over real HTTP on the demo tracker's database: the fragments the coder left
uncoded, coded by an editor through the API's recode (audited, CSRF-checked, editors only); the page says what
changed, and the spelling is coded automatically from then on."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from recognition.mentions.coding import code_text
from recognition.store import mentions as mentions_store
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import csrf_of, plant_unplaced, sign_in

db_url = pytest.fixture(demo_db_url)  # each test reads its own copy of the demo tracker
UNPLACED = "Zoomerz"
FRAGMENT = re.compile(r'<input type="hidden" name="fragment" value="([^"]+)">')


@pytest.fixture
async def world(
    pool: asyncpg.Pool, demo_template: dict[str, Any], demo_keys: dict[str, str]
) -> dict[str, Any]:
    poll_id = demo_template["poll"]["id"]
    await plant_unplaced(pool, poll_id, UNPLACED, 3)
    return {"poll": poll_id, "keys": demo_keys}


async def test_an_editor_codes_a_mention_and_the_spelling_is_learnt(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool
) -> None:
    poll_id = world["poll"]
    url = f"/studio/trackers/{poll_id}/mentions"
    async with pool.acquire() as conn:
        uncoded = await mentions_store.unmatched_fragments(conn, poll_id)
    [fragment] = [f for f in uncoded if f.text == UNPLACED.lower()]
    assert fragment.count == 3

    await sign_in(client, world["keys"]["viewer"])
    html = await (await client.get(url)).text()
    assert f'<th scope="row">{fragment.text}</th>' in html and "coding needs an editor" in html
    assert "<select" not in html
    refused = await client.post(
        f"{url}/recode", data={"csrf": csrf_of(html), "fragment": fragment.text, "brand_id": "acme"}
    )
    assert refused.status == 403

    await sign_in(client, world["keys"]["editor"])
    page = await client.get(url)
    html = await page.text()
    assert page.status == 200 and FRAGMENT.findall(html)[0] == fragment.text
    assert '<label for="brand-1">' in html  # every select has its label
    token = csrf_of(html)
    assert (
        await client.post(f"{url}/recode", data={"fragment": fragment.text, "brand_id": "acme"})
    ).status == 403
    wrong = await client.post(
        f"{url}/recode", data={"csrf": token, "fragment": fragment.text, "brand_id": "nope"}
    )
    assert wrong.status == 422 and "not a brand of this poll: &#39;nope&#39;" in await wrong.text()

    done = await client.post(
        f"{url}/recode", data={"csrf": token, "fragment": fragment.text, "brand_id": "acme"}
    )
    html = await done.text()
    assert done.status == 200, html
    result = re.search(r'<div class="notice" role="status" id="recode-result">(.*?)</div>', html, re.S)
    assert result is not None and "is now coded as <strong>Acme" in result.group(1)
    recoded = re.search(r"(\d+) respondents? coded differently", result.group(1))
    assert recoded is not None and int(recoded.group(1)) == 3
    assert "Figures redone for published wave" in result.group(1)
    assert FRAGMENT.findall(html).count(fragment.text) == 0  # no longer to review
    learnt = re.search(r'<ul id="learnt">(.*?)</ul>', html, re.S)
    assert learnt is not None and "→ Acme" in learnt.group(1)
    async with pool.acquire() as conn:
        frame = await mentions_store.latest_frame(conn, poll_id)
        audited = await conn.fetch("SELECT details FROM audit_log WHERE action = 'mentions.recode'")
    assert frame is not None and "acme" in code_text(fragment.text, frame).brands  # coded from then on
    assert len(audited) == 1


async def test_a_reading_placed_with_low_confidence_is_approved_and_becomes_a_learnt_spelling(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool
) -> None:
    poll_id = world["poll"]
    await plant_unplaced(pool, poll_id, "Stryde", 4)  # a misspelling the fuzzy rule reads as Stride
    editor = {"Authorization": f"Bearer {world['keys']['editor']}"}
    review = await (await client.get(f"/api/v1/polls/{poll_id}/mentions", headers=editor)).json()
    [unsure] = [u for u in review["uncertain"] if u["text"] == "stryde"]
    assert unsure["brand"] == "stride" and unsure["count"] >= 4 and 0 < unsure["score"] < 100
    # what is listed is what the coder itself reads, on the wave it names
    assert code_text("Stryde", (await _frame(pool, poll_id))).placed[0].brand_id == "stride"
    assert all(u["score"] < 100 for u in review["uncertain"])

    await sign_in(client, world["keys"]["editor"])
    url = f"/studio/trackers/{poll_id}/mentions"
    html = await (await client.get(url)).text()
    assert "Placed with low confidence" in html and 'value="stryde"' in html
    approved = await client.post(
        f"{url}/recode", data={"csrf": csrf_of(html), "fragment": "stryde", "brand_id": "stride"}
    )
    page = await approved.text()
    assert approved.status == 200 and "is now coded as <strong>Stride</strong>" in page
    after = await (await client.get(f"/api/v1/polls/{poll_id}/mentions", headers=editor)).json()
    assert "stryde" not in [u["text"] for u in after["uncertain"]]
    assert {"alias": "stryde", "brand": "stride"} in after["learned_aliases"]
    async with pool.acquire() as conn:
        action = await conn.fetchval("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert action == "mentions.recode"


async def _frame(pool: asyncpg.Pool, poll_id: int) -> Any:
    async with pool.acquire() as conn:
        frame = await mentions_store.latest_frame(conn, poll_id)
    assert frame is not None
    return frame
