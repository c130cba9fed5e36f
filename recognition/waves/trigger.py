"""APScheduler adapter: a trigger that fires exactly at :func:`recognition.scheduling.schedule.next_fire_times`.

APScheduler's own ``CronTrigger`` numbers weekdays from Monday and lacks the day-of-month / day-of-week OR rule,
so user cron strings never reach it; this trigger asks the same code as previews and catch-up, so what is shown
and what fires cannot disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from recognition.scheduling.schedule import Schedule, next_fire_times

_TICK = timedelta(microseconds=1)


class RecognitionTrigger(BaseTrigger):
    """Fires at the schedule's fire times (aware, in the schedule's zone); never when paused or ended."""

    __slots__ = ("schedule",)

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The first fire time at or after ``now`` for a new job; after a run, the first one after
        ``previous_fire_time`` (even if already past, so APScheduler can apply its misfire rules), as
        ``CronTrigger`` does."""
        if previous_fire_time is None:
            start = now
        else:
            # all in UTC: Python never finds a datetime in a repeated hour equal to one in another zone
            previous = previous_fire_time.astimezone(UTC)
            start = min(now.astimezone(UTC), previous + _TICK)
            if start == previous:
                start += _TICK
        times = next_fire_times(self.schedule, start.astimezone(UTC) - _TICK, 1)
        return times[0] if times else None

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "schedule": self.schedule.to_dict()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("version") != 1:
            raise ValueError(f"cannot restore RecognitionTrigger state version {state.get('version')!r}")
        self.schedule = Schedule.from_dict(state["schedule"])

    def __str__(self) -> str:
        return f"recognition[{self._describe()}]"

    def __repr__(self) -> str:
        return f"<RecognitionTrigger ({self._describe()})>"

    def _describe(self) -> str:
        s = self.schedule
        what = s.cron if s.kind == "cron" else f"every {s.interval}" if s.kind == "interval" else "daily"
        return f"{s.kind} {what!s} tz={s.timezone}{' paused' if s.paused else ''}"
