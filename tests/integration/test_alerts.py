"""Alerts end to end on a real database: a breached objective produces one signed webhook (to a local receiver)
and one e-mail (to a local SMTP server), retries with the same event id, and nothing more when the wave is
evaluated and delivered again."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiosmtpd.controller import Controller

from recognition.addresses import parse_networks
from recognition.alerts.delivery import EVENT_ID_HEADER, deliver_pending, verify_signature
from recognition.alerts.loop import evaluate_wave, sweep, wave_statuses
from recognition.figures import Figure, WeightingRow
from recognition.settings import Settings
from recognition.store import alerts as alerts_store
from recognition.store import objectives, orgs, polls, waves
from recognition.store.estimates import replace_wave_results

SECRET = "whsec_" + "k" * 26
BRANDS = [{"id": "acme", "name": "Acme"}, {"id": "rival", "name": "Rival"}]


def _row(metric: str, brand: str, est: float, half: float, **kw: Any) -> Figure:
    return Figure(
        metric=metric,
        brand=brand,
        segment="all",
        base="total",
        kind="proportion",
        estimate=est,
        se=half / 1.96,
        ci_low=est - half,
        ci_high=est + half,
        ci_method="logit",
        level=0.95,
        n=1000,
        n_eff=800.0,
        deff=1.25,
        base_status="ok",
        **kw,
    )


@dataclass
class Receiver:
    fail_first: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((dict(request.headers), body))
        if len(self.requests) <= self.fail_first:
            return web.Response(status=503)
        assert verify_signature(SECRET, request.headers, body)
        self.seen.add(request.headers[EVENT_ID_HEADER])
        return web.Response(status=204)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


async def _receiver(receiver: Receiver) -> TestServer:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
async def published(pool: asyncpg.Pool) -> AsyncIterator[dict[str, int]]:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-corp")
        poll = await polls.create_poll(
            conn,
            org,
            name="tracker",
            category="c",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=1000,
        )
        wave, _ = await waves.create_wave(conn, poll.id, datetime(2026, 3, 2, tzinfo=UTC), 1000)
        for a, b in (
            ("scheduled", "launching"),
            ("launching", "fielding"),
            ("fielding", "closing"),
            ("closing", "processing"),
            ("processing", "published"),
        ):
            assert await waves.transition(conn, wave.id, a, b)
        rows = [
            _row("aided", "acme", 0.55, 0.03),  # CI 52-58: an at_least 60% objective is breached
            _row("aided", "rival", 0.40, 0.03),
            _row("consider", "acme", 0.35, 0.03, change=0.01, p_value=0.6, q_value=0.7, significant=False),
        ]
        await replace_wave_results(
            conn, wave.id, WeightingRow("raking", True, 5, 0.0, 1000, 800.0, 1.25, 0.5, 2.0, []), [], rows
        )
        await objectives.create_objective(
            conn,
            poll.id,
            {
                "metric": "aided",
                "brand": "acme",
                "threshold": 0.6,
                "direction": "at_least",
                "label": "Aided at least 60%",
            },
        )
        await objectives.create_objective(
            conn, poll.id, {"metric": "aided", "brand": "rival", "threshold": 0.3, "direction": "at_least"}
        )
    yield {"poll": poll.id, "wave": wave.id}


def _settings(settings: Settings, smtp_port: int) -> Settings:
    """The receivers here listen on loopback, which alert webhooks may reach only when the operator allows it."""
    return replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        alerts_retry_backoff=0.01,
        alerts_max_attempts=3,
        alerts_webhook_allow=parse_networks(["127.0.0.1/32"]),
    )


async def _configure(pool: asyncpg.Pool, poll_id: int, url: str, *, digest: bool = False) -> None:
    async with pool.acquire() as conn:
        await alerts_store.put_settings(
            conn,
            alerts_store.AlertSettings(
                poll_id,
                webhook_url=url,
                webhook_secret=SECRET,
                email_to=("brand-team@example.org",),
                digest=digest,
            ),
        )


async def test_breach_sends_one_signed_webhook_and_one_email_and_no_duplicate(
    pool: asyncpg.Pool, settings: Settings, published: dict[str, int], smtp: tuple[Mailbox, int]
) -> None:
    box, port = smtp
    receiver = Receiver()
    server = await _receiver(receiver)
    try:
        await _configure(pool, published["poll"], str(server.make_url("/hook")))
        s = _settings(settings, port)
        async with pool.acquire() as conn:
            statuses = {
                st.brand: st.status for st in await wave_statuses(conn, published["poll"], published["wave"])
            }
            assert statuses == {"acme": "breached", "rival": "on_track"}
            events = await evaluate_wave(conn, published["wave"])
        assert [e.kind for e in events] == ["objective.breached"]
        assert await deliver_pending(pool, s) == (2, 0)

        assert len(receiver.requests) == 1
        headers, body = receiver.requests[0]
        assert headers[EVENT_ID_HEADER] == events[0].id
        assert verify_signature(SECRET, headers, body)
        assert not verify_signature("wrong" * 4, headers, body)
        assert not verify_signature(SECRET, headers, body + b" ")
        payload = json.loads(body)
        assert payload["type"] == "objective.breached" and payload["events"][0]["status"] == "breached"
        assert len(box.messages) == 1
        mail = message_from_bytes(box.messages[0])
        assert mail["To"] == "brand-team@example.org"
        assert mail["X-Recognition-Event-Id"] == events[0].id
        assert "breached its objective of at least 60%" in mail.get_payload()

        # Evaluating and delivering again (a restart, a second instance, the sweeper) sends nothing new.
        async with pool.acquire() as conn:
            assert await evaluate_wave(conn, published["wave"]) == []
        assert await deliver_pending(pool, s) == (0, 0)
        await sweep(pool, s)
        assert len(receiver.requests) == 1 and len(box.messages) == 1

        async with pool.acquire() as conn:
            log = await alerts_store.list_deliveries(conn, published["poll"])
        assert sorted((d["channel"], d["status"], d["attempts"]) for d in log) == [
            ("email", "delivered", 1),
            ("webhook", "delivered", 1),
        ]
    finally:
        await server.close()


async def test_failed_webhook_is_retried_with_the_same_event_id(
    pool: asyncpg.Pool, settings: Settings, published: dict[str, int], smtp: tuple[Mailbox, int]
) -> None:
    receiver = Receiver(fail_first=2)
    server = await _receiver(receiver)
    try:
        await _configure(pool, published["poll"], str(server.make_url("/hook")))
        async with pool.acquire() as conn:
            (event,) = await evaluate_wave(conn, published["wave"])
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        assert await deliver_pending(pool, _settings(settings, smtp[1]), sleep=sleep) == (2, 0)
        ids = [h[EVENT_ID_HEADER] for h, _ in receiver.requests]
        assert ids == [event.id] * 3 and receiver.seen == {event.id}
        assert waits == [0.01, 0.02]  # backoff doubles
        async with pool.acquire() as conn:
            log = {d["channel"]: d for d in await alerts_store.list_deliveries(conn, published["poll"])}
        assert [a["ok"] for a in log["webhook"]["log"]] == [False, False, True]
        assert log["webhook"]["log"][0]["status_code"] == 503
    finally:
        await server.close()


async def test_unreachable_webhook_ends_failed_after_max_attempts(
    pool: asyncpg.Pool, settings: Settings, published: dict[str, int]
) -> None:
    await _configure(pool, published["poll"], f"http://127.0.0.1:{_free_port()}/hook")
    async with pool.acquire() as conn:
        await conn.execute("UPDATE alert_settings SET email_to = '{}'")
        await evaluate_wave(conn, published["wave"])

    async def sleep(seconds: float) -> None:
        return None

    assert await deliver_pending(pool, _settings(settings, 1), sleep=sleep) == (0, 1)
    async with pool.acquire() as conn:
        (d,) = await alerts_store.list_deliveries(conn, published["poll"])
    assert d["status"] == "failed" and d["attempts"] == 3 and d["last_error"] == "could not connect"


async def test_digest_bundles_a_waves_events(
    pool: asyncpg.Pool, settings: Settings, published: dict[str, int], smtp: tuple[Mailbox, int]
) -> None:
    receiver = Receiver()
    server = await _receiver(receiver)
    try:
        await _configure(pool, published["poll"], str(server.make_url("/hook")), digest=True)
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE estimates SET change = -0.06, p_value = 0.001, q_value = 0.002, "
                "significant = true WHERE metric = 'aided' AND brand = 'acme'"
            )
            events = await evaluate_wave(conn, published["wave"])
        assert sorted(e.kind for e in events) == ["estimate.significant_drop", "objective.breached"]
        assert await deliver_pending(pool, _settings(settings, smtp[1])) == (2, 0)
        (request,) = receiver.requests
        body = json.loads(request[1])
        assert body["type"] == "digest" and len(body["events"]) == 2
        assert len(smtp[0].messages) == 1
    finally:
        await server.close()
