"""Alert events: what a published wave raises, and the messages that carry it. Pure: no I/O.

After a wave is published, every breached objective and every significant drop of the own brand (stored
``significant``: BH q < alpha and at least the practical threshold; total sample) becomes an event whose id is
derived from what it reports, so evaluating the wave again changes nothing. Events are sent per poll as one
message each (or one digest per wave) to the poll's webhook and e-mail recipients
(:mod:`recognition.alerts.delivery`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from recognition.alerts.objectives import ObjectiveStatus
from recognition.figures import Figure
from recognition.labels import metric_name
from recognition.store.alerts import AlertEvent


def event_id(*parts: object) -> str:
    """A deterministic event id: the same finding always gets the same id."""
    return "evt_" + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def find_events(
    poll_id: int,
    wave_id: int,
    own_brand: str,
    statuses: Sequence[ObjectiveStatus],
    figures: Sequence[Figure],
    brand_names: dict[str, str],
    name: Callable[[str], str] = metric_name,
) -> list[AlertEvent]:
    """Events of one wave: breached objectives, then significant drops of the own brand (total sample); metrics
    named by ``name`` (:func:`recognition.labels.metric_namer`: the poll's own service dimensions as worded)."""
    events = []
    for s in statuses:
        if s.status == "breached":
            text = (
                f"{name(s.metric)} of {brand_names.get(s.brand, s.brand)} ({s.segment}) breached its "
                f"objective of {s.direction.replace('_', ' ')} {_fmt(s.threshold, s.metric)}: "
                f"{_fmt(s.estimate, s.metric)} (CI {_fmt(s.ci_low, s.metric)}–{_fmt(s.ci_high, s.metric)})"
            )
            events.append(
                AlertEvent(
                    event_id("objective.breached", s.objective_id, wave_id),
                    poll_id,
                    wave_id,
                    "objective.breached",
                    {**s.as_dict(), "text": text},
                )
            )
    for f in figures:
        if f.brand != own_brand or f.segment != "all" or not f.shown or not f.significant:
            continue
        change = f.change or 0.0
        if change >= 0:
            continue
        points = change * (1 if f.kind == "mean" else 100)
        text = (
            f"{name(f.metric)} of {brand_names.get(f.brand, f.brand)} fell {abs(points):.0f} points to "
            f"{_fmt(f.estimate, f.metric)}, a significant drop (q = {f.q_value:.3g})"
        )
        payload = {
            "metric": f.metric,
            "brand": f.brand,
            "segment": f.segment,
            "estimate": f.estimate,
            "ci_low": f.ci_low,
            "ci_high": f.ci_high,
            "change": change,
            "n": f.n,
            "n_eff": f.n_eff,
            "p_value": f.p_value,
            "q_value": f.q_value,
            "text": text,
        }
        events.append(
            AlertEvent(
                event_id("estimate.significant_drop", poll_id, wave_id, f.metric, f.brand, f.segment),
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
