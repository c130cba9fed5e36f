"""Report commands: ``share`` (a signed read-only dashboard link), ``alerts`` (evaluate and deliver now),
``objective`` (add one) and ``insight`` (key drivers, image maps, mental availability, service analysis of waves
published before they were computed at publishing)."""

from __future__ import annotations

import argparse
import sys

import asyncpg

from recognition.alerts.delivery import deliver_pending
from recognition.alerts.loop import evaluate_wave
from recognition.commands.common import run, settings_from, with_conn
from recognition.db import database
from recognition.errors import UserError
from recognition.polls.checks import check_objective
from recognition.store import objectives, polls
from recognition.store import waves as waves_store
from recognition.waves.processing import fill_insight
from recognition.web.dashboard.shares import new_share_link


def cmd_share(args: argparse.Namespace) -> int:
    if not 0 < args.days <= 366:
        raise UserError("--days must be between 1 and 366")
    settings = settings_from(args)
    base_url = (args.base_url or settings.public_base_url).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise UserError(f"--base-url must be an http(s) URL, got {base_url!r}")

    async def work(conn: asyncpg.Connection) -> int:
        poll = await polls.get_poll(conn, args.poll_id)
        if poll is None:
            raise UserError(f"no poll {args.poll_id}")
        if poll.status == "archived":
            raise UserError(f"poll {args.poll_id} is archived; its dashboard cannot be shared")
        link = await new_share_link(
            conn,
            settings.survey_secret,
            base_url,
            poll.id,
            args.days,
            label=args.label,
            created_by="command line",
        )
        print(f"read-only link to {poll.name!r}, valid for {args.days:g} days:", file=sys.stderr, flush=True)
        print(link, flush=True)
        return 0

    return with_conn(settings, work)


def cmd_alerts(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def work(conn: asyncpg.Connection) -> int:
        latest = await waves_store.latest_published(conn, args.poll_id)
        if latest is None:
            raise UserError(f"poll {args.poll_id} has no published wave")
        events = await evaluate_wave(conn, latest.id)
        print(f"wave {latest.id}: {len(events)} new alert events")
        return 0

    code = with_conn(settings, work)

    async def send() -> int:
        async with database(settings) as pool:
            delivered, failed = await deliver_pending(pool, settings, poll_id=args.poll_id)
        print(f"delivered {delivered} messages, {failed} failed")
        return 0 if failed == 0 else 1

    return code or run(send())


def cmd_objective_add(args: argparse.Namespace) -> int:
    values = {
        "metric": args.metric,
        "brand": args.brand,
        "threshold": args.threshold,
        "direction": args.direction,
        "segment": args.segment,
        "label": args.label,
    }

    async def work(conn: asyncpg.Connection) -> int:
        poll = await polls.get_poll(conn, args.poll_id)
        if poll is None:
            raise UserError(f"no poll {args.poll_id}")
        errors = check_objective(poll, values)
        if errors:
            raise UserError("; ".join(f"{e.field}: {e.message}" for e in errors))
        o = await objectives.create_objective(conn, poll.id, values)
        print(f"objective {o.id}: {o.metric} of {o.brand} ({o.segment}) {o.direction} {o.threshold:g}")
        return 0

    return with_conn(settings_from(args), work)


def cmd_insight(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> int:
        async with database(settings) as pool:
            async with pool.acquire() as conn:
                poll = await polls.get_poll(conn, args.poll_id)
            if poll is None:
                raise UserError(f"no poll {args.poll_id}")
            filled = await fill_insight(pool, poll, settings)
        print(
            f"insight computed for {len(filled)} published wave(s) of poll {poll.id}"
            + (f": {', '.join(map(str, filled))}" if filled else " (every published wave had it)")
        )
        return 0

    return run(go())


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("share", parents=[common], help="print a signed read-only link to a poll's dashboard")
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.add_argument("--days", type=float, default=30, help="days the link stays valid (default 30)")
    p.add_argument("--base-url", help="public address of the service (default server.base_url)")
    p.add_argument("--label", default="", help="a name for the link in the poll's list of share links")
    p.set_defaults(func=cmd_share)

    p = sub.add_parser(
        "alerts",
        parents=[common],
        help="evaluate a poll's latest wave for alerts and deliver what is waiting",
    )
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser(
        "insight",
        parents=[common],
        help="compute key drivers, image maps and mental availability of a poll's published waves that have none",
    )
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.set_defaults(func=cmd_insight)

    p = sub.add_parser(
        "objective", parents=[common], help="add an objective (a limit for a figure) to a poll"
    )
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.add_argument("metric", help="e.g. aided, consider, nps or service.dissatisfied.delivery_times")
    p.add_argument("brand", help="a brand id of the poll")
    p.add_argument("direction", choices=("at_least", "at_most"))
    p.add_argument("threshold", type=float, help="a proportion (0.6 = 60%%) or NPS points")
    p.add_argument("--segment", default="all", help="segment (default all)")
    p.add_argument("--label", default="", help="a name for the objective")
    p.set_defaults(func=cmd_objective_add)
