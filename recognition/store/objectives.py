"""Objectives (table ``objectives``): the limits a poll's figures should stay within, set before measuring
(:class:`recognition.polls.model.Objective`). Callers check values first
(:func:`recognition.polls.checks.check_objective`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from recognition.errors import UserError
from recognition.polls.model import OBJECTIVE_FIELDS, Objective


async def create_objective(conn: asyncpg.Connection, poll_id: int, values: Mapping[str, Any]) -> Objective:
    """Add an objective to ``poll_id`` from ``values`` (metric, brand, threshold, direction; optional segment
    = 'all' and label = '')."""
    full = {"segment": "all", "label": "", **values}
    row = await conn.fetchrow(
        """INSERT INTO objectives (poll_id, metric, brand, segment, threshold, direction, label)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        poll_id,
        full["metric"],
        full["brand"],
        full["segment"],
        float(full["threshold"]),
        full["direction"],
        full["label"],
    )
    return Objective(**dict(row))


async def get_objective(
    conn: asyncpg.Connection, objective_id: int, *, org_id: int | None = None
) -> Objective | None:
    """The objective, if it exists (and, with ``org_id``, belongs to a poll of that organisation)."""
    row = await conn.fetchrow(
        """SELECT o.* FROM objectives o JOIN polls p ON p.id = o.poll_id
           WHERE o.id = $1 AND ($2::bigint IS NULL OR p.organisation_id = $2)""",
        objective_id,
        org_id,
    )
    return Objective(**dict(row)) if row else None


async def list_objectives(
    conn: asyncpg.Connection, poll_id: int, *, after_id: int | None = None, limit: int | None = None
) -> list[Objective]:
    """The poll's objectives by id, optionally those after ``after_id`` and at most ``limit``."""
    rows = await conn.fetch(
        """SELECT * FROM objectives WHERE poll_id = $1 AND ($2::bigint IS NULL OR id > $2)
           ORDER BY id LIMIT $3""",
        poll_id,
        after_id,
        limit,
    )
    return [Objective(**dict(r)) for r in rows]


async def update_objective(
    conn: asyncpg.Connection, objective_id: int, changes: Mapping[str, Any]
) -> Objective:
    """Change some fields of an objective; raises :class:`UserError` if it does not exist."""
    row = await conn.fetchrow("SELECT * FROM objectives WHERE id = $1", objective_id)
    if row is None:
        raise UserError(f"no objective {objective_id}")
    values = {f: changes.get(f, row[f]) for f in OBJECTIVE_FIELDS}
    updated = await conn.fetchrow(
        """UPDATE objectives SET metric = $2, brand = $3, segment = $4, threshold = $5, direction = $6, label = $7
           WHERE id = $1 RETURNING *""",
        objective_id,
        values["metric"],
        values["brand"],
        values["segment"],
        float(values["threshold"]),
        values["direction"],
        values["label"],
    )
    return Objective(**dict(updated))


async def delete_objective(conn: asyncpg.Connection, objective_id: int) -> bool:
    status = await conn.execute("DELETE FROM objectives WHERE id = $1", objective_id)
    return bool(status.endswith(" 1"))
