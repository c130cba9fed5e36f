"""Contract tests of the simulated provider, through its adapter (the Provider protocol) over real HTTP."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from panels.base import Decision, ProjectSpec, Provider, ProviderRejected, Submission, quotas_from_margins
from panels.http import RetryPolicy
from panels.simulated.client import SimulatedProvider
from panels.simulated.faults import profile
from panels.simulated.server import running_simulator
from recognition.populations import load_margins

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


def spec(reference: str, target: int = 100) -> ProjectSpec:
    return ProjectSpec(
        reference=reference,
        name="t",
        target_n=target,
        country="us",
        quotas=quotas_from_margins(load_margins("us"), target, slack=0.1),
        topic={"category": "sportswear", "brands": BRANDS, "own_brand": "acme"},
    )


async def drain(provider: SimulatedProvider, project_id: str) -> list[Submission]:
    cursor, out = "0", list[Submission]()
    while True:
        page = await provider.submissions(project_id, cursor)
        out += page.submissions
        if page.cursor == cursor:
            return out
        cursor = page.cursor


async def test_lifecycle_quotas_and_reconciliation() -> None:
    async with running_simulator("none", rate=5000) as sim:
        provider = SimulatedProvider(sim.url, policy=FAST, seed=3)
        assert isinstance(provider, Provider)
        quote = await provider.feasibility(spec("a"))
        assert quote.feasible and quote.price > 0
        project = await provider.create_project(spec("a"), idempotency_key="a:create")
        again = await provider.create_project(spec("a"), idempotency_key="a:create")
        assert again == project and project.status == "draft"
        assert await provider.find_project("a") == project and await provider.find_project("zzz") is None
        assert (await provider.launch(project.id, idempotency_key="a:launch")).status == "live"
        assert (await provider.launch(project.id, idempotency_key="a:launch")).status == "live"  # a replay
        with pytest.raises(ProviderRejected):
            await provider.launch(project.id, idempotency_key="other-key")  # a second, different launch
        for _ in range(200):  # the simulator fills at its own pace; wait for the target, not a fixed time
            if (await provider.progress(project.id)).completes >= 100:
                break
            await asyncio.sleep(0.05)
        subs = await drain(provider, project.id)
        book = sim.project_for("a")
        assert book is not None and book.launch_calls == 1
        assert len(subs) == 100 == (await provider.progress(project.id)).completes
        fill = Counter((v, lv) for s in subs for v, lv in s.data["demographics"].items())
        for q in spec("a").quotas:
            assert fill[(q.variable, q.level)] <= q.limit
        # Rejecting re-opens places; repeating a decision changes nothing.
        rejected = [Decision(s.submission_id, False, "speeder") for s in subs[:5]]
        await provider.reconcile(project.id, rejected)
        await provider.reconcile(project.id, rejected)
        for _ in range(200):  # the five re-opened places fill at the simulator's pace: wait for them
            more = await drain(provider, project.id)
            if len(more) >= 105:
                break
            await asyncio.sleep(0.05)
        assert len(more) == 105 and book.held == 100 and len(book.rejected) == 5
        await provider.reconcile(project.id, [Decision(s.submission_id, True) for s in more[5:]])
        assert len(book.approved) == 100
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
