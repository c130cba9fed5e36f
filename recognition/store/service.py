"""The marketer's service decisions per poll feature (table ``service_decisions``): each overrides the analysis'
recommendation for one feature in the service promise (:mod:`recognition.reports.promise`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Decision:
    """``choice`` is standard, paid_add_on (with ``price``) or do_not_promise."""

    feature_id: str
    choice: str
    price: float | None
    note: str
    decided_by: str
    decided_at: datetime


_COLUMNS = "feature_id, choice, price, note, decided_by, decided_at"


def _decision(row: asyncpg.Record) -> Decision:
    return Decision(row[0], row[1], row[2], row[3], row[4], row[5])


async def list_decisions(conn: asyncpg.Connection, poll_id: int) -> list[Decision]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM service_decisions WHERE poll_id = $1 ORDER BY feature_id", poll_id
    )
    return [_decision(r) for r in rows]


async def set_decision(
    conn: asyncpg.Connection,
    poll_id: int,
    feature_id: str,
    choice: str,
    price: float | None,
    note: str,
    decided_by: str,
) -> Decision:
    row = await conn.fetchrow(
        f"""INSERT INTO service_decisions (poll_id, feature_id, choice, price, note, decided_by)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (poll_id, feature_id) DO UPDATE
            SET choice = EXCLUDED.choice, price = EXCLUDED.price, note = EXCLUDED.note,
                decided_by = EXCLUDED.decided_by, decided_at = now()
            RETURNING {_COLUMNS}""",
        poll_id,
        feature_id,
        choice,
        price,
        note,
        decided_by,
    )
    return _decision(row)


async def delete_decision(conn: asyncpg.Connection, poll_id: int, feature_id: str) -> bool:
    """Remove the decision (the feature follows the analysis again); False when there was none."""
    done = await conn.execute(
        "DELETE FROM service_decisions WHERE poll_id = $1 AND feature_id = $2", poll_id, feature_id
    )
    return bool(done != "DELETE 0")
