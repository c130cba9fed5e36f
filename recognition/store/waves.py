"""Waves: one fieldwork round of a poll, unique per (poll, scheduled time), moving through a state machine.

Transitions are compare-and-set on the current state, so repeating one (after a crash, or from a second
instance) is harmless: it either applies once or reports that the wave had already moved on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

STATES = ("scheduled", "launching", "fielding", "closing", "processing", "published", "failed", "cancelled")
TERMINAL = frozenset({"published", "failed", "cancelled"})
#: States in which the hosted survey takes respondents: from launching (the provider's project goes live during
#: it, and the provider may send people before fieldwork hears back) until fieldwork ends.
OPEN = frozenset({"launching", "fielding"})
#: States of a wave whose fieldwork has ended: a newcomer leaves through the over-quota exit.
FIELDED = frozenset({"closing", "processing", "published", "cancelled"})
#: Allowed moves. failed/cancelled can be reached from any non-terminal state.
NEXT = {
    "scheduled": {"launching"},
    "launching": {"fielding"},
    "fielding": {"closing"},
    "closing": {"processing"},
    "processing": {"published"},
}


@dataclass(frozen=True)
class Wave:
    id: int
    poll_id: int
    scheduled_at: datetime
    state: str
    state_reason: str | None
    questionnaire_version: int
    target_n: int
    late: bool
    field_start: datetime | None
    field_end: datetime | None
    created_at: datetime
    updated_at: datetime
    source: str | None = None  # None: fielded by this service; else where an imported wave came from
    service_costs: dict[str, float] | None = field(
        default=None,
        metadata={
            "doc": "the cost per customer of each service feature when the wave was created (feature id → cost); "
            "null: none kept (a wave from before costs were kept, or a poll without service features)"
        },
    )


#: The poll's service feature costs as a wave keeps them ({feature id: cost}; NULL without features).
_COSTS = """(SELECT jsonb_object_agg(f ->> 'id', (f ->> 'cost')::double precision)
             FROM jsonb_array_elements(polls.service_features) AS f)"""


class TransitionError(Exception):
    """A move the state machine does not allow (a programming error, not bad input)."""


async def create_wave(
    conn: asyncpg.Connection, poll_id: int, scheduled_at: datetime, target_n: int, *, late: bool = False
) -> tuple[Wave, bool]:
    """The wave of ``poll_id`` at ``scheduled_at``; created=True only for the caller that inserted it."""
    row = await conn.fetchrow(
        f"""INSERT INTO waves (poll_id, scheduled_at, target_n, late, questionnaire_version, service_costs)
           SELECT $1, $2, $3, $4, questionnaire_version, {_COSTS} FROM polls WHERE id = $1
           ON CONFLICT (poll_id, scheduled_at) DO NOTHING RETURNING *""",
        poll_id,
        scheduled_at,
        target_n,
        late,
    )
    if row is not None:
        await conn.execute("INSERT INTO wave_events (wave_id, to_state) VALUES ($1, 'scheduled')", row["id"])
        return Wave(**dict(row)), True
    row = await conn.fetchrow(
        "SELECT * FROM waves WHERE poll_id = $1 AND scheduled_at = $2", poll_id, scheduled_at
    )
    return Wave(**dict(row)), False


async def get_wave(conn: asyncpg.Connection, wave_id: int) -> Wave | None:
    row = await conn.fetchrow("SELECT * FROM waves WHERE id = $1", wave_id)
    return Wave(**dict(row)) if row else None


async def list_waves(conn: asyncpg.Connection, poll_id: int) -> list[Wave]:
    rows = await conn.fetch("SELECT * FROM waves WHERE poll_id = $1 ORDER BY scheduled_at, id", poll_id)
    return [Wave(**dict(r)) for r in rows]


async def transition(
    conn: asyncpg.Connection, wave_id: int, from_state: str, to_state: str, *, reason: str | None = None
) -> bool:
    """Move the wave from ``from_state`` to ``to_state``; False (and no change) if it is no longer in
    ``from_state``."""
    if to_state not in ("failed", "cancelled") and to_state not in NEXT.get(from_state, set()):
        raise TransitionError(f"a wave cannot move from {from_state} to {to_state}")
    if from_state in TERMINAL:
        raise TransitionError(f"a {from_state} wave cannot move")
    async with conn.transaction():
        row = await conn.fetchrow(
            """UPDATE waves SET state = $3, state_reason = $4, updated_at = now(),
                      field_start = CASE WHEN $3 = 'fielding' THEN coalesce(field_start, now()) ELSE field_start END,
                      field_end = CASE WHEN $3 = 'closing' THEN coalesce(field_end, now()) ELSE field_end END
               WHERE id = $1 AND state = $2 RETURNING id""",
            wave_id,
            from_state,
            to_state,
            reason,
        )
        if row is None:
            return False
        await conn.execute(
            "INSERT INTO wave_events (wave_id, from_state, to_state, reason) VALUES ($1, $2, $3, $4)",
            wave_id,
            from_state,
            to_state,
            reason,
        )
    return True


async def previous_published(conn: asyncpg.Connection, wave: Wave) -> Wave | None:
    row = await conn.fetchrow(
        """SELECT * FROM waves WHERE poll_id = $1 AND state = 'published' AND scheduled_at < $2
           ORDER BY scheduled_at DESC LIMIT 1""",
        wave.poll_id,
        wave.scheduled_at,
    )
    return Wave(**dict(row)) if row else None


async def count_by_state(conn: asyncpg.Connection) -> dict[str, int]:
    """Waves by state over every organisation (for the service's metrics)."""
    rows = await conn.fetch("SELECT state, count(*) AS n FROM waves GROUP BY state")
    return {r["state"]: int(r["n"]) for r in rows}


async def position(conn: asyncpg.Connection, poll_id: int, scheduled_at: datetime) -> int:
    """The 1-based position of the wave scheduled at ``scheduled_at`` among its poll's waves."""
    return (
        int(
            await conn.fetchval(
                "SELECT count(*) FROM waves WHERE poll_id = $1 AND scheduled_at < $2", poll_id, scheduled_at
            )
        )
        + 1
    )


async def latest_scheduled(conn: asyncpg.Connection, poll_id: int) -> datetime | None:
    """The latest slot a wave of the poll was created for (imported waves are not slots of its schedule)."""
    value: datetime | None = await conn.fetchval(
        "SELECT max(scheduled_at) FROM waves WHERE poll_id = $1 AND source IS NULL", poll_id
    )
    return value


async def latest_published(conn: asyncpg.Connection, poll_id: int) -> Wave | None:
    row = await conn.fetchrow(
        """SELECT * FROM waves WHERE poll_id = $1 AND state = 'published'
           ORDER BY scheduled_at DESC, id DESC LIMIT 1""",
        poll_id,
    )
    return Wave(**dict(row)) if row else None


async def list_waves_page(
    conn: asyncpg.Connection, poll_id: int, *, after_id: int | None, limit: int, state: str | None = None
) -> list[Wave]:
    rows = await conn.fetch(
        """SELECT * FROM waves WHERE poll_id = $1 AND ($2::bigint IS NULL OR id > $2)
                AND ($4::text IS NULL OR state = $4) ORDER BY id LIMIT $3""",
        poll_id,
        after_id,
        limit,
        state,
    )
    return [Wave(**dict(r)) for r in rows]


async def get_org_wave(conn: asyncpg.Connection, wave_id: int, org_id: int) -> Wave | None:
    """The wave, if its poll belongs to organisation ``org_id``."""
    row = await conn.fetchrow(
        """SELECT w.* FROM waves w JOIN polls p ON p.id = w.poll_id WHERE w.id = $1 AND p.organisation_id = $2""",
        wave_id,
        org_id,
    )
    return Wave(**dict(row)) if row else None


async def published_ids(
    conn: asyncpg.Connection,
    poll_id: int,
    *,
    after_id: int | None = None,
    wave_id: int | None = None,
    limit: int,
) -> list[int]:
    """Ids of the poll's published waves in id order (a page of them)."""
    rows = await conn.fetch(
        """SELECT id FROM waves WHERE poll_id = $1 AND state = 'published' AND ($2::bigint IS NULL OR id > $2)
               AND ($3::bigint IS NULL OR id = $3) ORDER BY id LIMIT $4""",
        poll_id,
        after_id,
        wave_id,
        limit,
    )
    return [int(r["id"]) for r in rows]


async def get_many(conn: asyncpg.Connection, wave_ids: list[int]) -> list[Wave]:
    rows = await conn.fetch("SELECT * FROM waves WHERE id = ANY($1::bigint[]) ORDER BY id", wave_ids)
    return [Wave(**dict(r)) for r in rows]


async def create_imported_wave(
    conn: asyncpg.Connection, poll_id: int, scheduled_at: datetime, n: int, source: str
) -> Wave | None:
    """A wave imported from ``source``, created straight into ``processing`` (it is never fielded), with its
    event; None when the poll already has a wave at ``scheduled_at``."""
    row = await conn.fetchrow(
        f"""INSERT INTO waves (poll_id, scheduled_at, target_n, questionnaire_version, service_costs, state,
                              state_reason, source)
           SELECT $1, $2, $3, questionnaire_version, {_COSTS}, 'processing', $5, $4 FROM polls WHERE id = $1
           ON CONFLICT (poll_id, scheduled_at) DO NOTHING RETURNING *""",
        poll_id,
        scheduled_at,
        n,
        source,
        f"imported from {source}",
    )
    if row is None:
        return None
    await conn.execute(
        "INSERT INTO wave_events (wave_id, to_state, reason) VALUES ($1, 'processing', $2)",
        row["id"],
        f"imported from {source}",
    )
    return Wave(**dict(row))


async def delete_waves(conn: asyncpg.Connection, wave_ids: list[int]) -> None:
    """Remove waves with everything stored of them (an import that could not finish)."""
    await conn.execute("DELETE FROM waves WHERE id = ANY($1::bigint[])", wave_ids)


async def scheduled_times(conn: asyncpg.Connection, poll_id: int) -> set[datetime]:
    rows = await conn.fetch("SELECT scheduled_at FROM waves WHERE poll_id = $1", poll_id)
    return {r["scheduled_at"] for r in rows}


# -- "launch now" ------------------------------------------------------------------------------------------------


async def lock_launches(conn: asyncpg.Connection, poll_id: int) -> None:
    """Serialise "launch now" of one poll until the transaction ends (two requests cannot both find no wave)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('launch'), $1::int)", poll_id % (1 << 31))


async def launched_for(conn: asyncpg.Connection, poll_id: int, key: str) -> Wave | None:
    """The wave an earlier "launch now" with this idempotency key created."""
    row = await conn.fetchrow(
        """SELECT w.* FROM launch_requests r JOIN waves w ON w.id = r.wave_id
           WHERE r.poll_id = $1 AND r.idempotency_key = $2""",
        poll_id,
        key,
    )
    return Wave(**dict(row)) if row else None


async def record_launch(conn: asyncpg.Connection, poll_id: int, key: str, wave_id: int) -> None:
    await conn.execute(
        "INSERT INTO launch_requests (poll_id, idempotency_key, wave_id) VALUES ($1, $2, $3)",
        poll_id,
        key,
        wave_id,
    )


async def in_flight(conn: asyncpg.Connection, poll_id: int) -> list[Wave]:
    """The poll's waves not yet published, failed or cancelled."""
    rows = await conn.fetch(
        """SELECT * FROM waves WHERE poll_id = $1 AND state NOT IN ('published', 'failed', 'cancelled')
           ORDER BY scheduled_at, id""",
        poll_id,
    )
    return [Wave(**dict(r)) for r in rows]
