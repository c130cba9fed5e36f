"""Smoothed trends: each series of published wave figures with a local-level smoothing beside it
(:func:`recognition.stats.smooth_trend`; each wave's sampling variance is its known observation noise), never
in place of the raw figures. Smoothing runs from the series' last method break on (a new source or questionnaire
version starts a new series) and needs :data:`MIN_WAVES` waves there; a suppressed wave is bridged by the model.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from recognition.figures import Figure, finite
from recognition.stats import SMOOTHED_LABEL, smooth_trend

MIN_WAVES = 3
#: The smoothed line's name on the dashboard's trend charts (legend), beside the raw series.
LEGEND = "smoothed (local level)"
METHOD = (
    "local-level state-space model: the true level follows a random walk whose variance is estimated by maximum "
    "likelihood, each wave's estimate observes it with its own sampling variance; Kalman filter and "
    "Rauch–Tung–Striebel smoother from the series' last method break on; {level:.0%} intervals"
)


@dataclass(frozen=True)
class SmoothedPoint:
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class SmoothedSeries:
    """One series' smoothed values, aligned with the points given (None before the last break or when the
    series is too short), its signal variance and why nothing was smoothed (``note``)."""

    points: tuple[SmoothedPoint | None, ...]
    signal_variance: float | None
    warnings: tuple[str, ...]
    note: str | None


def smooth_series(
    series: Sequence[Sequence[tuple[int, Figure]]], *, breaks: Iterable[int] = (), level: float = 0.95
) -> list[SmoothedSeries]:
    """The smoothed values of each series of ``(wave_id, figure)`` in wave order (every series on its own)."""
    cut = set(breaks)
    out: list[SmoothedSeries] = []
    for points in series:
        starts = [i for i, (wave_id, _) in enumerate(points) if wave_id in cut]
        first = starts[-1] if starts else 0
        span = points[first:]
        y = np.array(
            [f.estimate if f.shown and f.estimate is not None else np.nan for _, f in span], dtype=float
        )
        se = np.array([f.se if f.shown and f.se is not None else np.nan for _, f in span], dtype=float)
        usable = np.isfinite(y) & np.isfinite(se) & (se > 0)
        y[~usable], se[~usable] = np.nan, np.nan
        if usable.sum() < MIN_WAVES:
            note = f"fewer than {MIN_WAVES} usable waves since the last method break: not smoothed"
            out.append(SmoothedSeries((None,) * len(points), None, (), note))
            continue
        fit = smooth_trend(y, se, level=level)
        smoothed = tuple(
            SmoothedPoint(
                finite(fit.smoothed[t]),
                finite(fit.smoothed_se[t]),
                finite(fit.ci_low[t]),
                finite(fit.ci_high[t]),
            )
            for t in range(len(span))
        )
        out.append(
            SmoothedSeries((None,) * first + smoothed, finite(float(fit.signal_variance)), fit.warnings, None)
        )
    return out


__all__ = [
    "LEGEND",
    "METHOD",
    "MIN_WAVES",
    "SMOOTHED_LABEL",
    "SmoothedPoint",
    "SmoothedSeries",
    "smooth_series",
]
