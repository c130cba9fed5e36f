"""Confidence intervals for survey proportions and means (vectorised over numpy arrays).

All take the estimate, its design-based variance ``V`` (or ``se``) and the degrees of freedom ``df`` of the base,
and follow R ``survey::svyciprop`` (Lumley 2010, ch. 2; Korn & Graubard 1998):

* ``logit``: ``expit(logit(p̂) ± t(df)·se/(p̂(1−p̂)))`` (svyciprop method "logit": a Wald interval for the
  intercept of ``svyglm(y ~ 1, family = quasibinomial)``).
* ``beta`` (Korn–Graubard): effective ``n* = p̂(1−p̂)/V · (t(n−1)/t(df))²`` with n the rows of the design,
  ``[Beta⁻¹(α/2; n*p̂, n*(1−p̂)+1), Beta⁻¹(1−α/2; n*p̂+1, n*(1−p̂))]``.
* ``wilson``: Wilson's score interval with normal z on the design effective size ``n* = min(p̂(1−p̂)/V, n)``,
  n the respondents in the base: a design effect below 1 buys no more than the real sample (the NCHS Data
  Presentation Standards for Proportions, Parker et al. 2017, truncate the effective size at n in the same way).
  At p̂ = 0 or 1 Wilson takes the exact one-sided bound below, like the other methods.
* ``t``: ``estimate ± t(df)·se`` (means).

At p̂ = 0 or 1, or V = 0, the design-based intervals are undefined (R gives NaN). Here: at p̂ = 0 the interval is
``[0, 1 − (α/2)^(1/n)]`` and at p̂ = 1 ``[(α/2)^(1/n), 1]`` — the Clopper–Pearson/Korn–Graubard bound with
zero (or all) successes — with n the Kish effective base; with 0 < p̂ < 1 and V = 0 the interval is the point.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

CI_METHODS = ("logit", "beta", "wilson")


def _t(level: float, df: np.ndarray | float) -> np.ndarray:
    dfa = np.asarray(df, dtype=float)
    return np.where(dfa > 0, stats.t.ppf(0.5 + level / 2, np.maximum(dfa, 1.0)), np.inf)


def boundary(p: np.ndarray, n_eff: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The interval at p̂ ∈ {0, 1}: one-sided exact bound on the Kish effective base."""
    half_alpha = (1 - level) / 2
    edge = np.power(half_alpha, 1.0 / np.maximum(n_eff, 1e-300))
    low = np.where(p >= 1, edge, 0.0)
    high = np.where(p <= 0, 1.0 - edge, 1.0)
    return low, high


def logit(p: np.ndarray, se: np.ndarray, df: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    inside = (p > 0) & (p < 1)
    q = np.where(inside, p, 0.5)
    half = _t(level, df) * se / (q * (1 - q))
    centre = special.logit(q)
    return special.expit(centre - half), special.expit(centre + half)


def beta(
    p: np.ndarray, variance: np.ndarray, df: np.ndarray, n_rows: int, level: float
) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        n_star = p * (1 - p) / variance
        n_star = (
            n_star
            * (stats.t.ppf(alpha / 2, max(n_rows - 1, 1)) / stats.t.ppf(alpha / 2, np.maximum(df, 1))) ** 2
        )
        low = stats.beta.ppf(alpha / 2, n_star * p, n_star * (1 - p) + 1)
        high = stats.beta.ppf(1 - alpha / 2, n_star * p + 1, n_star * (1 - p))
    return low, high


def wilson(p: np.ndarray, n_star: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(0.5 + level / 2)
    z2n = z * z / n_star
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n_star + z2n / (4 * n_star))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def t_interval(
    estimate: np.ndarray, se: np.ndarray, df: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """``estimate ± t(df) · se``; undefined (NaN) where the base is too small for an interval (df < 1)."""
    with np.errstate(invalid="ignore"):
        half = np.where(np.asarray(df) >= 1, _t(level, np.maximum(df, 1)) * se, np.nan)
    return estimate - half, estimate + half


def proportion(
    method: str,
    p: np.ndarray,
    variance: np.ndarray,
    df: np.ndarray,
    n_eff: np.ndarray,
    n_rows: int,
    level: float,
    n_base: np.ndarray | float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interval for proportions by ``method``, with the boundary and zero-variance rules applied.

    ``n_base`` (the respondents in each base) caps Wilson's effective size; None leaves it uncapped."""
    p = np.asarray(p, dtype=float)
    variance = np.asarray(variance, dtype=float)
    positive = variance > 0
    safe_v = np.where(positive, variance, 1.0)
    if method == "logit":
        low, high = logit(p, np.sqrt(safe_v), df, level)
    elif method == "beta":
        low, high = beta(p, safe_v, df, n_rows, level)
    elif method == "wilson":
        interior = (p > 0) & (p < 1) & positive  # elsewhere the boundary or point rule below applies
        n_star = np.where(interior, p * (1 - p) / safe_v, 1.0)
        if n_base is not None:
            n_star = np.minimum(n_star, np.asarray(n_base, dtype=float))
        low, high = wilson(p, n_star, level)
    else:
        raise ValueError(f"ci: unknown method {method!r}; use one of {', '.join(CI_METHODS)}")
    edge_low, edge_high = boundary(p, n_eff, level)
    at_edge = (p <= 0) | (p >= 1)
    low = np.where(at_edge, edge_low, np.where(positive, low, p))
    high = np.where(at_edge, edge_high, np.where(positive, high, p))
    return np.minimum(low, p), np.maximum(high, p)  # rounding must not push p outside its interval
