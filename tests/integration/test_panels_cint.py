"""The Cint adapter against the simulated Cint's API surface, as Cint publishes it: the ``Cint-API-Version`` header
on every Demand call and an ``Idempotency-Key`` on POSTs (refused without them), OAuth client-credentials tokens
cached and fetched again when Cint answers 401 (revoked) or 403 (expired), negative reconciliations as a CSV of
``RID,reason code`` that reverse paid completes once, and webhooks signed
``Cint-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`` (Cint's webhook guide), checked here with an HMAC
computed in the test itself."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Mapping

import aiohttp
from aiohttp import web

from panels import cint
from panels.base import Decision, ProjectSpec
from panels.cint_s2s import verify_webhook
from panels.simulated.apis.cint import credentials
from panels.simulated.apis.cint_common import CINT
from panels.simulated.server import running_simulator
from tests.integration.field_support import FAST


async def _token(http: aiohttp.ClientSession, values: Mapping[str, str]) -> str:
    body = {
        "grant_type": "client_credentials",
        "client_id": values["client_id"],
        "client_secret": values["client_secret"],
    }
    async with http.post(values["auth_url"], json=body) as resp:
        assert resp.status == 200
        return str((await resp.json())["access_token"])


async def test_demand_calls_without_the_version_header_or_a_post_without_an_idempotency_key_are_refused() -> (
    None
):
    async with running_simulator(rate=0.0) as sim:
        values = credentials(sim.url)
        provider = cint.from_fields(values, policy=FAST)
        try:
            await provider.check()  # the adapter's own calls carry both
        finally:
            await provider.aclose()
        projects = f"{values['api_url']}/demand/accounts/{values['account_id']}/projects"
        async with aiohttp.ClientSession() as http:
            bearer = {"Authorization": f"Bearer {await _token(http, values)}"}
            async with http.get(projects, headers=bearer) as resp:
                unversioned = resp.status, (await resp.json())["object"]
            versioned = {**bearer, "Cint-API-Version": cint.API_VERSION}
            async with http.get(projects, headers=versioned) as resp:
                listed = resp.status
            async with http.post(projects, headers=versioned, json={"name": "x"}) as resp:
                unkeyed = resp.status
            async with http.get(projects, headers={"Cint-API-Version": cint.API_VERSION}) as resp:
                anonymous = resp.status
    assert unversioned == (403, "required_header_missing")
    assert (listed, unkeyed, anonymous) == (200, 400, 401)


async def test_a_revoked_or_expired_token_is_fetched_again_once() -> None:
    async with running_simulator(rate=0.0) as sim:
        ex = sim.app[CINT]
        provider = cint.from_fields(credentials(sim.url), policy=FAST)
        try:
            await provider.check()
            await provider.check()
            cached = ex.counts["tokens"]
            ex.revoke_tokens()
            await provider.check()
            revoked = ex.counts["tokens"]
            ex.clock_offset = ex.token_ttl + 60  # a day later: Cint answers 403 to the cached token
            await provider.check()
        finally:
            await provider.aclose()
    assert (cached, revoked, ex.counts["tokens"], ex.counts["expired_tokens"]) == (1, 2, 3, 1)


async def test_webhooks_are_signed_as_cint_documents_and_verified_by_the_adapter() -> None:
    received: asyncio.Queue[tuple[dict[str, str], bytes]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with running_simulator(rate=0.0) as sim, aiohttp.ClientSession() as http:
            values = credentials(sim.url)
            headers = {
                "Authorization": f"Bearer {await _token(http, values)}",
                "Cint-API-Version": cint.API_VERSION,
                "Idempotency-Key": "hook-1",
            }
            body = {"url": f"http://127.0.0.1:{port}/hook", "events": ["target-group-updated"]}
            async with http.post(
                f"{values['api_url']}/accounts/{values['account_id']}/webhooks", headers=headers, json=body
            ) as resp:
                assert resp.status == 201
                secret = str((await resp.json())["secret"])
            payload = {"project_id": "P1", "target_group_id": "TG1", "status": "live"}
            sim.app[CINT].emit("target-group-updated", payload)
            got, raw = await asyncio.wait_for(received.get(), 10)
    finally:
        await runner.cleanup()
    signature = dict(part.split("=", 1) for part in got["Cint-Signature"].split(","))
    stamp = int(signature["t"])
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    assert signature["v1"] == expected
    adapter = cint.from_fields({**credentials("http://127.0.0.1:1"), "webhook_secret": secret})
    try:
        event = adapter.verify_webhook(got, raw)
    finally:
        await adapter.aclose()
    assert event is not None and event.kind == "target-group-updated" and event.project_id == "P1:TG1"
    assert event.event_id == json.loads(raw)["id"]
    tampered = raw.replace(b'"live"', b'"paused"')
    assert verify_webhook(secret, got, tampered, stamp) is None
    assert verify_webhook("another secret", got, raw, stamp) is None
    assert verify_webhook(secret, got, raw, stamp + 301) is None  # older than five minutes
    assert verify_webhook(secret, got, raw, stamp + 299) is not None


async def test_a_negative_reconciliation_reverses_a_paid_complete_once() -> None:
    async with running_simulator(rate=0.0) as sim:
        ex = sim.app[CINT]
        provider = cint.from_fields(credentials(sim.url), policy=FAST)
        try:
            spec = ProjectSpec("rw1-rec", "Reconciled", 5, "us", survey_url=f"{sim.url}/survey/1/start")
            project = await provider.create_project(spec, idempotency_key="rw1-rec:create")
            tg = project.id.split(":")[1]
            kept, reversed_ = ex.new_session(tg, None, test=False), ex.new_session(tg, None, test=False)
            for session in (kept, reversed_):
                ex.transition(session, 5)
            before = ex.billing(tg)
            decisions = [Decision(reversed_.rid, False, "speeder"), Decision(kept.rid, True, None)]
            await provider.reconcile(project.id, decisions)
            await provider.reconcile(project.id, decisions)  # sent again after a lost answer: the same file
        finally:
            await provider.aclose()
    assert before[0] == 2 and ex.billing(tg) == (1, round(before[1] / 2, 2))
    assert ex.target_groups[tg].reversed == {reversed_.rid}
