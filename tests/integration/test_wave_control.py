"""Launch now, pause, resume and cancel through the API reach the provider's project: the whole app on loopback,
the simulated provider over HTTP and its respondents taking the hosted survey."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.polls.model import Poll
from recognition.settings import Settings
from recognition.store import fieldwork as fw_store
from recognition.store import orgs, polls, responses
from recognition.store.waves import Wave
from recognition.waves.fieldwork import run_wave
from recognition.web.keys import FIELDWORK
from tests.integration.api_support import BRANDS, problem
from tests.integration.field_support import Field, field
from tests.integration.test_fieldwork import book_of


async def _eventually(check: Callable[[], Awaitable[bool] | bool], seconds: float = 20.0) -> None:
    """Wait until ``check()`` holds (bounded); fail with what it was waiting for otherwise."""
    for _ in range(int(seconds / 0.05)):
        result = check()
        if await result if isinstance(result, Awaitable) else result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {check}")


async def _setup(pool: asyncpg.Pool, sample_size: int) -> tuple[int, str]:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-corp")
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
        )
        key, _ = await orgs.create_key(conn, org, "editor")
    return poll.id, key


def _app(pool: asyncpg.Pool, fw: Field) -> Any:
    app = create_app(fw.settings, pool=pool)
    provider = fw.provider()

    async def drive(poll: Poll, wave: Wave) -> None:
        await run_wave(pool, fw.settings, wave.id, provider, options=fw.options)

    app[FIELDWORK] = drive
    app.on_cleanup.append(lambda _app: provider.aclose())
    return app


async def test_launch_now_is_idempotent_and_one_wave_flies_unless_asked(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    poll_id, key = await _setup(pool, 5000)
    async with field(pool, settings, rate=20) as fw, TestClient(TestServer(_app(pool, fw))) as client:
        auth = {"Authorization": f"Bearer {key}"}
        url = f"/api/v1/polls/{poll_id}/waves"
        first, again = await asyncio.gather(
            client.post(url, headers={**auth, "Idempotency-Key": "monday"}),
            client.post(url, headers={**auth, "Idempotency-Key": "monday"}),
        )
        statuses = sorted([first.status, again.status])
        ids = {(await first.json())["id"], (await again.json())["id"]}
        assert statuses == [200, 202] and len(ids) == 1, (statuses, ids)
        (wave_id,) = ids
        later = await client.post(url, headers={**auth, "Idempotency-Key": "monday"})
        assert later.status == 200 and (await later.json())["id"] == wave_id
        body = await problem(await client.post(url, headers=auth), 409)
        assert f"wave {wave_id} in flight" in body["detail"] and "concurrent=true" in body["detail"]
        await problem(await client.post(url, headers={**auth, "Idempotency-Key": ""}), 400)
        second = await client.post(f"{url}?concurrent=true", headers=auth)
        assert second.status == 202 and (await second.json())["id"] != wave_id
        for wave in (wave_id, (await second.json())["id"]):
            assert (await client.post(f"/api/v1/waves/{wave}/cancel", headers=auth)).status == 200
    async with pool.acquire() as conn:
        assert len(await conn.fetch("SELECT id FROM waves WHERE poll_id = $1", poll_id)) == 2


async def test_pause_resume_and_cancel_reach_the_providers_project(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    poll_id, key = await _setup(pool, 5000)
    async with field(pool, settings, rate=20) as fw, TestClient(TestServer(_app(pool, fw))) as client:
        auth = {"Authorization": f"Bearer {key}"}
        wave_id = (await (await client.post(f"/api/v1/polls/{poll_id}/waves", headers=auth)).json())["id"]

        async def state() -> str:
            return str(
                (await (await client.get(f"/api/v1/waves/{wave_id}", headers=auth)).json())["wave"]["state"]
            )

        async def fielding() -> bool:
            return await state() == "fielding"

        await _eventually(fielding)
        book = book_of(fw.sim, fw.settings, wave_id)
        assert book is not None
        assert (await client.post(f"/api/v1/waves/{wave_id}/pause", headers=auth)).status == 202
        await _eventually(lambda: book.status == "paused")
        detail = await (await client.get(f"/api/v1/waves/{wave_id}", headers=auth)).json()
        assert (
            detail["fieldwork"]["pause_requested"] is True and detail["fieldwork"]["provider"] == "simulated"
        )
        assert (await client.post(f"/api/v1/waves/{wave_id}/resume", headers=auth)).status == 202
        await _eventually(lambda: book.status == "live")
        await _eventually(lambda: len(book.completed) >= 5)

        cancelled = await client.post(f"/api/v1/waves/{wave_id}/cancel", headers=auth)
        assert cancelled.status == 200 and (await cancelled.json())["state"] == "cancelled"
        await _eventually(lambda: book.status == "closed", seconds=10)

        async def settled() -> bool:
            async with pool.acquire() as conn:
                fieldwork = await fw_store.get_fieldwork(conn, wave_id)
            return fieldwork is not None and fieldwork.settled_at is not None

        await _eventually(settled)
        arrivals, completes = book.arrivals, len(book.completed)
        await asyncio.sleep(1.0)  # the books stop growing: nobody else is sent, nothing else is bought
        assert (book.arrivals, len(book.completed)) == (arrivals, completes)
        await problem(await client.post(f"/api/v1/waves/{wave_id}/pause", headers=auth), 409)
        detail = await (await client.get(f"/api/v1/waves/{wave_id}", headers=auth)).json()
    async with pool.acquire() as conn:
        counts = await responses.count_by_status(conn, wave_id)
    valid = counts.get("complete", 0)
    assert valid > 0 and len(book.approved) == valid  # what was bought is paid for, once
    assert detail["fieldwork"]["cost"] == round(valid * detail["fieldwork"]["price"], 2)
