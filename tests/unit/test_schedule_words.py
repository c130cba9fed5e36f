"""Schedules in plain words, and their next wave, as the tracker studio lists them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recognition.scheduling.words import describe, next_wave

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        ({}, "Launched by hand"),
        (
            {"kind": "cron", "cron": "0 7 * * 1", "timezone": "Europe/Berlin"},
            "Every Monday at 07:00 (Europe/Berlin)",
        ),
        ({"kind": "cron", "cron": "30 9 * * *", "timezone": "UTC"}, "Every day at 09:30 (UTC)"),
        (
            {"kind": "cron", "cron": "0 9 1 * *", "timezone": "UTC"},
            "On the 1st of every month at 09:00 (UTC)",
        ),
        ({"kind": "cron", "cron": "0 8 * * 1,4", "timezone": "UTC"}, "Every Monday, Thursday at 08:00 (UTC)"),
        (
            {"kind": "cron", "cron": "*/15 8-17 * * 1-5", "timezone": "UTC"},
            "On the cron schedule */15 8-17 * * 1-5 (UTC)",
        ),
        (
            {
                "kind": "interval",
                "interval": "P14D",
                "anchor": "2026-03-02T09:00",
                "timezone": "Europe/London",
            },
            "Every 2 weeks from 2 March 2026 at 09:00 (Europe/London)",
        ),
        (
            {"kind": "interval", "interval": "P10D", "anchor": "2026-03-02T09:00", "timezone": "UTC"},
            "Every 10 days from 2 March 2026 at 09:00 (UTC)",
        ),
        (
            {"kind": "continuous", "at": "06:00", "window_days": 14, "timezone": "UTC", "paused": True},
            "A small sample every day at 06:00, reported over 14 days (UTC), paused",
        ),
        ({"kind": "cron", "cron": "0 77 * * 1", "timezone": "UTC"}, "Not a schedule that can run"),
    ],
)
def test_a_schedule_reads_in_plain_words(schedule: dict[str, object], words: str) -> None:
    assert describe(schedule).startswith(words)


def test_the_next_wave_is_the_schedules_next_fire_time_in_its_zone() -> None:
    weekly = {"kind": "cron", "cron": "0 7 * * 1", "timezone": "Europe/Berlin"}
    upcoming = next_wave(weekly, NOW)
    assert upcoming is not None and upcoming.isoformat() == "2026-03-09T07:00:00+01:00"
    assert next_wave({}, NOW) is None
    assert next_wave({"kind": "cron", "cron": "0 7 * * 1", "timezone": "UTC", "paused": True}, NOW) is None
    assert next_wave({"kind": "cron", "cron": "nonsense", "timezone": "UTC"}, NOW) is None
