"""Attack suite, alerts: a webhook URL cannot make the service reach internal addresses (not when saved, not when
sent, not through a redirect, not through DNS), the delivery log says nothing about the network, and an e-mail
address cannot smuggle a header into a message."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from recognition.addresses import parse_networks
from recognition.alerts.delivery import deliver_pending, email_message
from recognition.alerts.targets import GuardedResolver, RefusedAddress
from recognition.settings import Settings
from recognition.store import alerts as alerts_store
from recognition.store import waves
from tests.integration.security_support import app_client, census, small_world
from tests.integration.test_alerts import Mailbox, smtp  # noqa: F401 - the SMTP server fixture

SECRET = "whsec_" + "k" * 26
LOOPBACK = parse_networks(["127.0.0.1/32"])


@dataclass
class Listener:
    """A local HTTP receiver: what reached it, and the status it answers (a redirect to ``/inner`` if asked)."""

    status: int = 204
    hits: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        if request.path == "/hook" and 300 <= self.status < 400:
            return web.Response(status=self.status, headers={"Location": "/inner"})
        return web.Response(status=self.status if request.path == "/hook" else 200)


async def _listen(listener: Listener) -> TestServer:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", listener.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


def _fast(settings: Settings, **changes: object) -> Settings:
    return replace(settings, alerts_retry_backoff=0.0, alerts_max_attempts=3, **changes)  # type: ignore[arg-type]


async def _queue(pool: asyncpg.Pool, poll_id: int, channel: str, target: str) -> None:
    """A message waiting for ``target``, as the alert loop queues it (the URL saved before DNS changed)."""
    async with pool.acquire() as conn:
        wave, _ = await waves.create_wave(conn, poll_id, datetime(2026, 3, 2, tzinfo=UTC), 100)
        if channel == "webhook":
            await alerts_store.put_settings(conn, alerts_store.AlertSettings(poll_id, target, SECRET))
        await alerts_store.enqueue(
            conn,
            message_id="evt_1",
            poll_id=poll_id,
            wave_id=wave.id,
            channel=channel,
            target=target,
            body={"id": "evt_1", "type": "objective.breached", "poll_name": "Tracker\r\nBcc: x@example.org"},
        )


async def _log(pool: asyncpg.Pool, poll_id: int) -> dict[str, object]:
    async with pool.acquire() as conn:
        (delivery,) = await alerts_store.list_deliveries(conn, poll_id)
    return delivery


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.0.0.1:5432/",
        "http://localhost:6379/",  # a name that resolves to loopback
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 as one number, which the resolver accepts
        "http://10.0.0.1/",
        "http://user:secret@hooks.example.org/x",
    ],
)
async def test_internal_webhook_urls_are_refused_when_saved(
    settings: Settings, pool: asyncpg.Pool, url: str
) -> None:
    world = await small_world(pool)
    before = await census(pool)
    async with app_client(settings, pool) as client:
        path = f"/api/v1/polls/{world.poll_id}/alerts"
        resp = await client.put(
            path, json={"webhook_url": url, "webhook_secret": SECRET}, headers=world.auth()
        )
        assert resp.status == 422, await resp.text()
        (error,) = (await resp.json())["errors"]
        assert error["field"] == "webhook_url"
        shown = await (await client.get(path, headers=world.auth("viewer"))).json()
        assert shown["webhook_url"] == ""
    assert await census(pool) == before


async def test_an_allow_listed_on_premise_receiver_may_be_saved(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world = await small_world(pool)
    allowed = replace(settings, alerts_webhook_allow=parse_networks(["10.20.0.0/16", "127.0.0.1"]))
    async with app_client(allowed, pool) as client:
        path = f"/api/v1/polls/{world.poll_id}/alerts"
        for url, status in (
            ("http://10.20.1.2/hook", 200),
            ("http://127.0.0.1:9/x", 200),
            ("http://10.0.0.1/", 422),
        ):
            resp = await client.put(
                path, json={"webhook_url": url, "webhook_secret": SECRET}, headers=world.auth()
            )
            assert resp.status == status, (url, await resp.text())


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_stored_internal_url_is_refused_when_sent_without_a_connection(
    settings: Settings, pool: asyncpg.Pool, host: str
) -> None:
    world = await small_world(pool)
    listener = Listener()
    server = await _listen(listener)
    try:
        await _queue(pool, world.poll_id, "webhook", f"http://{host}:{server.port}/hook")
        assert await deliver_pending(pool, _fast(settings)) == (0, 1)
    finally:
        await server.close()
    assert listener.hits == []  # never reached
    delivery = await _log(pool, world.poll_id)
    assert delivery["status"] == "failed" and delivery["attempts"] == 1  # refused at once, not retried
    assert delivery["last_error"] == "not an allowed address for alert webhooks"


async def test_redirects_are_not_followed(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await small_world(pool)
    listener = Listener(status=307)
    server = await _listen(listener)
    try:
        await _queue(pool, world.poll_id, "webhook", f"http://127.0.0.1:{server.port}/hook")
        assert await deliver_pending(pool, _fast(settings, alerts_webhook_allow=LOOPBACK)) == (0, 1)
    finally:
        await server.close()
    assert listener.hits == ["/hook"] * 3  # the redirect target was never asked
    delivery = await _log(pool, world.poll_id)
    assert delivery["last_error"] == "HTTP 307: redirects are not followed"


async def test_the_delivery_log_tells_nothing_about_the_network(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world = await small_world(pool)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: a refused connection
    await _queue(pool, world.poll_id, "webhook", f"http://127.0.0.1:{port}/hook")
    assert await deliver_pending(pool, _fast(settings, alerts_webhook_allow=LOOPBACK)) == (0, 1)
    async with app_client(settings, pool) as client:
        resp = await client.get(
            f"/api/v1/polls/{world.poll_id}/alerts/deliveries", headers=world.auth("viewer")
        )
        (delivery,) = (await resp.json())["deliveries"]
    errors = {delivery["last_error"], *(a["error"] for a in delivery["log"])}
    assert errors == {"could not connect"}  # no exception text, no "Connection refused", no address


async def test_the_resolver_connects_only_to_checked_addresses() -> None:
    with pytest.raises(RefusedAddress):
        await GuardedResolver().resolve("localhost", 80, socket.AF_UNSPEC)
    found = await GuardedResolver(LOOPBACK).resolve("localhost", 80, socket.AF_UNSPEC)
    assert found and {r["host"] for r in found} == {"127.0.0.1"}  # ::1 dropped: not allow-listed


async def test_email_addresses_with_line_breaks_are_refused(
    settings: Settings,
    pool: asyncpg.Pool,
    smtp: tuple[Mailbox, int],  # noqa: F811 - the fixture
) -> None:
    world = await small_world(pool)
    before = await census(pool)
    injected = "team@example.org\r\nBcc: everyone@example.org"
    async with app_client(settings, pool) as client:
        resp = await client.put(
            f"/api/v1/polls/{world.poll_id}/alerts",
            json={"email_to": ["ok@example.org", injected]},
            headers=world.auth(),
        )
        assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "email_to[1]"
    assert await census(pool) == before
    # Stored before this check existed: sending refuses it at once and nothing reaches the SMTP server.
    box, port = smtp
    await _queue(pool, world.poll_id, "email", injected)
    assert await deliver_pending(pool, _fast(settings, smtp_host="127.0.0.1", smtp_port=port)) == (0, 1)
    assert box.messages == []
    assert (await _log(pool, world.poll_id))["attempts"] == 1


def test_a_poll_name_with_line_breaks_stays_in_the_subject(settings: Settings) -> None:
    body: dict[str, object] = {"poll_name": "Tracker\r\nBcc: everyone@example.org", "events": [{"text": "x"}]}
    msg = message_from_bytes(email_message(settings, "team@example.org", "evt_1", body).as_bytes())
    assert msg["Bcc"] is None and msg["To"] == "team@example.org"
    assert "\n" not in msg["Subject"] and "Tracker  Bcc" in msg["Subject"]
