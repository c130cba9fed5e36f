"""The staff view's gap: what staff believe customers answer against what the public says, per item. Pure.

For one item (a metric and a brand, e.g. ``image.premium`` × Acme):

* the **staff share** ``p_s = x / n`` — x of the round's n staff respondents said yes — is *unweighted* (staff
  are no sample of the population) with Wilson's score interval (:func:`recognition.stats._intervals.wilson` on
  n) and the binomial standard error ``se_s = √(p_s(1 − p_s)/n)``;
* the **public estimate** ``p_p`` is the published wave's stored weighted estimate with its stored standard error
  ``se_p`` and interval;
* the **gap** ``d = p_s − p_p`` of two independent samples has ``se_d = √(se_s² + se_p²)`` and the normal interval
  ``d ± z·se_d``.

Staff answers are never weighted and never mixed into a public figure: they meet the public's only here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from recognition.stats import _intervals

Item = tuple[str, str]  # (metric, brand)


@dataclass(frozen=True)
class PublicFigure:
    """A stored public estimate: the weighted share, its standard error and interval, its base."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float


@dataclass(frozen=True)
class GapRow:
    metric: str
    brand: str
    staff_yes: int
    staff_n: int
    staff_share: float | None
    staff_se: float | None
    staff_low: float | None
    staff_high: float | None
    public: PublicFigure | None
    gap: float | None
    gap_se: float | None
    gap_low: float | None
    gap_high: float | None


def staff_share(yes: int, n: int, level: float = 0.95) -> tuple[float, float, float, float]:
    """The unweighted share ``yes / n`` with its binomial standard error and Wilson interval."""
    p = yes / n
    low, high = _intervals.wilson(np.array([p]), np.array([float(n)]), level)
    return p, math.sqrt(p * (1 - p) / n), float(low[0]), float(high[0])


def staff_gap(
    staff_counts: Mapping[Item, tuple[int, int]],
    public: Mapping[Item, PublicFigure],
    level: float = 0.95,
) -> list[GapRow]:
    """One row per item of ``staff_counts`` ((yes, n) of the staff round), in its order; an item the public was
    not asked (or staff did not answer) keeps its gap empty."""
    z = float(stats.norm.ppf(0.5 + level / 2))
    rows = []
    for (metric, brand), (yes, n) in staff_counts.items():
        figure = public.get((metric, brand))
        if n <= 0:
            rows.append(GapRow(metric, brand, yes, n, None, None, None, None, figure, None, None, None, None))
            continue
        p, se, low, high = staff_share(yes, n, level)
        if figure is None:
            rows.append(GapRow(metric, brand, yes, n, p, se, low, high, None, None, None, None, None))
            continue
        gap = p - figure.estimate
        gap_se = math.sqrt(se * se + figure.se * figure.se)
        rows.append(
            GapRow(
                metric,
                brand,
                yes,
                n,
                p,
                se,
                low,
                high,
                figure,
                gap,
                gap_se,
                gap - z * gap_se,
                gap + z * gap_se,
            )
        )
    return rows
