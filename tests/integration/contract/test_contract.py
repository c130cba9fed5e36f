"""The contract every provider keeps, run against each adapter and the simulator's copy of its API (one world per
entry of :data:`tests.integration.contract.worlds.WORLDS`): the same scenarios, the same assertions.

The simulator keeps every provider's books in one place (:class:`panels.simulated.projects.SimProject`: launch
calls, the outcomes respondents came back with, completes, approvals, rejections, the bill), and its respondents
are drawn from the synthetic population and take the service's hosted survey over HTTP; so what the provider
booked can be compared with what the service stored, respondent for respondent. Samples are small (10 to 24
completes) so each scenario stays quick.
"""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
import asyncpg
import pytest

from panels.simulated.faults import profile
from panels.simulated.projects import SimProject
from panels.simulated.walkers import PARTICIPANT_HEADER
from recognition import sessions
from recognition.db import create_pool
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import polls, responses, waves
from recognition.waves.fieldwork import WaveDriver, run_wave
from tests.integration.contract.ledgers import LEDGERS, stored_outcomes
from tests.integration.contract.worlds import WORLDS
from tests.integration.field_support import SLOT, Field, field, make_wave

# Small waves leave some segments with a single rater; the t interval then multiplies NaN (stats/_intervals.py).
# A rare small wave (10 to 24 completes) overflows or meets NaN elsewhere in processing the same way (seen: a
# division, a multiplication, a subtraction). These scenarios are about fieldwork, not the statistics of tiny
# waves: numpy's floating-point warnings do not fail a wave here, as they do not in service.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:(invalid value|overflow|divide by zero) encountered in:RuntimeWarning"
    ),
    pytest.mark.parametrize("world", sorted(WORLDS)),
]

#: Lost answers, server errors, 429 with Retry-After, respondents who try to complete twice, feed pages
#: repeated and shuffled, webhooks delivered twice and out of order. The first three calls to the provider's API
#: meet a lost answer, a server error and a 429 whatever the draws: a redirect panel hears of a wave only through
#: a few announcements (created, launch, close), too few for the draws alone to be sure to meet each fault.
FAULTS = profile(
    "heavy",
    p_error=0.2,
    p_drop_after=0.1,
    p_throttle=0.1,
    p_double_complete=0.4,  # of ~25 respondents, none tries again with a chance of 0.6^25
    retry_after=0,
    opening=("drop_after", "error", "throttle"),
)
FINISHED = ("complete", "quality_terminate", "screened_out", "over_quota")


def book_of(f: Field, settings: Settings, wave_id: int) -> SimProject:
    book = f.sim.project_for(sessions.project_reference(settings.survey_secret, wave_id))
    assert book is not None, f"the provider has no project for wave {wave_id}"
    return book


async def stored(pool: asyncpg.Pool, wave_id: int) -> dict[str, int]:
    async with pool.acquire() as conn:
        return dict(await responses.count_by_status(conn, wave_id))


async def test_a_wave_under_faults_is_bought_once_booked_once_and_billed_as_stored(
    world: str, pool: asyncpg.Pool, settings: Settings
) -> None:
    target = 24
    async with field(pool, settings, FAULTS, provider=world, webhook_secret="w" * 40) as f:
        wave_id = await make_wave(pool, target=target, provider=world)
        provider = f.provider()
        try:
            report = await run_wave(pool, settings, wave_id, provider, options=f.options)
        finally:
            await provider.aclose()
        book = book_of(f, settings, wave_id)
        counts = await stored(pool, wave_id)
        ledger = LEDGERS[world](f.sim, sessions.project_reference(settings.survey_secret, wave_id))
        booked = await stored_outcomes(pool, wave_id, ledger.recorded)
        async with pool.acquire() as conn:
            books = await fw_store.get_fieldwork(conn, wave_id)
            unsent = await fw_store.pending_decisions(conn, wave_id)
        injected = f.sim.state.faults.injected
        async with pool.acquire() as conn:
            assert f.sim.state.walkers is not None
            # Respondents who opened their link again, counted once the survey answered (so it was logged).
            again = f.sim.state.walkers.outcomes.get("again", 0)
            refused = await conn.fetchval("SELECT count(*) FROM survey_refusals WHERE wave_id = $1", wave_id)
    assert report.state == "published", report
    # Launched exactly once, though answers were lost and calls throttled on the way.
    assert book.launch_calls == 1 and book.status == "closed"
    assert injected.get("drop_after", 0) >= 1 and injected.get("error", 0) >= 1
    assert injected.get("throttle", 0) >= 1  # answered 429 with Retry-After
    # Quotas filled: the target reached, no quota cell over its count.
    assert counts["complete"] == target and book.held == target
    assert all(book.fill[cell] <= n for cell, n in book.quotas.items())
    # Every outcome booked at the provider exactly once, and nobody counted twice: respondents who opened their
    # link again after finishing were turned away (duplicates dropped).
    assert again >= 1 and refused >= again
    # Nobody the provider sent was turned away on the way in (faults at the provider included): everyone who
    # left without an exit is a drop-out the survey keeps as started.
    assert book.returns.get("left", 0) == counts.get("started", 0), (dict(book.returns), counts)
    assert sum(book.returns.values()) - book.returns.get("left", 0) == sum(counts.get(o, 0) for o in FINISHED)
    taken = counts["complete"] + counts.get("quality_terminate", 0)
    assert book.returns["complete"] + book.returns.get("quality_terminate", 0) == taken
    # The provider's completes are the stored ones; reconciled at the close, every decision sent.
    assert len(book.completed) == taken and unsent == []
    # What the provider itself recorded (its own books, read as ledgers.py says: decisions on a feed, Cint's
    # RID statuses, PureSpectrum's transaction statuses, the redirect panel's exits) is what the survey stored,
    # respondent for respondent, and it bills exactly the stored completes.
    assert ledger.keyed(settings.survey_secret, world) == booked
    assert ledger.completes == counts["complete"]
    # The cost recorded is what the provider bills.
    assert books is not None and books.cost == pytest.approx(ledger.billed, abs=0.01)


async def test_a_crash_after_the_create_call_and_two_instances_still_buy_once(
    world: str, db_url: str, pool: asyncpg.Pool, settings: Settings
) -> None:
    """What a process killed right after its create call leaves behind (the call begun in the outbox, the project
    made at the provider, nothing recorded), then two instances driving the wave at once: one project, launched
    once, its books equal to the stored ones."""
    target = 20
    async with field(pool, settings, profile("light", retry_after=0), provider=world) as f:
        wave_id = await make_wave(pool, target=target, provider=world)
        reference = sessions.project_reference(settings.survey_secret, wave_id)
        killed, first, second = f.provider(), f.provider(), f.provider()
        other_pool = await create_pool(db_url, min_size=1, max_size=5)
        try:
            async with pool.acquire() as conn:
                wave = await waves.get_wave(conn, wave_id)
                assert wave is not None
                poll = await polls.get_poll(conn, wave.poll_id)
                assert poll is not None
                await waves.transition(conn, wave_id, "scheduled", "launching")
                await fw_store.ensure_fieldwork(conn, wave_id, world)
                await fw_store.begin_call(conn, wave_id, world, "create", f"{reference}:create")
            spec = await WaveDriver(pool, settings, killed, f.options, lambda *_: None)._spec(wave, poll)
            await killed.create_project(spec, idempotency_key=f"{reference}:create")
            reports = await asyncio.gather(
                run_wave(pool, settings, wave_id, first, options=f.options),
                run_wave(other_pool, settings, wave_id, second, options=f.options),
            )
        finally:
            await other_pool.close()
            for p in (killed, first, second):
                await p.aclose()
        made = [p for p in f.sim.state.projects.values() if p.reference == reference]
        counts = await stored(pool, wave_id)
        ledger = LEDGERS[world](f.sim, reference)
        booked = await stored_outcomes(pool, wave_id, ledger.recorded)
    assert {r.state for r in reports} == {"published"}
    assert len(made) == 1 and made[0].launch_calls == 1
    assert counts["complete"] == target == made[0].held
    assert ledger.keyed(settings.survey_secret, world) == booked and ledger.completes == counts["complete"]


def _send(book: SimProject, participant: str) -> str:
    """The provider sends ``participant`` to the survey now (a place held for them): their entry link."""
    assert book.survey is not None
    book.in_survey[participant] = []
    return book.survey.for_participant(participant)


def _variants(url: str) -> list[str]:
    """``url`` with one query parameter's value tampered with, for each parameter in two ways: its last character
    changed (a forged value of the right shape) and its last character cut off (a mangled one). Two per parameter,
    so a link that carries a single value (Cint's RID, checked with Cint server to server) is tried both ways."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    out = []
    for i, (key, value) in enumerate(query):
        changed = (value[:-1] + ("0" if value[-1:] != "0" else "1")) if value else "x"
        for tampered_value in (changed, value[:-1] if value else "xx"):
            tampered = [*query[:i], (key, tampered_value), *query[i + 1 :]]
            out.append(urlunsplit(parts._replace(query=urlencode(tampered, safe="{}%"))))
    return out


def _elsewhere(url: str, wave_id: int) -> str:
    """The same entry link presented at another wave's survey."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/survey/{wave_id}/start"))


async def _open(session: aiohttp.ClientSession, url: str, participant: str) -> int:
    async with session.get(url, headers={PARTICIPANT_HEADER: participant}, allow_redirects=False) as r:
        return r.status


async def _finished_participants(book: SimProject, n: int) -> list[str]:
    """Participants who came back from the survey with a complete, once there are ``n`` of them (polling)."""
    for _ in range(3000):
        if book.returns["complete"] >= n:
            break
        await asyncio.sleep(0.01)
    done = sorted(p for p in book.completed)
    assert len(done) >= n, f"only {len(done)} completes so far"
    return done[:n]


async def test_tampered_replayed_and_foreign_entries_are_refused(
    world: str, pool: asyncpg.Pool, settings: Settings
) -> None:
    target = 20
    async with field(pool, settings, provider=world, rate=300.0) as f:
        first = await make_wave(pool, target=target, provider=world)
        # both waves of 20: weighting a wave of ten can fail its weights check (a known defect of tiny waves)
        second = await make_wave(pool, target=target, provider=world, slot=SLOT.replace(day=9))
        drivers = [f.provider(), f.provider()]
        runs = [
            asyncio.create_task(run_wave(pool, settings, w, p, options=f.options))
            for w, p in zip((first, second), drivers, strict=True)
        ]
        try:
            for _ in range(3000):  # both projects exist at the provider
                if all(
                    f.sim.project_for(sessions.project_reference(settings.survey_secret, w))
                    for w in (first, second)
                ):
                    break
                await asyncio.sleep(0.01)
            book = book_of(f, settings, first)
            survey = book.survey
            assert survey is not None
            done = await _finished_participants(book, 3)
            statuses = {}
            async with aiohttp.ClientSession() as http:
                # Replayed: respondents who finished open the entry links they were sent with again (the same
                # link: a provider such as Cint issues a new RID for every new session it sends).
                for pid in done:
                    statuses[f"replayed {pid}"] = await _open(http, book.sent[pid], pid)
                # Foreign: an entry link of the first wave's project, presented at the second wave's survey.
                foreign = _elsewhere(survey.for_participant(done[0]), second)
                statuses["foreign"] = await _open(http, foreign, done[0])
                # Tampered: a fresh participant's link with any one of its parameters changed.
                fresh = (book.make_participant or (lambda: "P00000000000000aa"))()
                for n, variant in enumerate(_variants(_send(book, fresh))):
                    statuses[f"tampered {n}"] = await _open(http, variant, fresh)
                book.returned(fresh, "left")  # who never got in leaves
            reports = await asyncio.gather(*runs)
        finally:
            for task in runs:
                task.cancel()
            for p in drivers:
                await p.aclose()
        counts = {w: await stored(pool, w) for w in (first, second)}
        books = {w: book_of(f, settings, w) for w in (first, second)}
        async with pool.acquire() as conn:
            refusals = await conn.fetch("SELECT wave_id, reason FROM survey_refusals")
    assert [r.state for r in reports] == ["published", "published"]
    assert len(statuses) >= 6 and all(400 <= s < 500 for s in statuses.values()), statuses
    # Someone opening their own finished session again is told they took part (409), not treated as a forger.
    assert {s for k, s in statuses.items() if k.startswith("replayed")} == {409}, statuses
    # Each refusal is logged against the wave it was presented at (besides latecomers after a wave closed).
    at = {
        w: [r["reason"] for r in refusals if r["wave_id"] == w and r["reason"] != "closed"]
        for w in (first, second)
    }
    assert len(at[first]) == len(statuses) - 1 and len(at[second]) == 1, at
    # Nothing the refused entries carried was stored, or booked: the books still agree.
    for w, n in ((first, target), (second, target)):
        assert counts[w]["complete"] == n == books[w].held
        assert len(books[w].completed) == counts[w]["complete"] + counts[w].get("quality_terminate", 0)
        assert books[w].launch_calls == 1


async def _opened(session: aiohttp.ClientSession, url: str, participant: str) -> tuple[int, str | None]:
    """Open an entry link as ``participant``: the status and any ``Retry-After``."""
    async with session.get(url, headers={PARTICIPANT_HEADER: participant}, allow_redirects=False) as r:
        return r.status, r.headers.get("Retry-After")


async def test_an_arrival_the_provider_cannot_confirm_is_asked_to_reload_not_refused(
    world: str, pool: asyncpg.Pool, settings: Settings
) -> None:
    """While the provider's API fails every call, a respondent arriving with a good link is neither refused nor
    counted as a failed authentication (here one failure would use up a client's allowance, so a second try
    would be answered 429): where arrivals are confirmed with the provider server to server (Prolific, Cint,
    PureSpectrum) the survey answers 503 with ``Retry-After``, asking them to reload; where the survey checks
    the link itself they are let in at once. Once the API answers again, the reload gets in."""
    strict = dataclasses.replace(settings, server_auth_failures=1)
    async with field(pool, strict, provider=world, rate=0.0) as f:
        wave_id = await make_wave(pool, target=10, provider=world)
        driver = f.provider()
        # The one respondent let in stays in the survey: the cancel waits for them only briefly.
        options = dataclasses.replace(f.options, exit_grace=0.3)
        run = asyncio.create_task(run_wave(pool, settings, wave_id, driver, options=options))
        try:
            for _ in range(3000):
                async with pool.acquire() as conn:
                    wave = await waves.get_wave(conn, wave_id)
                if wave is not None and wave.state == "fielding":
                    break
                await asyncio.sleep(0.01)
            book = book_of(f, settings, wave_id)
            fresh = (book.make_participant or (lambda: "P00000000000000ab"))()
            link = _send(book, fresh)
            injector = f.sim.state.faults
            injector.profile = profile("none", p_error=1.0)
            async with aiohttp.ClientSession() as http:
                outage = [await _opened(http, link, fresh) for _ in range(2)]
                injector.profile = profile("none")
                after = await _opened(http, link, fresh)
            async with pool.acquire() as conn:
                refused = await conn.fetchval(
                    "SELECT count(*) FROM survey_refusals WHERE wave_id = $1", wave_id
                )
                assert await waves.transition(conn, wave_id, "fielding", "cancelled", reason="test over")
            await asyncio.wait_for(run, 60)
        finally:
            run.cancel()
            await driver.aclose()
    if world in ("prolific", "cint", "purespectrum"):
        assert outage == [(503, "5"), (503, "5")]
    else:
        assert [status for status, _ in outage] == [303, 303]
    assert after[0] == 303 and refused == 0
