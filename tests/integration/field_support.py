"""Shared set-up for fieldwork tests: a poll with a wave, the simulated provider on loopback and the service's
survey pages its respondents take over HTTP — the whole path a real wave takes, with faults where asked."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from panels.http import RetryPolicy
from panels.simulated.client import SimulatedProvider
from panels.simulated.faults import FaultProfile
from panels.simulated.server import RunningSimulator, running_simulator
from recognition.demo import survey_server
from recognition.settings import Settings
from recognition.store import orgs, polls, waves
from recognition.waves.fieldwork import FieldworkOptions

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


async def make_wave(pool: asyncpg.Pool, *, target: int = 40, budget: float | None = None) -> int:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-co")
        poll = await polls.find_poll(conn, org, "t") or await polls.create_poll(
            conn,
            org,
            name="t",
            category="sportswear",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=target,
            cost_per_complete=1.5,
            budget=budget,
        )
        wave, _ = await waves.create_wave(conn, poll.id, SLOT, target)
    return wave.id


@dataclass(frozen=True)
class Field:
    sim: RunningSimulator
    options: FieldworkOptions
    #: The service's settings for this field: the simulator's address and webhook secret, and the survey
    #: server's address as the public one (where respondents and webhooks go).
    settings: Settings

    def provider(self, **kwargs: Any) -> SimulatedProvider:
        return SimulatedProvider(self.sim.url, policy=FAST, **kwargs)


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
) -> AsyncIterator[Field]:
    """The simulated provider and the survey pages on loopback for the block; fieldwork options that send the
    provider's respondents to those pages."""
    async with running_simulator(
        faults, rate=rate, seed=seed, webhook_secret=webhook_secret, time_scale=TIME_SCALE
    ) as sim:
        served = dataclasses.replace(
            settings, panels_simulator_url=sim.url, panels_simulator_webhook_secret=webhook_secret
        )
        async with survey_server(pool, served, time_scale=TIME_SCALE) as survey_url:
            options = dataclasses.replace(OPTIONS, survey_base_url=survey_url, field_period=field_period)
            yield Field(sim, options, dataclasses.replace(served, server_base_url=survey_url))
