"""Objectives: targets for published figures (read by the dashboard, which evaluates them and raises alerts)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from recognition.polls.checks import check_objective
from recognition.polls.definition import ObjectiveCreate, ObjectiveFields
from recognition.polls.model import Objective, Poll
from recognition.store import objectives as store
from recognition.store import polls as polls_store
from recognition.web.api.bodies import unprocessable
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
from recognition.web.api.polls import POLL_ID, load_poll
from recognition.web.api.schemas import record_schema

OBJECTIVE = record_schema(Objective)
OBJECTIVE_ID = Param("objective_id", "path", ID, "the objective's id", required=True)


def render(o: Objective) -> dict[str, Any]:
    return asdict(o)


def _check(poll: Poll, values: dict[str, Any]) -> None:
    errors = check_objective(poll, values)
    if errors:
        raise unprocessable([{"field": e.field, "message": e.message} for e in errors], "the objective")


async def list_objectives(ctx: Ctx) -> web.StreamResponse:
    limit = ctx.params.get("limit", 50)
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        items = await store.list_objectives(conn, poll.id, after_id=decode_cursor(ctx), limit=limit + 1)
    return respond(page(items, limit, render, lambda o: o.id))


async def create_objective(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn, conn.transaction():
        poll = await load_poll(conn, ctx)
        _check(poll, ctx.body)
        objective = await store.create_objective(conn, poll.id, ctx.body)
        await ctx.audit(conn, "objective.create", "objective", objective.id, render(objective))
    return respond(render(objective), status=201, headers={"Location": f"/api/v1/objectives/{objective.id}"})


async def _load(conn: Any, ctx: Ctx) -> Objective:
    objective = await store.get_objective(conn, ctx.params["objective_id"], org_id=ctx.org_id)
    if objective is None:
        raise not_found("objective", ctx.params["objective_id"])
    return objective


async def get_objective(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        return respond(render(await _load(conn, ctx)))


async def update_objective(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn, conn.transaction():
        objective = await _load(conn, ctx)
        poll = await polls_store.get_poll(conn, objective.poll_id)
        assert poll is not None
        _check(poll, {**render(objective), **ctx.body})
        updated = await store.update_objective(conn, objective.id, ctx.body)
        await ctx.audit(conn, "objective.update", "objective", objective.id, {"changes": ctx.body})
    return respond(render(updated))


async def delete_objective(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn, conn.transaction():
        objective = await _load(conn, ctx)
        await store.delete_objective(conn, objective.id)
        await ctx.audit(conn, "objective.delete", "objective", objective.id, render(objective))
    return web.Response(status=204)


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/objectives",
        list_objectives,
        "viewer",
        "List a poll's objectives",
        "objectives",
        page_schema(OBJECTIVE),
        (POLL_ID, CURSOR, LIMIT),
    ),
    Op(
        "POST",
        "/api/v1/polls/{poll_id}/objectives",
        create_objective,
        "editor",
        "Add an objective",
        "objectives",
        OBJECTIVE,
        (POLL_ID,),
        body=ObjectiveCreate,
        status=201,
        form=True,
        errors=(422,),
        example={
            "metric": "aided",
            "brand": "acme",
            "segment": "all",
            "threshold": 0.4,
            "direction": "at_least",
            "label": "Aided awareness at least 40%",
        },
    ),
    Op(
        "GET",
        "/api/v1/objectives/{objective_id}",
        get_objective,
        "viewer",
        "Get an objective",
        "objectives",
        OBJECTIVE,
        (OBJECTIVE_ID,),
    ),
    Op(
        "PATCH",
        "/api/v1/objectives/{objective_id}",
        update_objective,
        "editor",
        "Change an objective",
        "objectives",
        OBJECTIVE,
        (OBJECTIVE_ID,),
        body=ObjectiveFields,
        errors=(422,),
        form=True,
        example={"threshold": 0.45},
    ),
    Op(
        "DELETE",
        "/api/v1/objectives/{objective_id}",
        delete_objective,
        "editor",
        "Delete an objective",
        "objectives",
        {},
        (OBJECTIVE_ID,),
        status=204,
    ),
)
