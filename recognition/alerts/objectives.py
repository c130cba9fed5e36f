"""Objectives: targets the company sets first, evaluated on every published figure. Pure: no I/O.

An objective ``at_least T`` (``at_most T``) on a figure with confidence interval [L, U] is

* ``on_track`` when the CI is clear of the limit on the right side: L > T (U < T);
* ``breached`` when the figure is significantly past it: U < T (L > T) — with a two-sided 95% CI this is a
  one-sided test of "figure ≥ T" (≤ T) at 2.5%;
* ``at_risk`` when the CI straddles T;
* ``no_data`` when the wave has no such figure, and ``suppressed`` when its effective n is too small to publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recognition.figures import Figure
from recognition.polls.model import Objective

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
    """An objective evaluated on one wave, with the figure it was judged on (its public form: a suppressed
    figure keeps its base but no numbers)."""

    objective_id: int
    wave_id: int
    status: str
    metric: str
    brand: str
    segment: str
    direction: str
    threshold: float
    figure: Figure | None = None

    @property
    def name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def estimate(self) -> float | None:
        return self.figure.estimate if self.figure else None

    @property
    def ci_low(self) -> float | None:
        return self.figure.ci_low if self.figure else None

    @property
    def ci_high(self) -> float | None:
        return self.figure.ci_high if self.figure else None

    def as_dict(self) -> dict[str, Any]:
        """The status with the numbers it rests on, flat (as alert payloads carry it)."""
        f = self.figure
        return {
            "objective_id": self.objective_id,
            "wave_id": self.wave_id,
            "status": self.status,
            "metric": self.metric,
            "brand": self.brand,
            "segment": self.segment,
            "direction": self.direction,
            "threshold": self.threshold,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": f.n if f else None,
            "n_eff": f.n_eff if f else None,
        }


def evaluate(objective: Objective, figure: Figure | None, wave_id: int) -> ObjectiveStatus:
    """The status of ``objective`` given the figure it names at ``wave_id`` (see the module docstring)."""

    def status(name: str) -> ObjectiveStatus:
        return ObjectiveStatus(
            objective_id=objective.id,
            wave_id=wave_id,
            status=name,
            metric=objective.metric,
            brand=objective.brand,
            segment=objective.segment,
            direction=objective.direction,
            threshold=objective.threshold,
            figure=figure.public() if figure else None,
        )

    if figure is None:
        return status("no_data")
    if not figure.shown or figure.ci_low is None or figure.ci_high is None:
        return status("suppressed" if not figure.shown else "no_data")
    t = objective.threshold
    low, high = figure.ci_low, figure.ci_high
    if objective.direction == "at_least":
        return status("on_track" if low > t else "breached" if high < t else "at_risk")
    return status("on_track" if high < t else "breached" if low > t else "at_risk")


def figure_of(objective: Objective, figures: dict[tuple[str, str, str, str], Figure]) -> Figure | None:
    """The figure an objective names among a wave's figures by key (total base)."""
    return figures.get((objective.metric, objective.brand, objective.segment, "total"))
