"""A schedule in plain words, and its next wave, for people who plan trackers rather than read cron: "Every
Monday at 07:00 (Europe/Berlin)", "Every 14 days from 2 March 2026 at 09:00 (Europe/London)". Pure: no I/O.

Cron expressions the words cover (a weekly, daily or monthly time) are said in words; any other is shown as
written, after the words "On the cron schedule".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from recognition.scheduling.cron import ScheduleError
from recognition.scheduling.schedule import Schedule, next_fire_times

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _clock(minute: str, hour: str) -> str | None:
    if not (minute.isdigit() and hour.isdigit()):
        return None
    return f"{int(hour):02d}:{int(minute):02d}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _cron_words(expression: str) -> str:
    fields = expression.split()
    if len(fields) == 5:
        minute, hour, dom, month, dow = fields
        clock = _clock(minute, hour)
        if clock and month == "*":
            if dom == "*" and dow == "*":
                return f"Every day at {clock}"
            if dom == "*" and dow.isdigit() and int(dow) <= 7:
                return f"Every {DAYS[int(dow) % 7]} at {clock}"
            if dom == "*" and all(d.isdigit() and int(d) <= 7 for d in dow.split(",")):
                return "Every " + ", ".join(DAYS[int(d) % 7] for d in dow.split(",")) + f" at {clock}"
            if dow == "*" and dom.isdigit():
                return f"On the {_ordinal(int(dom))} of every month at {clock}"
    return f"On the cron schedule {expression}"


def _date(value: datetime) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _days(value: timedelta) -> str:
    if value % timedelta(days=1) == timedelta(0):
        days = value.days
        if days % 7 == 0:
            weeks = days // 7
            return "week" if weeks == 1 else f"{weeks} weeks"
        return "day" if days == 1 else f"{days} days"
    hours = value / timedelta(hours=1)
    return f"{hours:g} hours"


def describe(data: Mapping[str, object] | None) -> str:
    """``data`` (a poll's schedule) in plain words; "Launched by hand" without one."""
    if not data:
        return "Launched by hand"
    try:
        schedule = Schedule.from_dict(data)
    except ScheduleError as exc:
        return f"Not a schedule that can run ({exc})"
    if schedule.kind == "cron":
        words = _cron_words(schedule.cron or "")
    elif schedule.kind == "interval":
        assert schedule.interval is not None and schedule.anchor is not None
        words = f"Every {_days(schedule.interval)} from {_date(schedule.anchor)} at {schedule.anchor:%H:%M}"
    else:
        at = f"{schedule.at:%H:%M}" if schedule.at is not None else "00:00"
        words = f"A small sample every day at {at}, reported over {schedule.pooled_days} days"
    words += f" ({schedule.timezone})"
    if schedule.paused:
        words += ", paused"
    return words


def next_wave(data: Mapping[str, object] | None, now: datetime) -> datetime | None:
    """When the schedule next fields a wave after ``now`` (in its own zone); None without one."""
    if not data:
        return None
    try:
        times = next_fire_times(Schedule.from_dict(data), now, 1)
    except ScheduleError:
        return None
    return times[0] if times else None
