"""Significance of change: independent waves, trends, many tests at once, rolling windows.

* Wave vs wave (independent samples): ``Δ = p̂_b − p̂_a``, ``se = √(V_a + V_b)``, ``z = Δ/se``, two-sided normal p.
* Trend: weighted least squares slope with weights ``1/Vₜ`` (each wave's sampling variance, taken as known):
  ``β̂ = Σ vₜ(tₜ − t̄)(yₜ − ȳ) / Σ vₜ(tₜ − t̄)²`` with ``vₜ = 1/Vₜ`` and weighted means, ``se = (Σ vₜ(tₜ − t̄)²)^−½``;
  z test (df = k − 2 reported for information).
* Many tests: Benjamini & Hochberg (1995) step-up q-values.
* Shown as significant only when ``q < α`` and ``|Δ| ≥`` a practical threshold.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from recognition.stats.estimation import Estimate

__all__ = [
    "ChangeArrays",
    "ChangeTest",
    "RollingWindows",
    "TrendTest",
    "benjamini_hochberg",
    "compare_independent",
    "compare_independent_arrays",
    "is_significant",
    "rolling_windows",
    "trend_slope",
]


@dataclass(frozen=True)
class ChangeTest:
    """``difference = b − a``; ``tested`` is False (statistic and p NaN) when either base is suppressed."""

    difference: float
    se: float
    statistic: float
    p_value: float
    tested: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class ChangeArrays:
    difference: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray


@dataclass(frozen=True)
class TrendTest:
    slope: float
    se: float
    statistic: float
    p_value: float
    df: int
    intercept: float


@dataclass(frozen=True)
class RollingWindows:
    """``windows[j]`` holds the ids of k consecutive waves ending at wave j + k − 1; ``pairs`` lists
    ``(earlier, later)`` window indices that share no wave and are adjacent (later = earlier + k), the only
    pairs to compare."""

    windows: tuple[tuple[Hashable, ...], ...]
    pairs: tuple[tuple[int, int], ...]


def compare_independent_arrays(
    est_a: np.ndarray, se_a: np.ndarray, est_b: np.ndarray, se_b: np.ndarray
) -> ChangeArrays:
    """Vectorised :func:`compare_independent`; NaN inputs give NaN outputs, se = 0 with Δ ≠ 0 gives p = 0."""
    ea, sa, eb, sb = (np.asarray(v, dtype=float) for v in (est_a, se_a, est_b, se_b))
    diff = eb - ea
    se = np.sqrt(sa * sa + sb * sb)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    statistic = np.where(np.isnan(diff) | np.isnan(se), np.nan, statistic)
    p_value = 2 * stats.norm.sf(np.abs(statistic))
    return ChangeArrays(difference=diff, se=se, statistic=statistic, p_value=p_value)


def compare_independent(a: Estimate, b: Estimate) -> ChangeTest:
    """Change from wave a to wave b (independent samples): z test of ``b − a`` with ``V = V_a + V_b``."""
    arrays = compare_independent_arrays(
        np.array(a.estimate), np.array(a.se), np.array(b.estimate), np.array(b.se)
    )
    if "suppressed" in (a.base_status, b.base_status):
        return ChangeTest(
            difference=float(arrays.difference),
            se=float(arrays.se),
            statistic=float("nan"),
            p_value=float("nan"),
            tested=False,
            warnings=("a base is suppressed (effective n too small): no test",),
        )
    return ChangeTest(
        difference=float(arrays.difference),
        se=float(arrays.se),
        statistic=float(arrays.statistic),
        p_value=float(arrays.p_value),
        tested=True,
    )


def trend_slope(
    times: Sequence[float] | np.ndarray,
    estimates: Sequence[float] | np.ndarray,
    variances: Sequence[float] | np.ndarray,
) -> TrendTest:
    """WLS slope of estimates on times, weighting each wave by 1/variance (variances known): z test."""
    t, y, v = (np.asarray(x, dtype=float) for x in (times, estimates, variances))
    if not (t.ndim == 1 and t.shape == y.shape == v.shape):
        raise ValueError("times, estimates, variances: need three 1-d arrays of equal length")
    if t.size < 2:
        raise ValueError("times: a trend needs at least 2 waves")
    for name, arr in (("times", t), ("estimates", y), ("variances", v)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: contains missing or non-finite values")
    if np.any(v <= 0):
        raise ValueError("variances: must be positive")
    weight = 1.0 / v
    t_bar = np.dot(weight, t) / weight.sum()
    y_bar = np.dot(weight, y) / weight.sum()
    sxx = float(np.dot(weight, (t - t_bar) ** 2))
    if sxx <= 0:
        raise ValueError("times: need at least two distinct times")
    slope = float(np.dot(weight, (t - t_bar) * (y - y_bar)) / sxx)
    se = 1.0 / np.sqrt(sxx)
    statistic = slope / se
    return TrendTest(
        slope=slope,
        se=float(se),
        statistic=float(statistic),
        p_value=float(2 * stats.norm.sf(abs(statistic))),
        df=int(t.size - 2),
        intercept=float(y_bar - slope * t_bar),
    )


def benjamini_hochberg(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """BH q-values ``q₍ᵢ₎ = min_{j≥i} m·p₍ⱼ₎/j`` (capped at 1), in the input order. NaNs are left out of the
    family (m counts non-NaN p) and stay NaN. Equals R ``p.adjust(p, "BH")``."""
    arr = np.asarray(p, dtype=float)
    finite = ~np.isnan(arr)
    if np.any((arr[finite] < 0) | (arr[finite] > 1)):
        raise ValueError("p: p-values must lie in [0, 1]")
    q = np.full(arr.shape, np.nan)
    values = arr[finite]
    m = values.size
    if m == 0:
        return q
    order = np.argsort(values)
    ranked = values[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    q[finite] = out
    return q


def is_significant(difference: float, q: float, *, alpha: float = 0.05, practical: float = 0.02) -> bool:
    """True only when ``q < alpha`` and ``|difference| ≥ practical`` (NaN is never significant)."""
    return bool(q < alpha and abs(difference) >= practical)


def rolling_windows(ids_in_order: Sequence[Hashable], k: int) -> RollingWindows:
    """Windows of k consecutive waves (oldest first) and the non-overlapping adjacent pairs to compare."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k: window length must be a positive integer, got {k!r}")
    ids = tuple(ids_in_order)
    if len(set(ids)) != len(ids):
        raise ValueError("ids_in_order: wave ids must be unique")
    windows = tuple(ids[j : j + k] for j in range(len(ids) - k + 1))
    pairs = tuple((j - k, j) for j in range(k, len(windows)))
    return RollingWindows(windows=windows, pairs=pairs)
