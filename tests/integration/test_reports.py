"""Dashboard pages, share links and the written summary over real HTTP on a real database filled by the demo
tracker: sign-in sets a signed session (never the key), roles are enforced, share links are read-only and
tamper-proof, filters are validated, and the summary JSON traces every point to its numbers."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from recognition.demo import ORGANISATION
from recognition.settings import Settings
from recognition.store import objectives, orgs
from recognition.web.dashboard.access import SESSION_COOKIE
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import csrf_of, sign_in
from tests.integration.links import make_link

# The demo's processing may warn on empty segment cells (numpy RuntimeWarning in a worker thread); the
# figures it publishes are what these tests read.


db_url = pytest.fixture(demo_db_url)  # each test reads its own copy of the demo tracker (tests/conftest.py)


@pytest.fixture
async def world(pool: asyncpg.Pool, demo_template: dict[str, Any]) -> dict[str, Any]:
    poll_id = demo_template["poll"]["id"]
    async with pool.acquire() as conn:
        org = await orgs.organisation_id(conn, ORGANISATION)
        keys = {role: (await orgs.create_key(conn, org, role))[0] for role in ("viewer", "reader", "editor")}
        other = await orgs.ensure_organisation(conn, "other-corp")
        keys["foreign"] = (await orgs.create_key(conn, other, "admin"))[0]
        await objectives.create_objective(
            conn,
            poll_id,
            {
                "metric": "aided",
                "brand": "acme",
                "threshold": 0.99,
                "direction": "at_least",
                "label": "Aided at least 99%",
            },
        )
    return {"poll": poll_id, "keys": keys}


async def _sign_in(client: TestClient, key: str) -> Any:
    return await sign_in(client, key)


async def test_sign_in_sets_a_signed_session_not_the_key(client: TestClient, world: dict[str, Any]) -> None:
    resp = await client.get("/dashboard", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"].startswith("/dashboard/login")
    assert (await _sign_in(client, "rk_nope_nope")).status == 401
    assert (
        await _sign_in(client, world["keys"]["reader"])
    ).status == 401  # readers cannot open the dashboard
    resp = await _sign_in(client, world["keys"]["viewer"])
    assert resp.status == 303
    cookie = resp.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and world["keys"]["viewer"] not in cookie.value
    assert "rk_" not in cookie.value
    index = await client.get("/dashboard")
    assert index.status == 200 and "Sportswear brand tracker" in await index.text()
    page = await client.get(f"/dashboard/polls/{world['poll']}")
    html = await page.text()
    assert page.status == 200
    assert html.count("<svg") >= 8 and "Aided awareness" in html and "Aided at least 99%" in html
    assert "breached" in html or "at risk" in html
    # the news first: the breached objective opens the summary
    summary = html[html.index('<ol class="summary">') :]
    assert summary.index("Objective breached") < summary.index("</li>")
    # another organisation's poll is not found, and signing out ends the session
    await client.post("/dashboard/logout", data={"csrf": csrf_of(html)}, allow_redirects=False)
    client.session.cookie_jar.clear()
    assert (await _sign_in(client, world["keys"]["foreign"])).status == 303
    assert (await client.get(f"/dashboard/polls/{world['poll']}")).status == 404


async def test_revoking_the_key_ends_the_session(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool
) -> None:
    await _sign_in(client, world["keys"]["editor"])
    assert (await client.get(f"/dashboard/polls/{world['poll']}/summary")).status == 200
    prefix = "_".join(world["keys"]["editor"].split("_")[:2])
    async with pool.acquire() as conn:
        assert await orgs.revoke_key(conn, await orgs.organisation_id(conn, ORGANISATION), prefix)
    resp = await client.get(f"/dashboard/polls/{world['poll']}", allow_redirects=False)
    assert resp.status == 302


async def test_share_link_opens_the_dashboard_read_only(
    client: TestClient, world: dict[str, Any], settings: Settings, pool: asyncpg.Pool
) -> None:
    token = await make_link(pool, settings, world["poll"], days=2)
    resp = await client.get(f"/share/{token}")
    html = await resp.text()
    assert resp.status == 200 and "read-only link" in html and html.count("<svg") >= 8
    assert "Sign out" not in html and token not in html and token not in str(resp.url)
    summary = await client.get(f"/share/{token}/summary?segment=customer%3Dnon")
    text = await summary.text()
    assert summary.status == 200 and "@media print" not in text  # print CSS is in the sheet
    assert "Potential customers" in text and "customer=non" not in text.split("</form>")[-1]
    bad = await client.get(f"/share/{token[:-2]}xx")
    assert bad.status == 403 and "text/html" in bad.headers["Content-Type"]
    expired = await make_link(pool, settings, world["poll"], days=-1)
    assert (await client.get(f"/share/{expired}")).status == 403
    assert (await client.get(f"/share/{token}?segment=nope")).status == 400
    assert (await client.get(f"/share/{token}?window=3&metric=consider")).status == 200
    css = await client.get("/static/reports.css")
    assert css.status == 200 and "@media print" in await css.text()


async def test_summary_json_traces_each_point(client: TestClient, world: dict[str, Any]) -> None:
    url = f"/api/v1/polls/{world['poll']}/summary"
    assert (await client.get(url)).status == 401
    forbidden = await client.get(url, headers={"Authorization": f"Bearer {world['keys']['reader']}"})
    assert forbidden.status == 403 and forbidden.content_type == "application/problem+json"
    resp = await client.get(url, headers={"Authorization": f"Bearer {world['keys']['viewer']}"})
    assert resp.status == 200
    body = await resp.json()
    assert body["poll"]["id"] == world["poll"] and body["previous_wave_id"] is not None
    points = body["points"]
    assert points and all(p["text"] and p["wave_id"] == body["wave"]["id"] for p in points)
    figures = [p for p in points if p["kind"] == "change"]
    assert all(p["n"] > 0 and p["n_eff"] > 0 and p["test"] and p["q_value"] is not None for p in figures)
    assert all(p["family"] in ("headline", "secondary", "segment") for p in figures)
    (steady,) = [p for p in points if p["kind"] == "no_change"]
    assert steady["text"].startswith("No significant change in ") and steady["items"]
    assert any(p["kind"] == "objective" and p["status"] in ("breached", "at_risk") for p in points)
    assert body["objectives"][0]["label"] == "Aided at least 99%"
    german = await client.get(
        url + "?lang=de", headers={"Authorization": f"Bearer {world['keys']['viewer']}"}
    )
    points = (await german.json())["points"]
    (steady,) = [p for p in points if p["kind"] == "no_change"]
    assert steady["text"].startswith("Keine signifikante Veränderung für ")
    assert all(p["test"].startswith("Vergleich mit der Vorwelle") for p in points if p["kind"] == "change")
    bad = await client.get(url + "?window=7", headers={"Authorization": f"Bearer {world['keys']['viewer']}"})
    assert bad.status == 400 and (await bad.json())["errors"][0]["field"] == "window"


async def test_alert_settings_hide_the_secret(client: TestClient, world: dict[str, Any]) -> None:
    url = f"/api/v1/polls/{world['poll']}/alerts"
    editor = {"Authorization": f"Bearer {world['keys']['editor']}"}
    viewer = {"Authorization": f"Bearer {world['keys']['viewer']}"}
    body = {
        "webhook_url": "https://hooks.example.org/x",
        "webhook_secret": "s" * 32,
        "email_to": ["team@example.org"],
        "digest": True,
    }
    assert (await client.put(url, json=body, headers=viewer)).status == 403
    resp = await client.put(url, json=body, headers=editor)
    assert resp.status == 200
    saved = await resp.json()
    assert saved == {
        "webhook_url": "https://hooks.example.org/x",
        "webhook_secret_set": True,
        "email_to": ["team@example.org"],
        "digest": True,
    }
    assert "s" * 32 not in await (await client.get(url, headers=viewer)).text()
    bad = await client.put(url, json={"webhook_url": "ftp://x"}, headers=editor)
    assert bad.status == 422 and (await bad.json())["errors"][0]["field"] == "webhook_url"
    log = await client.get(url + "/deliveries", headers=viewer)
    assert log.status == 200 and (await log.json()) == {"deliveries": []}
