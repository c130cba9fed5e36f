"""Service commands: ``serve``, ``migrate``, ``demo`` and ``keys``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

import asyncpg
from tqdm import tqdm

from recognition.app import create_app
from recognition.commands.common import run, serve_until_cancelled, settings_from, with_conn
from recognition.db import database, databases, migrate, schema_version
from recognition.demo import (
    DEMO_PROVIDERS,
    DEMO_SAMPLE,
    ORGANISATION,
    run_demo,
    served_app,
    serving_panel,
)
from recognition.demo_report import trend_table
from recognition.errors import UserError
from recognition.store import orgs
from recognition.web.dashboard.shares import new_share_link

# --- serve / migrate -----------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_from(args, **{"server.host": args.host, "server.port": args.port})

    async def go() -> int:
        async with databases(settings, pages=True) as pools:
            app = create_app(settings, pool=pools.main, page_pool=pools.pages)
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


class DemoProgress:
    """One progress bar per wave on a terminal (tqdm); one line per change of state otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bars: dict[int, tqdm[int]] = {}
        self.last: dict[int, str] = {}

    def __call__(self, number: int, total: int, state: str, have: int, target: int) -> None:
        label = f"wave {number}/{total}"
        if not self.tty:
            if self.last.get(number) != state:
                self.last[number] = state
                counts = f" {have}/{target}" if state == "fielding" else ""
                print(f"{label}: {state}{counts}", file=sys.stderr, flush=True)
            return
        bar = self.bars.get(number)
        if bar is None:
            bar = self.bars[number] = tqdm(
                total=target, desc=label, unit=" completes", file=sys.stderr, leave=True, mininterval=0.2
            )
        bar.set_postfix_str(state, refresh=False)
        if have > bar.n:
            bar.update(have - bar.n)
        if state in ("published", "failed", "cancelled") or state.startswith("failed"):
            bar.refresh()
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def cmd_demo(args: argparse.Namespace) -> int:
    if args.waves < 1:
        raise UserError("--waves must be at least 1")
    if args.sample_size < 50:
        raise UserError("--sample-size must be at least 50")
    settings = settings_from(args, **{"server.host": args.host, "server.port": args.port})
    bars = None if args.quiet else DemoProgress()

    async def go() -> int:
        async with databases(settings, pages=True) as pools:
            pool = pools.main
            try:
                report = await run_demo(
                    pool,
                    settings,
                    page_pool=pools.pages,
                    n_waves=args.waves,
                    sample_size=args.sample_size,
                    progress=bars,
                    faults=args.faults,
                    provider_url=args.provider_url,
                    provider=args.provider,
                )
            finally:
                if bars is not None:
                    bars.close()
            if args.json:
                print(json.dumps(report, indent=2))
            else:
                print()
                print(trend_table(report))
            if args.no_serve:
                return 0 if all(w["state"] == "published" for w in report["waves"]) else 1
            poll_id = report["poll"]["id"]
            async with pool.acquire() as conn:
                org = await orgs.organisation_id(conn, ORGANISATION)
                key, _ = await orgs.create_key(conn, org, "admin", label="demo")
                share = await new_share_link(
                    conn,
                    settings.survey_secret,
                    settings.public_base_url,
                    poll_id,
                    30,
                    label="demo",
                    created_by="demo",
                )
            app = served_app(pool, settings, pools.pages)

            def banner(url: str) -> None:
                print(f"\nrecognition is serving on {url} (Ctrl-C to stop)")
                print(f"  dashboard:  {url}/dashboard  (sign in with the admin key below)")
                print(f"  studio:     {url}/studio  (set up a tracker of your own, watch its fieldwork)")
                print(f"  share link: {share.replace(settings.public_base_url.rstrip('/'), url)}")
                print(f"  API docs:   {url}/docs")
                print(
                    f'  scores:     curl -H "Authorization: Bearer $KEY" {url}/api/v1/polls/{poll_id}/scores'
                )
                print(
                    f'  drivers:    curl -H "Authorization: Bearer $KEY" {url}/api/v1/polls/{poll_id}/drivers'
                    "  (also image-map, mental-availability, modelled-segments, smoothed-trends)"
                )
                print(f"  admin key (KEY, shown once): {key}", flush=True)

            async with serving_panel(
                pool, settings, faults=args.faults, provider_url=args.provider_url, provider=args.provider
            ):
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
    p.add_argument(
        "--sample-size", type=int, default=DEMO_SAMPLE, help=f"completes per wave (default {DEMO_SAMPLE})"
    )
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
        "--provider",
        choices=sorted(DEMO_PROVIDERS),
        default="simulated",
        help="the panel to field the waves with, served by the simulator's copy of its API (default simulated)",
    )
    p.add_argument(
        "--provider-url",
        metavar="URL",
        help="use the simulated provider already running there (recognition panel-sim) instead of "
        "starting one",
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
