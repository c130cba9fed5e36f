"""Shared set-up for the API tests: an organisation with a key per role, a published wave from the simulated
panel, an objective, and a second organisation whose admin key must never see any of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from panels.simulated.inprocess import InProcessPanel
from recognition.app import create_app
from recognition.polls.model import Poll
from recognition.settings import Settings
from recognition.store import objectives, orgs, polls, responses, waves
from recognition.store.waves import Wave
from recognition.waves.processing import process_wave
from recognition.web.keys import FIELDWORK

BRANDS = [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}, {"id": "velo", "name": "Velo"}]
SLOT = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    org_id: int
    poll_id: int
    wave_id: int
    objective_id: int
    keys: dict[str, str]  # role → key of the organisation
    foreign: str  # an admin key of another organisation
    foreign_poll_id: int
    spare_prefix: str  # the prefix of an extra reader key (for revocation)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


async def make_world(pool: asyncpg.Pool, settings: Settings, *, sample_size: int = 200) -> World:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-corp")
        other = await orgs.ensure_organisation(conn, "other-corp")
        poll = await polls.create_poll(
            conn,
            org,
            name="Tracker",
            category="sportswear",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=sample_size,
            cost_per_complete=2.0,
            budget=10_000.0,
            schedule={"kind": "cron", "cron": "0 7 * * 1", "timezone": "UTC"},
        )
        foreign_poll = await polls.create_poll(
            conn,
            other,
            name="Theirs",
            category="c",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=100,
        )
        wave, _ = await waves.create_wave(conn, poll.id, SLOT, sample_size)
        keys = {role: (await orgs.create_key(conn, org, role))[0] for role in orgs.ROLES}
        foreign, _ = await orgs.create_key(conn, other, "admin")
        spare, _ = await orgs.create_key(conn, org, "reader", label="spare")
        objective = await objectives.create_objective(
            conn, poll.id, {"metric": "aided", "brand": "acme", "threshold": 0.4, "direction": "at_least"}
        )
    await publish_simulated_wave(pool, settings, poll, wave.id, sample_size)
    return World(
        org, poll.id, wave.id, objective.id, keys, foreign, foreign_poll.id, "_".join(spare.split("_")[:2])
    )


async def problem(resp: Any, status: int) -> dict[str, Any]:
    """Assert ``resp`` is an RFC 9457 problem with ``status``; return its body."""
    text = await resp.text()
    assert resp.status == status, (resp.status, text)
    assert resp.content_type == "application/problem+json", resp.content_type
    body: dict[str, Any] = await resp.json(content_type=None)
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    return body


async def publish_simulated_wave(
    pool: asyncpg.Pool, settings: Settings, poll: Poll, wave_id: int, n: int
) -> None:
    """Store ``n`` simulated completes for the wave, weight and estimate it, and publish it."""
    panel = InProcessPanel(poll, SLOT)
    async with pool.acquire() as conn:
        wave = await waves.get_wave(conn, wave_id)
        assert wave is not None
        for a, b in (("scheduled", "launching"), ("launching", "fielding")):
            assert await waves.transition(conn, wave_id, a, b)
        for person in await panel.respondents(wave, n):
            key = responses.respondent_key(settings.survey_secret, "simulated", person.provider_id)
            await responses.record_complete(conn, wave_id, key, person.demographics, person.answers)
        for a, b in (("fielding", "closing"), ("closing", "processing")):
            assert await waves.transition(conn, wave_id, a, b)
    await process_wave(pool, wave_id, poll, settings)
    async with pool.acquire() as conn:
        assert await waves.transition(conn, wave_id, "processing", "published")


@asynccontextmanager
async def api_client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[tuple[TestClient, list[int]]]:
    """A test client of the whole app; launched waves are recorded in the list instead of fielded."""
    app = create_app(settings, pool=pool)
    launched: list[int] = []

    async def record(poll: Poll, wave: Wave) -> None:
        launched.append(wave.id)

    app[FIELDWORK] = record
    async with TestClient(TestServer(app)) as client:
        yield client, launched
