"""Polls (trackers): what is measured, among whom, how often, through which panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from recognition.errors import UserError


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
        raise UserError(f"a poll named {name!r} already exists in this organisation") from None
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
