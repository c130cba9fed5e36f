"""Test runs: a wave's test link through the API and the CLI, taken through the hosted survey over HTTP by a
synthetic tester after the wave was fielded and published. The tester is stored as a test and counted nowhere:
not in the completes the estimates read, not in progress, not at the provider."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import asyncpg
import numpy as np
from aiohttp.test_utils import TestClient, TestServer

from panels.base import ProjectSpec
from panels.links import entry_url
from panels.registry import KINDS, BuildContext, ProviderConfig, ProviderRegistry
from panels.simulated.apis.cint import credentials as cint_credentials
from panels.simulated.apis.purespectrum import credentials as purespectrum_credentials
from panels.simulated.population import SyntheticPopulation
from panels.simulated.respondents import draw_respondents
from panels.simulated.server import running_simulator
from panels.simulated.walkers import Walker, walk
from recognition import providers, sessions
from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import orgs, responses, waves
from recognition.store import survey as survey_store
from recognition.store.survey import SurveyAccess
from recognition.waves.testruns import service_test_link, wave_test_links
from tests.integration import survey_world
from tests.integration.cli_support import run_command
from tests.integration.field_support import BRANDS, FAST, ORGANISATION, SLOT, TIME_SCALE, field, make_wave


def _tester(link: str) -> Walker:
    names = {str(b["id"]): str(b["name"]) for b in BRANDS}
    population = SyntheticPopulation.from_country("us", list(names))
    person = draw_respondents(population, names, "acme", 1, 0, np.random.default_rng(11))[0]
    return Walker("tester", link, person, names, "acme", "normal", 480.0, 0, False)


async def _get(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url, allow_redirects=False) as resp:
        return resp.status


async def test_a_tester_takes_a_fielded_wave_through_its_test_link_and_is_counted_nowhere(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=5)
    async with field(pool, settings) as f:
        report = await f.publish(pool, wave_id)
        async with pool.acquire() as conn:
            org = await orgs.ensure_organisation(conn, "acme-co")
            editor, _ = await orgs.create_key(conn, org, "editor")
            viewer, _ = await orgs.create_key(conn, org, "viewer")
            poll_id = (await waves.get_wave(conn, wave_id)).poll_id  # type: ignore[union-attr]
            unfielded, _ = await waves.create_wave(conn, poll_id, SLOT.replace(day=9), 5)
            before = len(await responses.wave_respondents(conn, wave_id))
            secret = (await survey_store.get_access(conn, wave_id)).secret  # type: ignore[union-attr]
        project = f.sim.project_for(sessions.project_reference(settings.survey_secret, wave_id))
        assert project is not None
        booked_before = (dict(project.returns), len(project.feed), len(project.completed))
        async with TestClient(TestServer(create_app(f.settings, pool=pool))) as client:
            resp = await client.post(
                f"/api/v1/waves/{wave_id}/test-link", headers={"Authorization": f"Bearer {editor}"}
            )
            links = await resp.json()
            second = await (
                await client.post(
                    f"/api/v1/waves/{wave_id}/test-link", headers={"Authorization": f"Bearer {editor}"}
                )
            ).json()
            as_viewer = await client.post(
                f"/api/v1/waves/{wave_id}/test-link", headers={"Authorization": f"Bearer {viewer}"}
            )
            too_early = await client.post(
                f"/api/v1/waves/{unfielded.id}/test-link", headers={"Authorization": f"Bearer {editor}"}
            )
            problem = await too_early.json()
        link = links["entry_url"]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            exit_url = await walk(session, _tester(link), random.Random(3), time_scale=TIME_SCALE)
            again = await _get(session, link)
            tampered = await _get(session, link.replace("pid=tester-", "pid=tester-x"))
            unsigned = await _get(session, link.split("&sig=")[0] + "&test=1")
            # a respondent's own live link (signed with the wave's secret) with test=1 added
            live = await _get(
                session, entry_url(f.settings.public_base_url, wave_id, "P42", secret) + "&test=1"
            )
    assert report.state == "published"
    assert resp.status == 200 and as_viewer.status == 403
    assert too_early.status == 409 and "no survey link yet" in problem["detail"]
    # The service's signed link with test=1, one new tester per request; the simulated provider has no test mode
    assert link.startswith(f"{f.settings.public_base_url}/survey/{wave_id}/start?pid=tester-")
    assert link.endswith("&test=1") and second["entry_url"] != link
    assert links["provider"] == "simulated" and links["provider_test_url"] is None
    assert "no test mode" in links["provider_note"]
    # The tester finished on the survey's own page (no exit to the provider), after the wave was published
    assert exit_url is None and again == 409 and tampered == 403 and unsigned == 403 and live == 403
    async with pool.acquire() as conn:
        tests = await conn.fetch("SELECT status FROM respondents WHERE wave_id = $1 AND test", wave_id)
        after = len(await responses.wave_respondents(conn, wave_id))
        by_status = await responses.count_by_status(conn, wave_id)
        hosted = await survey_store.session_outcomes(conn, wave_id)
    assert [r["status"] for r in tests] == ["complete"]
    # Counted nowhere: not in what the estimates read, progress, the hosted-survey tally or the provider's books
    assert before == after == by_status["complete"] == hosted["complete"] == 5
    assert (dict(project.returns), len(project.feed), len(project.completed)) == booked_before


async def _cli(settings: Settings, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """``recognition test-link *args`` in a process of its own, on the test database: (exit code, out, err)."""
    return await run_command(settings, tmp_path, "test-link", *args)


async def test_the_cli_prints_a_signed_test_link(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    wave_id = await make_wave(pool, target=5)
    secret = "w" * 64
    async with pool.acquire() as conn:
        await survey_store.set_access(conn, SurveyAccess(wave_id, "simulated", "p1", "ref", secret, None))
        poll_id = (await waves.get_wave(conn, wave_id)).poll_id  # type: ignore[union-attr]
        unfielded, _ = await waves.create_wave(conn, poll_id, SLOT.replace(day=9), 5)
    code, out, _ = await _cli(settings, tmp_path, str(wave_id), "--json")
    missing = await _cli(settings, tmp_path, str(unfielded.id))
    links = json.loads(out)
    url = urlsplit(links["entry_url"])
    query = dict(parse_qsl(url.query))
    assert code == 0 and f"{url.scheme}://{url.netloc}{url.path}" == (
        f"https://tracker.example.com/survey/{wave_id}/start"
    )
    # Signed with the wave's link secret as docs/survey.md states: HMAC-SHA256 of "{wave}\n{pid}\n{exp}", hex
    message = f"{wave_id}\n{query['pid']}\n{query['exp']}".encode()
    assert query["sig"] == hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert query["test"] == "1"
    assert query["pid"].startswith("tester-") and int(query["exp"]) > 0
    assert missing[0] == 2 and f"wave {unfielded.id} has no survey link yet" in missing[2]


async def test_a_provider_that_cannot_be_reached_leaves_only_the_service_link() -> None:
    access = SurveyAccess(7, "purespectrum", "1234", "ref", "k" * 64, None)
    kind = KINDS["purespectrum"]
    provider = kind.build(
        kind.complete(purespectrum_credentials("http://127.0.0.1:9")), BuildContext(FAST, None)
    )
    try:
        links = await wave_test_links(access, provider, "https://tracker.example.com/")
    finally:
        await provider.aclose()
    none = await wave_test_links(access, None, "https://tracker.example.com")
    assert links.entry_url.startswith("https://tracker.example.com/survey/7/start?pid=tester-")
    assert links.provider_test_url is None and links.provider_note is not None
    assert links.provider_note.startswith("purespectrum did not give its test link")
    assert (
        none.provider_test_url is None
        and none.provider_note is not None
        and "no purespectrum" in none.provider_note
    )


async def test_cints_test_run_through_the_api_and_the_cli_and_its_refusal_named_in_a_409(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    """A Cint wave: while its target group is a draft, Cint refuses a test run, and the API answers a 409 problem
    (the CLI one line, exit 2) naming the wave and the cause; once launched, both give Cint's test link."""
    wave_id = await make_wave(pool, target=5, provider="cint")
    async with running_simulator(rate=0.0) as sim:
        values = cint_credentials(sim.url)
        async with pool.acquire() as conn:
            org = await orgs.ensure_organisation(conn, ORGANISATION)
            editor, _ = await orgs.create_key(conn, org, "editor")
        registry = ProviderRegistry(ProviderConfig(policy=FAST))
        try:
            await providers.save(pool, settings.survey_secret, registry, org, "cint", values)
        finally:
            await registry.aclose()
        kind = KINDS["cint"]
        provider = kind.build(kind.complete(values), BuildContext(FAST, None))
        reference = sessions.project_reference(settings.survey_secret, wave_id)
        try:
            spec = ProjectSpec(reference, "Test run", 5, "us", survey_url=f"{sim.url}/survey/{wave_id}/start")
            project = await provider.create_project(spec, idempotency_key=f"{reference}:create")
            async with pool.acquire() as conn:
                await survey_store.set_access(
                    conn, SurveyAccess(wave_id, "cint", project.id, reference, "w" * 64, None)
                )
            async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
                post = f"/api/v1/waves/{wave_id}/test-link"
                auth = {"Authorization": f"Bearer {editor}"}
                refused = await client.post(post, headers=auth)
                problem = await refused.json()
                cli_refused = await _cli(settings, tmp_path, str(wave_id))
                await provider.launch(project.id, idempotency_key=f"{reference}:launch")
                given = await client.post(post, headers=auth)
                links = await given.json()
                cli_given = await _cli(settings, tmp_path, str(wave_id), "--json")
        finally:
            await provider.aclose()
    tg = project.id.split(":")[1]
    cause = f"cint refused a test run of wave {wave_id}: target group {tg} is not launched yet"
    assert refused.status == 409 and problem["detail"].startswith(cause)
    assert cli_refused[0] == 2 and cause in cli_refused[2] and "Traceback" not in cli_refused[2]
    assert given.status == 200 and links["provider_test_url"] == f"{sim.url}/cint-exchange/test/{tg}"
    assert cli_given[0] == 0 and json.loads(cli_given[1])["provider_test_url"] == links["provider_test_url"]


async def test_a_tester_sitting_in_the_survey_does_not_hold_the_wave_open(
    pool: asyncpg.Pool, make_client: Callable[..., Any], world: survey_world.World
) -> None:
    """Only public respondents midway through the survey keep a closing wave waiting for them (and count as in
    the survey, not as drop-outs, in its fieldwork); a tester who stopped midway is neither."""
    link, _ = service_test_link(
        "https://tracker.example.com", survey_world.access(world.wave_id), datetime.now(UTC)
    )
    tester, public = await make_client(), await make_client()
    url = urlsplit(link)
    tested = await survey_world.walk(tester, f"{url.path}?{url.query}", stop_after="aided")
    answering = await survey_world.walk(
        public, survey_world.entry(world.wave_id, "P-MIDWAY"), stop_after="aided"
    )
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "survey-org")
        viewer, _ = await orgs.create_key(conn, org, "viewer")
        started = await conn.fetch(
            "SELECT kind FROM respondents WHERE wave_id = $1 AND status = 'started' ORDER BY kind",
            world.wave_id,
        )
        waiting = await survey_store.still_in_survey(conn, world.wave_id, 60.0)
    fieldwork = await (
        await public.get(
            f"/api/v1/waves/{world.wave_id}/fieldwork", headers={"Authorization": f"Bearer {viewer}"}
        )
    ).json()
    assert tested.pages[-1] == answering.pages[-1] == "aided" and tested.exit_url is None
    assert [r["kind"] for r in started] == ["public", "test"]  # both sit in the survey
    assert waiting == 1 and fieldwork["in_survey"] == 1 and fieldwork["drop_outs"] == 0
