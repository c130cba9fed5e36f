"""Weights, weighting diagnostics and published estimates of a wave. Written together in one transaction, so a
wave's figures are either all there or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg


@dataclass(frozen=True)
class WeightingRow:
    method: str
    converged: bool
    iterations: int
    max_margin_error: float
    n: int
    n_eff: float
    deff_kish: float
    weight_min: float
    weight_max: float
    warnings: list[str]


@dataclass(frozen=True)
class EstimateRow:
    metric: str
    brand: str
    segment: str
    base: str
    kind: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    ci_method: str
    level: float
    n: int
    n_eff: float
    deff: float | None
    base_status: str
    warnings: list[str]
    change: float | None = None
    change_se: float | None = None
    p_value: float | None = None
    q_value: float | None = None
    significant: bool | None = None


_ESTIMATE_FIELDS = tuple(EstimateRow.__dataclass_fields__)


async def replace_wave_results(
    conn: asyncpg.Connection,
    wave_id: int,
    weighting: WeightingRow,
    weights: Sequence[tuple[int, float]],
    estimates: Sequence[EstimateRow],
) -> None:
    """Store (or re-store, on reprocessing) a wave's weights, diagnostics and estimates atomically."""
    async with conn.transaction():
        await conn.execute("DELETE FROM estimates WHERE wave_id = $1", wave_id)
        await conn.execute("DELETE FROM weights WHERE wave_id = $1", wave_id)
        await conn.execute("DELETE FROM weighting_runs WHERE wave_id = $1", wave_id)
        w = asdict(weighting)
        await conn.execute(
            f"""INSERT INTO weighting_runs (wave_id, {", ".join(w)})
                VALUES ($1, {", ".join(f"${i + 2}" for i in range(len(w)))})""",
            wave_id,
            *w.values(),
        )
        await conn.copy_records_to_table(
            "weights",
            records=[(rid, wave_id, weight) for rid, weight in weights],
            columns=["respondent_id", "wave_id", "weight"],
        )
        await conn.copy_records_to_table(
            "estimates",
            records=[(wave_id, *(getattr(e, f) for f in _ESTIMATE_FIELDS)) for e in estimates],
            columns=["wave_id", *_ESTIMATE_FIELDS],
        )


async def wave_estimates(
    conn: asyncpg.Connection, wave_id: int, *, metric: str | None = None, segment: str | None = None
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT metric, brand, segment, base, kind, estimate, se, ci_low, ci_high, ci_method, level, n, n_eff,
                  deff, base_status, warnings, change, change_se, p_value, q_value, significant
           FROM estimates WHERE wave_id = $1 AND ($2::text IS NULL OR metric = $2)
                AND ($3::text IS NULL OR segment = $3)
           ORDER BY metric, brand, segment, base""",
        wave_id,
        metric,
        segment,
    )
    return [dict(r) for r in rows]


async def weighting_run(conn: asyncpg.Connection, wave_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM weighting_runs WHERE wave_id = $1", wave_id)
    return dict(row) if row else None
