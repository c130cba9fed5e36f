"""Shared set-up for the attack suite (tests/integration/test_security_*.py): a small organisation with a key per
role and a poll, a test client of the whole app, and a census of every table so a test can show that a refused
request stored nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from recognition.addresses import parse_networks
from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import orgs, polls

BRANDS = [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}]
#: The test client connects from loopback; trusting it as a proxy lets a test speak as many clients at once
#: through X-Forwarded-For.
AS_PROXY = parse_networks(["127.0.0.1/32", "::1/128"])


@dataclass(frozen=True)
class Small:
    org_id: int
    poll_id: int
    keys: dict[str, str]

    def auth(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


async def small_world(pool: asyncpg.Pool) -> Small:
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
            sample_size=200,
        )
        keys = {role: (await orgs.create_key(conn, org, role))[0] for role in orgs.ROLES}
    return Small(org, poll.id, keys)


def proxied(settings: Settings, **changes: Any) -> Settings:
    """Settings that believe X-Forwarded-For from the test client (so each test can be several clients)."""
    return replace(settings, server_trusted_proxies=AS_PROXY, **changes)


def client_of(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


@asynccontextmanager
async def app_client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
        yield client


async def census(pool: asyncpg.Pool) -> dict[str, int]:
    """Rows in every table of the database."""
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        return {
            t["table_name"]: int(await conn.fetchval(f'SELECT count(*) FROM "{t["table_name"]}"'))
            for t in tables
        }
