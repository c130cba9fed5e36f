"""The studio's service pages on a copy of the demo tracker, over real HTTP on a real database: "Start a staff
round" on the fieldwork page runs the API's own staff-round operation — the shared link is shown once, with what
it is for, admits staff, and only its hash is stored — a viewer sees neither that button nor the service decision
forms and is refused when posting them; a tracker whose survey does not exist yet is refused in plain words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.settings import Settings
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import csrf_of, sign_in

db_url = pytest.fixture(demo_db_url)
LINK = '<input id="staff-link" readonly value="'


@pytest.fixture
async def client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(settings, pool=pool))) as c:
        yield c


async def test_an_editor_starts_a_staff_round_and_sees_its_link_once(
    client: TestClient,
    settings: Settings,
    pool: asyncpg.Pool,
    demo_template: dict[str, Any],
    demo_keys: dict[str, str],
) -> None:
    poll = demo_template["poll"]["id"]
    assert (await sign_in(client, demo_keys["editor"])).status == 303
    fieldwork = await (await client.get(f"/studio/trackers/{poll}/fieldwork")).text()
    assert f'action="/studio/trackers/{poll}/staff-round"' in fieldwork and "Start a staff round" in fieldwork
    assert "never enter public estimates" in fieldwork

    forged = await client.post(f"/studio/trackers/{poll}/staff-round", data={}, allow_redirects=False)
    assert forged.status == 403  # no CSRF token: nothing opened
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM staff_rounds WHERE poll_id = $1", poll) == 0

    started = await client.post(f"/studio/trackers/{poll}/staff-round", data={"csrf": csrf_of(fieldwork)})
    html = await started.text()
    assert started.status == 201, html
    assert started.headers["Cache-Control"] == "no-store"
    assert "Send this link to sales and service staff" in html and "never enter public estimates" in html
    link = html.split(LINK, 1)[1].split('"', 1)[0]
    token = link.rsplit("staff=", 1)[1]
    async with pool.acquire() as conn:
        rounds = await conn.fetch(
            "SELECT id, closed_at, token_hash FROM staff_rounds WHERE poll_id = $1", poll
        )
        audit = await conn.fetch("SELECT action, key_prefix FROM audit_log WHERE action = 'poll.staff_round'")
    assert len(rounds) == 1 and rounds[0]["closed_at"] is None
    assert token.encode() not in bytes(rounds[0]["token_hash"])  # only the hash is stored
    assert [(a["action"], a["key_prefix"]) for a in audit] == [("poll.staff_round", demo_keys["editor"][:11])]
    assert f"Staff round {rounds[0]['id']} is open" in html

    async with TestClient(TestServer(create_app(settings, pool=pool))) as staff:
        entered = await staff.get(urlsplit(link).path + "?" + urlsplit(link).query, allow_redirects=False)
        assert entered.status in (200, 302, 303), await entered.text()
        forged_link = await staff.get(urlsplit(link).path + "?staff=" + "A" * 43, allow_redirects=False)
        assert forged_link.status >= 400

    again = await (await client.get(f"/studio/trackers/{poll}/fieldwork")).text()
    assert token not in again  # shown once, never again

    # a decision on a feature the tracker does not ask is refused in the API's words
    unknown = await client.post(
        f"/studio/trackers/{poll}/service/nope", data={"csrf": csrf_of(again), "choice": "standard"}
    )
    assert unknown.status == 404 and "asks no service feature &#39;nope&#39;" in await unknown.text()


async def test_a_viewer_sees_no_staff_button_nor_decision_forms_and_is_refused(
    client: TestClient, pool: asyncpg.Pool, demo_template: dict[str, Any], demo_keys: dict[str, str]
) -> None:
    poll = demo_template["poll"]["id"]
    assert (await sign_in(client, demo_keys["viewer"])).status == 303
    fieldwork = await (await client.get(f"/studio/trackers/{poll}/fieldwork")).text()
    assert "staff-round" not in fieldwork and "Start a staff round" not in fieldwork
    service = await client.get(f"/studio/trackers/{poll}/service")
    html = await service.text()
    assert service.status == 200 and "free repairs for a year" in html  # the features, read only
    assert "<form" not in html.split("<main", 1)[1] and "making them needs an editor" in html
    csrf = csrf_of(html)
    started = await client.post(f"/studio/trackers/{poll}/staff-round", data={"csrf": csrf})
    assert started.status == 403 and "editor" in await started.text()
    decided = await client.post(
        f"/studio/trackers/{poll}/service/repairs", data={"csrf": csrf, "choice": "standard"}
    )
    assert decided.status == 403
    cleared = await client.post(f"/studio/trackers/{poll}/service/repairs/clear", data={"csrf": csrf})
    assert cleared.status == 403
    unknown = await client.post(
        f"/studio/trackers/{poll}/service/nope", data={"csrf": csrf, "choice": "standard"}
    )
    assert unknown.status == 403  # the role is checked before anything else
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM staff_rounds") == 0
        assert await conn.fetchval("SELECT count(*) FROM service_decisions") == 0


async def test_a_tracker_without_a_survey_yet_is_refused_in_plain_words(
    client: TestClient, demo_keys: dict[str, str]
) -> None:
    editor = {"Authorization": f"Bearer {demo_keys['editor']}"}
    made = await client.post(
        "/api/v1/polls",
        headers=editor,
        json={
            "name": "No waves yet",
            "category": "sportswear",
            "own_brand": "acme",
            "brands": [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}],
            "population": "us",
            "sample_size": 200,
        },
    )
    assert made.status == 201, await made.text()
    poll = (await made.json())["id"]
    assert (await sign_in(client, demo_keys["editor"])).status == 303
    fieldwork = await (await client.get(f"/studio/trackers/{poll}/fieldwork")).text()
    refused = await client.post(f"/studio/trackers/{poll}/staff-round", data={"csrf": csrf_of(fieldwork)})
    html = await refused.text()
    assert refused.status == 409
    assert "No staff round was started:" in html and LINK not in html
