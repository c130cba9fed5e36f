"""Service commands: ``serve``, ``migrate``, ``demo`` and ``keys``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

import asyncpg

from recognition.app import create_app
from recognition.commands.common import run, serve_until_cancelled, settings_from, with_conn
from recognition.db import database, migrate, schema_version
from recognition.demo import ORGANISATION, run_demo, trend_table
from recognition.errors import UserError
from recognition.store import orgs

# --- serve / migrate -----------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_from(args, **{"server.host": args.host, "server.port": args.port})

    async def go() -> int:
        async with database(settings) as pool:
            app = create_app(settings, pool=pool)
            return await serve_until_cancelled(
                app,
                settings,
                lambda url: print(f"recognition is serving on {url} (Ctrl-C to stop)", flush=True),
            )

    return run(go())


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> int:
        async with database(settings, run_migrations=False) as pool, pool.acquire() as conn:
            done = await migrate(conn)
            total = await schema_version(conn)
        if done:
            print("applied: " + ", ".join(f"{m.version:04d}_{m.name}" for m in done))
        print(f"database is at migration {total} ({'up to date' if not done else 'migrated'})")
        return 0

    return run(go())


# --- demo ---------------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    if args.waves < 1:
        raise UserError("--waves must be at least 1")
    if args.sample_size < 50:
        raise UserError("--sample-size must be at least 50")
    if not 0.0 <= args.hosted_share <= 1.0:
        raise UserError("--hosted-share must be between 0 and 1")
    settings = settings_from(args, **{"server.host": args.host, "server.port": args.port})

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    async def go() -> int:
        async with database(settings) as pool:
            report = await run_demo(
                pool,
                settings,
                n_waves=args.waves,
                sample_size=args.sample_size,
                progress=None if args.quiet else progress,
                faults=args.faults,
                provider_url=args.provider_url,
                hosted_share=args.hosted_share,
            )
            if args.json:
                print(json.dumps(report, indent=2))
            else:
                print()
                print(trend_table(report))
            if args.no_serve:
                return 0 if all(w["state"] == "published" for w in report["waves"]) else 1
            async with pool.acquire() as conn:
                key, _ = await orgs.create_key(
                    conn, await orgs.organisation_id(conn, ORGANISATION), "admin", label="demo"
                )
            app = create_app(settings, pool=pool)

            def banner(url: str) -> None:
                poll_id = report["poll"]["id"]
                print(f"\nrecognition is serving on {url} (Ctrl-C to stop)")
                print(f"  health:  {url}/healthz")
                print(
                    f"  scores:  curl -H 'Authorization: Bearer {key}' {url}/api/v1/polls/{poll_id}/scores",
                    flush=True,
                )

            return await serve_until_cancelled(app, settings, banner)

    return run(go())


# --- keys ---------------------------------------------------------------------------------------------------


def cmd_keys_create(args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection) -> int:
        org_id = await orgs.ensure_organisation(conn, args.org)
        expires = None
        if args.expires_days is not None:
            if args.expires_days < 1:
                raise UserError("--expires-days must be at least 1")
            expires = datetime.now(UTC) + timedelta(days=args.expires_days)
        key, _ = await orgs.create_key(conn, org_id, args.role, label=args.label or "", expires_at=expires)
        print(
            f"created a {args.role} key for organisation {args.org!r}; it is shown only now:", file=sys.stderr
        )
        print(key)
        return 0

    return with_conn(settings_from(args), work)


def cmd_keys_list(args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection) -> int:
        keys = await orgs.list_keys(conn, await orgs.organisation_id(conn, args.org))
        now = datetime.now(UTC)
        for k in keys:
            state = (
                "revoked" if k.revoked_at else "expired" if k.expires_at and k.expires_at <= now else "active"
            )
            print(f"{k.prefix}  {k.role:<7} {state:<8} created {k.created_at:%Y-%m-%d}  {k.label}")
        if not keys:
            print(f"organisation {args.org!r} has no keys")
        return 0

    return with_conn(settings_from(args), work)


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection) -> int:
        if not await orgs.revoke_key(conn, await orgs.organisation_id(conn, args.org), args.prefix):
            raise UserError(f"no active key with prefix {args.prefix!r} in organisation {args.org!r}")
        print(f"revoked {args.prefix}")
        return 0

    return with_conn(settings_from(args), work)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg,unused-ignore]
    net = argparse.ArgumentParser(add_help=False)
    net.add_argument("--host", help="listen address (default 127.0.0.1; env RECOGNITION_SERVER_HOST)")
    net.add_argument("--port", type=int, help="listen port (default 8080; env RECOGNITION_SERVER_PORT)")

    p = sub.add_parser("serve", parents=[common, net], help="run the service (API, dashboard, scheduler)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", parents=[common], help="apply pending database migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "demo",
        parents=[common, net],
        help="run a demo tracker through the simulated panel, print its trend, then serve it",
    )
    p.add_argument("--waves", type=int, default=4, help="waves to run (default 4)")
    p.add_argument("--sample-size", type=int, default=1000, help="completes per wave (default 1000)")
    p.add_argument("--no-serve", action="store_true", help="exit after the waves instead of serving")
    p.add_argument("--json", action="store_true", help="print the report as one JSON document")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--faults",
        choices=["none", "light", "heavy"],
        default="none",
        help="fault injection in the simulated provider (default none)",
    )
    p.add_argument(
        "--provider-url",
        metavar="URL",
        help="use the simulated provider already running there (recognition panel-sim) instead of "
        "starting one",
    )
    p.add_argument(
        "--hosted-share",
        type=float,
        default=0.03,  # recognition.demo.DEMO_HOSTED_SHARE
        metavar="S",
        help="share of each wave's respondents who take the hosted survey over HTTP; the rest are reported "
        "server to server (default %(default)s; in-process simulator only)",
    )
    p.set_defaults(func=cmd_demo)

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", metavar="ACTION", required=True
    )
    p = keys.add_parser("create", parents=[common], help="create a key (printed once, as the last line)")
    p.add_argument("--org", required=True, help="organisation name (created if missing)")
    p.add_argument("--role", required=True, choices=["admin", "editor", "viewer", "reader"])
    p.add_argument("--label", help="a note saying what the key is for")
    p.add_argument(
        "--expires-days", type=int, help="the key stops working after this many days (default never)"
    )
    p.set_defaults(func=cmd_keys_create)
    p = keys.add_parser("list", parents=[common], help="list an organisation's keys (prefixes only)")
    p.add_argument("--org", required=True)
    p.set_defaults(func=cmd_keys_list)
    p = keys.add_parser("revoke", parents=[common], help="revoke a key by its prefix")
    p.add_argument("--org", required=True)
    p.add_argument("prefix", help="the key's visible prefix, e.g. rk_3f9a1c2b")
    p.set_defaults(func=cmd_keys_revoke)
