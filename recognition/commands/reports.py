"""Report commands: ``share`` (a signed read-only dashboard link) and ``alerts`` (evaluate and deliver now)."""

from __future__ import annotations

import argparse
import sys

import asyncpg

from recognition.commands.service import _with_conn, settings_from
from recognition.errors import UserError


def cmd_share(args: argparse.Namespace) -> int:
    from recognition.store import polls
    from recognition.web.dashboard.access import share_token, share_url

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
        print(f"read-only link to {poll.name!r}, valid for {args.days:g} days:", file=sys.stderr, flush=True)
        print(share_url(base_url, share_token(settings.survey_secret, poll.id, args.days)), flush=True)
        return 0

    return _with_conn(settings, work)


def cmd_alerts(args: argparse.Namespace) -> int:
    from recognition.alerts.delivery import deliver_pending
    from recognition.alerts.objectives import evaluate_wave
    from recognition.store import dashboard

    settings = settings_from(args)

    async def work(conn: asyncpg.Connection) -> int:
        waves = await dashboard.published_waves(conn, args.poll_id)
        if not waves:
            raise UserError(f"poll {args.poll_id} has no published wave")
        events = await evaluate_wave(conn, waves[-1]["id"])
        print(f"wave {waves[-1]['id']}: {len(events)} new alert events")
        return 0

    code = _with_conn(settings, work)
    from recognition.commands.service import _run
    from recognition.db import database

    async def send() -> int:
        async with database(settings) as pool:
            delivered, failed = await deliver_pending(pool, settings, poll_id=args.poll_id)
        print(f"delivered {delivered} messages, {failed} failed")
        return 0 if failed == 0 else 1

    return code or _run(send())


def cmd_objective_add(args: argparse.Namespace) -> int:
    from recognition.store import objectives, polls

    async def work(conn: asyncpg.Connection) -> int:
        poll = await polls.get_poll(conn, args.poll_id)
        if poll is None:
            raise UserError(f"no poll {args.poll_id}")
        if args.brand not in poll.brand_ids:
            raise UserError(f"brand {args.brand!r} is not one of {', '.join(poll.brand_ids)}")
        if args.metric != "nps" and not 0 <= args.threshold <= 1:
            raise UserError("the threshold of a proportion is between 0 and 1 (e.g. 0.6 for 60%)")
        o = await objectives.create_objective(
            conn,
            poll.id,
            {
                "metric": args.metric,
                "brand": args.brand,
                "threshold": args.threshold,
                "direction": args.direction,
                "segment": args.segment,
                "label": args.label,
            },
        )
        print(f"objective {o.id}: {o.metric} of {o.brand} ({o.segment}) {o.direction} {o.threshold:g}")
        return 0

    return _with_conn(settings_from(args), work)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("share", parents=[common], help="print a signed read-only link to a poll's dashboard")
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.add_argument("--days", type=float, default=30, help="days the link stays valid (default 30)")
    p.add_argument("--base-url", help="public address of the service (default server.base_url)")
    p.set_defaults(func=cmd_share)

    p = sub.add_parser(
        "alerts",
        parents=[common],
        help="evaluate a poll's latest wave for alerts and deliver what is waiting",
    )
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser(
        "objective", parents=[common], help="add an objective (a limit for a figure) to a poll"
    )
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.add_argument("metric", help="e.g. aided, unaided, consider, prefer, nps")
    p.add_argument("brand", help="a brand id of the poll")
    p.add_argument("direction", choices=("at_least", "at_most"))
    p.add_argument("threshold", type=float, help="a proportion (0.6 = 60%%) or NPS points")
    p.add_argument("--segment", default="all", help="segment (default all)")
    p.add_argument("--label", default="", help="a name for the objective")
    p.set_defaults(func=cmd_objective_add)
