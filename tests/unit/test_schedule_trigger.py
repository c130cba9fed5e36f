"""The APScheduler trigger fires exactly where the schedule preview says."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from recognition.scheduling.schedule import Schedule, next_fire_times
from recognition.waves.trigger import RecognitionTrigger

SUNDAYS = Schedule(kind="cron", cron="30 2 * * 0", timezone="Europe/Berlin")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("previous", "now", "expected"),
    [
        (None, "2026-03-25T12:00+01:00", "2026-03-29T03:30:00+02:00"),  # first run, shifted by the DST jump
        (None, "2026-03-22T02:30+01:00", "2026-03-22T02:30:00+01:00"),  # 'now' itself is a fire time
        ("2026-03-22T02:30+01:00", "2026-03-22T02:30:01+01:00", "2026-03-29T03:30:00+02:00"),
        # after downtime: the next time after the previous one, even if past, so misfire rules can apply
        ("2026-03-01T02:30+01:00", "2026-03-25T12:00+01:00", "2026-03-08T02:30:00+01:00"),
        ("2026-10-18T02:30+02:00", "2026-10-18T03:00+02:00", "2026-10-25T02:30:00+02:00"),
        # the repeated 02:30 on 2026-10-25 fired at its first occurrence; now is in the second one
        ("2026-10-25T02:30+02:00", "2026-10-25T02:30+01:00", "2026-11-01T02:30:00+01:00"),
    ],
)
def test_next_fire_time(previous: str | None, now: str, expected: str) -> None:
    trigger = RecognitionTrigger(SUNDAYS)
    fire = trigger.get_next_fire_time(at(previous) if previous else None, at(now))
    assert fire is not None and fire.isoformat() == expected


@pytest.mark.parametrize(
    "schedule",
    [
        SUNDAYS,
        Schedule(kind="cron", cron="*/20 0-3 * * *", timezone="America/New_York"),
        Schedule(kind="cron", cron="0 9 13 * fri", timezone="Australia/Lord_Howe", skip=frozenset({date(2026, 3, 13)})),
        Schedule(kind="interval", interval=timedelta(days=14), anchor=datetime(2026, 1, 2, 2, 30), timezone="Europe/Berlin"),
        Schedule(kind="continuous", timezone="Australia/Sydney"),
    ],
)  # fmt: skip
def test_trigger_chain_equals_preview(schedule: Schedule) -> None:
    """Feeding each fire time back as the previous one walks exactly the preview, across DST both ways."""
    trigger = RecognitionTrigger(schedule)
    start = at("2026-01-01T00:00+00:00")
    preview = next_fire_times(schedule, start, 400)
    chain: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and len(chain) < len(preview):
        chain.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    assert [t.isoformat() for t in chain] == [t.isoformat() for t in preview]  # offsets compared too


def test_paused_and_ended_schedules_never_fire() -> None:
    now = at("2026-01-01T00:00+00:00")
    paused = Schedule(kind="cron", cron="@hourly", paused=True)
    assert RecognitionTrigger(paused).get_next_fire_time(None, now) is None
    ended = Schedule(kind="cron", cron="@daily", end=date(2026, 1, 2))
    assert RecognitionTrigger(ended).get_next_fire_time(None, now + timedelta(seconds=1)) == datetime(
        2026, 1, 2, tzinfo=UTC
    )
    last = datetime(2026, 1, 2, tzinfo=UTC)
    assert RecognitionTrigger(ended).get_next_fire_time(last, last + timedelta(seconds=1)) is None


def test_sunday_is_sunday_unlike_apschedulers_own_crontab() -> None:
    """APScheduler's CronTrigger reads weekday 0 as Monday; user strings must not reach it."""
    now = at("2026-01-01T00:00+00:00")  # a Thursday
    ours = RecognitionTrigger(Schedule(kind="cron", cron="0 9 * * 0")).get_next_fire_time(None, now)
    theirs = CronTrigger.from_crontab("0 9 * * 0", timezone="UTC").get_next_fire_time(None, now)
    assert ours is not None and ours.strftime("%a %d") == "Sun 04"
    assert theirs is not None and theirs.strftime("%a %d") == "Mon 05"


def test_pickle_and_text() -> None:
    trigger = RecognitionTrigger(SUNDAYS)
    copy = pickle.loads(pickle.dumps(trigger))
    assert copy.schedule == SUNDAYS
    assert str(trigger) == "recognition[cron 30 2 * * 0 tz=Europe/Berlin]"
    assert "RecognitionTrigger" in repr(trigger)
