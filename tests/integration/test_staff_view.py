"""The staff view end to end: an editor opens a staff round over the API, two staff members take the hosted survey
through its shared link (real HTTP, real database), answering the aided list and the image questions as they
believe customers would. They are stored as anonymous staff, never public (so counted nowhere the public is, as
test_wave_test_links checks for every respondent who is not public); a forged link and a closed round admit no one;
the gap endpoint's numbers equal a hand computation with Wilson's formula written out; the CLI prints a link."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import orgs, waves
from recognition.store import staff as staff_store
from recognition.store import survey as survey_store
from recognition.waves.staff import open_staff_round
from tests.integration import survey_world
from tests.integration.cli_support import run_command
from tests.integration.dashboard_support import sign_in
from tests.integration.field_support import ORGANISATION, field, make_wave
from tests.integration.security_support import app_client, census, client_of, proxied

Z = 1.959963984540054  # the normal quantile of a 95% interval


def _wilson(yes: int, n: int) -> tuple[float, float]:
    p = yes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


async def _take(client: TestClient, link: str, aware: list[str], says_yes: dict[str, set[str]]) -> str:
    """One staff member through the shared link: consent, the aided list, then every image screen, answering yes
    for the brands ``says_yes`` names per attribute. Returns the final page's text."""
    client.session.cookie_jar.clear()
    url = urlsplit(link)
    entry = await client.get(f"{url.path}?{url.query}", allow_redirects=False)
    assert entry.status == 303, await entry.text()
    survey = url.path.removesuffix("/start")
    intro = await (await client.get(survey)).text()
    assert 'value="start"' in intro and "as you believe our customers would answer" in intro
    page = await (await client.post(survey, data={"action": "start"}, allow_redirects=False)).text()
    screens = []
    for _ in range(20):
        found = re.search(r'name="screen" value="([^"]+)"', page)
        if found is None:
            return page
        screen = found.group(1)
        screens.append(screen)
        assert "as you believe our customers would answer" in page  # the frame above every screen
        if screen == "aided":
            form: list[tuple[str, str]] = [("screen", screen), *(("aided", b) for b in aware)]
        else:
            assert screen.startswith("image."), screen  # the staff view: no screener, no other module
            attribute = screen.removeprefix("image.")
            yes = says_yes.get(attribute, set())
            form = [("screen", screen), *((f"{screen}:{b}", "yes" if b in yes else "no") for b in aware)]
        resp = await client.post(survey, data=form, allow_redirects=False)
        assert resp.status == 200, await resp.text()  # the next screen, or the page thanking them at the end
        page = await resp.text()
    raise AssertionError(f"the survey did not end: {screens}")


async def test_staff_answer_through_the_shared_link_are_stored_as_anonymous_staff_and_the_gap_is_right(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=60)
    # 60 completes: a low suppression floor keeps every aided figure shown whatever the weights' spread, so the
    # gap beside a public figure is always checked (the floor itself is tested with the estimates)
    lenient = replace(settings, statistics_suppress_below=5.0)
    async with field(pool, lenient) as f:
        report = await f.publish(pool, wave_id)
        async with pool.acquire() as conn:
            org = await orgs.ensure_organisation(conn, ORGANISATION)
            editor, _ = await orgs.create_key(conn, org, "editor")
            viewer, _ = await orgs.create_key(conn, org, "viewer")
            poll_id = (await waves.get_wave(conn, wave_id)).poll_id  # type: ignore[union-attr]
            estimates_before = await conn.fetch(
                "SELECT metric, brand, estimate, se, n FROM estimates WHERE wave_id = $1 ORDER BY id", wave_id
            )
        editor_h = {"Authorization": f"Bearer {editor}"}
        async with TestClient(TestServer(create_app(f.settings, pool=pool))) as client:
            empty = await (await client.get(f"/api/v1/polls/{poll_id}/staff-gap", headers=editor_h)).json()
            await sign_in(client, editor)
            page_before = await (await client.get(f"/dashboard/polls/{poll_id}")).text()
            as_viewer = await client.post(
                f"/api/v1/polls/{poll_id}/staff-round", headers={"Authorization": f"Bearer {viewer}"}
            )
            opened = await client.post(f"/api/v1/polls/{poll_id}/staff-round", headers=editor_h)
            round_ = await opened.json()
            link = round_["link"]
            attributes = sorted(
                {
                    r["metric"].removeprefix("image.")
                    for r in estimates_before
                    if r["metric"].startswith("image.")
                }
            )
            assert len(attributes) >= 2
            first = attributes[0]
            # Staff member 1 thinks customers know Acme and Velo and see Acme as everything; member 2 only Acme,
            # and Acme only as the first attribute.
            done1 = await _take(client, link, ["acme", "velo"], {a: {"acme"} for a in attributes})
            done2 = await _take(client, link, ["acme"], {first: {"acme"}})
            await sign_in(client, editor)
            page_after = await (await client.get(f"/dashboard/polls/{poll_id}")).text()
            forged = await client.get(urlsplit(link).path + "?staff=" + "A" * 43, allow_redirects=False)
            gap = await (await client.get(f"/api/v1/polls/{poll_id}/staff-gap", headers=editor_h)).json()
            gap_csv = await (
                await client.get(f"/api/v1/polls/{poll_id}/staff-gap?format=csv", headers=editor_h)
            ).text()
            closed = await client.post(f"/api/v1/polls/{poll_id}/staff-round/close", headers=editor_h)
            closed_round = await closed.json()
            closed_again = await client.post(f"/api/v1/polls/{poll_id}/staff-round/close", headers=editor_h)
            client.session.cookie_jar.clear()
            after_close = await client.get(
                f"{urlsplit(link).path}?{urlsplit(link).query}", allow_redirects=False
            )
            after_close_page = await after_close.text()
            openapi = await (await client.get("/openapi.json")).json()
    assert report.state == "published"
    assert empty["rows"] == [] and empty["note"] == "no staff round has been opened"
    assert as_viewer.status == 403 and opened.status == 201
    assert link.startswith(f"{f.settings.public_base_url}/survey/{wave_id}/start?staff=")
    assert "Thank you" in done1 and "Thank you" in done2
    assert forged.status == 403
    # The dashboard shows the section only once a staff round has answers
    heading = "What staff believe vs what the public says"
    assert heading not in page_before and heading in page_after
    section = page_after.split('id="staff-view"')[1].split("</section>")[0]
    assert (
        "2 staff answered" in section
        and "Wilson" in section
        and section.count("<tr") == 1 + 3 * (1 + len(attributes))
    )
    assert closed.status == 200 and closed_round["completes"] == 2 and closed_again.status == 409
    assert after_close.status == 403 and "closed" in after_close_page
    assert "/api/v1/polls/{poll_id}/staff-gap" in openapi["paths"]
    async with pool.acquire() as conn:
        staff_rows = await conn.fetch(
            "SELECT kind, test, status, demographics, staff_round_id FROM respondents WHERE kind = 'staff'"
        )
        hashes = await conn.fetch("SELECT token_hash FROM staff_rounds")
        refusals = await conn.fetch("SELECT reason FROM survey_refusals WHERE wave_id = $1", wave_id)
        public = {
            (r["metric"], r["brand"]): (r["estimate"], r["se"], r["base_status"])
            for r in await conn.fetch(
                """SELECT metric, brand, estimate, se, base_status FROM estimates
                   WHERE wave_id = $1 AND segment = 'all' AND base = 'total' AND window_size = 1""",
                wave_id,
            )
        }
    # Stored as staff: anonymous (no demographics), of the round, never public (``test``: not public, which every
    # count leaves out, as test_wave_test_links checks for testers); only the link's hash is stored
    assert [(r["kind"], r["test"], r["status"], r["staff_round_id"]) for r in staff_rows] == [
        ("staff", True, "complete", round_["round_id"])
    ] * 2
    assert all(not r["demographics"] for r in staff_rows)
    assert [bytes(h["token_hash"]) for h in hashes] != [] and all(
        link.split("staff=")[1].encode() not in bytes(h["token_hash"]) for h in hashes
    )
    assert "bad_signature" in [r["reason"] for r in refusals] and "closed" in [r["reason"] for r in refusals]
    # The gap, by hand: staff x of n=2 with Wilson's interval against the stored public estimate
    rows = {(r["metric"], r["brand"]): r for r in gap["rows"]}
    assert gap["wave_id"] == wave_id and gap["round"]["completes"] == 2
    expected_yes = {("aided", "acme"): 2, ("aided", "velo"): 1, ("aided", "kinetic"): 0}
    for a in attributes:
        expected_yes[(f"image.{a}", "acme")] = 2 if a == first else 1
        expected_yes[(f"image.{a}", "velo")] = 0
        expected_yes[(f"image.{a}", "kinetic")] = 0
    assert set(rows) == set(expected_yes)
    compared = []
    for item, yes in expected_yes.items():
        row = rows[item]
        p = yes / 2
        low, high = _wilson(yes, 2)
        assert row["staff_yes"] == yes and row["staff_n"] == 2
        assert math.isclose(row["staff_share"], p) and math.isclose(row["staff_low"], low, abs_tol=1e-12)
        assert math.isclose(row["staff_high"], high, abs_tol=1e-12)
        estimate, se, status = public[item]
        if status == "suppressed":  # a suppressed public figure is never shown, nor its gap
            assert row["public_estimate"] is None and row["gap"] is None
            continue
        compared.append(item)
        gap_se = math.sqrt(p * (1 - p) / 2 + se * se)
        assert math.isclose(row["public_estimate"], estimate) and math.isclose(row["gap"], p - estimate)
        assert math.isclose(row["gap_se"], gap_se)
        assert math.isclose(row["gap_low"], p - estimate - Z * gap_se)
        assert math.isclose(row["gap_high"], p - estimate + Z * gap_se)
    aided = {("aided", "acme"), ("aided", "velo"), ("aided", "kinetic")}  # bases of every respondent
    assert aided <= set(compared) and len(compared) >= 4
    # Velo's aided share, 1 of 2: Wilson's interval is (0.0945, 0.9055)
    assert math.isclose(rows[("aided", "velo")]["staff_low"], 0.09453, abs_tol=1e-4)
    table = list(csv.DictReader(io.StringIO(gap_csv)))
    assert len(table) == len(expected_yes)
    assert {(r["metric"], r["brand"]): int(r["staff_yes"]) for r in table} == expected_yes
    # The public estimates themselves did not move
    async with pool.acquire() as conn:
        estimates_after = await conn.fetch(
            "SELECT metric, brand, estimate, se, n FROM estimates WHERE wave_id = $1 ORDER BY id", wave_id
        )
    assert estimates_after == estimates_before


async def test_a_poll_without_a_survey_refuses_a_staff_round_and_the_cli_prints_a_link(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    wave_id = await make_wave(pool, target=5)
    async with pool.acquire() as conn:
        poll_id = (await waves.get_wave(conn, wave_id)).poll_id  # type: ignore[union-attr]
        org = await orgs.ensure_organisation(conn, ORGANISATION)
        editor, _ = await orgs.create_key(conn, org, "editor")
    async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
        early = await client.post(
            f"/api/v1/polls/{poll_id}/staff-round", headers={"Authorization": f"Bearer {editor}"}
        )
        problem = await early.json()
    assert early.status == 409 and "has no survey yet" in problem["detail"]
    missing = await _cli(settings, tmp_path, str(poll_id))
    assert missing[0] == 2 and f"poll {poll_id} has no survey yet" in missing[2]
    async with pool.acquire() as conn:
        await survey_store.set_access(
            conn, survey_store.SurveyAccess(wave_id, "simulated", "p1", "ref", "w" * 64, None)
        )
    code, out, _ = await _cli(settings, tmp_path, str(poll_id))
    assert code == 0
    link = out.split()[-1]
    assert link.startswith(f"https://tracker.example.com/survey/{wave_id}/start?staff=")
    assert len(link.split("staff=")[1]) >= 43
    code, out, _ = await _cli(settings, tmp_path, str(poll_id), "--close")
    assert code == 0 and "closed (0 answers)" in out


async def _cli(settings: Settings, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """``recognition staff-link *args`` in a process of its own, on the test database."""
    return await run_command(settings, tmp_path, "staff-link", *args)


async def test_forged_staff_links_are_throttled_and_a_closed_round_is_not_a_forgery(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        world = await survey_world.make_world(conn)
        opened = await open_staff_round(conn, world.poll_id, "https://tracker.example.com")
    path = urlsplit(opened.link)
    real = f"{path.path}?{path.query}"
    forged = f"{path.path}?staff=" + "x" * 43
    throttled = replace(proxied(settings, server_auth_failures=2), panels_simulator_url=survey_world.PANEL)
    async with app_client(throttled, pool) as client:
        forger, staff, late = client_of("203.0.113.7"), client_of("198.51.100.8"), client_of("198.51.100.9")
        before = await census(pool)
        for _ in range(2):
            assert (await client.get(forged, headers=forger, allow_redirects=False)).status == 403
        held = await client.get(real, headers=forger, allow_redirects=False)  # even the true link waits now
        assert held.status == 429 and after_census_unchanged(before, await census(pool))
        assert (await client.get(real, headers=staff, allow_redirects=False)).status == 303
        async with pool.acquire() as conn:
            await staff_store.close_round(conn, world.poll_id)
        for _ in range(4):  # a closed round answers "closed" every time, never held as a forgery
            resp = await client.get(real, headers=late, allow_redirects=False)
            assert resp.status == 403 and "closed" in await resp.text()


def after_census_unchanged(before: dict[str, int], after: dict[str, int]) -> bool:
    return (
        after["respondents"] == before["respondents"]
        and after["survey_sessions"] == before["survey_sessions"]
    )
