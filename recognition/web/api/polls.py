"""Polls: create, validate, read, update, archive; questionnaire preview, sample-size plan, schedule preview."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from recognition.polls.checks import check_poll, questionnaire_config, schedule_error
from recognition.polls.model import STATUSES, FieldError, Poll, PollConflict
from recognition.polls.versions import record_change
from recognition.populations import load_margins
from recognition.questionnaire.build import build
from recognition.questionnaire.config import QuestionnaireError
from recognition.questionnaire.versions import version_key
from recognition.scheduling.schedule import Schedule, ScheduleError, next_fire_times
from recognition.stats import planning
from recognition.store import estimates as estimates_store
from recognition.store import polls as store
from recognition.store import waves as waves_store
from recognition.web.api.errors import Problem
from recognition.web.api.ops import (
    CURSOR,
    ID,
    LIMIT,
    Ctx,
    Op,
    Param,
    decode_cursor,
    not_found,
    page,
    page_schema,
    respond,
)

BRAND_ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
BRAND = {
    "type": "object",
    "required": ["id", "name"],
    "additionalProperties": False,
    "properties": {
        "id": BRAND_ID,
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "aliases": {
            "type": "array",
            "maxItems": 20,
            "items": {"type": "string", "minLength": 1, "maxLength": 100},
        },
    },
}
_FIELDS: dict[str, Any] = {
    "name": TEXT,
    "category": TEXT,
    "own_brand": BRAND_ID,
    "brands": {"type": "array", "items": BRAND, "minItems": 2, "maxItems": 30},
    "population": {
        "type": "string",
        "pattern": "^[a-z]{2}$",
        "description": "a config/populations file: us, de, uk",
    },
    "sample_size": {"type": "integer", "minimum": 50, "maximum": 100000, "description": "completes per wave"},
    "cost_per_complete": {"type": "number", "minimum": 0, "maximum": 10000},
    "budget": {"type": ["number", "null"], "minimum": 0, "maximum": 1e11, "description": "per wave"},
    "schedule": {
        "type": "object",
        "maxProperties": 20,
        "description": "cron, interval or continuous; see docs/api.md (empty = launched by hand)",
    },
    "provider": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
}
REQUIRED = ["name", "category", "own_brand", "brands", "population", "sample_size"]
POLL_CREATE = {"type": "object", "required": REQUIRED, "additionalProperties": False, "properties": _FIELDS}
POLL_UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**_FIELDS, "status": {"type": "string", "enum": ["active", "paused"]}},
}
POLL = {
    "type": "object",
    "required": [
        "id",
        *REQUIRED,
        "cost_per_complete",
        "budget",
        "schedule",
        "provider",
        "status",
        "questionnaire_version",
        "created_at",
        "updated_at",
    ],
    "properties": {
        **_FIELDS,
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "questionnaire_version": {"type": "integer"},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "brands": {"type": "array", "items": {"type": "object"}},
    },
}
FIELD_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    },
}
PLAN = {
    "type": "object",
    "required": [
        "n",
        "p",
        "deff",
        "alpha",
        "power",
        "mdc",
        "cost_per_complete",
        "cost_per_wave",
        "waves_per_year",
        "cost_per_year",
        "budget",
        "within_budget",
    ],
    "properties": {
        "n": {"type": "integer"},
        "p": {"type": "number"},
        "deff": {"type": "number"},
        "alpha": {"type": "number"},
        "power": {"type": "number"},
        "mdc": {"type": "number"},
        "cost_per_complete": {"type": "number"},
        "cost_per_wave": {"type": "number"},
        "waves_per_year": {"type": "integer"},
        "cost_per_year": {"type": "number"},
        "budget": {"type": ["number", "null"]},
        "within_budget": {"type": ["boolean", "null"]},
        "change": {"type": ["number", "null"]},
        "required_n": {"type": ["integer", "null"]},
    },
}
VALIDATION = {
    "type": "object",
    "required": ["valid", "errors", "plan"],
    "properties": {
        "valid": {"type": "boolean"},
        "errors": FIELD_ERRORS,
        "plan": {"anyOf": [PLAN, {"type": "null"}]},
    },
}
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
QUESTIONNAIRE = {
    "type": "object",
    "required": ["version_key", "language", "screens"],
    "properties": {
        "version_key": {"type": "string"},
        "language": {"type": "string"},
        "screens": {"type": "array", "items": {"type": "object"}},
    },
}

POLL_ID = Param("poll_id", "path", ID, "the poll's id", required=True)
COUNT = Param("count", "query", {"type": "integer", "minimum": 1, "maximum": 100}, "how many (default 10)")


def render(poll: Poll) -> dict[str, Any]:
    return {k: v for k, v in asdict(poll).items() if k != "organisation_id"}


async def load_poll(conn: asyncpg.Connection, ctx: Ctx) -> Poll:
    poll = await store.get_poll(conn, ctx.params["poll_id"], org_id=ctx.org_id)
    if poll is None:
        raise not_found("poll", ctx.params["poll_id"])
    return poll


def _invalid(errors: list[FieldError]) -> Problem:
    return Problem(
        422,
        "Unprocessable Content",
        "the poll definition is not valid: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
        errors=[{"field": e.field, "message": e.message} for e in errors],
    )


def _conflict(exc: PollConflict) -> Problem:
    return Problem(409, "Conflict", str(exc))


# --- planning --------------------------------------------------------------------------------------------


def waves_per_year(schedule: dict[str, Any], now: datetime) -> int:
    """Waves the schedule fires in the coming 365 days (at most 400 counted); 1 without a schedule."""
    if not schedule:
        return 1
    try:
        times = next_fire_times(Schedule.from_dict(schedule), now, 400)
    except ScheduleError:
        return 0
    return sum(1 for t in times if t <= now + timedelta(days=365))


def make_plan(
    values: dict[str, Any],
    *,
    n: int | None = None,
    p: float = 0.3,
    deff: float = 1.5,
    alpha: float = 0.05,
    power: float = 0.8,
    change: float | None = None,
) -> dict[str, Any]:
    cost = float(values.get("cost_per_complete") or 0.0)
    result = planning.plan(
        n or values["sample_size"], p, deff=deff, alpha=alpha, power=power, cost_per_complete=cost
    )
    per_year = waves_per_year(values.get("schedule") or {}, datetime.now(UTC))
    budget = values.get("budget")
    return {
        "n": result.n,
        "p": p,
        "deff": deff,
        "alpha": alpha,
        "power": power,
        "mdc": result.mdc,
        "cost_per_complete": cost,
        "cost_per_wave": result.cost,
        "waves_per_year": per_year,
        "cost_per_year": result.cost * per_year,
        "budget": budget,
        "within_budget": None if budget is None else result.cost <= budget,
        "change": change,
        "required_n": None
        if change is None
        else planning.required_n(change, p, deff=deff, alpha=alpha, power=power),
    }


# --- handlers --------------------------------------------------------------------------------------------


async def list_polls(ctx: Ctx) -> Any:
    limit = ctx.params.get("limit", 50)
    async with ctx.pool.acquire() as conn:
        polls = await store.list_polls_page(
            conn,
            ctx.org_id,
            after_id=decode_cursor(ctx),
            limit=limit + 1,
            include_archived=ctx.params.get("include_archived", True),
        )
    return respond(page(polls, limit, render, lambda p: p.id))


async def create_poll(ctx: Ctx) -> Any:
    values = {"cost_per_complete": 0.0, "budget": None, "schedule": {}, "provider": "simulated", **ctx.body}
    errors = check_poll(values)
    if errors:
        raise _invalid(errors)
    async with ctx.pool.acquire() as conn, conn.transaction():
        try:
            poll = await store.create_poll(conn, ctx.org_id, **values)
        except PollConflict as exc:
            raise _conflict(exc) from None
        await ctx.audit(conn, "poll.create", "poll", poll.id, {"name": poll.name})
    return respond(render(poll), status=201, headers={"Location": f"/api/v1/polls/{poll.id}"})


async def validate_poll(ctx: Ctx) -> Any:
    values = {"cost_per_complete": 0.0, "budget": None, "schedule": {}, **ctx.body}
    errors = check_poll(values)
    plan = None
    if not [e for e in errors if e.field.startswith("schedule")]:
        plan = make_plan(values, alpha=ctx.settings.statistics_alpha)
    return respond(
        {
            "valid": not errors,
            "errors": [{"field": e.field, "message": e.message} for e in errors],
            "plan": plan,
        }
    )


async def get_poll(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn:
        return respond(render(await load_poll(conn, ctx)))


async def update_poll(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn, conn.transaction():
        poll = await load_poll(conn, ctx)
        if poll.status == "archived":
            raise Problem(409, "Conflict", f"poll {poll.id} is archived and cannot be changed")
        merged = {**render(poll), **ctx.body}
        errors = check_poll(merged)
        if errors:
            raise _invalid(errors)
        try:
            updated = await store.update_poll(conn, poll.id, ctx.body)
        except PollConflict as exc:
            raise _conflict(exc) from None
        changes = await record_change(conn, poll, updated)
        if changes:  # a change that affects comparability starts a new questionnaire version
            refreshed = await store.get_poll(conn, poll.id)
            assert refreshed is not None
            updated = refreshed
        details: dict[str, Any] = {"changed": sorted(ctx.body)}
        if changes:
            details["questionnaire_version"] = updated.questionnaire_version
            details["comparability_changes"] = changes
        await ctx.audit(conn, "poll.update", "poll", poll.id, details)
    return respond(render(updated))


async def archive_poll(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn, conn.transaction():
        poll = await load_poll(conn, ctx)
        archived = await store.archive_poll(conn, poll.id)
        if poll.status != "archived":
            await ctx.audit(conn, "poll.archive", "poll", poll.id, {"from": poll.status})
    return respond(render(archived))


def _question(q: Any) -> dict[str, Any]:
    return {
        "id": q.id,
        "type": q.type,
        "prompt": q.prompt,
        "note": q.note,
        "required": q.required,
        "options": [{"code": o.code, "label": o.label} for o in q.options],
        "rows": [{"code": o.code, "label": o.label} for o in q.rows],
    }


async def preview_questionnaire(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
    values = render(poll)
    try:
        questionnaire = build(questionnaire_config(values), load_margins(poll.population))
    except (QuestionnaireError, ValueError) as exc:
        raise Problem(
            422, "Unprocessable Content", f"the poll's questionnaire does not build: {exc}"
        ) from None
    return respond(
        {
            "version_key": version_key(questionnaire),
            "language": questionnaire.language,
            "screens": [
                {"id": s.id, "module": s.module, "questions": [_question(q) for q in s.questions]}
                for s in questionnaire.screens
            ],
        }
    )


async def plan_poll(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        deff = ctx.params.get("deff")
        if deff is None:  # the design effect of the latest published wave, else a typical 1.5
            latest = [w for w in await waves_store.list_waves(conn, poll.id) if w.state == "published"]
            run = await estimates_store.weighting_run(conn, latest[-1].id) if latest else None
            deff = float(run["deff_kish"]) if run else 1.5
    p = ctx.params
    return respond(
        make_plan(
            render(poll),
            n=p.get("n"),
            p=p.get("p", 0.3),
            deff=deff,
            alpha=p.get("alpha", ctx.settings.statistics_alpha),
            power=p.get("power", 0.8),
            change=p.get("change"),
        )
    )


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


_PLAN_PARAMS = (
    POLL_ID,
    Param(
        "n",
        "query",
        {"type": "integer", "minimum": 2, "maximum": 1000000},
        "completes per wave (default: the poll's)",
    ),
    Param(
        "p",
        "query",
        {"type": "number", "minimum": 0.01, "maximum": 0.99},
        "baseline proportion (default 0.3)",
    ),
    Param(
        "deff",
        "query",
        {"type": "number", "minimum": 1, "maximum": 20},
        "design effect (default: the latest wave's Kish deff, else 1.5)",
    ),
    Param("alpha", "query", {"type": "number", "minimum": 0.001, "maximum": 0.5}, "two-sided level"),
    Param("power", "query", {"type": "number", "minimum": 0.5, "maximum": 0.99}, "power (default 0.8)"),
    Param(
        "change",
        "query",
        {"type": "number", "minimum": 0.005, "maximum": 0.5},
        "a change to detect: the answer adds the completes per wave it needs",
    ),
)

OPS = (
    Op(
        "GET",
        "/api/v1/polls",
        list_polls,
        "viewer",
        "List polls",
        "polls",
        page_schema(POLL),
        (CURSOR, LIMIT, Param("include_archived", "query", {"type": "boolean"}, "default true")),
    ),
    Op(
        "POST",
        "/api/v1/polls",
        create_poll,
        "editor",
        "Create a poll",
        "polls",
        POLL,
        body=POLL_CREATE,
        status=201,
        errors=(409, 422),
        example={
            "name": "Running shoes tracker",
            "category": "running shoes",
            "own_brand": "acme",
            "brands": [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}],
            "population": "us",
            "sample_size": 1000,
            "cost_per_complete": 1.5,
            "budget": 2000,
            "schedule": {"kind": "cron", "cron": "0 7 * * 1", "timezone": "Europe/Berlin"},
        },
    ),
    Op(
        "POST",
        "/api/v1/polls/validate",
        validate_poll,
        "editor",
        "Check a poll definition without storing it",
        "polls",
        VALIDATION,
        body=POLL_CREATE,
        description="Answers 200 with every problem named by field, and the sample-size plan and cost.",
    ),
    Op("GET", "/api/v1/polls/{poll_id}", get_poll, "viewer", "Get a poll", "polls", POLL, (POLL_ID,)),
    Op(
        "PATCH",
        "/api/v1/polls/{poll_id}",
        update_poll,
        "editor",
        "Change a poll",
        "polls",
        POLL,
        (POLL_ID,),
        body=POLL_UPDATE,
        errors=(409, 422),
        example={"sample_size": 1200, "status": "paused"},
    ),
    Op(
        "POST",
        "/api/v1/polls/{poll_id}/archive",
        archive_poll,
        "editor",
        "Archive a poll",
        "polls",
        POLL,
        (POLL_ID,),
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/questionnaire",
        preview_questionnaire,
        "viewer",
        "Preview the poll's questionnaire",
        "polls",
        QUESTIONNAIRE,
        (POLL_ID,),
        errors=(422,),
    ),
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/plan",
        plan_poll,
        "viewer",
        "Sample-size plan: minimum detectable change and cost",
        "polls",
        PLAN,
        _PLAN_PARAMS,
    ),
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
        body={
            "type": "object",
            "required": ["schedule"],
            "additionalProperties": False,
            "properties": {
                "schedule": {"type": "object", "maxProperties": 20},
                "count": COUNT.schema,
                "after": {"type": "string", "maxLength": 40},
            },
        },
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
