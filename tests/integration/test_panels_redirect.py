"""The generic redirect panel through the service's real fieldwork: the adapter (panels/redirect.py), configured
like a Dynata project, against a simulated panel reached only by redirect (panels/simulated/apis/redirect.py)
that sends its respondents to the announced entry link with hashed ids and books them on its exit pages, with
the hosted survey on loopback. The organisation's configuration is saved through the service."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from panels.base import ProjectSpec, Provider
from panels.registry import KINDS, BuildContext, ProviderConfig, ProviderRegistry
from panels.simulated.apis.redirect import BOOKS, PRICE, PanelLink, PanelProject, credentials
from panels.simulated.faults import FaultProfile, profile
from panels.simulated.server import RunningSimulator, running_simulator
from recognition import providers, sessions
from recognition.app import create_app
from recognition.demo import survey_server
from recognition.errors import UserError
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import orgs, waves
from recognition.store import survey as survey_store
from recognition.store.survey import SurveyAccess
from recognition.waves.fieldwork import FieldworkOptions, run_wave
from tests.integration.field_support import FAST, OPTIONS, SLOT, TIME_SCALE, make_wave

OUTCOMES = ("complete", "screened_out", "over_quota", "quality_terminate")


@dataclass(frozen=True)
class RedirectField:
    sim: RunningSimulator
    survey_url: str
    options: FieldworkOptions
    creds: dict[str, str]
    org: int

    def provider(self) -> Provider:
        kind = KINDS["redirect"]
        return kind.build(kind.complete(self.creds), BuildContext(FAST, None))

    def panel(self, settings: Settings, wave_id: int) -> PanelProject:
        return self.sim.app[BOOKS].projects[sessions.project_reference(settings.survey_secret, wave_id)]


@asynccontextmanager
async def redirect_field(
    pool: asyncpg.Pool, settings: Settings, faults: FaultProfile | str = "none"
) -> AsyncIterator[RedirectField]:
    async with running_simulator(faults, rate=400, seed=5, time_scale=TIME_SCALE) as sim:
        creds = credentials(sim.url)
        async with survey_server(pool, settings, time_scale=TIME_SCALE) as survey_url:
            async with pool.acquire() as conn:
                org = await orgs.ensure_organisation(conn, "acme-co")
            registry = ProviderRegistry(ProviderConfig(policy=FAST))
            try:
                await providers.save(pool, settings.survey_secret, registry, org, "redirect", creds)
            finally:
                await registry.aclose()
            options = dataclasses.replace(OPTIONS, survey_base_url=survey_url)
            yield RedirectField(sim, survey_url, options, creds, org)


async def _get(url: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.get(url, allow_redirects=False) as resp,
    ):
        return resp.status, resp.headers.get("Location", ""), await resp.text()


async def test_a_redirect_panel_wave_closes_at_its_target_and_the_panel_books_every_exit_once(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=20)
    faults = profile("heavy", p_error=0.25, p_drop_after=0.1, retry_after=0, p_double_complete=1.0)
    async with redirect_field(pool, settings, faults) as f:
        provider = f.provider()
        try:
            report = await run_wave(pool, settings, wave_id, provider, options=f.options)
        finally:
            await provider.aclose()
        panel = f.panel(settings, wave_id)
        link = PanelLink(f.sim.app[BOOKS], panel.reference)
        # A newcomer the panel still sends after the wave closed leaves through the (hashed) over-quota exit
        late = await _get(link.for_participant("LATE1"))
        landed = await _get(late[1])
        # Another wave of the same panel, to present this wave's links at
        async with pool.acquire() as conn:
            poll_id = (await waves.get_wave(conn, wave_id)).poll_id  # type: ignore[union-attr]
            other, _ = await waves.create_wave(conn, poll_id, SLOT + timedelta(days=7), 20)
            await survey_store.set_access(
                conn, SurveyAccess(other.id, "redirect", "other", "other", "o" * 64, None)
            )
        good = link.for_participant("TAMPER1")
        finished = next(pid for pid, outcome in panel.outcomes.items() if outcome == "complete")
        cases = {
            "bad_signature": good.replace("psid=TAMPER1", "psid=TAMPER2"),
            "unsigned": good.split("&hash=")[0],
            "foreign": good.replace(f"/survey/{wave_id}/", f"/survey/{other.id}/"),
        }
        answers = {reason: (await _get(url))[0] for reason, url in cases.items()}
        replay = await _get(link.for_participant(finished))
    assert report.state == "published"
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n FROM respondents WHERE wave_id = $1 AND NOT test GROUP BY status",
            wave_id,
        )
        books = await fw_store.get_fieldwork(conn, wave_id)
        refusals = [r["reason"] for r in await conn.fetch("SELECT reason FROM survey_refusals")]
    stored = {r["status"]: int(r["n"]) for r in rows}
    # The service counted its completes and closed the wave at its target; its project was announced once
    assert stored["complete"] == 20 and panel.launches == 1 and panel.status == "closed"
    # Every respondent the survey ended left through the panel's hashed exit for that outcome, booked once
    assert late[0] == 303 and "rst=3&psid=LATE1" in late[1] and landed[0] == 200 and "booked" in landed[2]
    assert panel.outcomes["LATE1"] == "over_quota"
    assert {o: panel.exits[o] for o in OUTCOMES} == {o: stored.get(o, 0) for o in OUTCOMES}
    assert panel.bad_hash == 0 and panel.repeats == 0 and sum(panel.exits.values()) == len(panel.outcomes)
    # What the panel would be paid is the stored cost: completes × the price entered
    assert books is not None and books.price == PRICE
    assert panel.billed == pytest.approx(books.cost, abs=0.005) == pytest.approx(20 * PRICE, abs=0.005)
    # Tampered, unsigned and foreign entries are refused; so is a finished respondent's link, again
    assert answers == dict.fromkeys(cases, 403)
    assert replay[0] == 403 and panel.outcomes[finished] == "complete"
    assert {reason: refusals.count(reason) for reason in ("unsigned", "foreign")} == {
        "unsigned": 1,
        "foreign": 0,
    }
    assert refusals.count("bad_signature") == 2  # the tampered id, and this wave's link at another wave
    assert refusals.count("repeated") >= 1  # walkers who opened their link again after finishing


async def test_the_wave_shows_the_entry_link_to_paste_into_the_panel_tool(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=5)
    async with redirect_field(pool, settings) as f:
        provider = f.provider()
        try:
            await run_wave(pool, settings, wave_id, provider, options=f.options)
        finally:
            await provider.aclose()
        async with pool.acquire() as conn:
            key, _ = await orgs.create_key(conn, f.org, "viewer")
        async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
            resp = await client.get(f"/api/v1/waves/{wave_id}", headers={"Authorization": f"Bearer {key}"})
            detail = await resp.json()
    assert resp.status == 200 and detail["fieldwork"]["provider"] == "redirect"
    base = settings.public_base_url.rstrip("/")
    assert detail["fieldwork"]["entry_url"] == f"{base}/survey/{wave_id}/start?psid={{id}}&k2={{k2}}"


async def test_a_configuration_that_does_not_fit_together_is_refused_in_plain_words(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    bad = {**credentials("http://127.0.0.1:9"), "complete_url": "https://panel.example/exit?rst=1"}
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-co")
    registry = ProviderRegistry(ProviderConfig(policy=FAST))
    try:
        with pytest.raises(UserError, match=r"complete_url: the link has no \{id\} placeholder"):
            await providers.save(pool, settings.survey_secret, registry, org, "redirect", bad)
    finally:
        await registry.aclose()
    assert await providers.listed(pool, org) == []


async def test_announcements_carry_keys_that_repeat_only_for_once_per_wave_events() -> None:
    heard: list[tuple[str, str]] = []

    async def announce(request: web.Request) -> web.Response:
        heard.append(((await request.json())["event"], request.headers.get("Idempotency-Key", "")))
        return web.json_response({}, status=201)

    app = web.Application()
    app.router.add_post("/announce", announce)
    async with TestServer(app) as server:
        creds = {**credentials("http://127.0.0.1:9"), "announce_url": str(server.make_url("/announce"))}
        kind = KINDS["redirect"]
        provider = kind.build(kind.complete(creds), BuildContext(FAST, None))
        spec = ProjectSpec("ref-a", "A", 5, "us", survey_url="https://ours.example/survey/3/start")
        try:
            project = await provider.create_project(spec, idempotency_key="ref-a:create")
            await provider.launch(project.id, idempotency_key="ref-a:launch")
            for _ in range(2):
                await provider.pause(project.id)
                await provider.resume(project.id)
            await provider.close(project.id)
        finally:
            await provider.aclose()
    events = [e for e, _ in heard]
    keys = {e: [k for ev, k in heard if ev == e] for e in events}
    assert events == ["created", "launch", "pause", "resume", "pause", "resume", "close"]
    assert keys["created"] == ["ref-a:created"] and keys["launch"] == ["ref-a:launch"]
    assert keys["close"] == ["ref-a:close"]
    # a second pause (or resume) is a new request, not a repeat the panel may drop
    assert all(k.startswith(f"ref-a:{e}:") for e in ("pause", "resume") for k in keys[e])
    assert len(set(keys["pause"])) == 2 and len(set(keys["resume"])) == 2
