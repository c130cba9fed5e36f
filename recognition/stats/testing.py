"""Significance of change: independent waves, trends, many tests at once, rolling windows.

* Wave vs wave (independent samples): ``Δ = p̂_b − p̂_a``, ``se = √(V_a + V_b)``, ``z = Δ/se``, two-sided normal p.
* Trend over k waves: a random-effects meta-regression of the wave estimates on time (Thompson & Sharp 1999,
  Stat Med; Raudenbush 2009), because waves differ by more than their sampling error (fieldwork, panel
  refreshment, news): ``yₜ = α + β·tₜ + uₜ + eₜ`` with ``Var eₜ = Vₜ`` (the wave's sampling variance) and
  ``Var uₜ = τ²``. τ² by the method of moments (DerSimonian & Laird 1986, for meta-regression):
  ``τ̂² = max(0, (Q − (k − 2)) / tr P)`` with ``Q = Σ vₜrₜ²`` the residual sum of squares of the fit with weights
  ``vₜ = 1/Vₜ`` and ``P = W − WX(X'WX)⁻¹X'W``. The slope is the weighted least squares fit with
  ``wₜ = 1/(Vₜ + τ̂²)``, ``β̂ = Σ wₜ(tₜ − t̄)(yₜ − ȳ) / Σ wₜ(tₜ − t̄)²``, and its variance is scaled by
  ``max(1, q)`` with ``q = Σ wₜr*ₜ² / (k − 2)``, tested on t(k − 2): the modified Knapp–Hartung method (Knapp &
  Hartung 2003, Stat Med; Röver, Knapp & Friede 2015, BMC Med Res Methodol), which holds its level
  whatever τ² (tests/unit/test_stats_trend.py). With τ̂² = 0 and q ≥ 1 it equals R
  ``summary(lm(y ~ t, weights = 1/V))``.
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
    "TrendArrays",
    "TrendTest",
    "benjamini_hochberg",
    "compare_independent",
    "compare_independent_arrays",
    "is_significant",
    "rolling_windows",
    "trend_slope",
    "trend_slopes",
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
    """A trend over k waves: slope per unit of time, its se, t statistic, two-sided p on ``df = k − 2``, the
    intercept at t = 0, the wave-level variance τ̂² and the dispersion q of the final fit (its se is scaled by
    ``max(1, q)``)."""

    slope: float
    se: float
    statistic: float
    p_value: float
    df: int
    intercept: float
    dispersion: float = 1.0
    tau2: float = 0.0


@dataclass(frozen=True, eq=False)
class TrendArrays:
    """:class:`TrendTest` for many series at once: arrays of the series' shape (NaN where fewer than three
    waves were usable)."""

    slope: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    df: np.ndarray
    intercept: np.ndarray
    dispersion: np.ndarray
    tau2: np.ndarray


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


def trend_slopes(
    times: Sequence[float] | np.ndarray,
    estimates: np.ndarray,
    variances: np.ndarray,
) -> TrendArrays:
    """The trend test of :func:`trend_slope` for many series at once.

    ``estimates`` and ``variances`` are (..., k) arrays (one series per leading index), ``times`` (k,) or the
    same shape. A wave whose estimate or variance is missing (NaN, e.g. a suppressed base) is left out of its
    series; a series with fewer than three usable waves, or one time only, gets NaN.
    """
    y = np.asarray(estimates, dtype=float)
    v = np.asarray(variances, dtype=float)
    if y.shape != v.shape or y.ndim < 1:
        raise ValueError(
            f"estimates, variances: need arrays of one shape (..., k), got {y.shape} and {v.shape}"
        )
    t = np.broadcast_to(np.asarray(times, dtype=float), y.shape)
    if not np.all(np.isfinite(t)):
        raise ValueError("times: contains missing or non-finite values")
    if np.any(v <= 0):
        raise ValueError("variances: must be positive")
    use = np.isfinite(y) & np.isfinite(v)
    y0, t0 = np.where(use, y, 0.0), np.where(use, t, 0.0)
    v0 = np.where(use, v, 1.0)
    df = use.sum(axis=-1) - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        fixed = _wls(t0, y0, np.where(use, 1.0 / v0, 0.0))
        tau2 = np.maximum(0.0, (fixed.rss - df) / fixed.trace_p)
        fit = _wls(t0, y0, np.where(use, 1.0 / (v0 + tau2[..., None]), 0.0))
        dispersion = fit.rss / df
        valid = (df >= 1) & (fixed.sxx > 1e-12 * fixed.stt)
        se = np.sqrt(np.maximum(dispersion, 1.0) / fit.sxx)
        statistic = fit.slope / se
        p_value = 2 * stats.t.sf(np.abs(statistic), np.maximum(df, 1))

    def keep(a: np.ndarray) -> np.ndarray:
        return np.where(valid, a, np.nan)

    return TrendArrays(
        slope=keep(fit.slope),
        se=keep(se),
        statistic=keep(statistic),
        p_value=keep(p_value),
        df=np.where(valid, df, 0),
        intercept=keep(fit.intercept),
        dispersion=keep(dispersion),
        tau2=keep(tau2),
    )


@dataclass(frozen=True, eq=False)
class _Fit:
    slope: np.ndarray
    intercept: np.ndarray
    sxx: np.ndarray  # Σ w(t − t̄)²
    stt: np.ndarray  # Σ w t² (scale for "all times equal")
    rss: np.ndarray  # Σ w r²
    trace_p: np.ndarray  # tr(W − WX(X'WX)⁻¹X'W), X = [1, t]


def _wls(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> _Fit:
    """Weighted least squares of y on [1, t] along the last axis (weight 0 leaves a wave out)."""
    s0, s1, s2 = w.sum(axis=-1), (w * t).sum(axis=-1), (w * t * t).sum(axis=-1)
    t_bar = s1 / s0
    y_bar = (w * y).sum(axis=-1) / s0
    dt = np.where(w > 0, t - t_bar[..., None], 0.0)
    sxx = (w * dt * dt).sum(axis=-1)
    slope = (w * dt * (y - y_bar[..., None])).sum(axis=-1) / sxx
    intercept = y_bar - slope * t_bar
    resid = np.where(w > 0, y - intercept[..., None] - slope[..., None] * t, 0.0)
    w2 = w * w
    u0, u1, u2 = w2.sum(axis=-1), (w2 * t).sum(axis=-1), (w2 * t * t).sum(axis=-1)
    det = s0 * s2 - s1 * s1  # tr((X'WX)⁻¹ X'W²X) for the 2 × 2 case
    trace_p = s0 - (s2 * u0 - 2 * s1 * u1 + s0 * u2) / det
    return _Fit(slope, intercept, sxx, s2, (w * resid * resid).sum(axis=-1), trace_p)


def trend_slope(
    times: Sequence[float] | np.ndarray,
    estimates: Sequence[float] | np.ndarray,
    variances: Sequence[float] | np.ndarray,
) -> TrendTest:
    """Random-effects trend over k ≥ 3 waves: WLS slope with weights 1/(variance + τ̂²), its variance scaled by
    ``max(1, q)``, t(k − 2) test (see the module docstring)."""
    t, y, v = (np.asarray(x, dtype=float) for x in (times, estimates, variances))
    if not (t.ndim == 1 and t.shape == y.shape == v.shape):
        raise ValueError("times, estimates, variances: need three 1-d arrays of equal length")
    if t.size < 3:
        raise ValueError("times: a trend test needs at least 3 waves (k − 2 degrees of freedom)")
    for name, arr in (("times", t), ("estimates", y), ("variances", v)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: contains missing or non-finite values")
    if np.any(v <= 0):
        raise ValueError("variances: must be positive")
    if np.ptp(t) <= 0:
        raise ValueError("times: need at least two distinct times")
    result = trend_slopes(t, y, v)
    return TrendTest(
        slope=float(result.slope),
        se=float(result.se),
        statistic=float(result.statistic),
        p_value=float(result.p_value),
        df=int(result.df),
        intercept=float(result.intercept),
        dispersion=float(result.dispersion),
        tau2=float(result.tau2),
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
