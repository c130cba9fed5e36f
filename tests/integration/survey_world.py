"""Shared set-up for the survey tests: a poll with a fielding wave reached through the simulated provider's
signed links, and a respondent walking the pages over HTTP (redirects inside the service followed by hand, the
exit redirect returned). The provider's address is ``PANEL``: admitting and exits need no call to it."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from panels.links import entry_query
from panels.simulated.taker import Persona, fill, parse_form, parse_form_html
from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import orgs, polls, waves
from recognition.store import survey as store
from recognition.store.survey import SurveyAccess
from recognition.waves.quality import QualityRules
from recognition.web.keys import QUALITY_RULES

BRANDS = [
    {"id": "acme", "name": "Acme", "aliases": ["acme sports"]},
    {"id": "stride", "name": "Stride"},
    {"id": "northpeak", "name": "North Peak", "aliases": ["northpeak"]},
    {"id": "velo", "name": "Velo"},
]
SECRET = "w" * 40
PANEL = "https://panel.example"
PROJECT = "sim-test"
DEFAULT = Persona()


@dataclass(frozen=True)
class World:
    poll_id: int
    wave_id: int


async def make_world(
    conn: asyncpg.Connection,
    *,
    target_n: int = 100,
    slot_day: int = 5,
    entry_points: list[dict[str, Any]] | None = None,
    service_features: list[dict[str, Any]] | None = None,
) -> World:
    """A fielding wave of the poll "tracker" (with ``entry_points``: of "tracker with entry points"; with
    ``service_features``: of "tracker with service features")."""
    org = await orgs.ensure_organisation(conn, "survey-org")
    name = "tracker" if entry_points is None else "tracker with entry points"
    name = name if service_features is None else "tracker with service features"
    poll = await polls.find_poll(conn, org, name)
    if poll is None:
        poll = await polls.create_poll(
            conn,
            org,
            name=name,
            category="running shoes",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=target_n,
            entry_points=entry_points,
            service_features=service_features,
        )
    wave, _ = await waves.create_wave(conn, poll.id, datetime(2026, 1, slot_day, tzinfo=UTC), target_n)
    for a, b in (("scheduled", "launching"), ("launching", "fielding")):
        assert await waves.transition(conn, wave.id, a, b)
    await store.set_access(conn, access(wave.id))
    return World(poll.id, wave.id)


def access(wave_id: int, expires_at: datetime | None = None) -> SurveyAccess:
    """The wave's survey access through the simulated provider at ``PANEL``."""
    return SurveyAccess(wave_id, "simulated", PROJECT, f"ref-{wave_id}", SECRET, expires_at)


def exit_parts(url: str) -> tuple[str, str, str]:
    """(outcome, pid, sig) of the simulated provider's return link."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PANEL and parts.path == f"/return/{PROJECT}", url
    query = parse_qs(parts.query)
    return query["outcome"][0], query["pid"][0], query["sig"][0]


def entry(wave_id: int, pid: str, expires: int | None = None) -> str:
    return f"/survey/{wave_id}/start?{entry_query(SECRET, wave_id, pid, expires)}"


@dataclass
class Visit:
    exit_url: str | None  # where the respondent was finally sent (the provider's exit), None if not reached
    pages: list[str]  # screen ids answered, in order
    last_status: int
    last_body: str


async def walk(
    client: TestClient,
    start: str,
    *,
    persona: Persona = DEFAULT,
    seed: int = 1,
    max_pages: int = 40,
    stop_after: str | None = None,
) -> Visit:
    """Follow the survey from ``start`` (an entry link or the page URL), answering every page (an answered
    screen replies with the next one; redirects are followed by hand)."""
    rng = random.Random(seed)
    url = start
    seen: list[str] = []
    page: tuple[int, str] | None = None  # status and body of a page in hand (a POST's answer)
    for _ in range(max_pages):
        if page is None:
            resp = await client.get(url, allow_redirects=False)
            if resp.status == 303:
                location = resp.headers["Location"]
                if urlsplit(location).netloc:
                    return Visit(location, seen, 303, "")
                url = location
                continue
            page = resp.status, await resp.text()
        status, body = page
        page = None
        form = parse_form(body)
        assert form == parse_form_html(body), "the lean page reader and the HTML parser disagree"
        if status != 200 or form is None:
            return Visit(None, seen, status, body)
        fields = fill(form, rng, persona)
        screen = dict(form.hidden).get("screen")
        if screen is not None and stop_after is not None and seen and seen[-1] == stop_after:
            return Visit(None, seen, status, body)
        if screen is not None:
            seen.append(screen)
        resp = await client.post(form.action, data=fields, allow_redirects=False)
        if resp.status == 200:
            page = resp.status, await resp.text()
            continue
        if resp.status != 303:
            return Visit(None, seen, resp.status, await resp.text())
        location = resp.headers["Location"]
        if urlsplit(location).netloc:
            return Visit(location, seen, 303, "")
        url = location
    raise AssertionError(f"the survey did not end within {max_pages} pages: {seen}")


LENIENT = QualityRules(speeder_floor_seconds=0.0)


@pytest.fixture
async def make_client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[Callable[..., Any]]:
    """A factory of test clients on the service, each with the given quality rules; all closed afterwards."""
    clients: list[TestClient] = []

    async def factory(rules: QualityRules = LENIENT) -> TestClient:
        app = create_app(dataclasses.replace(settings, panels_simulator_url=PANEL), pool=pool)
        app[QUALITY_RULES] = rules
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield factory
    for c in clients:
        await c.close()


@pytest.fixture
async def world(pool: asyncpg.Pool) -> World:
    async with pool.acquire() as conn:
        return await make_world(conn)
