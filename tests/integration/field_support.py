"""Shared set-up for fieldwork tests: a poll with a wave, the simulator on loopback (the simulated provider's API
and a copy of each real provider's), the organisation's credentials for the provider under test, and the
service's survey pages its respondents take over HTTP — the whole path a real wave takes, with faults where
asked."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from panels.base import Provider
from panels.http import RetryPolicy
from panels.registry import KINDS, BuildContext, ProviderConfig, ProviderRegistry
from panels.simulated.client import SimulatedProvider
from panels.simulated.faults import PROFILES, FaultProfile
from panels.simulated.server import RunningSimulator, running_simulator
from recognition import providers
from recognition.demo import survey_server
from recognition.settings import Settings
from recognition.store import orgs, polls, waves
from recognition.waves.fieldwork import FieldworkOptions, WaveReport, run_wave
from tests.integration.contract.worlds import WORLDS

BRANDS = [
    {"id": "acme", "name": "Acme", "aliases": []},
    {"id": "velo", "name": "Velo", "aliases": []},
    {"id": "kinetic", "name": "Kinetic", "aliases": []},
]
FAST = RetryPolicy(
    attempts=10,
    backoff=0.005,
    max_backoff=0.05,
    max_retry_after=0.05,
    breaker_threshold=30,
    breaker_reset=0.05,
)
OPTIONS = FieldworkOptions(poll_interval=0.02, retry_delay=0.05, exit_grace=5.0)
SLOT = datetime(2026, 3, 2, 7, tzinfo=UTC)
#: Wall-clock seconds per simulated second of a respondent's think time (a whole interview in about a second).
TIME_SCALE = 0.004


ORGANISATION = "acme-co"
#: What the simulator's respondents are asked about (real providers' APIs carry no brands; see PUT /_sim/topic).
TOPIC = {"brands": BRANDS, "own_brand": "acme", "country": "us", "seed": 7}


async def make_wave(
    pool: asyncpg.Pool,
    *,
    target: int = 40,
    budget: float | None = None,
    provider: str = "simulated",
    slot: datetime = SLOT,
) -> int:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, ORGANISATION)
        name = "t" if provider == "simulated" else f"t-{provider}"
        poll = await polls.find_poll(conn, org, name) or await polls.create_poll(
            conn,
            org,
            name=name,
            category="sportswear",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=target,
            cost_per_complete=1.5,
            budget=budget,
            provider=provider,
        )
        wave, _ = await waves.create_wave(conn, poll.id, slot, target)
    return wave.id


@dataclass(frozen=True)
class Field:
    sim: RunningSimulator
    options: FieldworkOptions
    #: The service's settings for this field: the simulator's address and webhook secret, and the survey
    #: server's address as the public one (where respondents and webhooks go).
    settings: Settings
    #: The provider under test and the credentials saved for the organisation (the survey pages use them too).
    name: str = "simulated"
    credentials: dict[str, str] = dataclasses.field(default_factory=dict)

    def provider(self, **kwargs: Any) -> Provider:
        """An adapter of the provider under test with the organisation's credentials (the simulated provider's
        takes keyword arguments, e.g. ``webhook_secret``)."""
        if self.name == "simulated":
            return SimulatedProvider(self.sim.url, policy=FAST, **kwargs)
        kind = KINDS[self.name]
        return kind.build(kind.complete(self.credentials), BuildContext(FAST, None))

    async def publish(self, pool: asyncpg.Pool, wave_id: int) -> WaveReport:
        """Field the wave to its end (published, when all goes well) through an adapter of the provider under
        test, on this field's settings and options."""
        provider = self.provider()
        try:
            return await run_wave(pool, self.settings, wave_id, provider, options=self.options)
        finally:
            await provider.aclose()


async def save_credentials(
    pool: asyncpg.Pool, settings: Settings, sim: RunningSimulator, name: str, values: dict[str, str]
) -> None:
    """Save ``values`` as the organisation's credentials for ``name``, as a user would (checked with the
    provider, sealed); with the simulator's faults held off for the check."""
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, ORGANISATION)
    injector = sim.state.faults
    wanted, injector.profile = injector.profile, PROFILES["none"]
    registry = ProviderRegistry(ProviderConfig(policy=FAST))
    try:
        await providers.save(pool, settings.survey_secret, registry, org, name, values)
    finally:
        injector.profile = wanted
        await registry.aclose()


@asynccontextmanager
async def field(
    pool: asyncpg.Pool,
    settings: Settings,
    faults: FaultProfile | str = "none",
    *,
    rate: float = 400.0,
    seed: int = 5,
    webhook_secret: str = "",
    field_period: timedelta | None = None,
    provider: str = "simulated",
    time_scale: float = TIME_SCALE,
) -> AsyncIterator[Field]:
    """The simulator and the survey pages on loopback for the block, with the organisation's credentials for
    ``provider`` (from :data:`WORLDS`) saved through :func:`recognition.providers.save`, so fieldwork and the
    survey pages use the same adapter; fieldwork options that send the provider's respondents to those
    pages."""
    async with running_simulator(
        faults, rate=rate, seed=seed, webhook_secret=webhook_secret, time_scale=time_scale
    ) as sim:
        sim.state.topic = dict(TOPIC)
        served = dataclasses.replace(
            settings, panels_simulator_url=sim.url, panels_simulator_webhook_secret=webhook_secret
        )
        credentials = WORLDS[provider](sim.url)
        if provider == "simulated" and webhook_secret:
            credentials["webhook_secret"] = webhook_secret
        await save_credentials(pool, settings, sim, provider, credentials)
        async with survey_server(pool, served, time_scale=time_scale) as survey_url:
            options = dataclasses.replace(OPTIONS, survey_base_url=survey_url, field_period=field_period)
            yield Field(
                sim, options, dataclasses.replace(served, server_base_url=survey_url), provider, credentials
            )
