"""The organisation's privacy notice: set through the API (admin only, checked, audited) and shown on the survey's
introduction in the respondent's language; without one the introduction still says how answers are used."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from recognition.store import orgs, polls, waves
from recognition.store import survey as store
from tests.integration.api_support import problem
from tests.integration.survey_world import BRANDS, World, access, entry

ClientFactory = Callable[..., Any]


async def _intro(client: Any, wave_id: int, pid: str) -> str:
    resp = await client.get(entry(wave_id, pid), allow_redirects=False)
    assert resp.status == 303, await resp.text()
    page = await client.get(resp.headers["Location"])
    assert page.status == 200
    return str(await page.text())


async def test_the_introduction_says_how_answers_are_used_and_names_who_runs_the_survey_once_set(
    make_client: ClientFactory, world: World, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "survey-org")
        admin, _ = await orgs.create_key(conn, org, "admin")
        editor, _ = await orgs.create_key(conn, org, "editor")
    client = await make_client()
    as_admin = {"Authorization": f"Bearer {admin}"}

    intro = await _intro(client, world.wave_id, "P-notice-1")
    assert "used for market research only" in intro and "brands of running shoes" in intro
    assert "Taking part is voluntary" in intro and 'id="operator"' not in intro

    # refused, each problem named, nothing stored
    bad = await client.put(
        "/api/v1/survey-notice",
        json={"operator": "", "policy_url": "http://shop.example/privacy", "purpose": {"fr": "x"}},
        headers=as_admin,
    )
    body = await problem(bad, 400)
    fields = {e["field"] for e in body["errors"]}
    assert {"operator", "policy_url"} <= fields and any(f.startswith("purpose") for f in fields), body
    message = next(e["message"] for e in body["errors"] if e["field"] == "policy_url")
    assert "https://" in message
    await problem(
        await client.put(
            "/api/v1/survey-notice", json={"operator": "Acme"}, headers={"Authorization": f"Bearer {editor}"}
        ),
        403,
    )
    unset = await (await client.get("/api/v1/survey-notice", headers=as_admin)).json()
    assert unset == {"operator": None, "policy_url": None, "purpose": {}, "updated_at": None}

    ok = await client.put(
        "/api/v1/survey-notice",
        json={
            "operator": "Acme Research Ltd, London",
            "policy_url": "https://acme.example/privacy",
            "purpose": {"de": "Ihre Antworten helfen Acme, besser zu werden."},
        },
        headers=as_admin,
    )
    assert ok.status == 200, await ok.text()
    saved = await (await client.get("/api/v1/survey-notice", headers=as_admin)).json()
    assert saved["operator"] == "Acme Research Ltd, London" and saved["purpose"] == {
        "de": "Ihre Antworten helfen Acme, besser zu werden."
    }
    audit = await (await client.get("/api/v1/audit", headers=as_admin)).json()
    assert audit["items"][0]["action"] == "notice.set"

    intro = await _intro(client, world.wave_id, "P-notice-2")
    assert "This survey is carried out by Acme Research Ltd, London." in intro
    assert 'href="https://acme.example/privacy"' in intro and ">Privacy notice<" in intro
    assert "used for market research only" in intro  # no English words of its own: the service's

    # a German poll of the same organisation: the notice in German, with the organisation's own German words
    async with pool.acquire() as conn:
        poll = await polls.create_poll(
            conn,
            org,
            name="Tracker DE",
            category="Laufschuhe",
            brands=BRANDS,
            own_brand="acme",
            population="de",
            sample_size=50,
            language="de",
        )
        wave, _ = await waves.create_wave(conn, poll.id, datetime(2026, 2, 2, tzinfo=UTC), 50)
        for a, b in (("scheduled", "launching"), ("launching", "fielding")):
            assert await waves.transition(conn, wave.id, a, b)
        await store.set_access(conn, access(wave.id))
    intro = await _intro(client, wave.id, "P-notice-3")
    assert "Verantwortlich für diese Umfrage: Acme Research Ltd, London." in intro
    assert ">Datenschutzhinweise<" in intro and "Ihre Antworten helfen Acme, besser zu werden." in intro
    assert "Die Teilnahme ist freiwillig." in intro

    assert (await client.delete("/api/v1/survey-notice", headers=as_admin)).status == 204
    audit = await (await client.get("/api/v1/audit", headers=as_admin)).json()
    assert audit["items"][0]["action"] == "notice.delete"
    intro = await _intro(client, world.wave_id, "P-notice-4")
    assert 'id="operator"' not in intro


async def test_blank_or_control_characters_are_refused_by_name(
    make_client: ClientFactory, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "survey-org")
        admin, _ = await orgs.create_key(conn, org, "admin")
    client = await make_client()
    for body, field in (
        ({"operator": "   "}, "operator"),
        ({"operator": "Acme\x00"}, "operator"),
        ({"operator": "Acme", "purpose": {"en": " \n "}}, "purpose.en"),
        ({"operator": "Acme", "policy_url": "https://"}, "policy_url"),
    ):
        resp = await client.put(
            "/api/v1/survey-notice", json=body, headers={"Authorization": f"Bearer {admin}"}
        )
        found = await problem(resp, 400)
        assert [e["field"] for e in found["errors"]] == [field], found
