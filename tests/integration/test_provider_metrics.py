"""Provider calls and errors reach /metrics through the HTTP client's call observer (the app's metrics)."""

from __future__ import annotations

import contextlib

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from panels.base import ProviderRejected
from panels.simulated.client import SimulatedProvider
from panels.simulated.faults import profile
from panels.simulated.server import running_simulator
from recognition.app import create_app
from recognition.settings import Settings
from recognition.web.keys import METRICS
from tests.integration.test_panels_simulated import FAST, spec

CALLS = "recognition_provider_calls_total"
ERRORS = "recognition_provider_errors_total"


async def test_provider_calls_and_errors_are_counted(settings: Settings, pool: asyncpg.Pool) -> None:
    app = create_app(settings, pool=pool)
    metrics = app[METRICS]
    async with TestClient(TestServer(app)) as client:
        labels = {"provider": "simulated", "operation": "POST projects"}
        async with running_simulator(profile("none"), rate=100) as sim:
            provider = SimulatedProvider(sim.url, policy=FAST, observer=metrics.provider_call)
            try:
                project = await provider.create_project(spec("m"), idempotency_key="m:create")
                await provider.launch(project.id, idempotency_key="m:launch")
                with contextlib.suppress(ProviderRejected):  # a second, different launch: refused, an error
                    await provider.launch(project.id, idempotency_key="m:other")
            finally:
                await provider.aclose()
        assert metrics.registry.get_sample_value(CALLS, labels) == 3
        assert metrics.registry.get_sample_value(ERRORS, labels) == 1
        text = await (await client.get("/metrics")).text()
        assert 'recognition_provider_calls_total{operation="POST projects",provider="simulated"} 3.0' in text
