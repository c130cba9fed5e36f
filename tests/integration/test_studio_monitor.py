"""The studio's fieldwork monitor over real HTTP on a real database: the demo tracker's waves and their figures,
read through the API's own operations; viewers watch but cannot act; a form without its CSRF token or from
another site is refused; and pause, resume and cancel confirmed on the page reach the provider's project, each
written to the audit log as the API writes it."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from recognition.store import orgs, responses
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import csrf_of, sign_in

db_url = pytest.fixture(demo_db_url)  # each test reads its own copy of the demo tracker


@pytest.fixture
async def world(
    pool: asyncpg.Pool, demo_template: dict[str, Any], demo_keys: dict[str, str]
) -> dict[str, Any]:
    poll_id = demo_template["poll"]["id"]
    async with pool.acquire() as conn:
        waves = [int(r["id"]) for r in await conn.fetch("SELECT id FROM waves WHERE poll_id = $1", poll_id)]
    return {"poll": poll_id, "waves": sorted(waves), "keys": demo_keys}


async def test_the_monitor_shows_a_waves_figures_as_the_api_gives_them(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool
) -> None:
    anonymous = await client.get(f"/studio/waves/{world['waves'][-1]}", allow_redirects=False)
    assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/dashboard/login")
    assert (await sign_in(client, world["keys"]["viewer"])).status == 303
    listing = await client.get(f"/studio/trackers/{world['poll']}/fieldwork")
    html = await listing.text()
    assert listing.status == 200
    for wave_id in world["waves"]:
        assert f'href="/studio/waves/{wave_id}"' in html
    wave_id = world["waves"][-1]
    page = await client.get(f"/studio/waves/{wave_id}")
    html = await page.text()
    assert page.status == 200, html
    assert (
        page.headers["X-Frame-Options"] == "DENY"
        and "default-src 'none'" in page.headers["Content-Security-Policy"]
    )
    async with pool.acquire() as conn:
        counts = await responses.count_by_status(conn, wave_id)
        cells = await responses.complete_demographics(conn, wave_id)
    assert f'<span data-field="completes">{counts["complete"]}</span>' in html
    assert "Quota cells" in html and "Incidence" in html and "Cost so far" in html
    # every complete falls in one level of each variable: the cells of a variable add up to the completes
    gender = sum(n for (variable, _), n in cells.items() if variable == "gender")
    assert gender == counts["complete"]
    live = await client.get(f"/studio/waves/{wave_id}/live")
    body = await live.json()
    assert body["state"] == "published" and body["completes"] == counts["complete"]
    assert "Quota cells" in body["html"] and body["actions"] == []
    # a viewer is told she cannot act, and is refused the confirm step and the action itself
    assert "need an editor" in html and "/confirm?action=" not in html
    assert (await client.get(f"/studio/waves/{wave_id}/confirm?action=cancel")).status == 403
    token = csrf_of(html)
    refused = await client.post(f"/studio/waves/{wave_id}/cancel", data={"csrf": token})
    assert refused.status == 403 and "editor role" in await refused.text()


async def test_a_wave_of_another_organisation_is_not_found(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        other = await orgs.ensure_organisation(conn, "other-corp")
        key = (await orgs.create_key(conn, other, "admin"))[0]
    await sign_in(client, key)
    assert (await client.get(f"/studio/waves/{world['waves'][0]}")).status == 404
    assert (await client.get(f"/studio/trackers/{world['poll']}/fieldwork")).status == 404
    assert (await client.get("/studio/waves/99999999999999999999")).status == 404


async def test_a_form_without_its_token_or_from_another_site_is_refused(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool
) -> None:
    await sign_in(client, world["keys"]["editor"])
    wave_id = world["waves"][-1]
    html = await (await client.get(f"/studio/waves/{wave_id}")).text()
    token = csrf_of(html)
    no_token = await client.post(f"/studio/waves/{wave_id}/cancel", data={})
    assert no_token.status == 403 and "expired" in await no_token.text()
    foreign = await client.post(
        f"/studio/waves/{wave_id}/cancel", data={"csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403 and "another site" in await foreign.text()
    # an origin the browser withholds (Origin: null, as Chromium sends under no-referrer) is left to the token
    withheld = await client.post(f"/studio/waves/{wave_id}/cancel", data={}, headers={"Origin": "null"})
    assert withheld.status == 403 and "expired" in await withheld.text()
    # with its token, the API's own answer comes back: a published wave cannot be cancelled
    done = await client.post(
        f"/studio/waves/{wave_id}/cancel", data={"csrf": token}, headers={"Origin": "null"}
    )
    assert done.status == 409 and f"wave {wave_id} is already published" in await done.text()
    async with pool.acquire() as conn:
        audited = await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'wave.cancel'")
    assert audited == 0


async def test_downloads_are_the_apis_exports_run_as_the_signed_in_user(
    client: TestClient, world: dict[str, Any], pool: asyncpg.Pool, tmp_path: Any
) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    openpyxl = pytest.importorskip("openpyxl")
    wave_id = world["waves"][-1]
    assert (await sign_in(client, world["keys"]["viewer"])).status == 303
    listing = await (await client.get(f"/studio/trackers/{world['poll']}/fieldwork")).text()
    assert f'href="/studio/waves/{wave_id}/banner.xlsx"' in listing and "respondents.sav" not in listing
    book = await client.get(f"/studio/waves/{wave_id}/banner.xlsx")
    assert book.status == 200 and "spreadsheetml" in book.headers["Content-Type"]
    (tmp_path / "b.xlsx").write_bytes(await book.read())
    rows = list(openpyxl.load_workbook(tmp_path / "b.xlsx").active.iter_rows(values_only=True))
    assert len(rows) > 10
    refused = await client.get(f"/studio/waves/{wave_id}/respondents.sav")  # exports need an editor
    assert refused.status == 403 and "editor role" in await refused.text()

    await sign_in(client, world["keys"]["editor"])
    listing = await (await client.get(f"/studio/trackers/{world['poll']}/fieldwork")).text()
    assert f'href="/studio/trackers/{world["poll"]}/respondents.sav"' in listing
    sav = await client.get(f"/studio/waves/{wave_id}/respondents.sav")
    assert sav.status == 200 and "attachment" in sav.headers["Content-Disposition"]
    (tmp_path / "w.sav").write_bytes(await sav.read())
    frame, meta = pyreadstat.read_sav(str(tmp_path / "w.sav"))
    async with pool.acquire() as conn:
        counts = await responses.count_by_status(conn, wave_id)
        action = await conn.fetchval("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert len(frame) == counts["complete"] and "weight" in frame.columns and meta.column_labels
    assert action == "wave.export"  # audited as the API's export is
    whole = await client.get(f"/studio/trackers/{world['poll']}/respondents.parquet")
    assert whole.status == 200 and len(await whole.read()) > 1000
    bad = await client.get("/studio/waves/abc/banner.csv")
    assert bad.status == 400 and "wave_id" in await bad.text()
