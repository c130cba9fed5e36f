"""Fieldwork on Cint Exchange: the service's real wave driver (``run_wave``) against the simulated Cint
(:mod:`panels.simulated.apis.cint`), its respondents taking the hosted survey over HTTP on loopback, entering
with a RID the survey validates server to server and leaving after the survey posted their outcome to Cint.

The comparisons are between the two sets of books: the simulated Cint's (sessions and their S2S status, launch
jobs, what it bills) and the service's (stored respondents, cost), never the adapter's own view of either."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import asyncpg
import numpy as np
import pytest

from panels.base import ProjectSpec, Provider
from panels.cint_s2s import IN_SURVEY, S2S_CODES
from panels.registry import KINDS, BuildContext, ProviderConfig, ProviderRegistry
from panels.simulated.apis.cint import credentials
from panels.simulated.apis.cint_common import CINT
from panels.simulated.apis.cint_exchange import CintExchange, TargetGroup
from panels.simulated.faults import FaultProfile, profile
from panels.simulated.respondents import draw_respondents
from panels.simulated.server import RunningSimulator, running_simulator
from panels.simulated.walkers import Walker, walk
from recognition import providers, sessions
from recognition.demo import survey_server
from recognition.settings import Settings
from recognition.store import estimates as estimates_store
from recognition.store import fieldwork as fw_store
from recognition.store import orgs, responses, waves
from recognition.store import pending_reports as reports_store
from recognition.store import survey as survey_store
from recognition.waves.fieldwork import FieldworkOptions, run_wave
from tests.integration.field_support import FAST, OPTIONS, TIME_SCALE, make_wave

HEAVY = profile("heavy", p_error=0.25, p_throttle=0.1, p_drop_after=0.1, retry_after=0)


@dataclass(frozen=True)
class CintField:
    sim: RunningSimulator
    options: FieldworkOptions
    survey_url: str
    values: dict[str, str]

    @property
    def exchange(self) -> CintExchange:
        return self.sim.app[CINT]

    def provider(self) -> Provider:
        kind = KINDS["cint"]
        return kind.build(kind.complete(self.values), BuildContext(FAST, None))

    def target_group(self, settings: Settings, wave_id: int) -> TargetGroup:
        reference = sessions.project_reference(settings.survey_secret, wave_id)
        found = [tg for tg in self.exchange.target_groups.values() if tg.reference == reference]
        assert len(found) == 1, f"{len(found)} target groups for wave {wave_id}"
        return found[0]


@asynccontextmanager
async def cint_field(
    pool: asyncpg.Pool, settings: Settings, faults: FaultProfile | str = "none", *, rate: float = 400.0
) -> AsyncIterator[CintField]:
    """The simulator with its Cint API, the organisation's Cint credentials saved (checked against it, as the
    API does) and the service's survey pages on loopback, whose adapter validates and books through Cint."""
    async with running_simulator(faults, rate=rate, seed=5, time_scale=TIME_SCALE) as sim:
        values = credentials(sim.url)
        async with pool.acquire() as conn:
            org_id = await orgs.ensure_organisation(conn, "acme-co")
        registry = ProviderRegistry(ProviderConfig(policy=FAST))
        try:
            await providers.save(pool, settings.survey_secret, registry, org_id, "cint", values)
        finally:
            await registry.aclose()
        async with survey_server(pool, settings, time_scale=TIME_SCALE) as survey_url:
            # an interview takes about a second here: whoever is still in the survey at the close is out in two
            options = dataclasses.replace(OPTIONS, survey_base_url=survey_url, exit_grace=2.0)
            yield CintField(sim, options, survey_url, values)


async def until(condition: Callable[[], object], seconds: float = 60.0) -> None:
    """Wait until ``condition()`` holds (polling; fails the test after ``seconds``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def assert_books_agree(pool: asyncpg.Pool, settings: Settings, f: CintField, wave_id: int) -> None:
    """Every stored outcome was booked at Cint exactly once, with its S2S code, and nothing else was; Cint's
    completes and bill equal the stored valid completes and cost."""
    ex = f.exchange
    tg = f.target_group(settings, wave_id)
    book = ex.book_of(tg)
    await until(lambda: not book.in_survey)  # respondents still in the survey at the close finish first
    reference = sessions.project_reference(settings.survey_secret, wave_id)
    assert sum(p["project_customer_reference_number"] == reference for p in ex.projects.values()) == 1
    assert book.launch_calls == 1 and tg.job is not None
    by_key = {
        responses.respondent_key(settings.survey_secret, "cint", s.rid): s
        for s in ex.sessions.values()
        if s.target_group == tg.id
    }
    # An outcome stored as a late entrant leaves is told to Cint by that request, a moment later: give the
    # requests still in flight a few seconds before the books are compared.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10.0
    while True:
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT respondent_key, status FROM respondents WHERE wave_id = $1", wave_id
            )
            counts = await responses.count_by_status(conn, wave_id)
            books = await fw_store.get_fieldwork(conn, wave_id)
            pending = await reports_store.pending_reports(conn, wave_id)
        told_all = all(
            by_key[bytes(r["respondent_key"])].status == S2S_CODES.get(r["status"], IN_SURVEY)
            for r in rows
            if bytes(r["respondent_key"]) in by_key
        )
        if (told_all and pending == []) or loop.time() > deadline:
            break
        await asyncio.sleep(0.1)
    told = 0
    for row in rows:
        session = by_key[bytes(row["respondent_key"])]  # every stored respondent is one of its RIDs
        assert session.status == S2S_CODES.get(row["status"], IN_SURVEY), (row["status"], session.status)
        told += row["status"] in S2S_CODES
    assert told == sum(s.status != IN_SURVEY for s in by_key.values()) > 0
    billed, cost = ex.billing(tg.id)
    assert billed == counts["complete"] and pending == [] and ex.counts["ghost_completes"] == 0
    assert len(book.completed) == counts["complete"] + counts.get("quality_terminate", 0)
    assert books is not None and books.price == tg.cpi and books.cost == pytest.approx(cost, abs=0.01)


async def test_a_wave_under_heavy_faults_is_launched_once_and_every_outcome_booked_once(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=30)
    async with cint_field(pool, settings, HEAVY) as f:
        provider = f.provider()
        try:
            report = await run_wave(pool, settings, wave_id, provider, options=f.options)
        finally:
            await provider.aclose()
        assert report.state == "published"
        await assert_books_agree(pool, settings, f, wave_id)
        injected = f.sim.state.faults.injected
        # 5xx, 429 with Retry-After and answers lost after Cint acted were all met, and none booked twice.
        assert min(injected.get(k, 0) for k in ("drop_after", "error", "throttle")) >= 1


async def test_outcomes_cint_could_not_take_at_the_exit_are_kept_and_told_later(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=25)
    async with cint_field(pool, settings) as f:
        f.exchange.down.add("transition")  # S2S validation still answers; outcomes cannot be posted
        provider = f.provider()
        options = dataclasses.replace(f.options, max_retry_delay=0.2)
        task = asyncio.ensure_future(run_wave(pool, settings, wave_id, provider, options=options))

        async def kept() -> int:
            async with pool.acquire() as conn:
                return len(await reports_store.pending_reports(conn, wave_id))

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while await kept() < 5:
            assert loop.time() < deadline and not task.done()
            await asyncio.sleep(0.05)
        f.exchange.down.clear()
        report = await asyncio.wait_for(task, 120)
        await provider.aclose()
        assert report.state == "published"
        # Booked, though the respondent never came back to Cint: told by fieldwork after the exit.
        late = [s for s in f.exchange.sessions.values() if s.status != IN_SURVEY and not s.returned]
        assert len(late) >= 5 and any(s.refused for s in late)
        await assert_books_agree(pool, settings, f, wave_id)


async def test_tampered_unknown_and_foreign_rids_are_refused(pool: asyncpg.Pool, settings: Settings) -> None:
    wave_id = await make_wave(pool, target=50)
    async with cint_field(pool, settings, rate=0.0) as f:
        provider = f.provider()
        fielding = asyncio.Event()

        def seen(_wave: waves.Wave, state: str, _have: int, _target: int) -> None:
            if state == "fielding":
                fielding.set()

        task = asyncio.ensure_future(
            run_wave(pool, settings, wave_id, provider, options=f.options, progress=seen)
        )
        await asyncio.wait_for(fielding.wait(), 60)
        ex = f.exchange
        tg = f.target_group(settings, wave_id)
        other = await provider.create_project(  # another wave's target group in the same account
            ProjectSpec(
                "rw999-other", "Another study", 5, "us", survey_url=f"{f.survey_url}/survey/999/start"
            ),
            idempotency_key="rw999-other:create",
        )
        foreign = ex.new_session(other.id.split(":")[1], None, test=False).rid
        own = ex.new_session(tg.id, None, test=False).rid
        entry = f"{f.survey_url}/survey/{wave_id}/start"
        statuses = {}
        async with aiohttp.ClientSession() as http:
            for name, rid in (
                ("tampered", own[:-1] + "X"),
                ("unknown", "00000000-0000-4000-8000-000000000000"),
                ("foreign", foreign),
                ("own", own),
            ):
                async with http.get(f"{entry}?RID={rid}", allow_redirects=False) as resp:
                    statuses[name] = resp.status
        async with pool.acquire() as conn:
            reasons = [
                r["reason"]
                for r in await conn.fetch(
                    "SELECT reason FROM survey_refusals WHERE wave_id = $1 ORDER BY id", wave_id
                )
            ]
            assert await waves.transition(
                conn, wave_id, "fielding", "cancelled", reason="cancelled by a test"
            )
        await asyncio.wait_for(task, 60)
        await provider.aclose()
    assert statuses == {"tampered": 403, "unknown": 403, "foreign": 403, "own": 303}
    assert reasons == ["bad_id", "not_admitted", "foreign"]


async def test_test_link_respondents_are_stored_as_tests_never_estimated_and_free(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=20)
    async with cint_field(pool, settings, rate=0.0) as f:  # Cint sends nobody until the testers are done
        provider = f.provider()
        fielding = asyncio.Event()

        def seen(_wave: waves.Wave, state: str, _have: int, _target: int) -> None:
            if state == "fielding":
                fielding.set()

        task = asyncio.ensure_future(
            run_wave(pool, settings, wave_id, provider, options=f.options, progress=seen)
        )
        await asyncio.wait_for(fielding.wait(), 60)
        async with pool.acquire() as conn:
            access = await survey_store.get_access(conn, wave_id)
        assert access is not None
        link = await provider.test_link(access.for_provider(), f"{f.survey_url}/survey/{wave_id}/start")
        tg = f.target_group(settings, wave_id)
        assert link == f"{f.sim.url}/cint-exchange/test/{tg.id}"  # Cint's links.test_screener
        assert f.exchange.counts["allocation_updates"] == 1  # opened to the test supplier 980
        book = f.exchange.book_of(tg)
        assert book.population is not None
        names = {"acme": "Acme", "velo": "Velo", "kinetic": "Kinetic"}
        people = draw_respondents(book.population, names, "acme", 4, 0, np.random.default_rng(11))
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            ends = await asyncio.gather(
                *(
                    walk(
                        http,
                        Walker(f"tester-{i}", link, person, names, "acme", "normal", 300.0, 0, False),
                        random.Random(i),
                        time_scale=TIME_SCALE,
                    )
                    for i, person in enumerate(people)
                )
            )
        assert ends == [None] * 4  # each ended on the survey's own test page
        f.sim.state.rate = 120.0
        report = await asyncio.wait_for(task, 120)
        await provider.aclose()
        assert report.state == "published"
        tests = [s for s in f.exchange.sessions.values() if s.test]
        async with pool.acquire() as conn:
            stored = await conn.fetch("SELECT status FROM respondents WHERE wave_id = $1 AND test", wave_id)
            valid = (await responses.count_by_status(conn, wave_id))["complete"]
            figure = [
                e
                for e in await estimates_store.figures(
                    conn, wave_id, metric="aided", segment="all", brand="acme"
                )
                if e.base == "total"
            ]
    assert len(tests) == 4 and [r["status"] for r in stored] == ["complete"] * 4
    assert all(s.status == IN_SURVEY and s.rid not in tg.billed for s in tests)  # never booked, never paid
    assert figure and figure[0].n == valid  # the estimate's base is the live completes only
    assert f.exchange.billing(tg.id)[0] == valid


async def test_cancel_closes_the_target_group_and_settles_what_was_bought(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=2000)
    async with cint_field(pool, settings, rate=30.0) as f:
        provider = f.provider()
        some = asyncio.Event()

        def seen(_wave: waves.Wave, state: str, have: int, _target: int) -> None:
            if state == "fielding" and have >= 3:
                some.set()

        task = asyncio.ensure_future(
            run_wave(pool, settings, wave_id, provider, options=f.options, progress=seen)
        )
        await asyncio.wait_for(some.wait(), 90)
        async with pool.acquire() as conn:
            assert await waves.transition(
                conn, wave_id, "fielding", "cancelled", reason="cancelled by a test"
            )
        report = await asyncio.wait_for(task, 60)
        await provider.aclose()
        tg = f.target_group(settings, wave_id)
        book = f.exchange.book_of(tg)
        assert tg.status == "completed" and tg.run is not None and tg.run.status == "completed"
        assert book.status == "closed"
        arrivals = book.arrivals
        await until(lambda: not book.in_survey)  # those still in the survey finish (as over quota)
        f.exchange.advance()
        assert book.arrivals == arrivals  # nobody more is sent
        async with pool.acquire() as conn:
            books = await fw_store.get_fieldwork(conn, wave_id)
            valid = (await responses.count_by_status(conn, wave_id)).get("complete", 0)
        await until(lambda: f.exchange.billing(tg.id)[0] == valid)
    assert report.state == "cancelled" and books is not None and books.settled_at is not None
    assert valid >= 3 and books.cost == pytest.approx(f.exchange.billing(tg.id)[1], abs=0.01)


async def test_the_budget_is_checked_against_cints_suggested_price(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    # 40 completes fit the budget at the poll's own 1.50 a complete, not at Cint's suggested 2.49.
    wave_id = await make_wave(pool, budget=80.0)
    async with cint_field(pool, settings) as f:
        provider = f.provider()
        try:
            report = await run_wave(pool, settings, wave_id, provider, options=f.options)
        finally:
            await provider.aclose()
        async with pool.acquire() as conn:
            wave = await waves.get_wave(conn, wave_id)
    assert (
        report.state == "cancelled"
        and wave is not None
        and wave.state_reason
        == "budget: one wave of 40 completes at 2.49 USD a complete costs 99.60 USD, above the budget of 80.00 "
        "USD a wave"
    )
    assert f.exchange.projects == {} and f.exchange.target_groups == {}
