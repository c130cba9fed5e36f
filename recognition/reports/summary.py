"""The written summary of a wave: short plain-language points built from the tests, each carrying the numbers it
rests on (estimate, CI, n, effective n, the test, p and q), so every sentence can be traced.

Order: significant changes of the own brand, then of competitors (largest first), then the own brand's headline
figures that did not change significantly, then objectives, then low-base warnings. Proportions read as whole
percent and changes as percentage points; NPS reads in points. Suppressed figures are never quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from recognition.alerts.objectives import ObjectiveStatus
from recognition.figures import Figure
from recognition.labels import metric_name
from recognition.reports.model import KPI_METRICS, PollData, previous_wave


@dataclass(frozen=True)
class SummaryPoint:
    """One sentence of the summary and the figure it rests on (public form), with how it was judged."""

    text: str
    kind: str  # change | steady | objective | low_base
    metric: str
    brand: str
    segment: str
    wave_id: int
    figure: Figure | None = None
    test: str | None = None
    status: str | None = None

    def __getattr__(self, name: str) -> Any:
        """The figure's numbers read through the point (``point.n``, ``point.q_value`` ...); None without one."""
        if name.startswith("_") or name not in _FIGURE_FIELDS:
            raise AttributeError(name)
        return getattr(self.figure, name) if self.figure is not None else None

    def as_dict(self) -> dict[str, Any]:
        """The point as the API shows it: the sentence, how it was judged, and every field of its figure."""
        figure = self.figure.public().as_dict() if self.figure else dict.fromkeys(_FIGURE_FIELDS)
        return {
            **figure,
            "text": self.text,
            "kind": self.kind,
            "metric": self.metric,
            "brand": self.brand,
            "segment": self.segment,
            "wave_id": self.wave_id,
            "test": self.test,
            "status": self.status,
        }


_FIGURE_FIELDS = frozenset(Figure.__dataclass_fields__)


@dataclass(frozen=True)
class WaveSummary:
    poll_id: int
    wave_id: int
    segment: str
    previous_wave_id: int | None
    points: tuple[SummaryPoint, ...]


def value(x: float, kind: str) -> str:
    return f"{x:.0f}".replace("-", "−") if kind == "mean" else f"{100 * x:.0f}%"


def bound(x: float, kind: str) -> str:
    return f"{x:.0f}" if kind == "mean" else f"{100 * x:.0f}"


def points_text(diff: float, kind: str) -> str:
    pts = diff if kind == "mean" else 100 * diff
    shown = f"{abs(pts):.0f}" if abs(pts) >= 1 else f"{abs(pts):.1f}"
    return f"{shown} point" + ("" if shown == "1" else "s")


def span(low: float, high: float, kind: str) -> str:
    """``59–65``, or ``−27 to −13`` when a bound is negative (a dash would read as a minus)."""
    a, b = bound(low, kind), bound(high, kind)
    if a.startswith("-") or b.startswith("-"):
        return f"{a} to {b}".replace("-", "−")
    return f"{a}–{b}"


def _ci(c: Figure) -> str:
    if c.ci_low is None or c.ci_high is None:
        return f"{100 * c.level:.0f}% CI undefined"
    return f"{100 * c.level:.0f}% CI {span(c.ci_low, c.ci_high, c.kind)}"


def _where(segment: str) -> str:
    return "" if segment == "all" else f" among {segment}"


def _point(c: Figure, wave_id: int, text: str, kind: str, test: str) -> SummaryPoint:
    return SummaryPoint(
        text=text,
        kind=kind,
        metric=c.metric,
        brand=c.brand,
        segment=c.segment,
        wave_id=wave_id,
        figure=c,
        test=test if c.change is not None else None,
    )


def change_point(c: Figure, wave_id: int, brand_name: str, test: str) -> SummaryPoint:
    verb = "rose" if (c.change or 0) > 0 else "fell"
    text = (
        f"{metric_name(c.metric)} of {brand_name}{_where(c.segment)} {verb} {points_text(c.change or 0, c.kind)} "
        f"to {value(c.estimate or 0.0, c.kind)} ({_ci(c)}), a significant change."
    )
    return _point(c, wave_id, text, "change", test)


def steady_point(c: Figure, wave_id: int, brand_name: str, test: str) -> SummaryPoint:
    if c.change is None:
        tail = "."
    else:
        sign = "+" if c.change > 0 else "−" if c.change < 0 else "±"
        tail = (
            f", not a significant change from the previous wave ({sign}{points_text(c.change, c.kind)}, "
            f"q = {c.q_value:.2f})."
            if c.q_value is not None
            else "."
        )
    text = (
        f"{metric_name(c.metric)} of {brand_name}{_where(c.segment)} was {value(c.estimate or 0.0, c.kind)} "
        f"({_ci(c)}){tail}"
    )
    return _point(c, wave_id, text, "steady", test)


def objective_point(s: ObjectiveStatus, brand_name: str, label: str) -> SummaryPoint:
    kind = "mean" if s.metric == "nps" else "proportion"
    limit = f"{s.direction.replace('_', ' ')} {value(s.threshold, kind)}"
    name = label or f"{metric_name(s.metric)} of {brand_name}{_where(s.segment)}"
    if s.estimate is None or s.ci_low is None or s.ci_high is None:
        text = f"Objective '{name}' ({limit}): {s.name}."
    else:
        text = (
            f"Objective '{name}' ({limit}) is {s.name}: {value(s.estimate, kind)} "
            f"(CI {span(s.ci_low, s.ci_high, kind)})."
        )
    return SummaryPoint(
        text=text,
        kind="objective",
        metric=s.metric,
        brand=s.brand,
        segment=s.segment,
        wave_id=s.wave_id,
        figure=s.figure,
        test="confidence interval against the limit",
        status=s.status,
    )


def summarise(
    data: PollData,
    wave_id: int,
    segment: str,
    statuses: Sequence[ObjectiveStatus] = (),
    labels: dict[int, str] | None = None,
) -> WaveSummary:
    """The written summary of ``wave_id`` in ``segment`` (see the module docstring)."""
    cells = [c for (w, _, _, s), c in data.cells.items() if w == wave_id and s == segment]
    changed = [c for c in cells if c.significant and c.shown and c.change is not None]
    own = sorted((c for c in changed if c.brand == data.own_brand), key=lambda c: _rank(c.metric))
    rivals = sorted((c for c in changed if c.brand != data.own_brand), key=lambda c: -abs(c.change or 0))
    points = [change_point(c, wave_id, data.brand_name(c.brand), data.test) for c in (*own, *rivals)]
    for m in KPI_METRICS:
        c = data.cell(wave_id, m, data.own_brand, segment)
        if c is not None and c.shown and not c.significant:
            points.append(steady_point(c, wave_id, data.brand_name(c.brand), data.test))
    for s in statuses:
        if s.wave_id == wave_id:
            points.append(
                objective_point(s, data.brand_name(s.brand), (labels or {}).get(s.objective_id, ""))
            )
    low = [c for c in cells if c.base_status != "ok" and c.metric in KPI_METRICS]
    if low:
        worst = min(low, key=lambda c: c.n_eff or 0.0)
        text = (
            f"{len(low)} figures{_where(segment)} rest on a low base (effective n below the reporting "
            f"threshold; smallest {worst.n_eff or 0.0:.0f}); read them with care."
        )
        points.append(
            SummaryPoint(
                text=text,
                kind="low_base",
                metric=worst.metric,
                brand=worst.brand,
                segment=segment,
                wave_id=wave_id,
                figure=worst,
            )
        )
    prev = previous_wave(data.waves, wave_id)
    return WaveSummary(data.poll_id, wave_id, segment, prev.id if prev else None, tuple(points))


def _rank(metric: str) -> int:
    return KPI_METRICS.index(metric) if metric in KPI_METRICS else len(KPI_METRICS)
