"""Attack suite, authentication: guessing API keys or webhook signatures is held to a few tries a minute per
client, a signed webhook must be fresh, and /metrics shows no organisation's data (and can ask for a token)."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import asyncpg

from panels.simulated.webhooks import SIGNATURE_HEADER, sign
from recognition.settings import Settings
from recognition.web.keys import AUTH_THROTTLE
from tests.integration import survey_world
from tests.integration.api_support import problem
from tests.integration.dashboard_support import sign_in
from tests.integration.links import make_link
from tests.integration.security_support import app_client, census, client_of, proxied, small_world
from tests.integration.test_security_input import SIM_SECRET, _prolific, _with_providers


async def test_unknown_api_keys_are_throttled_per_client(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await small_world(pool)
    async with app_client(proxied(settings, server_auth_failures=3), pool) as client:
        guesser, other = client_of("203.0.113.7"), client_of("198.51.100.8")
        for attempt in range(3):
            guess = {"Authorization": f"Bearer rk_live_guess{attempt}", **guesser}
            await problem(await client.get("/api/v1/polls", headers=guess), 401)
        # Held now: even the right key is answered 429 before it is looked up.
        resp = await client.get("/api/v1/polls", headers={**world.auth(), **guesser})
        body = await problem(resp, 429)
        assert int(resp.headers["Retry-After"]) >= 1 and "unknown API keys" in body["detail"]
        # Another client is not held, and asking without a key is not a failed guess.
        assert (await client.get("/api/v1/polls", headers={**world.auth(), **other})).status == 200
        for _ in range(5):
            await problem(await client.get("/api/v1/polls", headers=other), 401)
        assert (await client.get("/api/v1/polls", headers={**world.auth(), **other})).status == 200
        # Keys no key could be (too long, control characters) fail without a look-up, and count too.
        odd = client_of("192.0.2.1")
        for token in ("x" * 5000, "rk\u00a0key"):
            await problem(
                await client.get("/api/v1/polls", headers={"Authorization": f"Bearer {token}", **odd}), 401
            )
        assert client.app[AUTH_THROTTLE].clients() == 2


async def test_dashboard_sign_ins_share_the_throttle(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await small_world(pool)
    async with app_client(proxied(settings, server_auth_failures=2), pool) as client:
        guesser, other = client_of("203.0.113.7"), client_of("198.51.100.8")
        for attempt in range(2):
            assert (await sign_in(client, f"rk_live_guess{attempt}", **guesser)).status == 401
        held = await sign_in(client, world.keys["viewer"], **guesser)  # even the right key waits now
        assert held.status == 429 and int(held.headers["Retry-After"]) >= 1
        assert "Too many failed sign-ins" in await held.text()
        assert (await sign_in(client, world.keys["viewer"], **other)).status == 303


async def test_badly_signed_webhooks_are_throttled_and_record_nothing(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    before = await census(pool)
    event = json.dumps({"event_id": "evt-1", "type": "project.status_changed", "project_id": "p1"}).encode()
    async with app_client(proxied(_with_providers(settings), server_auth_failures=2), pool) as client:
        forger = client_of("203.0.113.7")
        for _ in range(2):
            headers = {SIGNATURE_HEADER: sign("forged" * 8, event), **forger}
            await problem(await client.post("/webhooks/simulated", data=event, headers=headers), 401)
        signed = {SIGNATURE_HEADER: sign(SIM_SECRET, event), **forger}
        await problem(await client.post("/webhooks/simulated", data=event, headers=signed), 429)
        assert await census(pool) == before
        resp = await client.post(
            "/webhooks/simulated", data=event, headers={**signed, **client_of("198.51.100.8")}
        )
        assert resp.status == 200


async def test_a_simulator_webhook_must_be_fresh(settings: Settings, pool: asyncpg.Pool) -> None:
    """The simulated provider signs its timestamp with the body, as Prolific and Cint do: a delivery captured and
    sent again later, or a signature whose timestamp was edited, is refused and nothing is recorded."""
    before = await census(pool)
    event = json.dumps({"event_id": "evt-9", "type": "project.status_changed", "project_id": "p1"}).encode()
    async with app_client(_with_providers(settings), pool) as client:
        for age in (3600, -3600, 301):  # an hour old, an hour ahead, just past the window
            headers = {SIGNATURE_HEADER: sign(SIM_SECRET, event, at=time.time() - age)}
            await problem(await client.post("/webhooks/simulated", data=event, headers=headers), 401)
        stamp, mac = sign(SIM_SECRET, event).split(",")
        edited = f"t={int(stamp[2:]) + 1},{mac}"  # within the window, but not the time that was signed
        resp = await client.post("/webhooks/simulated", data=event, headers={SIGNATURE_HEADER: edited})
        await problem(resp, 401)
        assert await census(pool) == before
        fresh = {SIGNATURE_HEADER: sign(SIM_SECRET, event, at=time.time() - 60)}
        assert (await client.post("/webhooks/simulated", data=event, headers=fresh)).status == 200


async def test_a_prolific_webhook_must_be_fresh(settings: Settings, pool: asyncpg.Pool) -> None:
    before = await census(pool)
    body = json.dumps({"event_type": "study.status.change", "resource_id": "s1"}).encode()
    async with app_client(_with_providers(settings), pool) as client:
        for age in (3600, -3600, 301):  # an hour old, an hour ahead, just past the window
            resp = await client.post(
                "/webhooks/prolific", data=body, headers=_prolific(body, at=time.time() - age)
            )
            assert "too old" in (await problem(resp, 401))["detail"]
        assert await census(pool) == before
        fresh = _prolific(body, at=time.time() - 60)
        assert (await client.post("/webhooks/prolific", data=body, headers=fresh)).status == 200
        replay = await client.post("/webhooks/prolific", data=body, headers=fresh)  # within the window
        assert (await replay.json())["duplicate"] is True


async def test_metrics_show_no_organisation_and_can_ask_for_a_token(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world = await small_world(pool)
    token = await make_link(pool, settings, world.poll_id)
    async with app_client(settings, pool) as client:
        await client.get("/api/v1/polls", headers=world.auth())
        await client.get(f"/api/v1/polls/{world.poll_id}", headers=world.auth())
        await client.get(f"/share/{token}")
        text = await (await client.get("/metrics")).text()
    assert "recognition_http_requests" in text and 'route="/share/{token}"' in text
    for secret in ("acme-corp", "Tracker", token, world.keys["admin"], f'/api/v1/polls/{world.poll_id}"'):
        assert secret not in text, secret
    guarded = replace(settings, server_metrics_token="m" * 32, server_auth_failures=2)
    async with app_client(guarded, pool) as client:
        await problem(await client.get("/metrics"), 401)
        await problem(await client.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401)
        assert (await client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32})).status == 200
        await problem(await client.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401)
        await problem(await client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32}), 429)


async def test_forged_survey_links_are_throttled_per_client_and_store_no_one(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        world = await survey_world.make_world(conn)
    throttled = replace(proxied(settings, server_auth_failures=3), panels_simulator_url=survey_world.PANEL)
    async with app_client(throttled, pool) as client:
        forger, other = client_of("203.0.113.7"), client_of("198.51.100.8")
        real = survey_world.entry(world.wave_id, "P-real")
        forged = survey_world.entry(world.wave_id, "P-forged").replace("sig=", "sig=0")
        before = await census(pool)
        for link in (forged, forged, "/survey/987654/start?pid=x&sig=00"):  # a bad signature, an unknown wave
            resp = await client.get(link, headers=forger, allow_redirects=False)
            assert resp.status in (403, 404), resp.status
        held = await client.get(real, headers=forger, allow_redirects=False)  # even a true link waits now
        assert held.status == 429 and int(held.headers["Retry-After"]) >= 1
        assert "Too many invalid links" in await held.text()
        after = await census(pool)
        assert (
            after["respondents"] == before["respondents"]
            and after["survey_sessions"] == before["survey_sessions"]
        )
        # another client is not held, and an expired link is an honest late arrival, not a forgery
        late = survey_world.entry(world.wave_id, "P-late", expires=int(time.time()) - 60)
        for _ in range(4):
            assert (await client.get(late, headers=other, allow_redirects=False)).status == 410
        assert (await client.get(real, headers=other, allow_redirects=False)).status == 303
