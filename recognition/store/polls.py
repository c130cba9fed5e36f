"""Polls (trackers): :func:`create_poll` / :func:`update_poll` store one (checked first by
:func:`recognition.polls.checks.check_poll`), :func:`archive_poll` retires one. The record is
:class:`recognition.polls.model.Poll`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from recognition.errors import UserError
from recognition.polls.model import DEFINITION_FIELDS, Poll, PollConflict


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
    language: str = "en",
    category_wording: dict[str, str] | None = None,
    attributes: list[Any] | None = None,
    modules: list[str] | None = None,
    entry_points: list[dict[str, Any]] | None = None,
    service_features: list[dict[str, Any]] | None = None,
    service_satisfaction: list[Any] | None = None,
) -> Poll:
    ids = [b.get("id") for b in brands]
    if own_brand not in ids:
        raise UserError(f"own_brand {own_brand!r} is not among the brands {ids}")
    try:
        row = await conn.fetchrow(
            """INSERT INTO polls (organisation_id, name, category, own_brand, brands, population, sample_size,
                                  cost_per_complete, budget, schedule, provider, language, category_wording,
                                  attributes, modules, entry_points, service_features,
                                  service_satisfaction)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
               RETURNING *""",
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
            language,
            category_wording or {language: category},
            attributes,
            modules,
            entry_points,
            service_features,
            service_satisfaction,
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


async def active_polls(conn: asyncpg.Connection) -> list[Poll]:
    """Every active poll of every organisation (the ones the scheduler runs), by id."""
    rows = await conn.fetch("SELECT * FROM polls WHERE status = 'active' ORDER BY id")
    return [_poll(r) for r in rows]
