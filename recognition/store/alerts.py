"""Alert settings, alert events, the delivery outbox and its log.

Idempotence: an event's id is derived from what it reports (kind, poll, wave, figure), so inserting it again is a
no-op; a delivery is unique per (message id, channel, target), so evaluating a wave again never sends a second
message; a delivery is claimed (``pending`` → ``sending``) before it is sent, so two instances never send it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class AlertSettings:
    poll_id: int
    webhook_url: str = ""
    webhook_secret: str = ""
    email_to: tuple[str, ...] = ()
    digest: bool = False


@dataclass(frozen=True)
class AlertEvent:
    id: str
    poll_id: int
    wave_id: int
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    id: int
    message_id: str
    poll_id: int
    wave_id: int
    channel: str
    target: str
    body: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


async def get_settings(conn: asyncpg.Connection, poll_id: int) -> AlertSettings:
    row = await conn.fetchrow("SELECT * FROM alert_settings WHERE poll_id = $1", poll_id)
    if row is None:
        return AlertSettings(poll_id=poll_id)
    return AlertSettings(
        poll_id=poll_id,
        webhook_url=row["webhook_url"],
        webhook_secret=row["webhook_secret"],
        email_to=tuple(row["email_to"]),
        digest=row["digest"],
    )


async def put_settings(conn: asyncpg.Connection, settings: AlertSettings) -> AlertSettings:
    await conn.execute(
        """INSERT INTO alert_settings (poll_id, webhook_url, webhook_secret, email_to, digest)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (poll_id) DO UPDATE SET webhook_url = EXCLUDED.webhook_url,
               webhook_secret = EXCLUDED.webhook_secret, email_to = EXCLUDED.email_to, digest = EXCLUDED.digest,
               updated_at = now()""",
        settings.poll_id,
        settings.webhook_url,
        settings.webhook_secret,
        list(settings.email_to),
        settings.digest,
    )
    return await get_settings(conn, settings.poll_id)


async def record_events(conn: asyncpg.Connection, events: Sequence[AlertEvent]) -> list[AlertEvent]:
    """Store events; returns those that were new (an event already stored is left as it was)."""
    new = []
    for e in events:
        inserted = await conn.fetchval(
            """INSERT INTO alert_events (id, poll_id, wave_id, kind, payload) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (id) DO NOTHING RETURNING id""",
            e.id,
            e.poll_id,
            e.wave_id,
            e.kind,
            e.payload,
        )
        if inserted is not None:
            new.append(e)
    return new


async def wave_events(conn: asyncpg.Connection, poll_id: int, wave_id: int) -> list[AlertEvent]:
    rows = await conn.fetch(
        "SELECT id, poll_id, wave_id, kind, payload FROM alert_events WHERE poll_id = $1 AND wave_id = $2 "
        "ORDER BY created_at, id",
        poll_id,
        wave_id,
    )
    return [AlertEvent(**dict(r)) for r in rows]


async def enqueue(
    conn: asyncpg.Connection,
    *,
    message_id: str,
    poll_id: int,
    wave_id: int,
    channel: str,
    target: str,
    body: dict[str, Any],
) -> bool:
    """Add a message to the outbox; False if that message was already queued for that target."""
    inserted = await conn.fetchval(
        """INSERT INTO alert_deliveries (message_id, poll_id, wave_id, channel, target, body)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id, channel, target) DO NOTHING RETURNING id""",
        message_id,
        poll_id,
        wave_id,
        channel,
        target,
        body,
    )
    return inserted is not None


async def claim_pending(
    conn: asyncpg.Connection, poll_id: int | None = None, *, stale_seconds: float = 600.0
) -> list[Delivery]:
    """Claim the messages waiting to be sent (and any claim older than ``stale_seconds``, left by an instance
    that stopped mid-send)."""
    rows = await conn.fetch(
        """UPDATE alert_deliveries SET status = 'sending'
           WHERE id IN (SELECT id FROM alert_deliveries
                        WHERE ($1::bigint IS NULL OR poll_id = $1)
                          AND (status = 'pending'
                               OR (status = 'sending' AND created_at < now() - make_interval(secs => $2)))
                        ORDER BY id FOR UPDATE SKIP LOCKED)
           RETURNING *""",
        poll_id,
        stale_seconds,
    )
    return sorted((Delivery(**dict(r)) for r in rows), key=lambda d: d.id)


async def log_attempt(
    conn: asyncpg.Connection,
    delivery_id: int,
    attempt: int,
    *,
    ok: bool,
    status_code: int | None = None,
    error: str | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO alert_delivery_log (delivery_id, attempt, ok, status_code, error)
           VALUES ($1, $2, $3, $4, $5)""",
        delivery_id,
        attempt,
        ok,
        status_code,
        error,
    )
    await conn.execute(
        "UPDATE alert_deliveries SET attempts = $2, last_error = $3 WHERE id = $1",
        delivery_id,
        attempt,
        error,
    )


async def finish(conn: asyncpg.Connection, delivery_id: int, *, delivered: bool) -> None:
    await conn.execute(
        """UPDATE alert_deliveries SET status = $2,
                  delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE NULL END WHERE id = $1""",
        delivery_id,
        "delivered" if delivered else "failed",
    )


async def list_deliveries(
    conn: asyncpg.Connection, poll_id: int, *, limit: int = 100
) -> list[dict[str, Any]]:
    """The delivery log of a poll, newest first: each message with its attempts."""
    rows = await conn.fetch(
        """SELECT d.id, d.message_id, d.wave_id, d.channel, d.target, d.status, d.attempts, d.last_error,
                  d.created_at, d.delivered_at,
                  coalesce(jsonb_agg(jsonb_build_object('attempt', l.attempt, 'ok', l.ok,
                           'status_code', l.status_code, 'error', l.error, 'at', l.at) ORDER BY l.attempt)
                           FILTER (WHERE l.id IS NOT NULL), '[]'::jsonb) AS log
           FROM alert_deliveries d LEFT JOIN alert_delivery_log l ON l.delivery_id = d.id
           WHERE d.poll_id = $1 GROUP BY d.id ORDER BY d.id DESC LIMIT $2""",
        poll_id,
        limit,
    )
    return [dict(r) for r in rows]


async def mark_evaluated(conn: asyncpg.Connection, wave_id: int) -> None:
    """Record that a published wave's alerts were evaluated (once; later calls change nothing)."""
    await conn.execute("INSERT INTO alert_evaluations (wave_id) VALUES ($1) ON CONFLICT DO NOTHING", wave_id)


async def unevaluated_waves(conn: asyncpg.Connection, *, within_days: int = 14) -> list[int]:
    """Published waves (published in the last ``within_days`` days) whose alerts were not evaluated yet."""
    rows = await conn.fetch(
        """SELECT w.id FROM waves w LEFT JOIN alert_evaluations e ON e.wave_id = w.id
           WHERE w.state = 'published' AND e.wave_id IS NULL
                 AND w.updated_at > now() - make_interval(days => $1)
           ORDER BY w.scheduled_at""",
        within_days,
    )
    return [int(r["id"]) for r in rows]
