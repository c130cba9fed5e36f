"""A poll's budget is the most one wave may cost, and the plan, validation and the launch cost a wave alike: at
the price per complete the provider quotes (the simulated provider over HTTP here), else at the poll's own
``cost_per_complete``, saying so. The whole app on loopback; the wave is launched through the API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from panels.http import RetryPolicy
from panels.registry import ProviderConfig, ProviderRegistry
from recognition import sessions
from recognition.app import create_app
from recognition.polls.model import Poll
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import orgs, polls
from recognition.store.waves import Wave
from recognition.waves.fieldwork import run_wave
from recognition.waves.pricing import wave_price
from recognition.web.keys import FIELDWORK
from tests.integration.api_support import BRANDS, problem
from tests.integration.field_support import Field, field

# Small waves leave some segments with a single rater; the t interval then multiplies NaN (stats/_intervals.py).

TARGET = 50
OWN_PRICE = 9.0  # the poll's own cost per complete: far from any provider's, so the source shows
POLL: dict[str, Any] = {
    "name": "Budget",
    "category": "sportswear",
    "own_brand": "acme",
    "brands": BRANDS,
    "population": "us",
    "sample_size": TARGET,
    "cost_per_complete": OWN_PRICE,
}


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {check}")


@contextlib.asynccontextmanager
async def _client(pool: asyncpg.Pool, fw: Field) -> AsyncIterator[tuple[TestClient, dict[str, str]]]:
    """The app with the field's simulator as its provider; a launched wave is driven by fieldwork."""
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-corp")
        key, _ = await orgs.create_key(conn, org, "editor")
    app = create_app(fw.settings, pool=pool)
    provider = fw.provider()

    async def drive(poll: Poll, wave: Wave) -> None:
        await run_wave(pool, fw.settings, wave.id, provider, options=fw.options)

    app[FIELDWORK] = drive
    app.on_cleanup.append(lambda _app: provider.aclose())
    async with TestClient(TestServer(app)) as client:
        yield client, {"Authorization": f"Bearer {key}"}


async def _launch(client: TestClient, auth: dict[str, str], poll_id: int) -> dict[str, Any]:
    """Launch a wave now and wait until fieldwork has launched it or refused to."""
    resp = await client.post(f"/api/v1/polls/{poll_id}/waves", headers=auth)
    assert resp.status == 202, await resp.text()
    wave_id = (await resp.json())["id"]
    detail: dict[str, Any] = {}

    async def decided() -> bool:
        detail.update(await (await client.get(f"/api/v1/waves/{wave_id}", headers=auth)).json())
        return detail["wave"]["state"] not in ("scheduled", "launching")

    await _eventually(decided)
    return detail


async def test_plan_validation_and_launch_agree_on_what_a_wave_costs(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with field(pool, settings, rate=40) as fw, _client(pool, fw) as (client, auth):
        checked = await (await client.post("/api/v1/polls/validate", headers=auth, json=POLL)).json()
        quoted = checked["plan"]
        assert quoted["price_source"] == "provider" and quoted["currency"] == "USD"
        assert quoted["price_note"] is None and quoted["cost_per_complete"] != OWN_PRICE
        cost = quoted["cost_per_wave"]
        assert cost == pytest.approx(TARGET * quoted["cost_per_complete"])

        # A budget of exactly one wave passes validation and creation, and the plan costs the wave the same.
        fits = {**POLL, "budget": cost}
        checked = await (await client.post("/api/v1/polls/validate", headers=auth, json=fits)).json()
        assert checked["valid"] and checked["plan"]["within_budget"] is True
        created = await client.post("/api/v1/polls", headers=auth, json=fits)
        assert created.status == 201, await created.text()
        poll_id = (await created.json())["id"]
        plan = await (await client.get(f"/api/v1/polls/{poll_id}/plan", headers=auth)).json()
        assert (plan["cost_per_complete"], plan["cost_per_wave"], plan["price_source"]) == (
            quoted["cost_per_complete"],
            cost,
            "provider",
        )

        # The launch buys it, at the price the provider bills: the one the plan showed.
        detail = await _launch(client, auth, poll_id)
        wave_id = detail["wave"]["id"]
        assert detail["wave"]["state"] in ("fielding", "closing", "processing", "published"), detail["wave"]
        book = fw.sim.project_for(sessions.project_reference(fw.settings.survey_secret, wave_id))
        assert book is not None and book.price == quoted["cost_per_complete"]
        assert detail["fieldwork"]["price"] == quoted["cost_per_complete"]
        assert detail["fieldwork"]["currency"] == "USD"
        await client.post(f"/api/v1/waves/{wave_id}/cancel", headers=auth)

        async def settled() -> bool:
            async with pool.acquire() as conn:
                books = await fw_store.get_fieldwork(conn, wave_id)
            return books is not None and books.settled_at is not None

        await _eventually(settled)


async def test_a_wave_over_the_budget_is_flagged_by_validation_and_cancelled_at_launch(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with field(pool, settings, rate=40) as fw, _client(pool, fw) as (client, auth):
        quoted = (await (await client.post("/api/v1/polls/validate", headers=auth, json=POLL)).json())["plan"]
        price = quoted["cost_per_complete"]
        short = {**POLL, "budget": round(TARGET * price - 0.01, 2)}  # a cent short of one wave
        # an invalid definition: the 422 problem a create answers, with the plan beside the errors
        checked = await problem(await client.post("/api/v1/polls/validate", headers=auth, json=short), 422)
        assert checked["plan"]["within_budget"] is False
        (error,) = checked["errors"]
        expected = (
            f"one wave of {TARGET} completes at {price:.2f} USD a complete costs {TARGET * price:.2f} USD, "
            f"above the budget of {short['budget']:.2f} USD a wave"
        )
        assert error == {"field": "budget", "message": expected}
        body = await problem(await client.post("/api/v1/polls", headers=auth, json=short), 422)
        assert body["errors"] == [error]

        # Stored anyway (as if the provider's price rose after the poll was saved): the launch cancels the wave
        # with the same words, before anything is bought.
        async with pool.acquire() as conn:
            org = await orgs.ensure_organisation(conn, "acme-corp")
            poll = await polls.create_poll(conn, org, **short)
        detail = await _launch(client, auth, poll.id)
    assert detail["wave"]["state"] == "cancelled"
    assert detail["wave"]["state_reason"] == f"budget: {expected}"
    assert fw.sim.state.projects == {}


async def test_without_a_quote_the_polls_own_price_is_used_and_the_plan_says_so(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with field(pool, settings) as fw, _client(pool, fw) as (client, auth):
        # No Prolific credentials, for the organisation or the instance.
        body = {**POLL, "provider": "prolific", "budget": TARGET * OWN_PRICE - 1}
        checked = await (await client.post("/api/v1/polls/validate", headers=auth, json=body)).json()
    plan = checked["plan"]
    assert (plan["price_source"], plan["cost_per_complete"], plan["currency"]) == ("poll", OWN_PRICE, None)
    assert "'prolific' has no credentials" in plan["price_note"]
    assert plan["cost_per_wave"] == TARGET * OWN_PRICE and plan["within_budget"] is False
    assert [e["field"] for e in checked["errors"]] == ["budget"]


async def test_a_provider_that_cannot_be_reached_or_does_not_answer_leaves_the_polls_own_price() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts the connection and never answers
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    closed = await asyncio.start_server(silent, "127.0.0.1", 0)
    closed_port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    once = RetryPolicy(attempts=1, backoff=0.001, max_backoff=0.001)
    try:
        for url, why in (
            (f"http://127.0.0.1:{port}", "did not quote within 0.2 s"),
            (f"http://127.0.0.1:{closed_port}", "could not quote"),
        ):
            registry = ProviderRegistry(ProviderConfig(simulator_url=url, policy=once))
            try:
                price = await wave_price(registry, {**POLL, "provider": "simulated"}, None, timeout=0.2)
            finally:
                await registry.aclose()
            assert (price.source, price.per_complete, price.currency) == ("poll", OWN_PRICE, None)
            assert price.note is not None and why in price.note
    finally:
        server.close()
        await server.wait_closed()
