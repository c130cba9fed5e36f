"""Schedule previews: the next fire times of a poll's schedule, or of any schedule, with each wave's fieldwork
deadline — the same arithmetic the scheduler runs (:mod:`recognition.scheduling.schedule`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from recognition.polls.checks import schedule_error
from recognition.polls.definition import Strict
from recognition.scheduling.schedule import Schedule, ScheduleError, next_fire_times
from recognition.web.api.errors import Problem
from recognition.web.api.ops import Ctx, Op, Param, respond
from recognition.web.api.polls import POLL_ID, load_poll

FIRE_TIMES = {
    "type": "object",
    "required": ["timezone", "fire_times"],
    "properties": {
        "timezone": {"type": ["string", "null"]},
        "fire_times": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["at", "deadline"],
                "properties": {"at": {"type": "string"}, "deadline": {"type": "string"}},
            },
        },
    },
}


class SchedulePreview(Strict):
    schedule: dict[str, Any] = Field(max_length=20, description="cron, interval or continuous")
    count: int = Field(default=10, ge=1, le=100, description="how many fire times")
    after: str | None = Field(default=None, max_length=40, description="an ISO 8601 instant (default now)")


COUNT = Param("count", "query", {"type": "integer", "minimum": 1, "maximum": 100}, "how many (default 10)")


def _fire_times(schedule_data: dict[str, Any], count: int, after: datetime) -> dict[str, Any]:
    try:
        schedule = Schedule.from_dict(schedule_data)
    except ScheduleError as exc:
        error = schedule_error(exc)
        raise Problem(
            422,
            "Unprocessable Content",
            f"the schedule is not valid: {exc}",
            errors=[{"field": error.field, "message": error.message}],
        ) from None
    times = next_fire_times(schedule, after, count)
    return {
        "timezone": schedule.timezone,
        "fire_times": [{"at": t.isoformat(), "deadline": schedule.deadline(t).isoformat()} for t in times],
    }


async def preview_poll_schedule(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
    if not poll.schedule:
        return respond({"timezone": None, "fire_times": []})
    return respond(_fire_times(poll.schedule, ctx.params.get("count", 10), datetime.now(UTC)))


async def preview_schedule(ctx: Ctx) -> Any:
    after = ctx.body.get("after")
    when = datetime.now(UTC)
    if after is not None:
        try:
            when = datetime.fromisoformat(after)
        except ValueError:
            when = None  # type: ignore[assignment]
        if when is None or when.tzinfo is None:
            raise Problem(
                400,
                "Bad Request",
                "after must be an ISO 8601 instant with an offset",
                errors=[{"field": "after", "message": "expected e.g. 2026-03-01T00:00:00+00:00"}],
            )
    return respond(_fire_times(ctx.body["schedule"], ctx.body.get("count", 10), when))


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/schedule",
        preview_poll_schedule,
        "viewer",
        "Preview the poll's next waves",
        "schedule",
        FIRE_TIMES,
        (POLL_ID, COUNT),
        errors=(422,),
    ),
    Op(
        "POST",
        "/api/v1/schedule/preview",
        preview_schedule,
        "viewer",
        "Preview any schedule",
        "schedule",
        FIRE_TIMES,
        body=SchedulePreview,
        errors=(422,),
        example={
            "schedule": {
                "kind": "interval",
                "interval": "P14D",
                "anchor": "2026-03-02T09:00",
                "timezone": "Europe/London",
            },
            "count": 5,
        },
    ),
)
