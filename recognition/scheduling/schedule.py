"""When a poll's waves are due: pure schedule arithmetic (no I/O, no clock of its own).

A :class:`Schedule` is one of three kinds, always evaluated in the poll's IANA time zone:

``cron``
    a five-field cron expression with standard crontab semantics (see :mod:`recognition.scheduling.cron` for the syntax,
    the day-of-month / day-of-week OR rule and the daylight-saving choices);
``interval``
    every ``interval`` from ``anchor`` (a local wall time, the first wave). An interval of whole days steps the
    local calendar, so a wave keeps its wall time across DST changes (every 14 days at 09:00); any other interval
    steps elapsed time (every 6 hours of real time);
``continuous``
    a small sample every day at local time ``at`` (default 00:00), pooled for reporting into rolling windows of
    ``window_days`` days (default 7), see :func:`rolling_window`.

Common to all kinds: ``start`` / ``end`` (local dates, inclusive), ``skip`` (local dates that produce no wave),
``paused`` (a paused schedule has no fire times at all) and ``fieldwork`` (the fieldwork window: a wave's
deadline is its fire time + window; default 3 days, 1 day for continuous). Dates are judged by the fire time's
local date in the schedule's zone.

A wave is identified by its slot: the scheduled instant in UTC (:attr:`Slot.at`, :attr:`Slot.key`), so the
database can keep waves unique per (poll, slot) and several instances never create the same wave twice.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, cast, get_args
from zoneinfo import ZoneInfo

from recognition.scheduling.cron import ScheduleError, cron_fire_times, localize, parse_cron, zone
from recognition.scheduling.readers import (
    FIELD_READERS,
    KINDS,
    Kind,
    format_duration,
    parse_duration,
)

__all__ = [
    "Kind",
    "Policy",
    "Schedule",
    "ScheduleError",
    "Slot",
    "catch_up",
    "fire_times_between",
    "format_duration",
    "next_fire_times",
    "parse_duration",
    "rolling_window",
]

Policy = Literal["one", "none", "all"]
POLICIES: tuple[str, ...] = get_args(Policy)
DAY = timedelta(days=1)
_KIND_KEYS = {"cron": ("cron",), "interval": ("interval", "anchor"), "continuous": ("at", "window_days")}


@dataclass(frozen=True)
class Schedule:
    """When a poll fields its waves. Validated on construction; see the module docstring for the kinds."""

    kind: Kind
    timezone: str = "UTC"
    cron: str | None = None
    interval: timedelta | None = None
    anchor: datetime | None = None
    at: time | None = None
    window_days: int | None = None
    start: date | None = None
    end: date | None = None
    paused: bool = False
    skip: frozenset[date] = field(default_factory=frozenset)
    fieldwork: timedelta | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScheduleError(f"kind: {self.kind!r} is not one of {', '.join(KINDS)}")
        zone(self.timezone)
        for kind, keys in _KIND_KEYS.items():
            for key in keys:
                if kind != self.kind and getattr(self, key) is not None:
                    raise ScheduleError(f"{key}: applies only to kind {kind!r}, not {self.kind!r}")
        if self.kind == "cron":
            if not self.cron:
                raise ScheduleError("cron: required for kind 'cron'")
            parse_cron(self.cron)
        elif self.kind == "interval":
            self._check_interval()
        elif self.window_days is not None and (
            not isinstance(self.window_days, int)
            or isinstance(self.window_days, bool)
            or self.window_days < 1
        ):
            raise ScheduleError(f"window_days: must be a whole number >= 1, got {self.window_days!r}")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ScheduleError(f"end: {self.end.isoformat()} is before start {self.start.isoformat()}")
        if self.fieldwork is not None and (
            self.fieldwork <= timedelta(0) or self.fieldwork % timedelta(seconds=1)
        ):
            raise ScheduleError(
                f"fieldwork: must be a positive whole number of seconds, got {self.fieldwork}"
            )
        object.__setattr__(self, "skip", frozenset(self.skip))

    def _check_interval(self) -> None:
        if self.interval is None:
            raise ScheduleError("interval: required for kind 'interval'")
        if self.interval < timedelta(minutes=1) or self.interval % timedelta(minutes=1):
            raise ScheduleError(f"interval: must be a positive whole number of minutes, got {self.interval}")
        if self.anchor is None:
            raise ScheduleError(
                "anchor: required for kind 'interval' (the local date and time of the first wave)"
            )
        if self.anchor.tzinfo is not None:
            raise ScheduleError(
                "anchor: must be a local wall time without UTC offset (the zone is 'timezone')"
            )

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def fieldwork_window(self) -> timedelta:
        """The fieldwork window: ``fieldwork`` or the default (3 days; 1 day for continuous)."""
        if self.fieldwork is not None:
            return self.fieldwork
        return DAY if self.kind == "continuous" else 3 * DAY

    @property
    def pooled_days(self) -> int:
        """Days pooled into one reporting window: ``window_days`` (default 7) for continuous, else 1."""
        return (self.window_days or 7) if self.kind == "continuous" else 1

    def deadline(self, fire_time: datetime) -> datetime:
        """A wave's fieldwork deadline: its fire time + the fieldwork window (an exact, elapsed-time sum)."""
        return (fire_time.astimezone(UTC) + self.fieldwork_window).astimezone(self.tz)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Schedule:
        """Read a schedule from plain data (JSON or TOML values); errors name the key."""
        unknown = sorted(set(data) - FIELD_READERS.keys())
        if unknown:
            raise ScheduleError(f"{unknown[0]}: unknown key (known: {', '.join(FIELD_READERS)})")
        if "kind" not in data:
            raise ScheduleError(f"kind: required ({', '.join(KINDS)})")
        values = {key: FIELD_READERS[key](key, value) for key, value in data.items()}
        anchor = values.get("anchor")
        if (
            isinstance(anchor, datetime) and anchor.tzinfo is not None
        ):  # an offset given: convert to local time
            values["anchor"] = anchor.astimezone(zone(str(values.get("timezone", "UTC")))).replace(
                tzinfo=None
            )
        return cls(**values)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data that :meth:`from_dict` reads back to an equal schedule (unset keys left out)."""
        out: dict[str, object] = {"kind": self.kind, "timezone": self.timezone, "paused": self.paused}
        if self.cron is not None:
            out["cron"] = self.cron
        if self.interval is not None:
            out["interval"] = format_duration(self.interval)
        if self.anchor is not None:
            out["anchor"] = self.anchor.isoformat()
        if self.at is not None:
            out["at"] = self.at.isoformat()
        if self.window_days is not None:
            out["window_days"] = self.window_days
        if self.start is not None:
            out["start"] = self.start.isoformat()
        if self.end is not None:
            out["end"] = self.end.isoformat()
        if self.skip:
            out["skip"] = [d.isoformat() for d in sorted(self.skip)]
        if self.fieldwork is not None:
            out["fieldwork"] = format_duration(self.fieldwork)
        return out


def _steps(base: datetime, step: timedelta, tz: tzinfo, after: datetime, *, wall: bool) -> Iterator[datetime]:
    """``base + k * step`` (k = 0, 1, ...) strictly after ``after``: on the local calendar when ``wall``, else
    in elapsed time. ``base`` is a naive local wall time. Shifted instants that coincide are yielded once."""
    origin = localize(base, tz)
    after_utc = after.astimezone(UTC)
    if wall:
        first = max(0, (after_utc.astimezone(tz).replace(tzinfo=None) - base) // step - 2)
    else:
        first = max(0, (after_utc - origin) // step - 1)
    last: datetime | None = None
    for k in itertools.count(first):
        instant = localize(base + k * step, tz) if wall else origin + k * step
        if instant > after_utc and (last is None or instant > last):
            last = instant
            yield instant.astimezone(tz)


def _raw_fire_times(schedule: Schedule, after: datetime) -> Iterator[datetime]:
    tz = schedule.tz
    if schedule.kind == "cron":
        return cron_fire_times(parse_cron(cast(str, schedule.cron)), tz, after)
    if schedule.kind == "interval":
        step = cast(timedelta, schedule.interval)
        return _steps(cast(datetime, schedule.anchor), step, tz, after, wall=step % DAY == timedelta(0))
    base = datetime.combine(after.astimezone(tz).date() - DAY, schedule.at or time(0))
    return _steps(base, DAY, tz, after, wall=True)


def _fire_times(schedule: Schedule, after: datetime) -> Iterator[datetime]:
    """All fire times strictly after ``after``, honouring pause, start, end and skipped dates."""
    if after.tzinfo is None or after.utcoffset() is None:
        raise ScheduleError(f"after: an aware datetime is required, got naive {after.isoformat()}")
    if schedule.paused:
        return
    if (
        schedule.start is not None
    ):  # jump ahead to the day before start (a shifted instant may cross midnight)
        first = localize(datetime.combine(schedule.start - DAY, time(0)), schedule.tz)
        after = max(after.astimezone(UTC), first)
    for fire in _raw_fire_times(schedule, after):
        day = fire.date()
        if schedule.end is not None and day > schedule.end:
            return
        if (schedule.start is None or day >= schedule.start) and day not in schedule.skip:
            yield fire


def fieldwork_window(data: Mapping[str, object] | None) -> timedelta:
    """The fieldwork window of a stored schedule (the default 3 days when there is none, or it is invalid)."""
    try:
        return Schedule.from_dict(data).fieldwork_window if data else 3 * DAY
    except ScheduleError:
        return 3 * DAY


def next_fire_times(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times strictly after the aware instant ``after``, as aware datetimes in the
    schedule's zone, increasing (fewer if the schedule ends; none if paused)."""
    if count < 0:
        raise ScheduleError(f"count: must be >= 0, got {count}")
    return list(itertools.islice(_fire_times(schedule, after), count))


def fire_times_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Fire times ``t`` with ``start <= t < end`` (aware instants; half-open so adjacent ranges never overlap)."""
    if end.tzinfo is None:
        raise ScheduleError(f"end: an aware datetime is required, got naive {end.isoformat()}")
    end_utc = end.astimezone(UTC)
    times = _fire_times(schedule, start - timedelta(microseconds=1))
    return list(itertools.takewhile(lambda t: t.astimezone(UTC) < end_utc, times))


@dataclass(frozen=True)
class Slot:
    """A wave's scheduled instant. ``at`` (UTC) is its identity; ``late`` marks a catch-up after downtime."""

    at: datetime
    local: datetime
    deadline: datetime
    late: bool

    @property
    def key(self) -> str:
        """The slot as text, e.g. ``2026-03-29T01:30:00Z`` (unique per poll)."""
        return self.at.strftime("%Y-%m-%dT%H:%M:%SZ")


def catch_up(
    schedule: Schedule,
    last_fired: datetime | None,
    now: datetime,
    policy: Policy = "one",
    *,
    grace: timedelta = timedelta(minutes=5),
    limit: int = 10,
) -> list[Slot]:
    """The slots to fire at ``now``, oldest first, given ``last_fired`` (the slot instant of the most recent wave
    created, or None if none was).

    Due slots are the fire times in ``(last_fired, now]``. Without ``last_fired`` the schedule is taken to begin
    at 00:00 local on ``start``, or, without a start date, ``grace`` before ``now`` (nothing was missed). A slot
    more than ``grace`` old is *late*. Policies for late slots (missed during downtime):

    * ``"one"`` (default): only the most recent due slot, late or not -- one catch-up wave;
    * ``"none"``: late slots are skipped; only on-time slots are returned;
    * ``"all"``: every due slot, but at most the ``limit`` most recent.
    """
    if policy not in POLICIES:
        raise ScheduleError(f"policy: {policy!r} is not one of {', '.join(POLICIES)}")
    if limit < 1:
        raise ScheduleError(f"limit: must be >= 1, got {limit}")
    now_utc = now.astimezone(UTC)
    if last_fired is not None:
        lower = last_fired.astimezone(UTC)
    elif schedule.start is not None:
        lower = localize(datetime.combine(schedule.start, time(0)), schedule.tz) - timedelta(microseconds=1)
    else:
        lower = now_utc - grace
    if policy == "none":
        lower = max(lower, now_utc - grace - timedelta(microseconds=1))
    keep = 1 if policy == "one" else None if policy == "none" else limit
    due = _latest_due(schedule, lower, now_utc, keep)
    return [
        Slot(
            at=fire.astimezone(UTC),
            local=fire,
            deadline=schedule.deadline(fire).astimezone(UTC),
            late=now_utc - fire.astimezone(UTC) > grace,
        )
        for fire in due
    ]


def _latest_due(schedule: Schedule, lower: datetime, now: datetime, keep: int | None) -> list[datetime]:
    """The last ``keep`` (all if None) fire times in ``(lower, now]``, oldest first. A long downtime is searched
    backwards from ``now`` in growing spans, so a frequent schedule need not be walked since ``lower``."""
    span = DAY
    while True:
        start = lower if keep is None else max(lower, now - span)
        due: deque[datetime] = deque(maxlen=keep)
        for fire in _fire_times(schedule, start):
            if fire.astimezone(UTC) > now:
                break
            due.append(fire)
        if start == lower or len(due) == keep:
            return list(due)
        span *= 8


def rolling_window(schedule: Schedule, last_day: date) -> tuple[date, date]:
    """The first and last local dates (inclusive) of the continuous reporting window that ends on ``last_day``:
    ``window_days`` days pooled, e.g. a 7-day window ending 2026-03-08 is 2026-03-02 .. 2026-03-08."""
    if schedule.kind != "continuous":
        raise ScheduleError(
            f"window_days: rolling windows apply only to kind 'continuous', not {schedule.kind!r}"
        )
    return last_day - (schedule.pooled_days - 1) * DAY, last_day
