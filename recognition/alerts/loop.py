"""Evaluating published waves and delivering what they raise: the alert loop of ``recognition serve``.

:func:`evaluate_wave` evaluates every objective of the poll on a published wave and finds its events
(:mod:`recognition.alerts.objectives`, :mod:`recognition.alerts.events`), stores the new ones and queues their
messages in one transaction; :func:`sweep` does that for every recently published wave not evaluated yet, then
delivers the queue (:func:`recognition.alerts.delivery.deliver_pending`). :func:`run` repeats the sweep every
``alerts.interval`` seconds while the service runs.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from recognition.alerts.delivery import deliver_pending
from recognition.alerts.events import find_events, messages
from recognition.alerts.objectives import ObjectiveStatus, evaluate, figure_of
from recognition.labels import metric_namer
from recognition.settings import Settings
from recognition.store import alerts as alerts_store
from recognition.store import estimates as estimates_store
from recognition.store import objectives as objectives_store
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store
from recognition.store.alerts import AlertEvent

log = logging.getLogger(__name__)


async def wave_statuses(conn: asyncpg.Connection, poll_id: int, wave_id: int) -> list[ObjectiveStatus]:
    """Every objective of the poll evaluated on one wave."""
    figures = await estimates_store.figures_by_key(conn, wave_id)
    return [
        evaluate(o, figure_of(o, figures), wave_id)
        for o in await objectives_store.list_objectives(conn, poll_id)
    ]


async def evaluate_wave(conn: asyncpg.Connection, wave_id: int) -> list[AlertEvent]:
    """Evaluate a published wave; store its new events and queue their messages. Returns the new events."""
    wave = await waves_store.get_wave(conn, wave_id)
    if wave is None or wave.state != "published":
        return []
    poll = await polls_store.get_poll(conn, wave.poll_id)
    assert poll is not None
    statuses = await wave_statuses(conn, poll.id, wave_id)
    figures = [f for f in await estimates_store.figures(conn, wave_id, segment="all") if f.base == "total"]
    names = {b: poll.brand_name(b) for b in poll.brand_ids}
    async with conn.transaction():
        new_events = await alerts_store.record_events(
            conn,
            find_events(
                poll.id,
                wave_id,
                poll.own_brand,
                statuses,
                figures,
                names,
                metric_namer("en", poll.service_satisfaction),
            ),
        )
        settings = await alerts_store.get_settings(conn, poll.id)
        targets = [("webhook", settings.webhook_url)] if settings.webhook_url else []
        targets += [("email", address) for address in settings.email_to]
        for message_id, body in messages(new_events, digest=settings.digest):
            body = {**body, "poll_name": poll.name, "wave_scheduled_at": wave.scheduled_at.isoformat()}
            for channel, target in targets:
                await alerts_store.enqueue(
                    conn,
                    message_id=message_id,
                    poll_id=poll.id,
                    wave_id=wave_id,
                    channel=channel,
                    target=target,
                    body=body,
                )
        await alerts_store.mark_evaluated(conn, wave_id)
    return new_events


async def sweep(pool: asyncpg.Pool, settings: Settings) -> None:
    """Evaluate published waves not yet evaluated (published in the last 14 days), then deliver the queue."""
    async with pool.acquire() as conn:
        for wave_id in await alerts_store.unevaluated_waves(conn):
            await evaluate_wave(conn, wave_id)
    await deliver_pending(pool, settings)


async def run(pool: asyncpg.Pool, settings: Settings) -> None:
    """Sweep every ``alerts.interval`` seconds until cancelled; a failed sweep is logged and tried again."""
    while True:
        try:
            await sweep(pool, settings)
        except Exception:  # noqa: BLE001 - logged; the next sweep tries again
            log.exception("alert sweep failed")
        await asyncio.sleep(settings.alerts_interval)
