"""Migrations: applied in order, once, checksummed; concurrent runners do not race."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from recognition.db import MigrationError, connect, load_migrations, migrate, pending_migrations


async def test_applies_all_in_order_once(empty_db_url: str) -> None:
    conn = await connect(empty_db_url)
    try:
        done = await migrate(conn)
        assert [m.version for m in done] == sorted(m.version for m in load_migrations())
        rows = await conn.fetch(
            "SELECT version, checksum FROM schema_migrations ORDER BY applied_at, version"
        )
        assert [r["version"] for r in rows] == [m.version for m in done]
        assert [r["checksum"] for r in rows] == [m.checksum for m in done]
        assert await migrate(conn) == []  # a second run applies nothing
        assert await pending_migrations(conn) == []
        assert await conn.fetchval("SELECT to_regclass('estimates') IS NOT NULL")
    finally:
        await conn.close()


async def test_order_follows_numbers_not_listing(tmp_path: Path, empty_db_url: str) -> None:
    (tmp_path / "0002_second.sql").write_text("ALTER TABLE t ADD COLUMN b int;")
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (a int);")
    migrations = load_migrations(tmp_path)
    assert [m.name for m in migrations] == ["first", "second"]
    conn = await connect(empty_db_url)
    try:
        await migrate(conn, migrations)
        cols = await conn.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = 't'")
        assert {r["column_name"] for r in cols} == {"a", "b"}
    finally:
        await conn.close()


async def test_edited_applied_migration_is_an_error(tmp_path: Path, empty_db_url: str) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (a int);")
    conn = await connect(empty_db_url)
    try:
        await migrate(conn, load_migrations(tmp_path))
        (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (a bigint);")
        with pytest.raises(MigrationError, match="0001_first.sql was edited"):
            await migrate(conn, load_migrations(tmp_path))
    finally:
        await conn.close()


async def test_applied_migration_missing_from_disk_is_an_error(tmp_path: Path, empty_db_url: str) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (a int);")
    conn = await connect(empty_db_url)
    try:
        await migrate(conn, load_migrations(tmp_path))
        (tmp_path / "0001_first.sql").unlink()
        with pytest.raises(MigrationError, match="missing from sql/"):
            await migrate(conn, load_migrations(tmp_path))
    finally:
        await conn.close()


async def test_failed_migration_rolls_back_alone(tmp_path: Path, empty_db_url: str) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (a int);")
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE u (a int); SELECT no_such_function();")
    conn = await connect(empty_db_url)
    try:
        with pytest.raises(Exception, match="no_such_function"):
            await migrate(conn, load_migrations(tmp_path))
        assert await conn.fetchval("SELECT to_regclass('t') IS NOT NULL")
        assert not await conn.fetchval("SELECT to_regclass('u') IS NOT NULL")
        assert await conn.fetchval("SELECT array_agg(version) FROM schema_migrations") == [1]
    finally:
        await conn.close()


async def test_badly_named_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "first.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_name.sql"):
        load_migrations(tmp_path)


async def test_concurrent_runners_apply_each_migration_once(tmp_path: Path, empty_db_url: str) -> None:
    # A slow migration widens the window in which a second runner could race the first.
    (tmp_path / "0001_slow.sql").write_text("SELECT pg_sleep(0.3); CREATE TABLE t (a int);")
    (tmp_path / "0002_more.sql").write_text("CREATE TABLE u (a int);")
    migrations = load_migrations(tmp_path)
    conns = [await connect(empty_db_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(c, migrations) for c in conns))
        applied = sorted(m.version for done in results for m in done)
        assert applied == [1, 2]  # each applied by exactly one runner
        assert await conns[0].fetchval("SELECT count(*) FROM schema_migrations") == 2
    finally:
        for c in conns:
            await c.close()
