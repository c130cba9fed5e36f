"""Five-field cron expressions with standard (Vixie/cronie) crontab semantics, evaluated in an IANA time zone.

Syntax, as users write it in a crontab::

    minute  hour  day-of-month  month  day-of-week
    0-59    0-23  1-31          1-12   0-7 (0 and 7 = Sunday, 1 = Monday)

Each field is a comma-separated list of ``*``, ``N``, ``A-B``, ``*/S``, ``A-B/S`` or ``A/S`` (= ``A-max/S``, as
cronie reads it). Months may be named ``jan``..``dec`` and weekdays ``sun``..``sat``, case-insensitively, also in
ranges. ``sun`` at the end of a range means 7, so ``fri-sun`` is Friday, Saturday and Sunday. Ranges must ascend:
a wrapping range such as ``sat-mon`` is rejected with a hint to write a list (Vixie cron rejects it too). The
macros ``@hourly``, ``@daily`` (``@midnight``), ``@weekly``, ``@monthly`` and ``@yearly`` (``@annually``) stand
for ``0 * * * *``, ``0 0 * * *``, ``0 0 * * 0``, ``0 0 1 * *`` and ``0 0 1 1 *``.

Day rule (Vixie cron, ``man 5 crontab``): when both day-of-month and day-of-week are restricted, a day matches if
EITHER matches (``0 9 13 * fri`` fires on every 13th and on every Friday). A field counts as unrestricted when it
starts with ``*`` -- this includes ``*/2``, exactly as in Vixie cron and cronie, so ``0 0 */2 * mon`` fires on
Mondays that fall on an odd day of the month. Otherwise both fields must match.

Time zone and daylight saving time (the same choices as Vixie cron and systemd for a change of one hour or less):

* a local time that does not exist (clocks jump forward) fires once, at the shifted instant: the wall time read
  with the offset in force before the jump, so ``30 2 * * *`` in Europe/Berlin fires at 03:30+02:00 on the day
  summer time starts. If that instant is also a regular fire time it fires only once;
* a local time that occurs twice (clocks fall back) fires once, at its first occurrence. Consequently a schedule
  that fires every hour or more often has no fire time in the repeated hour.

Fire times are returned as aware datetimes in the schedule's zone, strictly increasing.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ScheduleError(ValueError):
    """A schedule or cron expression is invalid; the message names the field or key and the bad value."""


FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_MONTHS = {name: i for i, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                              "oct", "nov", "dec"), start=1)}  # fmt: skip
_WEEKDAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
# Days in each month in the longest case (February of a leap year), to reject dates that never occur.
_MAX_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# No UTC offset in the tz database reaches 16 hours, so a wall time maps to an instant within 16 h of it.
_MAX_OFFSET = timedelta(hours=16)


@dataclass(frozen=True)
class CronSpec:
    """A parsed cron expression. Weekdays are numbered 0 = Sunday .. 6 = Saturday (7 folded into 0)."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_of_month_star: bool
    day_of_week_star: bool

    def matches_day(self, day: date) -> bool:
        """Whether ``day`` is a firing day (month, then the day-of-month / day-of-week rule above)."""
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = day.isoweekday() % 7 in self.weekdays
        if self.day_of_month_star or self.day_of_week_star:
            return dom and dow
        return dom or dow


def _value(token: str, field: int, names: dict[str, int] | None) -> int:
    low, high = _BOUNDS[field]
    if names is not None and token.lower() in names:
        return names[token.lower()]
    if not token.isdigit():
        names_hint = f" or {next(iter(names))}-{list(names)[-1]}" if names else ""
        extension = (
            "; '?', 'L', 'W' and '#' are not standard cron" if set(token.upper()) & set("?LW#") else ""
        )
        raise ScheduleError(
            f"cron {FIELD_NAMES[field]}: bad token {token!r} (expected {low}-{high}{names_hint}{extension})"
        )
    number = int(token)
    if not low <= number <= high:
        raise ScheduleError(f"cron {FIELD_NAMES[field]}: {token!r} is out of range {low}-{high}")
    return number


def _parse_item(item: str, field: int) -> set[int]:
    """One list item: ``*``, ``N``, ``A-B`` with an optional ``/S`` step."""
    name = FIELD_NAMES[field]
    names = _MONTHS if field == 3 else _WEEKDAYS if field == 4 else None
    low, high = _BOUNDS[field]
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise ScheduleError(
                f"cron {name}: bad step {step_text!r} in {item!r} (expected a whole number >= 1)"
            )
        step = int(step_text)
    if base == "*":
        start, stop = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, stop = _value(first, field, names), _value(last, field, names)
        if field == 4 and stop == 0 and start > 0 and last.lower() == "sun":
            stop = 7  # 'fri-sun' ends on Sunday = 7
        if start > stop:
            raise ScheduleError(
                f"cron {name}: range {base!r} runs backwards; write a list instead (e.g. 'sat,sun,mon')"
            )
    else:
        start = _value(base, field, names)
        stop = high if slash else start
    return set(range(start, stop + 1, step))


def _parse_field(text: str, field: int) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise ScheduleError(f"cron {FIELD_NAMES[field]}: empty item in {text!r}")
        values |= _parse_item(item, field)
    return values


@lru_cache(maxsize=256)
def parse_cron(expression: str) -> CronSpec:
    """Parse a five-field cron expression or macro; raise :class:`ScheduleError` naming the field and token."""
    text = " ".join(expression.split())
    if text.startswith("@"):
        if text.lower() not in MACROS:
            raise ScheduleError(f"cron: unknown macro {text!r} (known: {', '.join(MACROS)})")
        fields = MACROS[text.lower()].split()
    else:
        fields = text.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"cron: expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)} in "
            f"{expression!r}"
        )
    minutes, hours, days, months, weekdays = (_parse_field(f, i) for i, f in enumerate(fields))
    spec = CronSpec(
        expression=text,
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset(d % 7 for d in weekdays),
        day_of_month_star=fields[2].startswith("*"),
        day_of_week_star=fields[4].startswith("*"),
    )
    if spec.day_of_week_star and not any(min(days) <= _MAX_MONTH_DAYS[m - 1] for m in months):
        raise ScheduleError(
            f"cron day-of-month: {fields[2]!r} never occurs in month {fields[3]!r}, so {text!r} would never fire"
        )
    return spec


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raise :class:`ScheduleError` if unknown."""
    if not isinstance(name, str):
        raise ScheduleError(f"timezone: expected an IANA zone name such as 'Europe/Berlin', got {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ScheduleError(f"timezone: {name!r} is not a time zone (e.g. Europe/Berlin)") from exc


def localize(wall: datetime, tz: tzinfo) -> datetime:
    """The instant of the naive local time ``wall`` in ``tz``, as an aware datetime in UTC.

    A wall time in a gap is read with the offset before the jump (the shifted instant); a repeated wall time is
    its first occurrence (PEP 495 ``fold=0`` in both cases). Instants are kept in UTC because Python compares
    two datetimes that share a tzinfo by wall time, which is wrong across a fall-back.
    """
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def cron_fire_times(spec: CronSpec, tz: tzinfo, after: datetime) -> Iterator[datetime]:
    """Fire times of ``spec`` in ``tz`` strictly after the aware instant ``after``, increasing, without end.

    Days are walked in local calendar order; a day's wall times become instants with :func:`localize`. Because
    shifted instants may reorder or coincide, candidates wait in a heap until no later day can produce an
    earlier instant (every wall time maps within 16 h of itself), and duplicates are dropped.
    """
    after_utc = after.astimezone(UTC)
    day = after.astimezone(tz).date() - timedelta(days=1)
    pending: list[datetime] = []
    last: datetime | None = None
    while True:
        if spec.matches_day(day):
            for hour in spec.hours:
                for minute in spec.minutes:
                    instant = localize(datetime.combine(day, time(hour, minute)), tz)
                    if instant > after_utc:
                        heapq.heappush(pending, instant)
        day += timedelta(days=1)
        horizon = datetime.combine(day, time(0), UTC) - _MAX_OFFSET
        while pending and pending[0] < horizon:
            instant = heapq.heappop(pending)
            if last is None or instant > last:
                last = instant
                yield instant.astimezone(tz)
