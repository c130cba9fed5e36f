"""``recognition staff-link``: open a staff round for a poll and print its shared link (see
:mod:`recognition.waves.staff`); ``--close`` closes the open round instead. Staff respondents are anonymous and
never counted in completes, quotas or estimates.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from recognition.commands.common import run, settings_from
from recognition.db import database
from recognition.errors import UserError
from recognition.store import polls as polls_store
from recognition.store import staff as staff_store
from recognition.waves.staff import open_staff_round


def cmd_staff_link(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> int:
        async with database(settings) as pool, pool.acquire() as conn:
            if await polls_store.get_poll(conn, args.poll) is None:
                raise UserError(f"no poll {args.poll}")
            if args.close:
                closed = await staff_store.close_round(conn, args.poll)
                if closed is None:
                    raise UserError(f"poll {args.poll} has no open staff round")
                print(f"poll {args.poll}: staff round {closed.id} closed ({closed.completes} answers)")
                return 0
            opened = await open_staff_round(conn, args.poll, args.base_url or settings.public_base_url)
        if args.json:
            print(json.dumps(asdict(opened), default=str, indent=2))
            return 0
        print(
            f"poll {opened.poll_id}: staff round {opened.round_id} open (survey of wave {opened.wave_id}); "
            "share this link with sales and service staff (it is shown only now):"
        )
        print(f"  {opened.link}")
        return 0

    return run(go())


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "staff-link",
        parents=[common],
        help="open a staff round for a poll and print its shared link (staff answer as they believe customers "
        "would; never counted)",
    )
    p.add_argument("poll", type=int, help="the poll's id")
    p.add_argument(
        "--base-url", help="the service's public address for the link (default: the server.base_url setting)"
    )
    p.add_argument("--close", action="store_true", help="close the poll's open staff round instead")
    p.add_argument("--json", action="store_true", help="print the round and link as JSON")
    p.set_defaults(func=cmd_staff_link)
