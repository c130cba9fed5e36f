"""Schedules: kinds, start/end/skip/pause, plain-data round trip and validation, catch-up policies."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from recognition.scheduling.schedule import (
    Schedule,
    ScheduleError,
    catch_up,
    fire_times_between,
    format_duration,
    next_fire_times,
    parse_duration,
    rolling_window,
)

BERLIN_DAILY = Schedule(kind="cron", cron="0 9 * * *", timezone="Europe/Berlin")


def iso(times: list[datetime]) -> list[str]:
    return [t.isoformat() for t in times]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        # every 14 days keeps its local wall time across the spring-forward
        (
            Schedule(kind="interval", interval=timedelta(days=14), anchor=datetime(2026, 3, 20, 9), timezone="Europe/Berlin"),
            "2026-01-01T00:00+00:00",
            ["2026-03-20T09:00:00+01:00", "2026-04-03T09:00:00+02:00", "2026-04-17T09:00:00+02:00"],
        ),
        # the next fire strictly after a fire time
        (
            Schedule(kind="interval", interval=timedelta(days=14), anchor=datetime(2026, 3, 20, 9), timezone="Europe/Berlin"),
            "2026-04-03T09:00+02:00",
            ["2026-04-17T09:00:00+02:00", "2026-05-01T09:00:00+02:00", "2026-05-15T09:00:00+02:00"],
        ),
        # far after the anchor: 2,198 days = 157 fortnights after Monday 2020-01-06
        (
            Schedule(kind="interval", interval=timedelta(weeks=2), anchor=datetime(2020, 1, 6, 9), timezone="UTC"),
            "2026-01-01T00:00+00:00",
            ["2026-01-12T09:00:00+00:00", "2026-01-26T09:00:00+00:00", "2026-02-09T09:00:00+00:00"],
        ),
        # a sub-day interval counts elapsed time: 6 real hours across the jump
        (
            Schedule(kind="interval", interval=timedelta(hours=6), anchor=datetime(2026, 3, 28, 18), timezone="Europe/Berlin"),
            "2026-03-28T00:00+01:00",
            ["2026-03-28T18:00:00+01:00", "2026-03-29T00:00:00+01:00", "2026-03-29T07:00:00+02:00"],
        ),
        # an anchor inside the gap is shifted, the next days are not
        (
            Schedule(kind="interval", interval=timedelta(days=1), anchor=datetime(2026, 3, 29, 2, 30), timezone="Europe/Berlin"),
            "2026-03-01T00:00+01:00",
            ["2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00"],
        ),
        # continuous: every day at `at`
        (
            Schedule(kind="continuous", at=time(9, 30), window_days=7, timezone="America/New_York"),
            "2026-03-06T12:00-05:00",
            ["2026-03-07T09:30:00-05:00", "2026-03-08T09:30:00-04:00", "2026-03-09T09:30:00-04:00"],
        ),
        (
            Schedule(kind="continuous", timezone="Australia/Sydney"),
            "2026-04-04T00:00+11:00",
            ["2026-04-05T00:00:00+11:00", "2026-04-06T00:00:00+10:00", "2026-04-07T00:00:00+10:00"],
        ),
    ],
)  # fmt: skip
def test_interval_and_continuous(schedule: Schedule, after: str, expected: list[str]) -> None:
    assert iso(next_fire_times(schedule, at(after), 3)) == expected


@pytest.mark.parametrize(
    ("changes", "expected_days"),
    [
        ({}, ["2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"]),
        ({"start": date(2026, 2, 3)}, ["2026-02-03", "2026-02-04", "2026-02-05", "2026-02-06", "2026-02-07"]),
        ({"end": date(2026, 2, 3)}, ["2026-02-01", "2026-02-02", "2026-02-03"]),
        ({"start": date(2026, 2, 2), "end": date(2026, 2, 2)}, ["2026-02-02"]),
        ({"end": date(2026, 1, 15)}, []),
        ({"skip": frozenset({date(2026, 2, 2), date(2026, 2, 4)})}, ["2026-02-01", "2026-02-03", "2026-02-05",
                                                                    "2026-02-06", "2026-02-07"]),
        ({"paused": True}, []),
        ({"paused": True, "start": date(2026, 2, 3)}, []),
    ],
)  # fmt: skip
def test_start_end_skip_pause(changes: dict[str, Any], expected_days: list[str]) -> None:
    schedule = Schedule(**{"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin", **changes})
    times = next_fire_times(schedule, at("2026-01-31T12:00+01:00"), 5)
    assert [t.date().isoformat() for t in times] == expected_days
    assert all(t.hour == 9 and t.utcoffset() == timedelta(hours=1) for t in times)


def test_dates_are_local_dates() -> None:
    # 23:30 in New York is already the next day in UTC; skipping the local date removes it
    schedule = Schedule(
        kind="cron", cron="30 23 * * *", timezone="America/New_York", skip=frozenset({date(2026, 2, 2)})
    )
    times = next_fire_times(schedule, at("2026-02-01T00:00-05:00"), 2)
    assert iso(times) == ["2026-02-01T23:30:00-05:00", "2026-02-03T23:30:00-05:00"]


def test_paused_has_no_fire_times_anywhere() -> None:
    paused = Schedule(kind="interval", interval=timedelta(days=1), anchor=datetime(2026, 1, 1), paused=True)
    assert next_fire_times(paused, at("2026-01-01T00:00+00:00"), 10) == []
    assert fire_times_between(paused, at("2026-01-01T00:00+00:00"), at("2027-01-01T00:00+00:00")) == []
    assert catch_up(paused, at("2026-01-01T00:00+00:00"), at("2026-02-01T00:00+00:00"), "all") == []


def test_fire_times_between_is_half_open_and_compares_instants() -> None:
    schedule = Schedule(kind="cron", cron="*/30 * * * *", timezone="America/New_York")
    # end given in the zone's second 01:30 (fold=1, EST): compared as an instant, not as a wall time
    end = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=schedule.tz)
    times = fire_times_between(schedule, at("2026-11-01T00:00-04:00"), end)
    assert iso(times) == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T00:30:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:30:00-04:00",
    ]
    day = fire_times_between(schedule, at("2026-11-01T00:00-04:00"), at("2026-11-02T00:00-05:00"))
    assert len(day) == 48  # 25 real hours, the repeated hour fires once


def test_fire_times_between_matches_next_fire_times() -> None:
    schedule = Schedule(kind="cron", cron="15 */5 * * mon-fri", timezone="Australia/Lord_Howe")
    start, end = at("2026-03-20T00:00+11:00"), at("2026-10-20T00:00+11:00")
    between = fire_times_between(schedule, start, end)
    assert between == next_fire_times(schedule, start - timedelta(microseconds=1), len(between))
    assert all(b > a for a, b in zip(between, between[1:], strict=False))


def test_deadline_is_fire_time_plus_window() -> None:
    fire = at("2026-03-28T12:00+01:00")
    assert BERLIN_DAILY.deadline(fire).isoformat() == "2026-03-31T13:00:00+02:00"  # 72 elapsed hours
    assert Schedule(kind="continuous").fieldwork_window == timedelta(days=1)
    assert Schedule(kind="cron", cron="@daily", fieldwork=timedelta(hours=36)).deadline(
        fire
    ) == fire + timedelta(hours=36)


def test_rolling_window() -> None:
    assert rolling_window(Schedule(kind="continuous", window_days=7), date(2026, 3, 8)) == (
        date(2026, 3, 2),
        date(2026, 3, 8),
    )
    assert rolling_window(Schedule(kind="continuous"), date(2026, 3, 1)) == (
        date(2026, 2, 23),
        date(2026, 3, 1),
    )
    assert rolling_window(Schedule(kind="continuous", window_days=1), date(2026, 3, 1)) == (
        date(2026, 3, 1),
        date(2026, 3, 1),
    )
    with pytest.raises(ScheduleError, match="only to kind 'continuous'"):
        rolling_window(BERLIN_DAILY, date(2026, 3, 1))


# --- plain data --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    [
        BERLIN_DAILY,
        Schedule(
            kind="cron",
            cron="0 9 13 * fri",
            timezone="America/New_York",
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
            paused=True,
            skip=frozenset({date(2026, 12, 25), date(2026, 1, 1)}),
            fieldwork=timedelta(days=1, hours=12),
        ),
        Schedule(kind="interval", interval=timedelta(days=14), anchor=datetime(2026, 1, 5, 9), timezone="Europe/Berlin"),
        Schedule(kind="interval", interval=timedelta(hours=6, minutes=30), anchor=datetime(2026, 1, 5)),
        Schedule(kind="continuous", at=time(8, 15), window_days=28, timezone="Australia/Sydney"),
    ],
)  # fmt: skip
def test_dict_round_trip(schedule: Schedule) -> None:
    data = schedule.to_dict()
    assert all(isinstance(v, str | bool | int | list) for v in data.values())  # JSON-ready
    assert Schedule.from_dict(data) == schedule


def test_to_dict_shape() -> None:
    schedule = Schedule(kind="interval", interval=timedelta(days=14), anchor=datetime(2026, 1, 5, 9))
    assert schedule.to_dict() == {
        "kind": "interval",
        "timezone": "UTC",
        "paused": False,
        "interval": "P14D",
        "anchor": "2026-01-05T09:00:00",
    }


def test_from_toml_values() -> None:
    data = tomllib.loads(
        """
        kind = "interval"
        timezone = "Europe/Berlin"
        interval = "P2W"
        anchor = 2026-01-05T09:00:00
        start = 2026-01-01
        skip = [2026-04-06, "2026-12-28"]
        fieldwork = "P5D"
        """
    )
    schedule = Schedule.from_dict(data)
    assert schedule.interval == timedelta(days=14)
    assert schedule.anchor == datetime(2026, 1, 5, 9)
    assert schedule.skip == {date(2026, 4, 6), date(2026, 12, 28)}
    assert schedule.fieldwork_window == timedelta(days=5)
    continuous = Schedule.from_dict(tomllib.loads('kind = "continuous"\nat = 07:30:00\nwindow_days = 14'))
    assert (continuous.at, continuous.window_days) == (time(7, 30), 14)


def test_anchor_with_offset_becomes_local_wall_time() -> None:
    schedule = Schedule.from_dict(
        {
            "kind": "interval",
            "interval": "P7D",
            "anchor": "2026-01-05T08:00:00+00:00",
            "timezone": "Europe/Berlin",
        }
    )
    assert schedule.anchor == datetime(2026, 1, 5, 9)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "cron", "cron": "@daily", "cronn": "x"}, r"^cronn: unknown key"),
        ({"cron": "@daily"}, r"^kind: required"),
        ({"kind": "weekly"}, r"^kind: 'weekly' is not one of cron, interval, continuous"),
        ({"kind": "cron"}, r"^cron: required for kind 'cron'"),
        ({"kind": "cron", "cron": "0 25 * * *"}, r"^cron hour: '25' is out of range"),
        ({"kind": "cron", "cron": 5}, r"^cron: expected a string"),
        ({"kind": "cron", "cron": "@daily", "timezone": "Europe/Berlinn"}, r"^timezone: .Europe/Berlinn. is not a time zone"),
        ({"kind": "cron", "cron": "@daily", "timezone": 1}, r"^timezone: expected a string"),
        ({"kind": "cron", "cron": "@daily", "start": "2026-02-01", "end": "2026-01-31"},
         r"^end: 2026-01-31 is before start 2026-02-01"),
        ({"kind": "cron", "cron": "@daily", "start": "2026-13-01"}, r"^start: bad date '2026-13-01'"),
        ({"kind": "cron", "cron": "@daily", "end": "2026-01-01T00:00"}, r"^end: bad date"),
        ({"kind": "cron", "cron": "@daily", "paused": "yes"}, r"^paused: expected true or false"),
        ({"kind": "cron", "cron": "@daily", "skip": "2026-01-01"}, r"^skip: expected a list of dates"),
        ({"kind": "cron", "cron": "@daily", "skip": ["2026-02-30"]}, r"^skip: bad date '2026-02-30'"),
        ({"kind": "cron", "cron": "@daily", "fieldwork": "PT0S"}, r"^fieldwork: must be a positive whole number of seconds"),
        ({"kind": "cron", "cron": "@daily", "fieldwork": "3 days"}, r"^fieldwork: bad duration '3 days'"),
        ({"kind": "cron", "cron": "@daily", "interval": "P1D"}, r"^interval: applies only to kind 'interval'"),
        ({"kind": "cron", "cron": "@daily", "window_days": 7}, r"^window_days: applies only to kind 'continuous'"),
        ({"kind": "interval", "interval": "P0D", "anchor": "2026-01-01T09:00"}, r"^interval: must be a positive whole number of minutes"),
        ({"kind": "interval", "interval": "PT0S", "anchor": "2026-01-01T09:00"}, r"^interval: must be a positive"),
        ({"kind": "interval", "interval": "PT30S", "anchor": "2026-01-01T09:00"},
         r"^interval: must be a positive whole number of minutes"),
        ({"kind": "interval", "interval": "every day", "anchor": "2026-01-01T09:00"}, r"^interval: bad duration"),
        ({"kind": "interval", "anchor": "2026-01-01T09:00"}, r"^interval: required for kind 'interval'"),
        ({"kind": "interval", "interval": "P14D"}, r"^anchor: required for kind 'interval'"),
        ({"kind": "interval", "interval": "P14D", "anchor": "soon"}, r"^anchor: bad date-time 'soon'"),
        ({"kind": "interval", "interval": "P14D", "anchor": "2026-01-01T09:00", "cron": "@daily"},
         r"^cron: applies only to kind 'cron'"),
        ({"kind": "continuous", "window_days": 0}, r"^window_days: must be a whole number >= 1"),
        ({"kind": "continuous", "window_days": True}, r"^window_days: expected a whole number"),
        ({"kind": "continuous", "window_days": "7"}, r"^window_days: expected a whole number"),
        ({"kind": "continuous", "at": "25:00"}, r"^at: bad time of day '25:00'"),
        ({"kind": "continuous", "at": "09:00+01:00"}, r"^at: a local time of day without UTC offset"),
    ],
)  # fmt: skip
def test_from_dict_errors_name_the_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        Schedule.from_dict(data)


def test_constructor_validates_too() -> None:
    with pytest.raises(ScheduleError, match="^anchor: must be a local wall time"):
        Schedule(kind="interval", interval=timedelta(days=1), anchor=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ScheduleError, match="^interval: must be a positive"):
        Schedule(kind="interval", interval=timedelta(days=-1), anchor=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("P14D", timedelta(days=14)),
        ("P2W", timedelta(days=14)),
        ("PT6H", timedelta(hours=6)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("pt90m", timedelta(minutes=90)),
        ("PT1H30M15S", timedelta(hours=1, minutes=30, seconds=15)),
    ],
)
def test_durations(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "14d", "P1Y", "P1M", "P-1D", "P1.5D"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ScheduleError, match="bad duration"):
        parse_duration(text)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ScheduleError, match="after: an aware datetime is required"):
        next_fire_times(BERLIN_DAILY, datetime(2026, 1, 1), 1)
    with pytest.raises(ScheduleError, match="end: an aware datetime is required"):
        fire_times_between(BERLIN_DAILY, at("2026-01-01T00:00+00:00"), datetime(2026, 2, 1))


# --- catch-up ----------------------------------------------------------------------------------------------------

LAST = "2026-03-01T09:00+01:00"


@pytest.mark.parametrize(
    ("policy", "last", "now", "expected"),
    [
        # on time (within the 5-minute grace): the one slot, not late, whatever the policy
        ("one", LAST, "2026-03-02T09:02+01:00", [("2026-03-02T08:00:00Z", False)]),
        ("none", LAST, "2026-03-02T09:02+01:00", [("2026-03-02T08:00:00Z", False)]),
        ("all", LAST, "2026-03-02T09:02+01:00", [("2026-03-02T08:00:00Z", False)]),
        # nothing due yet
        ("one", LAST, "2026-03-02T08:59+01:00", []),
        ("all", "2026-03-02T09:00+01:00", "2026-03-02T12:00+01:00", []),
        # after downtime
        ("one", LAST, "2026-03-05T12:00+01:00", [("2026-03-05T08:00:00Z", True)]),
        ("none", LAST, "2026-03-05T12:00+01:00", []),
        ("all", LAST, "2026-03-05T12:00+01:00", [("2026-03-02T08:00:00Z", True), ("2026-03-03T08:00:00Z", True),
                                                 ("2026-03-04T08:00:00Z", True), ("2026-03-05T08:00:00Z", True)]),
        # downtime that ends just as a slot is due: the missed ones are late, the current one is not
        ("one", LAST, "2026-03-04T09:01+01:00", [("2026-03-04T08:00:00Z", False)]),
        ("none", LAST, "2026-03-04T09:01+01:00", [("2026-03-04T08:00:00Z", False)]),
        ("all", LAST, "2026-03-04T09:01+01:00", [("2026-03-02T08:00:00Z", True), ("2026-03-03T08:00:00Z", True),
                                                 ("2026-03-04T08:00:00Z", False)]),
        # never fired, no start date: nothing was missed, an on-time slot still fires
        ("all", None, "2026-03-05T12:00+01:00", []),
        ("one", None, "2026-03-05T09:03+01:00", [("2026-03-05T08:00:00Z", False)]),
    ],
)  # fmt: skip
def test_catch_up_policies(policy: Any, last: str | None, now: str, expected: list[tuple[str, bool]]) -> None:
    slots = catch_up(BERLIN_DAILY, at(last) if last else None, at(now), policy)
    assert [(s.key, s.late) for s in slots] == expected


def test_catch_up_all_is_capped_to_the_most_recent() -> None:
    slots = catch_up(BERLIN_DAILY, at(LAST), at("2026-04-01T12:00+02:00"), "all", limit=3)
    assert [s.key for s in slots] == ["2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z", "2026-04-01T07:00:00Z"]
    assert all(s.late for s in slots)


def test_catch_up_from_start_date_when_never_fired() -> None:
    schedule = Schedule(kind="cron", cron="0 9 * * *", timezone="Europe/Berlin", start=date(2026, 3, 4))
    slots = catch_up(schedule, None, at("2026-03-05T12:00+01:00"), "all")
    assert [s.key for s in slots] == ["2026-03-04T08:00:00Z", "2026-03-05T08:00:00Z"]


def test_slot_identity_and_deadline() -> None:
    (slot,) = catch_up(BERLIN_DAILY, at("2026-03-28T09:00+01:00"), at("2026-03-29T09:00+02:00"))
    assert slot.at == datetime(2026, 3, 29, 7, tzinfo=UTC) and slot.at.tzinfo is UTC
    assert slot.key == "2026-03-29T07:00:00Z"
    assert slot.local.isoformat() == "2026-03-29T09:00:00+02:00"
    assert slot.deadline == datetime(2026, 4, 1, 7, tzinfo=UTC)
    assert not slot.late
    # the same inputs always give the same slot (replicas agree on the key)
    assert catch_up(BERLIN_DAILY, at("2026-03-28T09:00+01:00"), at("2026-03-29T09:00+02:00")) == [slot]


def test_catch_up_grace_is_configurable() -> None:
    (slot,) = catch_up(BERLIN_DAILY, at(LAST), at("2026-03-02T09:30+01:00"), "one", grace=timedelta(hours=1))
    assert not slot.late
    (slot,) = catch_up(BERLIN_DAILY, at(LAST), at("2026-03-02T09:30+01:00"), "one")
    assert slot.late


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"policy": "some"}, "^policy: 'some' is not one of one, none, all"), ({"limit": 0}, "^limit")],
)
def test_catch_up_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        catch_up(BERLIN_DAILY, None, at("2026-03-05T12:00+01:00"), **kwargs)


@pytest.mark.parametrize(
    ("cron", "last", "now", "policy", "limit"),
    [
        ("0 9 * * mon", "2026-01-05T09:00+01:00", "2026-12-31T12:00+01:00", "all", 20),
        (
            "0 9 * * mon",
            "2026-01-05T09:00+01:00",
            "2026-12-31T12:00+01:00",
            "one",
            10,
        ),  # latest is 3 days back
        ("0 9 1 */3 *", "2020-01-01T09:00+01:00", "2026-12-31T12:00+01:00", "all", 30),
        ("*/10 * * * *", "2025-01-01T00:00+01:00", "2026-03-29T04:00+02:00", "all", 15),  # spans the DST jump
    ],
)
def test_catch_up_equals_the_tail_of_all_due_slots(
    cron: str, last: str, now: str, policy: Any, limit: int
) -> None:
    schedule = Schedule(kind="cron", cron=cron, timezone="Europe/Berlin")
    due = fire_times_between(
        schedule, at(last) + timedelta(microseconds=1), at(now) + timedelta(microseconds=1)
    )
    slots = catch_up(schedule, at(last), at(now), policy, limit=limit)
    assert [s.at for s in slots] == [t.astimezone(UTC) for t in due[-(1 if policy == "one" else limit) :]]
