"""Reading a schedule's fields from plain data (JSON or TOML values), each error naming its key; ISO 8601
durations. Pure: no I/O.

Values are bounded so that arithmetic on them cannot leave the range of :mod:`datetime` (years 1–9999): a duration
is at most :data:`MAX_DURATION` and a date or date-time lies in :data:`YEARS`. Anything outside is refused with
the key named, never an ``OverflowError`` later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args

from recognition.scheduling.cron import ScheduleError

Kind = Literal["cron", "interval", "continuous"]
KINDS: tuple[str, ...] = get_args(Kind)
#: The longest duration a schedule may hold (an interval or a fieldwork window): ten years of days.
MAX_DURATION = timedelta(days=3660)
#: Years a schedule's dates and date-times may fall in.
YEARS = range(1900, 3000)
_DURATION = re.compile(
    r"P(?:(\d{1,12})W)?(?:(\d{1,12})D)?(?:T(?:(\d{1,12})H)?(?:(\d{1,12})M)?(?:(\d{1,12})S)?)?", re.IGNORECASE
)


def parse_duration(text: str, key: str = "duration") -> timedelta:
    """An ISO 8601 duration of weeks, days, hours, minutes and seconds (``P14D``, ``P2W``, ``PT6H``, ``P1DT12H``)."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groups()) or text.strip().upper().endswith("T"):
        raise ScheduleError(
            f"{key}: bad duration {text[:40]!r} (expected ISO 8601 such as 'P14D', 'P2W' or 'PT6H')"
        )
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds  # exact, however large
    if total > MAX_DURATION.total_seconds():
        raise ScheduleError(f"{key}: {text.strip()!r} is longer than the limit of {MAX_DURATION.days} days")
    return timedelta(seconds=total)


def format_duration(value: timedelta) -> str:
    """The ISO 8601 form of a non-negative whole-second duration, days first (``P14D``, ``P1DT12H``, ``PT0S``)."""
    rest = int(value.total_seconds())
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    return text if text != "P" else "PT0S"


def _read_str(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ScheduleError(f"{key}: expected a string, got {value!r}")
    return value


def _in_years(key: str, value: date) -> None:
    if value.year not in YEARS:
        raise ScheduleError(f"{key}: {value.isoformat()} is outside the years {YEARS.start}–{YEARS.stop - 1}")


def _read_date(key: str, value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(_read_str(key, value))
        except ValueError as exc:
            raise ScheduleError(f"{key}: bad date {value!r} (expected YYYY-MM-DD)") from exc
    _in_years(key, parsed)
    return parsed


def _read_datetime(key: str, value: object) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(_read_str(key, value))
        except ValueError as exc:
            raise ScheduleError(f"{key}: bad date-time {value!r} (expected e.g. 2026-01-05T09:00)") from exc
    _in_years(key, parsed)
    return parsed


def _read_time(key: str, value: object) -> time:
    if isinstance(value, time):
        return value
    try:
        parsed = time.fromisoformat(_read_str(key, value))
    except ValueError as exc:
        raise ScheduleError(f"{key}: bad time of day {value!r} (expected HH:MM)") from exc
    if parsed.tzinfo is not None:
        raise ScheduleError(f"{key}: a local time of day without UTC offset is expected, got {value!r}")
    return parsed


def _read_duration(key: str, value: object) -> timedelta:
    if not isinstance(value, timedelta):
        return parse_duration(_read_str(key, value), key)
    if value > MAX_DURATION:
        raise ScheduleError(f"{key}: {value} is longer than the limit of {MAX_DURATION.days} days")
    return value


def _read_int(key: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ScheduleError(f"{key}: expected a whole number, got {value!r}")
    return value


def _read_bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ScheduleError(f"{key}: expected true or false, got {value!r}")
    return value


def _read_skip(key: str, value: object) -> frozenset[date]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset):
        raise ScheduleError(f"{key}: expected a list of dates, got {value!r}")
    return frozenset(_read_date(key, item) for item in value)


def _read_kind(key: str, value: object) -> str:
    text = _read_str(key, value)
    if text not in KINDS:
        raise ScheduleError(f"{key}: {text!r} is not one of {', '.join(KINDS)}")
    return text


FIELD_READERS: dict[str, Callable[[str, object], object]] = {
    "kind": _read_kind,
    "timezone": _read_str,
    "cron": _read_str,
    "interval": _read_duration,
    "anchor": _read_datetime,
    "at": _read_time,
    "window_days": _read_int,
    "start": _read_date,
    "end": _read_date,
    "paused": _read_bool,
    "skip": _read_skip,
    "fieldwork": _read_duration,
}
