"""Objectives evaluation and alerts.

**Evaluation** (pure, :func:`evaluate`): an objective ``at_least T`` (``at_most T``) on a figure with confidence
interval [L, U] is

* ``on_track`` when the CI is clear of the limit on the right side: L > T (U < T);
* ``breached`` when the figure is significantly past it: U < T (L > T) — with a two-sided 95% CI this is a
  one-sided test of "figure ≥ T" (≤ T) at 2.5%;
* ``at_risk`` when the CI straddles T;
* ``no_data`` when the wave has no such figure, and ``suppressed`` when its effective n is too small to publish.

**Alerts**: after a wave is published, every breached objective and every significant drop of the own brand
(stored ``significant`` = BH q < alpha and at least the practical threshold; total sample) becomes an event whose
id is derived from what it reports, so evaluating the wave again changes nothing. Events are queued per poll as
one message each (or one digest per wave) to the poll's webhook and e-mail recipients, then delivered by
:mod:`recognition.alerts.delivery` with retries and a delivery log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg

from recognition.reports.model import Cell, metric_name
from recognition.settings import Settings
from recognition.store import alerts as alerts_store
from recognition.store import estimates as estimates_store
from recognition.store import objectives as objectives_store
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store
from recognition.store.alerts import AlertEvent
from recognition.store.objectives import Objective

log = logging.getLogger(__name__)
STATUSES = ("on_track", "at_risk", "breached", "suppressed", "no_data")
STATUS_NAMES = {
    "on_track": "on track",
    "at_risk": "at risk",
    "breached": "breached",
    "suppressed": "base too small",
    "no_data": "no data",
}


@dataclass(frozen=True)
class ObjectiveStatus:
    objective_id: int
    wave_id: int
    status: str
    metric: str
    brand: str
    segment: str
    direction: str
    threshold: float
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    n_eff: float | None = None

    @property
    def name(self) -> str:
        return STATUS_NAMES[self.status]


def evaluate(objective: Objective, cell: Cell | None, wave_id: int) -> ObjectiveStatus:
    """The status of ``objective`` given the figure it names at ``wave_id`` (see the module docstring)."""

    def status(name: str, figure: Cell | None = None, *, shown: bool = True) -> ObjectiveStatus:
        return ObjectiveStatus(
            objective_id=objective.id,
            wave_id=wave_id,
            status=name,
            metric=objective.metric,
            brand=objective.brand,
            segment=objective.segment,
            direction=objective.direction,
            threshold=objective.threshold,
            estimate=figure.estimate if figure and shown else None,
            ci_low=figure.ci_low if figure and shown else None,
            ci_high=figure.ci_high if figure and shown else None,
            n=figure.n if figure else None,
            n_eff=figure.n_eff if figure else None,
        )

    if cell is None:
        return status("no_data")
    if not cell.shown:
        return status("suppressed", cell, shown=False)
    t = objective.threshold
    if objective.direction == "at_least":
        name = "on_track" if cell.ci_low > t else "breached" if cell.ci_high < t else "at_risk"
    else:
        name = "on_track" if cell.ci_high < t else "breached" if cell.ci_low > t else "at_risk"
    return status(name, cell)


def event_id(*parts: object) -> str:
    """A deterministic event id: the same finding always gets the same id."""
    return "evt_" + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def find_events(
    poll_id: int,
    wave_id: int,
    own_brand: str,
    statuses: Sequence[ObjectiveStatus],
    cells: Sequence[Cell],
    brand_names: dict[str, str],
) -> list[AlertEvent]:
    """Events of one wave: breached objectives, then significant drops of the own brand (total sample)."""
    events = []
    for s in statuses:
        if s.status == "breached":
            text = (
                f"{metric_name(s.metric)} of {brand_names.get(s.brand, s.brand)} ({s.segment}) breached its "
                f"objective of {s.direction.replace('_', ' ')} {_fmt(s.threshold, s.metric)}: "
                f"{_fmt(s.estimate, s.metric)} (CI {_fmt(s.ci_low, s.metric)}–{_fmt(s.ci_high, s.metric)})"
            )
            events.append(
                AlertEvent(
                    event_id("objective.breached", s.objective_id, wave_id),
                    poll_id,
                    wave_id,
                    "objective.breached",
                    {**asdict(s), "text": text},
                )
            )
    for c in cells:
        if c.brand == own_brand and c.segment == "all" and c.significant and (c.change or 0) < 0 and c.shown:
            change = c.change or 0.0
            points = change * (1 if c.kind == "mean" else 100)
            text = (
                f"{metric_name(c.metric)} of {brand_names.get(c.brand, c.brand)} fell {abs(points):.0f} points to "
                f"{_fmt(c.estimate, c.metric)}, a significant drop (q = {c.q_value:.3g})"
            )
            payload = {
                "metric": c.metric,
                "brand": c.brand,
                "segment": c.segment,
                "estimate": c.estimate,
                "ci_low": c.ci_low,
                "ci_high": c.ci_high,
                "change": change,
                "n": c.n,
                "n_eff": c.n_eff,
                "p_value": c.p_value,
                "q_value": c.q_value,
                "text": text,
            }
            events.append(
                AlertEvent(
                    event_id("estimate.significant_drop", poll_id, wave_id, c.metric, c.brand, c.segment),
                    poll_id,
                    wave_id,
                    "estimate.significant_drop",
                    payload,
                )
            )
    return events


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if metric == "nps" else f"{100 * value:.0f}%"


def messages(events: Sequence[AlertEvent], *, digest: bool) -> list[tuple[str, dict[str, Any]]]:
    """(message id, body) pairs: one per event, or one digest of the events a wave raised."""
    if not events:
        return []
    if digest:
        first = events[0]
        mid = event_id("digest", first.poll_id, first.wave_id, *sorted(e.id for e in events))
        return [
            (
                mid,
                {
                    "id": mid,
                    "type": "digest",
                    "poll_id": first.poll_id,
                    "wave_id": first.wave_id,
                    "events": [_event_body(e) for e in events],
                },
            )
        ]
    return [
        (
            e.id,
            {
                "id": e.id,
                "type": e.kind,
                "poll_id": e.poll_id,
                "wave_id": e.wave_id,
                "events": [_event_body(e)],
            },
        )
        for e in events
    ]


def _event_body(e: AlertEvent) -> dict[str, Any]:
    return {"id": e.id, "type": e.kind, **e.payload}


# --- I/O -------------------------------------------------------------------------------------------------------


async def wave_statuses(conn: asyncpg.Connection, poll_id: int, wave_id: int) -> list[ObjectiveStatus]:
    """Every objective of the poll evaluated on one wave."""
    from recognition.reports.model import cell_from_row

    out = []
    for objective in await objectives_store.list_objectives(conn, poll_id):
        rows = await estimates_store.wave_estimates(
            conn, wave_id, metric=objective.metric, segment=objective.segment
        )
        row = next((r for r in rows if r["brand"] == objective.brand and r["base"] == "total"), None)
        out.append(evaluate(objective, cell_from_row(wave_id, row) if row else None, wave_id))
    return out


async def evaluate_wave(conn: asyncpg.Connection, wave_id: int) -> list[AlertEvent]:
    """Evaluate a published wave; store its new events and queue their messages. Returns the new events."""
    from recognition.reports.model import cell_from_row

    wave = await waves_store.get_wave(conn, wave_id)
    if wave is None or wave.state != "published":
        return []
    poll = await polls_store.get_poll(conn, wave.poll_id)
    assert poll is not None
    statuses = await wave_statuses(conn, poll.id, wave_id)
    rows = await estimates_store.wave_estimates(conn, wave_id, segment="all")
    cells = [cell_from_row(wave_id, r) for r in rows if r["base"] == "total"]
    names = {b: poll.brand_name(b) for b in poll.brand_ids}
    async with conn.transaction():
        new_events = await alerts_store.record_events(
            conn, find_events(poll.id, wave_id, poll.own_brand, statuses, cells, names)
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
        await conn.execute(
            "INSERT INTO alert_evaluations (wave_id) VALUES ($1) ON CONFLICT DO NOTHING", wave_id
        )
    return new_events


async def on_wave_published(pool: asyncpg.Pool, settings: Settings, wave_id: int) -> None:
    """Evaluate a newly published wave and deliver what it raised (call after the wave is published)."""
    from recognition.alerts.delivery import deliver_pending

    async with pool.acquire() as conn:
        await evaluate_wave(conn, wave_id)
    await deliver_pending(pool, settings)
