"""The hosted survey over real HTTP on a real database: a whole survey, exits, resume, no going back, and the
respondent's data kept (and not kept)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg

from panels.links import exit_signature
from panels.simulated.taker import Persona, fill, parse_form
from recognition.settings import Settings
from recognition.store import responses
from recognition.store import survey as survey_store
from recognition.web.survey.routes import COOKIE
from tests.integration.survey_world import (
    SECRET,
    World,
    entry,
    exit_parts,
    make_world,
    walk,
)

ClientFactory = Callable[..., Any]


_exit_parts = exit_parts


async def test_a_whole_survey_completes_and_exits_to_the_complete_url(
    make_client: ClientFactory, world: World, pool: asyncpg.Pool, settings: Settings
) -> None:
    client = await make_client()
    visit = await walk(client, entry(world.wave_id, "PANEL-0001"))
    assert visit.exit_url is not None
    status, pid, sig = _exit_parts(visit.exit_url)
    assert (status, pid) == ("complete", "PANEL-0001")
    assert sig == exit_signature(SECRET, "PANEL-0001", "complete")
    assert visit.pages[:4] == ["screener", "unaided", "aided", "usage"]
    key = responses.respondent_key(settings.survey_secret, "simulated", "PANEL-0001")
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM respondents WHERE wave_id = $1", world.wave_id)
        assert (
            row["status"] == "complete" and row["respondent_key"] == key and row["completed_at"] is not None
        )
        assert set(row["demographics"]) == {"age", "gender", "region", "education"}
        answers = {
            r["question_id"]: r["value"]
            for r in await conn.fetch("SELECT * FROM answers WHERE respondent_id = $1", row["id"])
        }
        assert answers["unaided"] == ["Acme", "north peak"]
        assert answers["unaided_coded"] == [["acme"], ["northpeak"]]
        assert answers["attention_check"] == "disagree"
        session = await conn.fetchrow("SELECT * FROM survey_sessions WHERE respondent_id = $1", row["id"])
        # the order shown is recorded per respondent, and the provider id is gone after the exit
        assert sorted(session["orders"]["aided"]) == sorted(["acme", "stride", "northpeak", "velo", "none"])
        assert session["orders"]["aided"][-1] == "none"
        assert session["exit_ref"] is None
        assert session["shown"][:3] == ["screener", "unaided", "aided"]
        coding = await conn.fetchrow("SELECT * FROM unaided_coding WHERE respondent_id = $1", row["id"])
        assert coding["frame_version"] == 1 and coding["boxes"] == [["acme"], ["northpeak"]]
        # no table holds the provider id in clear text
        for table in ("respondents", "answers", "survey_sessions", "survey_refusals", "unaided_coding"):
            dump = await conn.fetchval(f"SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} t")
            assert "PANEL-0001" not in dump, table


async def test_pages_are_accessible_html_without_javascript(make_client: ClientFactory, world: World) -> None:
    client = await make_client()
    resp = await client.get(entry(world.wave_id, "P-html"), allow_redirects=False)
    assert resp.status == 303
    cookie = resp.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == f"/survey/{world.wave_id}"
    assert not cookie["expires"] and not cookie["max-age"]  # a session cookie
    intro = await (await client.get(resp.headers["Location"])).text()
    assert "anonymous" in intro and "<script" not in intro and 'lang="en"' in intro
    assert 'name="viewport"' in intro
    resp = await client.post(f"/survey/{world.wave_id}", data={"action": "start"}, allow_redirects=False)
    assert resp.status == 200  # consent is answered with the first screen
    page = await resp.text()
    assert page == await (await client.get(f"/survey/{world.wave_id}")).text()  # and a reload shows it again
    assert "<fieldset" in page and "<legend>" in page and "<progress" in page and "Step 1 of" in page
    assert page.count("<label") >= 10 and "<script" not in page
    assert len(client.session.cookie_jar) == 1


async def test_reload_resumes_and_reentry_takes_over_the_session(
    make_client: ClientFactory, world: World, pool: asyncpg.Pool
) -> None:
    client = await make_client()
    visit = await walk(client, entry(world.wave_id, "P-resume"), stop_after="aided")
    assert visit.pages == ["screener", "unaided", "aided"] and visit.exit_url is None
    again = await (await client.get(f"/survey/{world.wave_id}")).text()
    assert dict(parse_form(again).hidden)["screen"] == "usage"  # type: ignore[union-attr]
    other = await make_client()  # another browser, no cookie: the entry link resumes the same respondent
    resp = await other.get(entry(world.wave_id, "P-resume"))
    assert resp.status == 200
    assert dict(parse_form(await resp.text()).hidden)["screen"] == "usage"  # type: ignore[union-attr]
    stale = await client.get(f"/survey/{world.wave_id}")
    assert stale.status == 400 and "could not find your survey" in await stale.text()
    finished = await walk(other, f"/survey/{world.wave_id}")
    assert finished.exit_url is not None and _exit_parts(finished.exit_url)[0] == "complete"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM respondents WHERE wave_id = $1", world.wave_id) == 1


async def test_no_going_back_to_the_unaided_question_once_brands_were_shown(
    make_client: ClientFactory, world: World, pool: asyncpg.Pool
) -> None:
    client = await make_client()
    await walk(client, entry(world.wave_id, "P-back"), stop_after="unaided")
    page = await (await client.get(f"/survey/{world.wave_id}")).text()
    assert dict(parse_form(page).hidden)["screen"] == "aided"  # type: ignore[union-attr]
    resp = await client.post(
        f"/survey/{world.wave_id}", data={"screen": "unaided", "unaided": "Stride"}, allow_redirects=False
    )
    assert resp.status == 409
    body = await resp.text()
    assert "can no longer be changed" in body
    assert dict(parse_form(body).hidden)["screen"] == "aided"  # type: ignore[union-attr]
    async with pool.acquire() as conn:
        stored = await conn.fetchval(
            """SELECT a.value FROM answers a JOIN respondents r ON r.id = a.respondent_id
               WHERE r.wave_id = $1 AND a.question_id = 'unaided'""",
            world.wave_id,
        )
    assert stored == ["Acme", "north peak"]


async def test_validation_errors_are_shown_and_nothing_is_stored(
    make_client: ClientFactory, world: World
) -> None:
    client = await make_client()
    await walk(client, entry(world.wave_id, "P-err"), stop_after="screener")
    resp = await client.post(
        f"/survey/{world.wave_id}",
        data={"screen": "unaided", "unaided": "Acme", "unaided.option": "dont_know"},
    )
    assert resp.status == 422
    body = await resp.text()
    assert 'role="alert"' in body and "cannot be combined" in body and 'value="Acme"' in body
    resp = await client.post(f"/survey/{world.wave_id}", data={"screen": "unaided"})
    assert resp.status == 422 and "Please enter at least one answer" in await resp.text()


async def test_decline_exits_as_screen_out(
    make_client: ClientFactory, world: World, pool: asyncpg.Pool
) -> None:
    client = await make_client()
    await client.get(entry(world.wave_id, "P-no"), allow_redirects=False)
    resp = await client.post(f"/survey/{world.wave_id}", data={"action": "decline"}, allow_redirects=False)
    assert resp.status == 303 and _exit_parts(resp.headers["Location"])[:2] == ("screened_out", "P-no")
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT status FROM respondents WHERE wave_id = $1", world.wave_id)
            == "screened_out"
        )


async def test_full_wave_sends_new_respondents_to_over_quota(
    make_client: ClientFactory, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        small = await make_world(conn, target_n=1, slot_day=12)
    client = await make_client()
    first = await walk(client, entry(small.wave_id, "P-first"))
    assert first.exit_url is not None and _exit_parts(first.exit_url)[0] == "complete"
    late = await make_client()
    resp = await late.get(entry(small.wave_id, "P-late"), allow_redirects=False)
    assert resp.status == 303 and _exit_parts(resp.headers["Location"])[:2] == ("over_quota", "P-late")


async def test_taker_fills_every_question(make_client: ClientFactory, world: World) -> None:
    import random

    client = await make_client()
    await walk(client, entry(world.wave_id, "P-fill"), stop_after="screener")
    form = parse_form(await (await client.get(f"/survey/{world.wave_id}")).text())
    assert form is not None and form.texts.count("unaided") == 5
    fields = fill(form, random.Random(1), Persona(unaided=("x",)))
    assert ("unaided", "x") in fields and ("screen", "unaided") in fields


async def test_two_submissions_of_one_screen_at_once_store_one(
    make_client: ClientFactory, world: World, pool: asyncpg.Pool
) -> None:
    """A double click, or the same form sent from two tabs: the first answer is kept, the second is shown the
    current screen; a session changed since it was read is never written over (the compare-and-set)."""
    client = await make_client()
    visit = await walk(client, entry(world.wave_id, "P-twice"), stop_after="screener")
    assert visit.pages == ["screener"]  # the unaided screen is the current one
    path = f"/survey/{world.wave_id}"
    first, second = await asyncio.gather(
        client.post(path, data={"screen": "unaided", "unaided": "Stride"}, allow_redirects=False),
        client.post(path, data={"screen": "unaided", "unaided": "Velo"}, allow_redirects=False),
    )
    statuses = sorted([first.status, second.status])
    assert statuses == [200, 409], statuses  # the unaided screen can no longer be changed: said on the page
    kept = "Stride" if first.status == 200 else "Velo"
    async with pool.acquire() as conn:
        rid, stored, shown, changed = await conn.fetchrow(
            """SELECT r.id, a.value, s.shown, s.updated_at FROM respondents r
               JOIN answers a ON a.respondent_id = r.id AND a.question_id = 'unaided'
               JOIN survey_sessions s ON s.respondent_id = r.id WHERE r.wave_id = $1""",
            world.wave_id,
        )
        assert stored == [kept] and shown == ["screener", "unaided", "aided"]
        # read before a change: nothing is stored, the session is left as it is
        stale = changed - timedelta(microseconds=1)
        assert not await survey_store.save_answers(
            conn, rid, {"aided": ["acme"]}, shown="usage", unchanged_since=stale
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM answers WHERE respondent_id = $1 AND question_id = 'aided'", rid
            )
            == 0
        )
        assert await conn.fetchval("SELECT shown FROM survey_sessions WHERE respondent_id = $1", rid) == shown
        assert await survey_store.save_answers(
            conn, rid, {"aided": ["acme"]}, shown="usage", unchanged_since=changed
        )
        assert await conn.fetchval("SELECT shown FROM survey_sessions WHERE respondent_id = $1", rid) == [
            *shown,
            "usage",
        ]
