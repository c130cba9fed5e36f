"""PureSpectrum through the service's real fieldwork: the adapter (panels/purespectrum.py) against the simulator's
copy of the Buy API (panels/simulated/apis/purespectrum*.py), the hosted survey on loopback, every respondent
entering with a hashed PureSpectrum link and leaving through the server-to-server status call and the hashed
``surveydone`` redirect. The organisation's credentials are saved through the service (checked by a call)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import asyncpg
import pytest

from panels.base import Arrival, ProjectSpec, WaveAccess
from panels.purespectrum import PureSpectrumProvider
from panels.registry import ProviderConfig, ProviderRegistry
from panels.simulated.apis.purespectrum import credentials
from panels.simulated.apis.purespectrum_books import HASH_SECRET, PS_BOOKS, PsSurvey, SurveyLink
from panels.simulated.faults import FaultProfile, profile
from panels.simulated.server import RunningSimulator, running_simulator
from recognition import providers, sessions
from recognition.demo import survey_server
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import orgs
from recognition.store import survey as survey_store
from recognition.store.survey import SurveyAccess
from recognition.waves.fieldwork import FieldworkOptions, run_wave
from tests.integration.field_support import BRANDS, FAST, OPTIONS, TIME_SCALE, make_wave

#: The service's outcomes and PureSpectrum's ``st`` codes for them, as its documentation lists them.
ST = {"complete": 21, "screened_out": 18, "over_quota": 17, "quality_terminate": 20}
HEAVY = profile("heavy", p_error=0.25, p_drop_after=0.1, retry_after=0)


@dataclass(frozen=True)
class PsField:
    sim: RunningSimulator
    survey_url: str
    options: FieldworkOptions
    creds: dict[str, str]

    def provider(self) -> PureSpectrumProvider:
        c = self.creds
        return PureSpectrumProvider(
            c["access_token"], c["hash_secret"], api_url=c["api_url"], return_url=c["return_url"], policy=FAST
        )

    def surveys(self, settings: Settings, wave_id: int) -> list[PsSurvey]:
        reference = sessions.project_reference(settings.survey_secret, wave_id)
        return self.sim.app[PS_BOOKS].by_reference(reference)


@asynccontextmanager
async def ps_field(
    pool: asyncpg.Pool, settings: Settings, faults: FaultProfile | str = "none", *, rate: float = 400.0
) -> AsyncIterator[PsField]:
    """The simulator (PureSpectrum's API among its others) and the survey pages on loopback; the organisation's
    PureSpectrum credentials saved through the service, so the survey builds its adapter from them."""
    async with running_simulator(faults, rate=rate, seed=5, time_scale=TIME_SCALE) as sim:
        sim.app[PS_BOOKS].topic = {"brands": BRANDS, "own_brand": "acme", "wave_index": 0, "seed": 7}
        creds = credentials(sim.url)
        async with survey_server(pool, settings, time_scale=TIME_SCALE) as survey_url:
            async with pool.acquire() as conn:
                org = await orgs.ensure_organisation(conn, "acme-co")
            registry = ProviderRegistry(ProviderConfig(policy=FAST))
            try:
                await providers.save(pool, settings.survey_secret, registry, org, "purespectrum", creds)
            finally:
                await registry.aclose()
            options = dataclasses.replace(OPTIONS, survey_base_url=survey_url)
            yield PsField(sim, survey_url, options, creds)


async def _stored(pool: asyncpg.Pool, wave_id: int) -> dict[str, int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n FROM respondents WHERE wave_id = $1 AND NOT test GROUP BY status",
            wave_id,
        )
    return {r["status"]: int(r["n"]) for r in rows}


async def test_a_wave_under_heavy_faults_is_bought_once_and_every_outcome_booked_once(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=40)
    async with ps_field(pool, settings, HEAVY) as f:
        provider = f.provider()
        try:
            report = await run_wave(pool, settings, wave_id, provider, options=f.options)
        finally:
            await provider.aclose()
        surveys = f.surveys(settings, wave_id)
        injected = f.sim.state.faults.injected
    assert report.state == "published"
    assert len(surveys) == 1  # created once, although creates were lost and retried
    survey = surveys[0]
    assert survey.launches == 1 and survey.project.launch_calls == 1 and survey.doc["ps_survey_status"] == 44
    stored = await _stored(pool, wave_id)
    async with pool.acquire() as conn:
        books = await fw_store.get_fieldwork(conn, wave_id)
    assert books is not None and books.price == survey.cpi
    # Every outcome the survey stored is PureSpectrum's final status of that transaction, told once
    want = {ST[s]: n for s, n in stored.items() if s in ST}
    assert dict(survey.statuses) == want and stored["complete"] == 40
    assert sum(1 for t in survey.transactions.values() if t.status is not None) == sum(want.values())
    # ... server to server, before the browser came back (the redirect never decided a status) ...
    assert survey.set_by == {"s2s": sum(want.values())} and survey.landings > 0 and survey.fraudulent == 0
    # ... so PureSpectrum's completes are the stored completes, and its bill is the stored cost.
    assert survey.completes == stored["complete"]
    assert survey.billed == pytest.approx(books.cost, abs=0.005) == pytest.approx(40 * survey.cpi, abs=0.005)
    assert injected.get("drop_after", 0) >= 1 and injected.get("error", 0) >= 1


async def _get(url: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.get(url, allow_redirects=False) as resp,
    ):
        return resp.status, resp.headers.get("Location", ""), await resp.text()


def _hashed(url: str) -> str:
    """A link hashed as PureSpectrum documents it, computed here independently of both sides."""
    return f"{url}&ps_hash={hashlib.sha1((url + HASH_SECRET).encode()).hexdigest()}"


async def test_tampered_unsigned_foreign_unknown_and_replayed_entries_are_refused(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    wave_id = await make_wave(pool, target=10)
    async with ps_field(pool, settings, profile("none", p_double_complete=1.0)) as f:
        provider = f.provider()
        try:
            report = await run_wave(pool, settings, wave_id, provider, options=f.options)
            (survey,) = f.surveys(settings, wave_id)
            statuses = dict(survey.statuses)
            books = f.sim.app[PS_BOOKS]
            link = SurveyLink(books, survey.ps_id, survey.doc["live_url"])
            entry = f"{f.survey_url}/survey/{wave_id}/start"
            good = link.for_participant("TAMPER1")
            other_spec = ProjectSpec(
                "another-wave", "Another wave", 10, "us", survey_url=f"{f.survey_url}/survey/999/start"
            )
            other = await provider.create_project(other_spec, idempotency_key="another-wave:create")
            foreign = SurveyLink(books, int(other.id), books.surveys[int(other.id)].doc["live_url"])
            finished = next(t.tid for t in survey.transactions.values() if t.status == 21)
            cases = {
                "bad_signature": good.replace("transaction_id=TAMPER1", "transaction_id=TAMPER2"),
                "unsigned": good.split("&ps_hash=")[0],
                "foreign": foreign.for_participant("OTHER1").replace("/survey/999/", f"/survey/{wave_id}/"),
                "not_admitted": _hashed(f"{entry}?transaction_id=NEVERSENT&survey_id={survey.ps_id}"),
                "bad_id": _hashed(f"{entry}?transaction_id=bad%20id&survey_id={survey.ps_id}"),
            }
            answers = {reason: await _get(url) for reason, url in cases.items()}
            replay = await _get(link.for_participant(finished))  # a finished respondent's own link, again
        finally:
            await provider.aclose()
    assert report.state == "published"
    assert {reason: status for reason, (status, _, _) in answers.items()} == dict.fromkeys(cases, 403)
    assert replay[0] == 403 and "closed" in replay[2]  # the wave is over: not admitted again
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT reason FROM survey_refusals WHERE wave_id = $1", wave_id)
    refusals = [r["reason"] for r in rows]
    for reason in cases:
        assert refusals.count(reason) == 1, reason
    assert refusals.count("repeated") >= 1  # walkers who opened their link again after finishing
    assert dict(survey.statuses) == statuses  # none of it booked anything at PureSpectrum


async def test_the_status_call_comes_first_and_wins_over_a_later_redirect(settings: Settings) -> None:
    async with running_simulator() as sim:
        creds = credentials(sim.url)
        provider = PureSpectrumProvider(
            creds["access_token"],
            creds["hash_secret"],
            api_url=creds["api_url"],
            return_url=creds["return_url"],
        )
        try:
            spec = ProjectSpec("ref-s2s", "S2S", 5, "us", survey_url="http://127.0.0.1:9/survey/7/start")
            project = await provider.create_project(spec, idempotency_key="ref-s2s:create")
            await provider.launch(project.id, idempotency_key="ref-s2s:launch")
            books = sim.app[PS_BOOKS]
            survey = books.surveys[int(project.id)]
            SurveyLink(books, survey.ps_id, survey.doc["live_url"]).for_participant("T1")
            access = WaveAccess(7, project.id, "ref-s2s", "x" * 32)
            exit_url = await provider.finish(access, Arrival("T1"), "screened_out")
            again = await provider.finish(
                access, Arrival("T1"), "screened_out"
            )  # told twice: still one status
            base = creds["return_url"] + "?st=18&transaction_id=T1"
            assert exit_url == again == _hashed(base)  # st first, transaction id second, then ps_hash
            landing = await _get(exit_url)
            later = await _get(_hashed(creds["return_url"] + "?st=21&transaction_id=T1"))
            forged = await _get(base.replace("st=18", "st=21") + "&ps_hash=" + "0" * 40)
        finally:
            await provider.aclose()
    assert landing[0] == 200 and "Termination" in landing[2] and "already final" in landing[2]
    assert later[0] == 200 and "Termination" in later[2]  # the complete redirect does not change it
    assert forged[0] == 403
    assert survey.statuses == {18: 1} and survey.set_by == {"s2s": 1} and survey.fraudulent == 1
    assert survey.landings == 2 and survey.billed == 0.0


async def test_the_test_link_admits_a_test_respondent(pool: asyncpg.Pool, settings: Settings) -> None:
    wave_id = await make_wave(pool, target=5)
    reference, secret = "ref-test", "s" * 64
    async with ps_field(pool, settings, rate=0.0) as f:  # nobody but the tester arrives
        provider = f.provider()
        try:
            spec = ProjectSpec(
                reference, "Test", 5, "us", survey_url=f"{f.survey_url}/survey/{wave_id}/start"
            )
            project = await provider.create_project(spec, idempotency_key=f"{reference}:create")
            async with pool.acquire() as conn:  # what launching stores, without launching
                await survey_store.set_access(
                    conn, SurveyAccess(wave_id, "purespectrum", project.id, reference, secret, None)
                )
            link = await provider.test_link(
                WaveAccess(wave_id, project.id, reference, secret), spec.survey_url
            )
            assert link is not None
            sent = await _get(link)  # PureSpectrum's test mode mints a test transaction, sent to the test_url
            entered = await _get(sent[1])
        finally:
            await provider.aclose()
    assert sent[0] == 302 and "ps_test=1" in sent[1] and "&ps_hash=" in sent[1]
    assert entered[0] == 303 and entered[1] == f"/survey/{wave_id}"
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT status, test FROM respondents WHERE wave_id = $1", wave_id)
    assert [(r["status"], r["test"]) for r in rows] == [("started", True)]
