"""The tracker studio over real HTTP on a real database: the list of trackers, the editor for a new and an
existing tracker, saving through the API's own create/change operations (audited under the signed-in key),
every validation problem in one answer with the plan beside it, viewers refused every write, and writes
without the session's CSRF token or from another site refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import audit, orgs
from recognition.store import objectives as objectives_store
from recognition.store import polls as polls_store
from recognition.web.caches import RateLimit
from recognition.web.keys import RATE_LIMIT
from tests.integration.dashboard_support import sign_in

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
BRANDS = [
    {"id": "acme", "name": "Acme", "aliases": ["akme"]},
    {"id": "stride", "name": "Stride", "aliases": []},
]


@dataclass(frozen=True)
class Org:
    org_id: int
    poll_id: int
    keys: dict[str, str]


@pytest.fixture
async def org(pool: asyncpg.Pool) -> Org:
    async with pool.acquire() as conn:
        org_id = await orgs.ensure_organisation(conn, "acme-corp")
        other = await orgs.ensure_organisation(conn, "other-corp")
        poll = await polls_store.create_poll(
            conn,
            org_id,
            name="Running shoes US",
            category="running shoes",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=400,
            cost_per_complete=2.0,
            budget=None,
            schedule={"kind": "cron", "cron": "0 7 * * 1", "timezone": "Europe/Berlin"},
        )
        await polls_store.create_poll(
            conn,
            other,
            name="Not ours",
            category="cars",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=400,
        )
        keys = {role: (await orgs.create_key(conn, org_id, role))[0] for role in ("editor", "viewer")}
    return Org(org_id, poll.id, keys)


async def _editor_token(client: TestClient, path: str = "/studio/trackers/new") -> str:
    page = await client.get(path)
    assert page.status == 200, await page.text()
    match = TOKEN.search(await page.text())
    assert match, "the editor carries no CSRF token for its scripts"
    return match.group(1)


def _german(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Laufschuhe DE",
        "category": {"de": "Laufschuhe", "en": "running shoes"},
        "brands": [
            {"id": "nordlauf", "name": "Nordlauf", "aliases": ["Nordlaufschuhe", "nordluaf"]},
            {"id": "sprintwerk", "name": "Sprintwerk", "aliases": []},
        ],
        "own_brand": "nordlauf",
        "attributes": ["product_quality", {"id": "grip", "label": {"de": "Griffigkeit", "en": "Grip"}}],
        "modules": ["image", "consideration", "recommendation"],
        "population": "de",
        "language": "de",
        "sample_size": 500,
        "budget": 5000.0,
        "schedule": {"kind": "cron", "cron": "0 9 1 * *", "timezone": "Europe/Berlin"},
        "provider": "simulated",
    }
    return {**body, **changes}


async def test_the_list_shows_the_organisations_trackers_in_words(client: TestClient, org: Org) -> None:
    assert (await client.get("/studio", allow_redirects=False)).status == 302  # signed out: to sign-in
    assert (await sign_in(client, org.keys["editor"], "/studio")).headers["Location"] == "/studio"
    resp = await client.get("/studio")
    html = await resp.text()
    assert resp.status == 200
    assert "Content-Security-Policy" in resp.headers and resp.headers["X-Frame-Options"] == "DENY"
    assert "Running shoes US" in html and "Not ours" not in html
    assert "Every Monday at 07:00 (Europe/Berlin)" in html
    assert 'href="/studio/trackers/new"' in html
    assert f'href="/studio/trackers/{org.poll_id}/edit"' in html
    assert f'href="/dashboard/polls/{org.poll_id}"' in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT07:00:00\+0[12]:00">Mon ', html)
    dashboard = await (await client.get("/dashboard")).text()
    assert 'href="/studio"' in dashboard


async def test_validate_answers_the_plan_and_every_problem_at_once(client: TestClient, org: Org) -> None:
    await sign_in(client, org.keys["editor"], "/studio")
    token = await _editor_token(client)
    headers = {"X-CSRF-Token": token}
    ok = await client.post("/studio/api/polls/validate", json=_german(), headers=headers)
    assert ok.status == 200, await ok.text()
    plan = (await ok.json())["plan"]
    assert plan["n"] == 500 and 0 < plan["mdc"] < 0.2 and plan["waves_per_year"] == 12
    bigger = await client.post("/studio/api/polls/validate", json=_german(sample_size=2000), headers=headers)
    assert (await bigger.json())["plan"]["mdc"] < plan["mdc"]
    half = await client.post(
        "/studio/api/polls/validate", json=_german(name="", category={}), headers=headers
    )
    assert half.status == 422  # the name and category are still wrong, yet the plan is there as she types
    assert {e["field"] for e in (await half.json())["errors"]} == {"name", "category"}
    assert (await half.json())["plan"] == plan
    bad = _german(name="", own_brand="nobody", sample_size=10)
    bad["brands"][1]["id"] = "Sprint Werk!"
    resp = await client.post("/studio/api/polls/validate", json=bad, headers=headers)
    assert resp.status == 422 and resp.content_type == "application/problem+json"
    answer = await resp.json()
    errors = {e["field"]: e["message"] for e in answer["errors"]}
    assert {"name", "sample_size", "brands[1].id"} <= set(errors), errors
    assert "plan" not in answer  # no plan for a sample size that is wrong
    for message in errors.values():
        assert "^" not in message and "[a-z" not in message, message  # plain words, never a pattern


async def test_an_editor_creates_and_changes_a_tracker_through_the_apis_operations(
    client: TestClient, org: Org, pool: asyncpg.Pool
) -> None:
    await sign_in(client, org.keys["editor"], "/studio")
    headers = {"X-CSRF-Token": await _editor_token(client)}
    created = await client.post("/studio/api/polls", json=_german(), headers=headers)
    assert created.status == 201, await created.text()
    poll = await created.json()
    assert poll["language"] == "de" and poll["population"] == "de" and poll["category"] == "Laufschuhe"
    objective = await client.post(
        f"/studio/api/polls/{poll['id']}/objectives",
        json={"metric": "aided", "brand": "nordlauf", "direction": "at_least", "threshold": 0.4},
        headers=headers,
    )
    assert objective.status == 201, await objective.text()
    edit = await client.get(f"/studio/trackers/{poll['id']}/edit")
    assert edit.status == 200 and "Laufschuhe DE" in await edit.text()
    changed = await client.patch(
        f"/studio/api/polls/{poll['id']}", json={"sample_size": 800, "name": "Laufschuhe"}, headers=headers
    )
    assert changed.status == 200 and (await changed.json())["sample_size"] == 800
    spare = await client.post(
        f"/studio/api/polls/{poll['id']}/objectives",
        json={"metric": "nps", "brand": "nordlauf", "direction": "at_least", "threshold": 10.0},
        headers=headers,
    )
    assert spare.status == 201
    removed = await client.delete(f"/studio/api/objectives/{(await spare.json())['id']}", headers=headers)
    assert removed.status == 204
    listing = await (await client.get(f"/studio?saved={poll['id']}")).text()
    assert "Saved “Laufschuhe”" in listing and "On the 1st of every month at 09:00 (Europe/Berlin)" in listing
    async with pool.acquire() as conn:
        entries = await audit.list_entries(conn, org.org_id)
        stored = await polls_store.get_poll(conn, poll["id"], org_id=org.org_id)
        objectives = await objectives_store.list_objectives(conn, poll["id"])
        editor = await orgs.find_active_key(conn, org.keys["editor"])
    assert stored is not None and stored.sample_size == 800 and stored.attributes is not None
    assert [o.metric for o in objectives] == ["aided"]
    assert editor is not None
    actions = [(e.action, e.api_key_id) for e in reversed(entries)]
    assert actions == [
        ("poll.create", editor.id),
        ("objective.create", editor.id),
        ("poll.update", editor.id),
        ("objective.create", editor.id),
        ("objective.delete", editor.id),
    ]


async def test_a_save_with_problems_lists_them_all_and_stores_nothing(
    client: TestClient, org: Org, pool: asyncpg.Pool
) -> None:
    await sign_in(client, org.keys["editor"], "/studio")
    headers = {"X-CSRF-Token": await _editor_token(client)}
    resp = await client.post(
        "/studio/api/polls", json=_german(sample_size=20, budget=1.0, own_brand="nobody"), headers=headers
    )
    assert resp.status == 422
    fields = {e["field"] for e in (await resp.json())["errors"]}
    assert {"sample_size", "own_brand"} <= fields, fields
    async with pool.acquire() as conn:
        assert len(await polls_store.list_polls(conn, org.org_id)) == 1


async def test_a_viewer_may_look_but_not_change(client: TestClient, org: Org, pool: asyncpg.Pool) -> None:
    await sign_in(client, org.keys["viewer"], "/studio")
    html = await (await client.get("/studio")).text()
    assert "Running shoes US" in html and "/studio/trackers/new" not in html and "/edit" not in html
    for path in ("/studio/trackers/new", f"/studio/trackers/{org.poll_id}/edit"):
        page = await client.get(path)
        assert page.status == 403 and page.content_type == "text/html"
        assert "may look at trackers but not change them" in await page.text()
    token = TOKEN.search(html)
    assert token is None  # the list has no editor script
    from_list = re.search(r'name="csrf" value="([^"]+)"', html)
    assert from_list
    headers = {"X-CSRF-Token": from_list.group(1)}
    for method, path, body in (
        ("POST", "/studio/api/polls", _german()),
        ("PATCH", f"/studio/api/polls/{org.poll_id}", {"sample_size": 900}),
    ):
        resp = await client.request(method, path, json=body, headers=headers)
        assert resp.status == 403, (path, await resp.text())
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, org.poll_id)
        assert poll is not None and poll.sample_size == 400
        assert await audit.list_entries(conn, org.org_id) == []


async def test_writes_need_the_sessions_token_and_the_same_origin(
    client: TestClient, org: Org, pool: asyncpg.Pool
) -> None:
    signed_out = await client.post("/studio/api/polls", json=_german())
    assert signed_out.status == 401
    await sign_in(client, org.keys["editor"], "/studio")
    token = await _editor_token(client)
    for headers in (
        {},
        {"X-CSRF-Token": "forged"},
        {"X-CSRF-Token": token, "Origin": "https://evil.example"},
    ):
        resp = await client.post("/studio/api/polls", json=_german(), headers=headers)
        assert resp.status == 403, headers
        assert resp.content_type == "application/problem+json"
    other = await client.get(f"/studio/trackers/{org.poll_id + 1}/edit")  # another organisation's tracker
    assert other.status == 404
    async with pool.acquire() as conn:
        assert len(await polls_store.list_polls(conn, org.org_id)) == 1


async def test_the_studios_calls_count_against_the_keys_rate_limit(
    settings: Settings, pool: asyncpg.Pool, org: Org
) -> None:
    app = create_app(settings, pool=pool)
    app[RATE_LIMIT] = RateLimit(rate=0.001, burst=2)
    async with TestClient(TestServer(app)) as client:
        await sign_in(client, org.keys["editor"], "/studio")
        headers = {"X-CSRF-Token": await _editor_token(client)}
        answers = [
            (await client.post("/studio/api/polls/validate", json=_german(), headers=headers)).status
            for _ in range(3)
        ]
    assert answers == [200, 200, 429]
