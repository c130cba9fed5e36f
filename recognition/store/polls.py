"""Polls (trackers): what is measured, among whom, how often, through which panel.

:func:`check_poll` validates a whole definition (the questionnaire it builds, its population, its schedule) and
names each bad field; :func:`create_poll` / :func:`update_poll` store one, :func:`archive_poll` retires one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from recognition.errors import UserError
from recognition.questionnaire.build import build
from recognition.questionnaire.config import QuestionnaireConfig, QuestionnaireError
from recognition.scheduling.schedule import Schedule, ScheduleError

#: Columns a poll definition sets (create) or changes (update); ``status`` is changed by update/archive only.
DEFINITION_FIELDS = (
    "name",
    "category",
    "own_brand",
    "brands",
    "population",
    "sample_size",
    "cost_per_complete",
    "budget",
    "schedule",
    "provider",
)
STATUSES = ("active", "paused", "archived")


class PollConflict(UserError):
    """The change conflicts with the stored state (a duplicate name, an archived poll)."""


@dataclass(frozen=True)
class FieldError:
    """One problem with a poll definition; ``field`` is a dotted path such as ``brands[2].id``."""

    field: str
    message: str


@dataclass(frozen=True)
class Poll:
    id: int
    organisation_id: int
    name: str
    category: str
    own_brand: str
    brands: list[dict[str, Any]]
    population: str
    sample_size: int
    cost_per_complete: float
    budget: float | None
    schedule: dict[str, Any]
    provider: str
    questionnaire_version: int
    status: str
    created_at: datetime
    updated_at: datetime

    @property
    def brand_ids(self) -> list[str]:
        return [str(b["id"]) for b in self.brands]

    def brand_name(self, brand_id: str) -> str:
        for b in self.brands:
            if b["id"] == brand_id:
                return str(b.get("name", brand_id))
        return brand_id


def _poll(row: asyncpg.Record) -> Poll:
    data = dict(row)
    data["cost_per_complete"] = float(data["cost_per_complete"])
    data["budget"] = None if data["budget"] is None else float(data["budget"])
    return Poll(**data)


async def create_poll(
    conn: asyncpg.Connection,
    org_id: int,
    *,
    name: str,
    category: str,
    brands: list[dict[str, Any]],
    own_brand: str,
    population: str,
    sample_size: int,
    cost_per_complete: float = 0.0,
    budget: float | None = None,
    schedule: dict[str, Any] | None = None,
    provider: str = "simulated",
) -> Poll:
    ids = [b.get("id") for b in brands]
    if own_brand not in ids:
        raise UserError(f"own_brand {own_brand!r} is not among the brands {ids}")
    try:
        row = await conn.fetchrow(
            """INSERT INTO polls (organisation_id, name, category, own_brand, brands, population, sample_size,
                                  cost_per_complete, budget, schedule, provider)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *""",
            org_id,
            name,
            category,
            own_brand,
            brands,
            population,
            sample_size,
            cost_per_complete,
            budget,
            schedule or {},
            provider,
        )
    except asyncpg.UniqueViolationError:
        raise PollConflict(f"a poll named {name!r} already exists in this organisation") from None
    return _poll(row)


async def get_poll(conn: asyncpg.Connection, poll_id: int, *, org_id: int | None = None) -> Poll | None:
    row = await conn.fetchrow(
        "SELECT * FROM polls WHERE id = $1 AND ($2::bigint IS NULL OR organisation_id = $2)", poll_id, org_id
    )
    return _poll(row) if row else None


async def find_poll(conn: asyncpg.Connection, org_id: int, name: str) -> Poll | None:
    row = await conn.fetchrow("SELECT * FROM polls WHERE organisation_id = $1 AND name = $2", org_id, name)
    return _poll(row) if row else None


async def list_polls(conn: asyncpg.Connection, org_id: int) -> list[Poll]:
    rows = await conn.fetch("SELECT * FROM polls WHERE organisation_id = $1 ORDER BY id", org_id)
    return [_poll(r) for r in rows]


def questionnaire_config(values: Mapping[str, Any]) -> QuestionnaireConfig:
    """The questionnaire settings a poll definition implies: its brands (the own brand marked) and category."""
    own = values.get("own_brand")
    brands = [
        {k: v for k, v in {**b, "own": b.get("id") == own}.items() if k in ("id", "name", "aliases", "own")}
        for b in values.get("brands") or []
    ]
    return QuestionnaireConfig.from_dict({"brands": brands, "category": values.get("category")})


def _population_margins(population: str) -> dict[str, dict[str, float]]:
    from recognition.populations import load_margins

    return load_margins(population)


def schedule_error(exc: ScheduleError) -> FieldError:
    """A schedule problem as a field error: 'cron minute: bad value' → ``schedule.cron``."""
    key, sep, message = str(exc).partition(": ")
    if not sep or not key.split():
        return FieldError("schedule", str(exc))
    return FieldError(f"schedule.{key.split()[0]}", f"{key}: {message}" if " " in key else message)


def check_poll(values: Mapping[str, Any]) -> list[FieldError]:
    """Every problem with a complete poll definition (empty when it is valid): the own brand is among the
    brands, the questionnaire builds for the population's weighting variables, the schedule is well formed."""
    errors: list[FieldError] = []
    ids = [b.get("id") for b in values.get("brands") or []]
    if values.get("own_brand") not in ids:
        errors.append(
            FieldError("own_brand", f"{values.get('own_brand')!r} is not among the brand ids {ids}")
        )
    margins: dict[str, dict[str, float]] | None = None
    try:
        margins = _population_margins(str(values.get("population", "")))
    except ValueError as exc:
        errors.append(FieldError("population", str(exc)))
    if not errors:
        try:
            build(questionnaire_config(values), margins or {})
        except QuestionnaireError as exc:
            errors.append(FieldError(exc.field or "brands", exc.reason))
    schedule = values.get("schedule") or {}
    if schedule:
        try:
            Schedule.from_dict(schedule)
        except ScheduleError as exc:
            errors.append(schedule_error(exc))
    budget, cost = values.get("budget"), values.get("cost_per_complete") or 0
    if budget is not None and values.get("sample_size") and cost * values["sample_size"] > budget:
        errors.append(
            FieldError("budget", f"one wave costs {cost * values['sample_size']:.2f}, above the budget")
        )
    return errors


async def list_polls_page(
    conn: asyncpg.Connection,
    org_id: int,
    *,
    after_id: int | None = None,
    limit: int = 50,
    include_archived: bool = True,
) -> list[Poll]:
    rows = await conn.fetch(
        """SELECT * FROM polls WHERE organisation_id = $1 AND ($2::bigint IS NULL OR id > $2)
                AND ($4 OR status <> 'archived')
           ORDER BY id LIMIT $3""",
        org_id,
        after_id,
        limit,
        include_archived,
    )
    return [_poll(r) for r in rows]


async def update_poll(conn: asyncpg.Connection, poll_id: int, changes: Mapping[str, Any]) -> Poll:
    """Apply ``changes`` (definition fields and/or ``status`` 'active' | 'paused') to a poll that is not
    archived. Raises :class:`PollConflict` for an archived poll or a duplicate name."""
    fields = [f for f in (*DEFINITION_FIELDS, "status") if f in changes]
    sets = ", ".join(f"{f} = ${i + 2}" for i, f in enumerate(fields))
    try:
        row = await conn.fetchrow(
            f"""UPDATE polls SET {sets + ", " if sets else ""}updated_at = now()
                WHERE id = $1 AND status <> 'archived' RETURNING *""",
            poll_id,
            *(changes[f] for f in fields),
        )
    except asyncpg.UniqueViolationError:
        raise PollConflict(
            f"a poll named {changes.get('name')!r} already exists in this organisation"
        ) from None
    if row is None:
        raise PollConflict(f"poll {poll_id} is archived and cannot be changed")
    return _poll(row)


async def archive_poll(conn: asyncpg.Connection, poll_id: int) -> Poll:
    """Archive the poll (no more waves are scheduled; its figures stay readable). Idempotent."""
    row = await conn.fetchrow(
        """UPDATE polls SET status = 'archived',
                  updated_at = CASE WHEN status = 'archived' THEN updated_at ELSE now() END
           WHERE id = $1 RETURNING *""",
        poll_id,
    )
    return _poll(row)
