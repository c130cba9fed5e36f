"""The Prolific adapter against the simulator's copy of Prolific's researcher API (``panels/simulated/apis``), which
answers as Prolific documents: studies and their transitions, participants entering with ``PROLIFIC_PID``,
``STUDY_ID`` and ``SESSION_ID`` and finishing on the completion page, submissions paged and counted, approval in
bulk, rejection with a category and a 100-character message, paid screen-outs, errors, and signed webhooks with a
timestamp window. The whole fieldwork path through the service runs in ``tests/integration/contract``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from panels.base import (
    Decision,
    EntryRefused,
    ProjectSpec,
    Provider,
    ProviderRejected,
    ProviderUnavailable,
    WaveAccess,
)
from panels.http import RetryPolicy
from panels.prolific import ProlificProvider, completion_codes
from panels.simulated.apis import prolific as prolific_api
from panels.simulated.apis.prolific import BOOKS, SENDER, simulator_credentials
from panels.simulated.faults import profile
from panels.simulated.server import RunningSimulator, running_simulator
from panels.simulated.walkers import PARTICIPANT_HEADER
from panels.simulated.webhooks import WebhookSender
from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import orgs
from tests.integration.field_support import ORGANISATION, TOPIC, save_credentials

TOKEN = prolific_api.TOKEN
POLICY = RetryPolicy(attempts=10, backoff=0.001, max_backoff=0.01, max_retry_after=0.01, breaker_threshold=50)
SPEC = ProjectSpec(
    reference="rw9-abc",
    name="Brand tracker — wave 9",
    target_n=3,
    country="us",
    survey_url="https://survey.example.org/survey/9/start",
    topic={"category": "sportswear"},
)


def adapter(sim: RunningSimulator, **kwargs: Any) -> ProlificProvider:
    values = simulator_credentials(sim.url)
    return ProlificProvider(
        values["token"],
        base_url=values["api_url"],
        completion_url=values["completion_url"],
        policy=POLICY,
        **kwargs,
    )


@pytest.fixture
async def world() -> AsyncIterator[tuple[RunningSimulator, ProlificProvider]]:
    async with running_simulator("none", rate=0.0) as sim:  # participants arrive only when a test sends them
        sim.state.topic = dict(TOPIC)
        provider = adapter(sim, page_size=2)
        yield sim, provider
        await provider.aclose()


def arrive(
    sim: RunningSimulator, study_id: str, pid: str, *, hold: bool = True
) -> tuple[str, dict[str, str]]:
    """Prolific sends participant ``pid`` to the study: a place is held while they take the survey (``hold``;
    not for someone opening their old link again), and the study URL is opened with the placeholders filled
    in."""
    study = sim.app[BOOKS].studies[study_id]
    if hold:
        study.project.in_survey[pid] = []
    url = study.for_participant(pid)
    return url, dict(parse_qsl(urlsplit(url).query))


async def land(url: str, pid: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as s, s.get(url, headers={PARTICIPANT_HEADER: pid}) as r:
        return r.status, await r.text()


async def test_study_lifecycle(world: tuple[RunningSimulator, ProlificProvider]) -> None:
    sim, provider = world
    assert isinstance(provider, Provider)
    quote = await provider.feasibility(SPEC)
    # 150p a complete with Prolific's fee of a third (the cost calculator's total over the places).
    assert quote.feasible and quote.price == pytest.approx(2.0) and quote.currency == "GBP"
    assert quote.available == prolific_api.POOL["us"]
    project = await provider.create_project(SPEC, idempotency_key="rw9-abc:create")
    sent = sim.app[BOOKS].studies[project.id].body
    assert sent["internal_name"] == "rw9-abc" and sent["prolific_id_option"] == "url_parameters"
    assert sent["study_type"] == "US_REP_SAMPLE" and sent["total_available_places"] == 3
    assert sent["external_study_url"] == (
        "https://survey.example.org/survey/9/start"
        "?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}"
    )
    actions = {c["code_type"]: [a["action"] for a in c["actions"]] for c in sent["completion_codes"]}
    assert actions == {
        "COMPLETED": ["MANUALLY_REVIEW"],
        "FAILED_ATTENTION_CHECK": ["MANUALLY_REVIEW"],
        "SCREENED_OUT": ["FIXED_SCREEN_OUT_PAYMENT"],
    }
    assert project.status == "draft" and project.price == pytest.approx(2.0)
    assert project.screen_out_price == pytest.approx(0.20 * 4 / 3, abs=1e-4)
    assert await provider.find_project("rw9-abc") == project and await provider.find_project("nope") is None
    assert (await provider.launch(project.id, idempotency_key="k")).status == "live"
    assert (await provider.launch(project.id, idempotency_key="k")).status == "live"  # already: refused, read
    assert sim.project_for("rw9-abc").launch_calls == 1  # type: ignore[union-attr]
    assert (await provider.pause(project.id)).status == "paused"
    assert (await provider.resume(project.id)).status == "live"
    assert (await provider.close(project.id)).status == "closed"
    assert (await provider.close(project.id)).status == "closed"  # a repeated STOP is refused, then read
    assert await provider.test_link(WaveAccess(9, project.id, "rw9-abc", "k" * 32), SPEC.survey_url) is None
    with pytest.raises(ProviderRejected, match="representative samples cover uk and us"):
        await provider.feasibility(ProjectSpec("rw9-de", "x", 3, "de"))


async def test_participants_enter_finish_and_are_reconciled(
    world: tuple[RunningSimulator, ProlificProvider],
) -> None:
    sim, provider = world
    project = await provider.create_project(SPEC, idempotency_key="c")
    await provider.launch(project.id, idempotency_key="l")
    access = WaveAccess(9, project.id, SPEC.reference, "k" * 32)
    codes = completion_codes(SPEC.reference)
    people = [f"{i:024x}" for i in range(1, 6)]
    sessions = {}
    outcomes = ("complete", "complete", "quality_terminate", "over_quota", "complete")
    for pid, outcome in zip(people, outcomes, strict=True):
        url, query = arrive(sim, project.id, pid)
        arrival = await provider.admit(access, query, url)
        sessions[pid] = query["SESSION_ID"]
        assert arrival.participant_id == pid and arrival.context == {"session": query["SESSION_ID"]}
        exit_url = await provider.finish(access, arrival, outcome)
        want = codes["screened_out" if outcome == "over_quota" else outcome]
        assert exit_url == f"{sim.url}{prolific_api.COMPLETION_PATH}?cc={want}"
        status, page = await land(exit_url, pid)
        assert status == 200 and ("screened_out" if outcome == "over_quota" else "awaiting_review") in page
    # A finished session opened again (repeated), a changed participant id, a made-up session, another study.
    _, replay = arrive(sim, project.id, people[0], hold=False)
    _, fresh = arrive(sim, project.id, f"{99:024x}")
    for query, reason in (
        (replay, "repeated"),
        ({**fresh, "PROLIFIC_PID": people[1]}, "not_admitted"),
        ({**fresh, "SESSION_ID": "f" * 24}, "not_admitted"),
        ({**fresh, "STUDY_ID": "e" * 24}, "foreign"),
        ({**fresh, "PROLIFIC_PID": "x"}, "bad_id"),
    ):
        with pytest.raises(EntryRefused) as refused:
            await provider.admit(access, query, "https://s.example/x")
        assert refused.value.reason == reason
    assert (await land(f"{sim.url}{prolific_api.COMPLETION_PATH}?cc=WRONG", f"{99:024x}"))[0] == 404

    feed = await provider.submissions(project.id, "")  # read through pages of two
    assert sorted(s.participant_id for s in feed.submissions) == sorted(people[:3] + people[4:])
    assert (await provider.submissions(project.id, feed.cursor)).submissions == ()
    progress = await provider.progress(project.id)
    assert (progress.completes, progress.screened_out, progress.rejected, progress.active) == (4, 1, 0, 1)

    ids = {s.participant_id: s.submission_id for s in feed.submissions}
    assert ids[people[0]] == sessions[people[0]]  # a submission's id is the session id of the study URL
    with pytest.raises(ProviderRejected) as early:  # approving before it is submitted fails, as users report
        await provider.http.request(
            "POST", f"/submissions/{fresh['SESSION_ID']}/transition/", json_body={"action": "APPROVE"}
        )
    assert early.value.status == 400 and "not yet submitted" in str(early.value)
    with pytest.raises(ProviderRejected, match="at least 100 characters"):
        await provider.http.request(
            "POST",
            f"/submissions/{ids[people[2]]}/transition/",
            json_body={"action": "REJECT", "rejection_category": "TOO_QUICKLY", "message": "too quick"},
        )
    book = sim.project_for(SPEC.reference)
    assert book is not None and book.taken == 5  # 4 finished and 1 in progress hold places; 1 screened out
    decisions = [Decision(ids[people[0]], True), Decision(ids[people[1]], True)]
    decisions += [
        Decision(ids[people[2]], False, "speeder"),
        Decision(ids[people[4]], False, "straight_lining"),
    ]
    await provider.reconcile(project.id, decisions)
    await provider.reconcile(project.id, decisions)  # idempotent: the same decisions again change nothing
    for _ in range(100):  # bulk approval is applied just after Prolific answers
        if not sim.app[BOOKS].bulk:
            break
        await asyncio.sleep(0)
    assert not sim.app[BOOKS].bulk
    study = sim.app[BOOKS].studies[project.id]
    statuses = {s.participant: (s.status, s.rejection_category) for s in study.submissions.values()}
    assert statuses[people[0]] == statuses[people[1]] == ("APPROVED", None)
    assert statuses[people[2]] == ("REJECTED", "TOO_QUICKLY")
    assert statuses[people[4]] == ("REJECTED", "LOW_EFFORT")
    assert statuses[people[3]] == ("SCREENED OUT", None)
    assert book.taken == 3  # rejecting re-opened two places
    # Billed: two approved at 150p and one screen-out at 20p, each with the fee of a third.
    assert book.billed == pytest.approx((2 * 150 + 20) * 4 / 3 / 100, abs=0.01)
    with pytest.raises(ProviderRejected) as conflict:  # approving a rejected submission is refused
        await provider.http.request(
            "POST", f"/submissions/{ids[people[2]]}/transition/", json_body={"action": "APPROVE"}
        )
    assert conflict.value.status == 400


async def test_a_submission_finishing_while_the_pages_are_read_is_delivered_next_time() -> None:
    """The list of submissions comes in pages and is no snapshot. A participant listed in progress on the first
    page who finishes before the second page is read — after which someone listed there finishes too — is not in
    this read, and must be in the next one (a high-water mark of completion times would skip them for good,
    holding their place at Prolific for ever)."""
    finish_between: list[str] = []
    reads = 0

    def between_pages(_provider: str, call: str, _failed: bool) -> None:
        nonlocal reads
        if call == "GET submissions" and finish_between:
            reads += 1
            if reads == 1:  # the first page was read: two participants finish, in order
                for pid in finish_between:
                    assert study.complete(pid, codes["complete"]) == "awaiting_review"

    async with running_simulator("none", rate=0.0) as sim:
        sim.state.topic = dict(TOPIC)
        provider = adapter(sim, page_size=2, observer=between_pages)
        try:
            project = await provider.create_project(SPEC, idempotency_key="c")
            await provider.launch(project.id, idempotency_key="l")
            study = sim.app[BOOKS].studies[project.id]
            codes = completion_codes(SPEC.reference)
            people = [f"{i:024x}" for i in range(1, 5)]
            for pid in people:  # listed in this order: two on each page
                arrive(sim, project.id, pid)
            assert study.complete(people[1], codes["complete"]) == "awaiting_review"
            finish_between += [people[0], people[3]]
            first = await provider.submissions(project.id, "")
            assert {s.participant_id for s in first.submissions} == {people[1], people[3]}
            second = await provider.submissions(project.id, first.cursor)
            assert {s.participant_id for s in second.submissions} >= {people[0]}
            assert (await provider.submissions(project.id, second.cursor)).submissions == ()
        finally:
            await provider.aclose()


async def test_errors_authentication_and_faults(pool: asyncpg.Pool) -> None:
    faults = profile("heavy", p_error=0.2, p_drop_after=0.4, p_throttle=0.2, retry_after=0)
    async with running_simulator(faults, rate=0.0) as sim:
        sim.state.topic = dict(TOPIC)
        provider = adapter(sim)
        wrong = ProlificProvider("wrong", base_url=provider.http.base_url, policy=POLICY)
        try:
            with pytest.raises((ProviderRejected, ProviderUnavailable)) as err:
                for _ in range(20):  # until an answer gets through the faults
                    await wrong.check()
            assert isinstance(err.value, ProviderRejected) and err.value.status == 401
            # Created once and launched once, though answers are lost: each try is settled by reading the study.
            for n in range(4):
                spec = ProjectSpec(f"rw{n}-x", "x", 5, "us", survey_url=SPEC.survey_url)
                project = await provider.create_project(spec, idempotency_key=f"rw{n}-x:create")
                await provider.launch(project.id, idempotency_key=f"rw{n}-x:launch")
                await provider.close(project.id)
                books = [p for p in sim.state.projects.values() if p.reference == spec.reference]
                assert len(books) == 1 and books[0].launch_calls == 1 and books[0].status == "closed"
            injected = sim.state.faults.injected
            assert injected.get("drop_after", 0) >= 1 and injected.get("throttle", 0) >= 1
        finally:
            await provider.aclose()
            await wrong.aclose()
        async with aiohttp.ClientSession() as s:
            r = await s.get(f"{sim.url}{prolific_api.PREFIX}users/me/", headers={"Authorization": "Token no"})
            while r.status >= 429:  # a fault, not the answer
                r = await s.get(
                    f"{sim.url}{prolific_api.PREFIX}users/me/", headers={"Authorization": "Token no"}
                )
            body = await r.json()
    assert r.status == 401 and set(body["error"]) == {
        "status",
        "error_code",
        "title",
        "detail",
        "additional_information",
    }


async def _delivered(sim: RunningSimulator) -> WebhookSender:
    """Wait (polling, at most ten seconds) until every event the studies produced was handed to the sender and
    every delivery of it, redeliveries included, was made or given up."""
    sender = sim.app[SENDER]
    for _ in range(500):
        settled = all(sender.delivered[e] or e in sender.given_up for e in sender.produced)
        if not sim.app[BOOKS].events and sender.produced and sender.idle and settled:
            return sender
        await asyncio.sleep(0.02)
    raise AssertionError(f"webhooks not delivered: {sender.stats()}")


async def _subscribe(sim: RunningSimulator, target: str) -> str:
    """Set up webhooks as a user does through Prolific's API: a secret, then a confirmed subscription per event
    type. Returns the secret."""
    headers = {"Authorization": f"Token {TOKEN}"}
    api = f"{sim.url}{prolific_api.PREFIX}hooks"
    async with aiohttp.ClientSession(headers=headers) as s:
        async with s.post(f"{api}/secrets/", json={"workspace_id": prolific_api.WORKSPACE_ID}) as r:
            secret = str((await r.json())["value"])
        for kind in ("study.status.change", "submission.status.change"):
            body = {"workspace_id": prolific_api.WORKSPACE_ID, "event_type": kind, "target_url": target}
            async with s.post(f"{api}/subscriptions/", json=body) as r:
                sub, hook_secret = await r.json(), r.headers["X-Hook-Secret"]
                assert r.status == 201 and sub["is_enabled"] is False
            async with s.post(f"{api}/subscriptions/{sub['id']}/", json={"secret": hook_secret}) as r:
                assert (await r.json())["is_enabled"] is True
    return secret


async def test_webhooks_are_signed_at_least_once_and_checked_within_a_window(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    faults = profile("none", p_webhook_duplicate=0.5, p_webhook_reorder=0.5)
    received: list[tuple[dict[str, str], bytes]] = []

    async def record(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.json_response({})

    listener = web.Application()
    listener.router.add_post("/hook", record)
    async with running_simulator(faults, rate=0.0) as sim, TestClient(TestServer(listener)) as hook:
        sim.state.topic = dict(TOPIC)
        secret = await _subscribe(sim, str(hook.make_url("/hook")))
        provider = adapter(sim, webhook_secret=secret)
        project = await provider.create_project(SPEC, idempotency_key="c")
        await provider.launch(project.id, idempotency_key="l")
        for i in range(1, 5):
            arrive(sim, project.id, f"{i:024x}")
        await provider.close(project.id)
        await provider.progress(project.id)  # the books catch up, and announce what changed
        sender = await _delivered(sim)
        await provider.aclose()
    events = [provider.verify_webhook(h, b) for h, b in received]
    assert all(e is not None for e in events)
    ids = [e.event_id for e in events if e is not None]
    assert sorted(set(ids)) == sorted(sender.produced) and len(ids) > len(set(ids))  # some delivered twice
    assert sender.arrival != sender.produced[: len(sender.arrival)]  # and some overtaken by later ones
    kinds = {(e.kind, e.payload.get("status")) for e in events if e is not None}
    assert {("study.status.change", "ACTIVE"), ("submission.status.change", "ACTIVE")} <= kinds
    assert {e.project_id for e in events if e is not None and e.kind.startswith("study.")} == {project.id}
    headers, body = received[0]
    sent = float(headers["X-Prolific-Request-Timestamp"])
    late = ProlificProvider(TOKEN, webhook_secret=secret, clock=lambda: sent + 301)
    early = ProlificProvider(TOKEN, webhook_secret=secret, clock=lambda: sent + 299)
    assert late.verify_webhook(headers, body) is None  # replayed after the window
    assert early.verify_webhook(headers, body) is not None
    assert early.verify_webhook(headers, body + b" ") is None  # tampered
    assert early.verify_webhook({**headers, "X-Prolific-Request-Timestamp": str(sent + 1)}, body) is None
    wrong = ProlificProvider(TOKEN, webhook_secret="x" * 40, clock=lambda: sent)
    assert wrong.verify_webhook(headers, body) is None
    for p in (late, early, wrong):
        await p.aclose()

    # The service's webhook address for the organisation records each event once.
    async with running_simulator(faults, rate=0.0) as sim:
        sim.state.topic = dict(TOPIC)
        credentials = simulator_credentials(sim.url)
        async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
            org = await _org(pool)
            secret = await _subscribe(sim, str(client.make_url(f"/webhooks/prolific/{org}")))
            await save_credentials(pool, settings, sim, "prolific", {**credentials, "webhook_secret": secret})
            provider = adapter(sim)
            project = await provider.create_project(SPEC, idempotency_key="c")
            await provider.launch(project.id, idempotency_key="l")
            arrive(sim, project.id, f"{1:024x}")
            await provider.close(project.id)
            await provider.aclose()
            sender = await _delivered(sim)
            assert sender.given_up == [] and set(sender.delivered) == set(sender.produced)
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT event_id, kind FROM provider_events WHERE provider = 'prolific'")
    assert sorted(r["event_id"] for r in rows) == sorted(sender.produced)


async def _org(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return await orgs.ensure_organisation(conn, ORGANISATION)
