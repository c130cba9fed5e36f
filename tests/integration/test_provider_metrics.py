"""Provider calls and errors reach /metrics through the HTTP client's call observers."""

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
from recognition.web.api.metrics import REGISTRY
from tests.integration.test_panels_simulated import FAST, spec

CALLS = "recognition_provider_calls_total"
ERRORS = "recognition_provider_errors_total"


async def test_provider_calls_and_errors_are_counted(settings: Settings, pool: asyncpg.Pool) -> None:
    async with TestClient(TestServer(create_app(settings, pool=pool))) as client:  # registers the observer
        labels = (("provider", "simulated"), ("operation", "POST projects"))
        calls, errors = REGISTRY.value(CALLS, labels), REGISTRY.value(ERRORS, labels)
        async with running_simulator(profile("none"), rate=100) as sim:
            provider = SimulatedProvider(sim.url, policy=FAST)
            try:
                project = await provider.create_project(spec("m"), idempotency_key="m:create")
                await provider.launch(project.id, idempotency_key="m:launch")
                with contextlib.suppress(ProviderRejected):  # a second, different launch: refused, an error
                    await provider.launch(project.id, idempotency_key="m:other")
            finally:
                await provider.aclose()
        assert REGISTRY.value(CALLS, labels) - calls == 3
        assert REGISTRY.value(ERRORS, labels) - errors == 1
        text = await (await client.get("/metrics")).text()
        assert 'recognition_provider_calls_total{provider="simulated",operation="POST projects"}' in text
