"""Entry links: signature, tampering, expiry, closed waves, replay and double completion."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from panels.base import Arrival
from panels.links import check_entry, sign_entry
from recognition import sessions
from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import responses, waves
from recognition.store import survey as store
from recognition.waves.quality import QualityRules
from recognition.web.keys import QUALITY_RULES
from tests.integration.survey_world import PANEL, SECRET, World, access, entry, exit_parts, make_world, walk


@pytest.fixture
async def client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    app = create_app(dataclasses.replace(settings, panels_simulator_url=PANEL), pool=pool)
    app[QUALITY_RULES] = QualityRules(speeder_floor_seconds=0.0)
    async with TestClient(TestServer(app)) as c:
        yield c


@pytest.fixture
async def world(pool: asyncpg.Pool) -> World:
    async with pool.acquire() as conn:
        return await make_world(conn)


async def _refusals(pool: asyncpg.Pool) -> list[tuple[str, bytes | None]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT reason, respondent_key FROM survey_refusals ORDER BY id")
    return [(r["reason"], r["respondent_key"]) for r in rows]


def _reason(wave: int, query: dict[str, str], now: float) -> str:
    try:
        check_entry(SECRET, wave, query, now)
    except ValueError as exc:
        return str(exc.args[0])
    return "ok"


def test_signature_is_hmac_sha256_of_wave_pid_and_expiry() -> None:
    expected = hmac.new(SECRET.encode(), b"7\nABC\n1700000000", hashlib.sha256).hexdigest()
    assert sign_entry(SECRET, 7, "ABC", 1700000000) == expected
    assert sign_entry(SECRET, 7, "ABC") == hmac.new(SECRET.encode(), b"7\nABC\n", hashlib.sha256).hexdigest()
    signed = {"pid": "ABC", "exp": "1700000000", "sig": expected}
    assert _reason(7, signed, 1.0) == "ok"
    assert _reason(7, signed, 1700000001.0) == "expired"
    assert _reason(8, signed, 1.0) == "bad_signature"
    assert _reason(7, {**signed, "pid": "ABD"}, 1.0) == "bad_signature"
    assert _reason(7, {"pid": "ABC", "sig": expected}, 1.0) == "bad_signature"
    assert _reason(7, {"pid": "A B", "sig": expected}, 1.0) == "bad_id"
    assert _reason(7, {"pid": "ABC"}, 1.0) == "unsigned"
    token = sessions.new_token()
    arrival = Arrival("PANEL-ü-1", {"session": "s1"})
    assert sessions.unseal(token, sessions.seal(token, arrival)) == arrival
    assert sessions.seal(token, arrival) != sessions.seal(sessions.new_token(), arrival)


@pytest.mark.parametrize(
    ("query", "status", "reason", "text"),
    [
        ({"pid": "P1"}, 403, "unsigned", "not valid"),
        ({"pid": "P1", "sig": "00" * 32}, 403, "bad_signature", "not valid"),
        (
            {"pid": "P2", "sig": "{sig_no_exp}"},
            403,
            "bad_signature",
            "not valid",
        ),  # signed for P1, sent as P2
        (
            {"pid": "P1", "exp": "9999999999", "sig": "{sig_no_exp}"},
            403,
            "bad_signature",
            "not valid",
        ),  # exp added
        ({"pid": "P1", "exp": "1000", "sig": "{sig_old}"}, 410, "expired", "expired"),
        ({"sig": "ab"}, 403, "bad_id", "not valid"),
        ({"pid": "x" * 200, "sig": "ab"}, 403, "bad_id", "not valid"),
    ],
)
async def test_bad_entries_get_a_clear_page_and_are_recorded_as_refused(
    client: TestClient,
    world: World,
    pool: asyncpg.Pool,
    settings: Settings,
    query: dict[str, str],
    status: int,
    reason: str,
    text: str,
) -> None:
    fills = {
        "{sig_no_exp}": sign_entry(SECRET, world.wave_id, "P1"),
        "{sig_old}": sign_entry(SECRET, world.wave_id, "P1", 1000),
    }
    query = {k: fills.get(v, v) for k, v in query.items()}
    resp = await client.get(f"/survey/{world.wave_id}/start?{urlencode(query)}", allow_redirects=False)
    assert resp.status == status
    assert resp.content_type == "text/html" and text in (await resp.text())
    assert "set-cookie" not in {k.lower() for k in resp.headers}
    recorded = await _refusals(pool)
    assert [r for r, _ in recorded] == [reason]
    pid = query.get("pid")
    if reason == "bad_id":
        assert recorded[0][1] is None
    else:
        assert recorded[0][1] == responses.respondent_key(settings.survey_secret, "simulated", str(pid))
    async with pool.acquire() as conn:
        statuses = [r["status"] for r in await conn.fetch("SELECT status FROM respondents")]
    # only a genuinely signed (but expired) link is the respondent's own: it is kept as 'refused'
    assert statuses == (["refused"] if reason == "expired" else [])


async def test_wave_level_expiry_and_closed_waves_refuse(
    client: TestClient, world: World, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        await store.set_access(conn, access(world.wave_id, datetime.now(UTC) - timedelta(minutes=1)))
    resp = await client.get(entry(world.wave_id, "P-late"), allow_redirects=False)
    assert resp.status == 410 and "expired" in await resp.text()
    async with pool.acquire() as conn:
        await store.set_access(conn, access(world.wave_id, datetime.now(UTC) + timedelta(days=1)))
        assert await waves.transition(conn, world.wave_id, "fielding", "closing")
    # once fieldwork has ended, a newcomer is sent back to the panel through the over-quota exit (booked there)
    resp = await client.get(entry(world.wave_id, "P-closed", int(time.time()) + 60), allow_redirects=False)
    assert resp.status == 303 and exit_parts(resp.headers["Location"])[0] == "over_quota"
    resp = await client.get(entry(world.wave_id, "P-closed", int(time.time()) + 60), allow_redirects=False)
    assert resp.status == 403 and "closed" in await resp.text()  # the same person again: not a newcomer
    assert [r for r, _ in await _refusals(pool)] == ["expired", "closed"]


async def test_unknown_wave_is_refused(client: TestClient, pool: asyncpg.Pool) -> None:
    resp = await client.get("/survey/999999/start?pid=P&sig=ab", allow_redirects=False)
    assert resp.status == 404 and "not valid" in await resp.text()
    assert [r for r, _ in await _refusals(pool)] == ["unknown_wave"]


async def test_replayed_link_after_completion_is_refused_and_counted_once(
    client: TestClient, world: World, pool: asyncpg.Pool, settings: Settings
) -> None:
    first = await walk(client, entry(world.wave_id, "P-once"))
    assert first.exit_url is not None and exit_parts(first.exit_url)[0] == "complete"
    client.session.cookie_jar.clear()
    for _ in range(2):
        resp = await client.get(entry(world.wave_id, "P-once"), allow_redirects=False)
        assert resp.status == 409 and "already taken part" in await resp.text()
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT status FROM respondents WHERE wave_id = $1", world.wave_id)
    assert [r["status"] for r in rows] == ["complete"]


async def test_double_submission_of_the_last_page_completes_once(
    client: TestClient, world: World, pool: asyncpg.Pool
) -> None:
    visit = await walk(client, entry(world.wave_id, "P-double"), stop_after="comment")
    assert visit.pages[-1] == "comment"
    import asyncio

    data = {"screen": "attention_check", "attention_check": "disagree"}
    results = await asyncio.gather(
        *(client.post(f"/survey/{world.wave_id}", data=data, allow_redirects=False) for _ in range(3))
    )
    statuses = sorted(r.status for r in results)
    exits = [r for r in results if r.status == 303]
    assert len(exits) == 1 and "outcome=complete" in exits[0].headers["Location"], statuses
    for r in results:
        if r.status != 303:
            assert "already" in await r.text()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM respondents WHERE status = 'complete'") == 1


async def test_a_launching_wave_takes_respondents_and_a_scheduled_one_does_not(
    client: TestClient, world: World, pool: asyncpg.Pool
) -> None:
    """The provider's project goes live during launching, and the provider may send people before fieldwork
    hears back from the launch: they take the survey and complete. Before launching the survey is closed."""
    async with pool.acquire() as conn:
        soon, _ = await waves.create_wave(conn, world.poll_id, datetime(2026, 1, 12, tzinfo=UTC), 100)
        early, _ = await waves.create_wave(conn, world.poll_id, datetime(2026, 1, 19, tzinfo=UTC), 100)
        assert await waves.transition(conn, soon.id, "scheduled", "launching")
        for wave_id in (soon.id, early.id):
            await store.set_access(conn, access(wave_id))
    visit = await walk(client, entry(soon.id, "P-early-bird"))
    assert visit.exit_url is not None and exit_parts(visit.exit_url)[0] == "complete"
    resp = await client.get(entry(early.id, "P-too-early"), allow_redirects=False)
    assert resp.status == 403 and "closed" in await resp.text()
    assert [r for r, _ in await _refusals(pool)] == ["closed"]
