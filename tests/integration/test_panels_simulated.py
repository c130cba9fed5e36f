"""Contract tests of the simulated provider, through its adapter (the Provider protocol) over real HTTP; its
respondents take the service's hosted survey."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from panels.base import Decision, ProjectSpec, Provider, ProviderRejected, Submission, quotas_from_margins
from panels.http import RetryPolicy
from panels.simulated.client import SimulatedProvider
from panels.simulated.faults import profile
from panels.simulated.server import running_simulator
from recognition import sessions
from recognition.populations import load_margins
from recognition.settings import Settings
from recognition.store import responses, waves
from recognition.store import survey as survey_store
from recognition.store.survey import SurveyAccess
from tests.integration.field_support import field, make_wave

BRANDS = [
    {"id": "acme", "name": "Acme"},
    {"id": "velo", "name": "Velo"},
    {"id": "kinetic", "name": "Kinetic"},
]
FAST = RetryPolicy(
    attempts=10,
    backoff=0.005,
    max_backoff=0.05,
    max_retry_after=0.05,
    breaker_threshold=50,
    breaker_reset=0.05,
)


def spec(reference: str, target: int = 100, *, survey_url: str = "", wave_id: int = 0) -> ProjectSpec:
    return ProjectSpec(
        reference=reference,
        name="t",
        target_n=target,
        country="us",
        quotas=quotas_from_margins(load_margins("us"), target, slack=0.1),
        survey_url=survey_url,
        topic={"category": "sportswear", "brands": BRANDS, "own_brand": "acme"},
        entry_secret=sessions.link_secret("s" * 32, wave_id),
    )


async def drain(provider: SimulatedProvider, project_id: str) -> list[Submission]:
    cursor, out = "0", list[Submission]()
    while True:
        page = await provider.submissions(project_id, cursor)
        out += page.submissions
        if page.cursor == cursor:
            return out
        cursor = page.cursor


async def test_lifecycle_quotas_and_reconciliation(settings: Settings, pool: asyncpg.Pool) -> None:
    wave_id = await make_wave(pool, target=100)
    async with field(pool, settings, rate=400) as fw:
        provider = fw.provider(seed=3)
        assert isinstance(provider, Provider)
        s = spec("a", survey_url=f"{fw.options.survey_base_url}/survey/{wave_id}/start", wave_id=wave_id)
        quote = await provider.feasibility(s)
        assert quote.feasible and quote.price > 0
        project = await provider.create_project(s, idempotency_key="a:create")
        again = await provider.create_project(s, idempotency_key="a:create")
        assert again == project and project.status == "draft"
        assert await provider.find_project("a") == project and await provider.find_project("zzz") is None
        async with (
            pool.acquire() as conn
        ):  # what fieldwork does at launch: the survey admits the project's people
            for a, b in (("scheduled", "launching"), ("launching", "fielding")):
                assert await waves.transition(conn, wave_id, a, b)
            await survey_store.set_access(
                conn, SurveyAccess(wave_id, provider.name, project.id, "a", s.entry_secret, None)
            )
        assert (await provider.launch(project.id, idempotency_key="a:launch")).status == "live"
        assert (await provider.launch(project.id, idempotency_key="a:launch")).status == "live"  # a replay
        with pytest.raises(ProviderRejected):
            await provider.launch(project.id, idempotency_key="other-key")  # a second, different launch
        for _ in range(400):  # the respondents take the hosted survey at their own pace: wait for the target
            if (await provider.progress(project.id)).completes >= 100:
                break
            await asyncio.sleep(0.05)
        subs = await drain(provider, project.id)
        book = fw.sim.project_for("a")
        assert book is not None and book.launch_calls == 1
        assert len(subs) == 100 == (await provider.progress(project.id)).completes
        for q in s.quotas:
            assert book.fill[(q.variable, q.level)] <= q.limit
        async with pool.acquire() as conn:  # each submission is a respondent who finished the hosted survey
            counts = await responses.count_by_status(conn, wave_id)
        assert counts.get("complete", 0) + counts.get("quality_terminate", 0) == 100
        # Rejecting re-opens places; repeating a decision changes nothing.
        rejected = [Decision(x.submission_id, False, "speeder") for x in subs[:5]]
        await provider.reconcile(project.id, rejected)
        await provider.reconcile(project.id, rejected)
        assert len(book.rejected) == 5 and book.held == 95
        await provider.reconcile(project.id, [Decision(x.submission_id, True) for x in subs[5:]])
        assert len(book.approved) == 95
        with pytest.raises(ProviderRejected):  # approving a rejected submission is a conflict
            await provider.reconcile(project.id, [Decision(subs[0].submission_id, True)])
        assert (await provider.close(project.id)).status == "closed"
        await provider.aclose()


async def test_faults_do_not_double_effects() -> None:
    faults = profile("heavy", p_error=0.3, p_drop_after=0.2, retry_after=0)
    async with running_simulator(faults, rate=5000, seed=11) as sim:
        provider = SimulatedProvider(sim.url, policy=FAST, seed=3)
        for i in range(10):
            p = await provider.create_project(spec(f"f{i}", 20), idempotency_key=f"f{i}:create")
            await provider.launch(p.id, idempotency_key=f"f{i}:launch")
        await provider.aclose()
        assert len(sim.state.projects) == 10
        assert all(p.launch_calls == 1 for p in sim.state.projects.values())
        assert (
            sim.state.faults.injected.get("drop_after", 0) > 0
            and sim.state.faults.injected.get("error", 0) > 0
        )
