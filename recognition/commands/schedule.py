"""``recognition schedule preview``: show when a cron expression fires in a time zone.

    recognition schedule preview "30 2 * * sun" --tz Europe/Berlin --from 2026-03-20 --count 3 --json
    ["2026-03-22T02:30:00+01:00", "2026-03-29T03:30:00+02:00", "2026-04-05T02:30:00+02:00"]

The times come from :func:`recognition.scheduling.schedule.next_fire_times`, the code the scheduler fires with.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

from recognition.errors import UserError
from recognition.scheduling.cron import ScheduleError, localize, zone
from recognition.scheduling.schedule import Schedule, next_fire_times

MAX_COUNT = 1000


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = subparsers.add_parser(
        "schedule", help="inspect poll schedules", description="Inspect poll schedules."
    )
    sub = parser.add_subparsers(dest="schedule_command", metavar="SUBCOMMAND", required=True)
    preview = sub.add_parser(
        "preview",
        parents=[common],
        help="list the next fire times of a cron expression",
        description="List the next fire times of a five-field cron expression (standard crontab semantics: "
        "0 and 7 = Sunday, day-of-month OR day-of-week when both are restricted, @daily etc.) in a time zone, "
        "daylight-saving time included.",
    )
    preview.add_argument("cron", metavar="CRON", help="e.g. '0 9 * * mon-fri' or '@weekly' (quote it)")
    preview.add_argument("--tz", default="UTC", help="IANA time zone, e.g. Europe/Berlin (default: UTC)")
    preview.add_argument(
        "--from",
        dest="from_",
        metavar="ISO8601",
        help="list fire times at or after this instant; without an offset it is read in --tz (default: now)",
    )
    preview.add_argument(
        "--count", type=int, default=10, help=f"how many fire times, 1-{MAX_COUNT} (default: 10)"
    )
    preview.add_argument("--json", action="store_true", help="print a JSON list of ISO 8601 times")
    preview.set_defaults(func=run_preview)


def _start(text: str | None, tz_name: str) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"--from: bad ISO 8601 date-time {text!r} (e.g. 2026-03-29T02:00 or 2026-03-29)"
        ) from None
    return value if value.tzinfo is not None else localize(value, zone(tz_name))


def run_preview(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= MAX_COUNT:
        raise UserError(f"--count: must be between 1 and {MAX_COUNT}, got {args.count}")
    try:
        zone(args.tz)
    except ScheduleError:
        raise UserError(f"--tz: unknown IANA time zone {args.tz!r} (e.g. Europe/Berlin)") from None
    try:
        schedule = Schedule(kind="cron", cron=args.cron, timezone=args.tz)
    except ScheduleError as exc:
        raise UserError(f"bad cron expression {args.cron!r}: {exc}") from None
    start = _start(args.from_, args.tz)
    times = next_fire_times(schedule, start - timedelta(microseconds=1), args.count)
    if args.json:
        print(json.dumps([t.isoformat() for t in times]))
    else:
        for t in times:
            print(f"{t.isoformat()}  {t:%a}")
    return 0
