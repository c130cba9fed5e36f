"""Polls: create, validate, read, update, archive; questionnaire preview and sample-size plan."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import asyncpg

from recognition.polls.checks import check_poll
from recognition.polls.definition import PollCreate, PollUpdate
from recognition.polls.model import FieldError, Poll, PollConflict, Price
from recognition.polls.plan import make_plan
from recognition.polls.questionnaire import normalise, poll_questionnaire
from recognition.populations import load_margins
from recognition.questionnaire.config import QuestionnaireError
from recognition.questionnaire.versions import version_key
from recognition.store import estimates as estimates_store
from recognition.store import polls as store
from recognition.store import waves as waves_store
from recognition.store.questionnaires import record_change
from recognition.waves.pricing import wave_price
from recognition.web.api.bodies import bad_request, unprocessable
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
from recognition.web.api.poll_schemas import PLAN, QUESTIONNAIRE, VALIDATION
from recognition.web.api.schemas import record_schema
from recognition.web.keys import PROVIDERS

POLL = record_schema(Poll, exclude=("organisation_id",))
POLL_ID = Param("poll_id", "path", ID, "the poll's id", required=True)


def render(poll: Poll) -> dict[str, Any]:
    return {k: v for k, v in asdict(poll).items() if k != "organisation_id"}


async def load_poll(conn: asyncpg.Connection, ctx: Ctx) -> Poll:
    poll = await store.get_poll(conn, ctx.params["poll_id"], org_id=ctx.org_id)
    if poll is None:
        raise not_found("poll", ctx.params["poll_id"])
    return poll


def _listed(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{"field": e.field, "message": e.message} for e in errors]


def _invalid(errors: list[FieldError], plan: dict[str, Any] | None = None) -> Problem:
    problem = unprocessable(_listed(errors), "the poll definition")
    if plan is not None:
        problem.extra = {"plan": plan}
    return problem


#: Fields whose meaning checks read another field: silent while that field's shape is wrong.
_READS = {
    "own_brand": {"brands"},
    "brands": {"own_brand"},
    "category": {"language"},
    "budget": {"sample_size"},
}


def definition_checks(body: Any, wrong: frozenset[str]) -> list[dict[str, str]]:
    """The meaning checks of a new poll's definition (run even when its shape is wrong, see ``Op.form``), on the
    fields whose shape was right and that read none whose shape was wrong."""
    if {"population", "brands"} & wrong:  # the questionnaire and the own brand cannot be judged without them
        wrong = wrong | {
            "own_brand",
            "brands",
            "attributes",
            "category",
            "language",
            "modules",
            "entry_points",
            "service_features",
            "service_satisfaction",
        }
    errors = check_poll(normalise(_NEW, {k: v for k, v in body.items() if k not in wrong}))
    return [
        e
        for e in _listed(errors)
        if (root := e["field"].split(".")[0].split("[")[0]) not in wrong
        and not (_READS.get(root, set()) & wrong)
    ]


def _conflict(exc: PollConflict) -> Problem:
    return Problem(409, "Conflict", str(exc))


#: Fields that change what one wave costs: a change to any of them checks the budget again.
_PRICED = frozenset({"population", "sample_size", "provider", "cost_per_complete", "budget"})


async def _price(ctx: Ctx, values: dict[str, Any], n: int | None = None) -> Price:
    """The price per complete of one wave of ``values``, as the launch will see it (or the poll's own)."""
    return await wave_price(ctx.request.app[PROVIDERS], values, ctx.org_id, target_n=n)


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


_NEW: dict[str, Any] = {"cost_per_complete": 0.0, "budget": None, "schedule": {}, "provider": "simulated"}


async def create_poll(ctx: Ctx) -> Any:
    values = normalise(_NEW, ctx.body)
    errors = check_poll(values, await _price(ctx, values) if values["budget"] is not None else None)
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
    values = normalise(_NEW, ctx.body)
    price = await _price(ctx, values)
    errors = check_poll(values, price)
    plan = None
    if not [e for e in errors if e.field.startswith("schedule")]:
        plan = make_plan(values, price, alpha=ctx.settings.statistics_alpha)
    if errors:  # the same 422 problem a create of this body answers, with the plan beside it
        raise _invalid(errors, plan)
    return respond({"valid": True, "errors": [], "plan": plan})


#: The fields the plan reads: with each of them right, a definition wrong elsewhere still gets its plan.
_PLANNED = ("sample_size", "population", "provider", "cost_per_complete", "budget", "schedule")


async def plan_beside(ctx: Ctx, problem: Problem) -> None:
    """The plan beside the 422 of a definition whose shape is wrong (``ctx.body`` as sent), as a form typed
    field by field needs it: when the fields the plan reads are each right (and a sample size is given)."""
    wrong = {e["field"].split(".")[0].split("[")[0] for e in problem.errors}
    body = ctx.body
    if wrong & set(_PLANNED) or not isinstance(body.get("sample_size"), int) or "population" not in body:
        return
    values = {**_NEW, **{k: body[k] for k in _PLANNED if k in body}}
    plan = make_plan(values, await _price(ctx, values), alpha=ctx.settings.statistics_alpha)
    problem.extra = {**problem.extra, "plan": plan}


async def get_poll(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn:
        return respond(render(await load_poll(conn, ctx)))


async def update_poll(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn:  # the quote is asked before the transaction holds the poll
        merged = {**render(await load_poll(conn, ctx)), **ctx.body}
    priced = merged["budget"] is not None and bool(_PRICED & set(ctx.body))
    price = await _price(ctx, merged) if priced else None
    async with ctx.pool.acquire() as conn, conn.transaction():
        poll = await load_poll(conn, ctx)
        if poll.status == "archived":
            raise Problem(409, "Conflict", f"poll {poll.id} is archived and cannot be changed")
        merged = normalise(render(poll), ctx.body)
        errors = check_poll(merged, price)
        if errors:
            raise _invalid(errors)
        worded = ("category", "category_wording") if {"category", "language"} & set(ctx.body) else ()
        try:
            updated = await store.update_poll(conn, poll.id, {k: merged[k] for k in (*ctx.body, *worded)})
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
    try:
        questionnaire = poll_questionnaire(poll, load_margins(poll.population))
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
    values = render(poll)
    price = await _price(ctx, values, p.get("n"))
    try:
        plan = make_plan(
            values,
            price,
            n=p.get("n"),
            p=p.get("p", 0.3),
            deff=deff,
            alpha=p.get("alpha", ctx.settings.statistics_alpha),
            power=p.get("power", 0.8),
            change=p.get("change"),
        )
    except ValueError as exc:  # parameters each in range but impossible together (p + change ≥ 1, ...)
        field, _, message = str(exc).partition(": ")
        raise bad_request([{"field": field, "message": message or str(exc)}]) from None
    return respond(plan)


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
        body=PollCreate,
        status=201,
        errors=(409, 422),
        form=True,
        checks=definition_checks,
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
        body=PollCreate,
        errors=(422,),
        form=True,
        checks=definition_checks,
        explain=plan_beside,
        description=(
            "Answers 200 with the sample-size plan and cost when the definition is valid; otherwise the 422 "
            "problem a create would answer, every problem by field, with the plan (when it can be computed: "
            "the fields it reads — sample_size, population, provider, cost_per_complete, budget, schedule — "
            "are each right, whatever is wrong elsewhere) in its `plan` member. A form may call it as the user types. The budget is per wave: a wave fits "
            "when sample_size × the provider's price per complete is at most the budget (the check the launch "
            "makes); the plan says whose price it used (price_source)."
        ),
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
        body=PollUpdate,
        errors=(409, 422),
        form=True,
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
        description="Costs n completes at the price per complete the poll's provider quotes for one wave (the "
        "price the launch checks against the budget, which is per wave), else at the poll's cost_per_complete "
        "(price_source says which).",
    ),
)
