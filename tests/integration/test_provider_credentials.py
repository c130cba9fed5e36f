"""An organisation's own panel-provider credentials: checked with the provider before they are stored, stored
sealed, shown masked, used for the organisation's waves and webhooks, and never another organisation's."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from panels.simulated.apis.prolific import TOKEN, simulator_credentials
from panels.simulated.client import SimulatedProvider
from panels.simulated.server import running_simulator
from panels.simulated.webhooks import SIGNATURE_HEADER, sign
from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import orgs
from recognition.web.keys import PROVIDERS
from tests.integration.api_support import problem

HOOK_SECRET = "h" * 48


async def _keys(pool: asyncpg.Pool) -> tuple[int, dict[str, dict[str, str]], dict[str, str]]:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-corp")
        other = await orgs.ensure_organisation(conn, "other-corp")
        keys = {role: (await orgs.create_key(conn, org, role))[0] for role in ("admin", "editor")}
        foreign = (await orgs.create_key(conn, other, "admin"))[0]
    auth = {role: {"Authorization": f"Bearer {k}"} for role, k in keys.items()}
    return org, auth, {"Authorization": f"Bearer {foreign}"}


async def _stored(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        return [dict(r) for r in await conn.fetch("SELECT * FROM provider_credentials ORDER BY provider")]


async def test_credentials_are_checked_sealed_masked_and_used_for_the_organisation(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    org, auth, foreign = await _keys(pool)
    instance = dataclasses.replace(
        settings, panels_simulator_url="http://127.0.0.1:9"
    )  # the instance's: unreachable
    async with (
        running_simulator("none", webhook_secret=HOOK_SECRET) as sim,
        TestClient(TestServer(create_app(instance, pool=pool))) as client,
    ):
        listing = await (await client.get("/api/v1/providers", headers=auth["editor"])).json()
        names = {p["name"]: p for p in listing["items"]}
        assert {"simulated", "prolific"} <= set(names) and names["prolific"]["credentials"] is None
        assert {f["name"]: f["secret"] for f in names["prolific"]["fields"]}["token"] is True

        api_url = simulator_credentials(sim.url)["api_url"]  # the simulator's copy of Prolific's API
        url = "/api/v1/providers/prolific/credentials"
        await problem(await client.put(url, headers=auth["editor"], json={"fields": {"token": TOKEN}}), 403)
        bad = await problem(
            await client.put(
                url, headers=auth["admin"], json={"fields": {"token": "wrong", "api_url": api_url}}
            ),
            400,
        )
        assert "refused these credentials (HTTP 401)" in bad["detail"] and "wrong" not in json.dumps(bad)
        unknown = await problem(
            await client.put(
                url, headers=auth["admin"], json={"fields": {"tokn": TOKEN, "api_url": api_url}}
            ),
            400,
        )
        assert "tokn: not a field of prolific" in unknown["detail"] and "token: required" in unknown["detail"]
        far = await problem(
            await client.put(
                url,
                headers=auth["admin"],
                json={"fields": {"token": TOKEN, "api_url": "http://127.0.0.1:9/api/v1"}},
            ),
            400,
        )
        assert "could not be reached" in far["detail"]
        assert await _stored(pool) == []  # nothing refused was stored

        saved = await client.put(
            url,
            headers=auth["admin"],
            json={"fields": {"token": TOKEN, "api_url": api_url, "webhook_secret": "whsec-1234"}},
        )
        assert saved.status == 200, await saved.text()
        shown = (await saved.json())["shown"]
        assert shown == {
            "token": "…" + TOKEN[-4:],
            "webhook_secret": "…1234",
            "api_url": api_url,
            "completion_url": "https://app.prolific.com/submissions/complete",
            "study_type": "",
        }
        (row,) = await _stored(pool)
        assert (
            row["organisation_id"] == org
            and TOKEN.encode() not in row["sealed"]
            and b"whsec" not in row["sealed"]
        )
        again = {
            p["name"]: p
            for p in (await (await client.get("/api/v1/providers", headers=auth["editor"])).json())["items"]
        }
        assert again["prolific"]["credentials"]["shown"] == shown
        theirs = {
            p["name"]: p
            for p in (await (await client.get("/api/v1/providers", headers=foreign)).json())["items"]
        }
        assert theirs["prolific"]["credentials"] is None

        # The organisation's own simulated account (the instance's is unreachable) serves its waves and webhooks.
        put = await client.put(
            "/api/v1/providers/simulated/credentials",
            headers=auth["admin"],
            json={"fields": {"url": sim.url, "webhook_secret": HOOK_SECRET}},
        )
        assert put.status == 200, await put.text()
        registry = client.app[PROVIDERS]
        own = await registry.get("simulated", org)
        assert isinstance(own, SimulatedProvider) and own.base_url == sim.url
        instance_one = await registry.get("simulated", None)
        assert isinstance(instance_one, SimulatedProvider) and instance_one.base_url == "http://127.0.0.1:9"
        assert (await registry.get("prolific", org)) is not None and (
            await registry.get("prolific", None)
        ) is None

        event = json.dumps(
            {"event_id": "evt-1", "type": "project.status_changed", "project_id": "p1"}
        ).encode()
        headers = {SIGNATURE_HEADER: sign(HOOK_SECRET, event), "Content-Type": "application/json"}
        assert (await client.post(f"/webhooks/simulated/{org}", data=event, headers=headers)).status == 200
        wrong = {SIGNATURE_HEADER: sign("x" * 48, event), "Content-Type": "application/json"}
        assert (await client.post(f"/webhooks/simulated/{org}", data=event, headers=wrong)).status == 401
        assert (
            await client.post("/webhooks/simulated/not-an-org", data=event, headers=headers)
        ).status == 404

        assert (await client.delete(url, headers=auth["admin"])).status == 204
        await problem(await client.delete(url, headers=auth["admin"]), 404)
        assert [r["provider"] for r in await _stored(pool)] == ["simulated"]
