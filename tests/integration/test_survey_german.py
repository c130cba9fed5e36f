"""A German poll's hosted survey: asked in German, where people live asked once (the Land; the region derived
from it and stored for weighting), gender with a third answer."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from panels.simulated.taker import Persona, fill, parse_form
from recognition.populations import with_derived
from recognition.store import orgs, polls, waves
from recognition.store import survey as store
from tests.integration.survey_world import access, entry, exit_parts, walk

BRANDS = [
    {"id": "bohnenwerk", "name": "Bohnenwerk", "aliases": ["Bonenwerk"]},
    {"id": "starbucks", "name": "Starbucks", "aliases": ["Starbux"]},
    {"id": "tchibo", "name": "Tchibo"},
]


async def _german_wave(pool: asyncpg.Pool, name: str) -> int:
    """A fielding wave of a German poll ``name`` (a coffee-shop tracker, asked in German)."""
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "kaffee-umfrage")
        poll = await polls.create_poll(
            conn,
            org,
            name=name,
            category="Kaffeehausketten",
            category_wording={"en": "coffee shop chains", "de": "Kaffeehausketten"},
            language="de",
            brands=BRANDS,
            own_brand="bohnenwerk",
            population="de",
            sample_size=20,
        )
        wave, _ = await waves.create_wave(conn, poll.id, datetime(2026, 2, 2, tzinfo=UTC), 20)
        for a, b in (("scheduled", "launching"), ("launching", "fielding")):
            assert await waves.transition(conn, wave.id, a, b)
        await store.set_access(conn, access(wave.id))
    return wave.id


async def _screener_page(client: TestClient, url: str) -> str:
    """The HTML of the first questionnaire page (past the introduction)."""
    resp = await client.get(url)  # the entry link, redirected to the introduction
    body = await resp.text()
    for _ in range(6):
        form = parse_form(body)
        assert form is not None, body
        if dict(form.hidden).get("screen") == "screener":
            return body
        posted = await client.post(form.action, data=fill(form, random.Random(1)), allow_redirects=False)
        assert posted.status == 200, await posted.text()  # an answered page replies with the next one
        body = await posted.text()
    raise AssertionError("no screener page")


async def test_german_survey_asks_the_land_once_and_stores_the_region(
    make_client: Callable[..., Any], pool: asyncpg.Pool
) -> None:
    wave_id = await _german_wave(pool, "kaffee")
    client = await make_client()
    screener = await _screener_page(client, entry(wave_id, "DE-0000"))
    assert "In welchem Bundesland wohnen Sie?" in screener and "Bayern" in screener and "Divers" in screener
    assert "In welcher Region wohnen Sie?" not in screener and "Kaffeehausketten" in screener
    assert "Which" not in screener
    visit = await walk(client, entry(wave_id, "DE-0001"), persona=Persona(unaided=("Starbux", "Tschibo")))
    assert visit.exit_url is not None and exit_parts(visit.exit_url)[0] == "complete"
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT id, demographics FROM respondents WHERE wave_id = $1 AND status = 'complete'", wave_id
        )
        answers = {
            r["question_id"]: r["value"]
            for r in await conn.fetch("SELECT * FROM answers WHERE respondent_id = $1", row["id"])
        }
    assert "screener.region" not in answers and "screener.land" in answers
    demographics = dict(row["demographics"])
    assert set(demographics) == {"age", "gender", "land", "region", "education"}
    assert demographics == with_derived("de", {k: v for k, v in demographics.items() if k != "region"})
    assert demographics["gender"] in ("female", "male", "diverse")
    assert answers["unaided_coded"][0] == ["starbucks"]


async def test_a_german_survey_says_goodbye_in_german(
    make_client: Callable[..., Any], pool: asyncpg.Pool
) -> None:
    """The pages on the way out follow the questionnaire's language: a tester's last page, and the note to someone
    who opens their finished survey again."""
    wave_id = await _german_wave(pool, "kaffee-abschied")
    client = await make_client()
    tester = await walk(client, entry(wave_id, "tester-de-1") + "&test=1")
    assert tester.exit_url is None and tester.last_status == 200
    assert "Test beendet" in tester.last_body and "Test finished" not in tester.last_body
    person = entry(wave_id, "DE-0002")
    assert (await walk(client, person)).exit_url is not None
    again = await client.get(person, allow_redirects=False)
    assert again.status == 409 and "Sie haben bereits teilgenommen" in await again.text()
