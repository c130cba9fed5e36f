"""Many outcomes × many domains at once: the vectorised form of :func:`recognition.stats.estimation.estimate`.

Same estimator (see that module); the variance is assembled from a few matrix products instead of one residual
vector per cell. With Q the orthonormal basis of ``√d·x`` (``design.basis``), ``s = √d``, ``c = w/s``, and for
domain g the row factor ``aᵢ = 1[i∈g]/Σ_g w``, the scaled influence of outcome k is ``v = s·a·(y − p̂)`` and the
weighted residual ``r = c·(v − Q h)`` with ``h = Q'v``. Then

    Σ r² = Σ w²a²(y − p̂)² − 2 h'Q'(c²v) + h'(Q' diag(c²) Q) h,        Σ r = −(c'Q) h   (as Σ w a (y − p̂) = 0),

and ``V = n/(n−1)(Σ r² − (Σ r)²/n)``. Every term is linear or quadratic in y, so all (domain, outcome) pairs
come from one product ``Z'Y`` with Z holding ``(n × (3 + 2r)·g)`` row weights. Results equal ``estimate()`` per
cell up to rounding (tested), with the same degenerate-base rules (relative tolerance, ``_base.ZERO_RTOL``).
Empty domains give NaN estimates with base status ``suppressed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognition.stats import _intervals
from recognition.stats._base import BaseThresholds, base_status_array, is_zero
from recognition.stats.weighting import CalibrationDesign


@dataclass(frozen=True, eq=False)
class EstimateMatrix:
    """(g, k) arrays for g domains × k outcomes. ``ci_low``/``ci_high``: intervals by ``ci_method`` (``logit``,
    ``beta`` or ``wilson`` for proportions, ``t`` for means), with the boundary rules of ``estimate()``."""

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    n_eff: np.ndarray
    deff: np.ndarray
    df: np.ndarray
    base_status: np.ndarray
    level: float
    kind: str
    ci_method: str = "logit"


def _check(y: np.ndarray, domains: np.ndarray | None, n: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    ya = np.asarray(y, dtype=float)
    if ya.ndim != 2 or ya.shape[0] != n:
        raise ValueError(f"Y: expected an (n={n}) × k matrix, got shape {ya.shape}")
    if not np.all(np.isfinite(ya)):
        raise ValueError("Y: contains missing or non-finite values")
    if kind not in ("proportion", "mean"):
        raise ValueError(f"kind: must be 'proportion' or 'mean', got {kind!r}")
    if kind == "proportion" and not np.all((ya == 0) | (ya == 1)):
        raise ValueError("Y: a proportion needs 0/1 values; use kind='mean' for other scores")
    if domains is None:
        return ya, np.ones((n, 1))
    da = np.asarray(domains)
    if da.ndim != 2 or da.shape[0] != n or not np.all((da == 0) | (da == 1)):
        raise ValueError(f"domains: expected an (n={n}) × g boolean matrix, got shape {da.shape}")
    return ya, da.astype(float)


def estimate_matrix(
    Y: np.ndarray,  # noqa: N803 - matrix notation
    design: CalibrationDesign,
    domains: np.ndarray | None = None,
    *,
    kind: str = "proportion",
    ci: str = "logit",
    level: float = 0.95,
    thresholds: BaseThresholds = BaseThresholds(),  # noqa: B008 - frozen, immutable default
) -> EstimateMatrix:
    """Estimates, SEs, intervals and bases for every domain (columns of ``domains``; None = the whole sample)
    × outcome (columns of Y). ``ci`` is the interval of proportions (``logit``, ``beta``, ``wilson``: the
    setting ``statistics.ci_method``); means always take the t interval, whatever ``ci``."""
    if not 0 < level < 1:
        raise ValueError(f"level: must be between 0 and 1, got {level!r}")
    if ci not in _intervals.CI_METHODS:
        raise ValueError(f"ci: unknown method {ci!r}; use one of {', '.join(_intervals.CI_METHODS)}")
    n = design.n
    y, dom = _check(Y, domains, n, kind)
    w, d = design.w, design.d
    s = np.sqrt(d)
    c = w / s
    q = design.basis
    g, r = dom.shape[1], q.shape[1]
    total = w @ dom
    with np.errstate(divide="ignore", invalid="ignore"):
        a = dom / np.where(total > 0, total, np.inf)
    wa = w[:, None] * a
    w2a2 = wa * wa
    z = np.concatenate(
        [
            wa,
            w2a2,
            dom,
            (q[:, None, :] * (s[:, None] * a)[:, :, None]).reshape(n, g * r),
            (q[:, None, :] * ((w * w / s)[:, None] * a)[:, :, None]).reshape(n, g * r),
        ],
        axis=1,
    )
    prod = z.T @ y
    p, sum_w2a2_y, ones = prod[:g], prod[g : 2 * g], prod[2 * g : 3 * g]
    h1 = prod[3 * g : 3 * g + g * r].reshape(g, r, -1)
    f1 = prod[3 * g + g * r :].reshape(g, r, -1)
    if kind == "proportion":
        sum_w2a2_yy, sum_wa_yy = sum_w2a2_y, p
    else:
        sq = np.concatenate([w2a2, wa], axis=1).T @ (y * y)
        sum_w2a2_yy, sum_wa_yy = sq[:g], sq[g:]
    n_dom = dom.sum(axis=0)
    if kind == "proportion":  # exact 0 and 1 at the boundaries, as estimate() reports them
        p = np.where(ones == 0, 0.0, np.where(ones == n_dom[:, None], 1.0, p))
    h = h1 - p[:, None, :] * (q.T @ (s[:, None] * a)).T[:, :, None]
    qc2v = f1 - p[:, None, :] * (q.T @ ((w * w / s)[:, None] * a)).T[:, :, None]
    sum_sq = sum_w2a2_yy - 2 * p * sum_w2a2_y + p * p * w2a2.sum(axis=0)[:, None]
    gram = (q * (c * c)[:, None]).T @ q
    sum_r2 = sum_sq - 2 * np.einsum("grk,grk->gk", h, qc2v) + np.einsum("grk,rs,gsk->gk", h, gram, h)
    sum_r = -np.einsum("r,grk->gk", c @ q, h)
    variance = (
        np.maximum(n / (n - 1) * (sum_r2 - sum_r * sum_r / n), 0.0) if n > 1 else np.full_like(p, np.nan)
    )
    wd2 = (w * w) @ dom
    n_dom_gk = np.broadcast_to(n_dom[:, None], p.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(total > 0, total * total / wd2, np.nan)
        spread = np.maximum(sum_wa_yy - p * p, 0.0)
        alike = (ones == 0) | (ones == n_dom[:, None]) if kind == "proportion" else np.zeros(p.shape, bool)
        flat = alike | is_zero(spread, sum_wa_yy)
        single = ~alike & (n_dom_gk == 1)
        degenerate = flat | single | is_zero(variance, sum_wa_yy / np.maximum(n_dom_gk, 1))
        variance = np.where(single, np.nan, np.where(degenerate, 0.0, variance))
        deff = np.where(degenerate, np.nan, variance * (n_dom_gk - 1) / spread)
    se = np.sqrt(variance)
    df = np.broadcast_to((n_dom - 1)[:, None], p.shape)
    n_eff_gk = np.broadcast_to(n_eff[:, None], p.shape)
    if kind == "proportion":
        low, high = _intervals.proportion(ci, p, variance, df, n_eff_gk, n, level, n_base=n_dom_gk)
    else:
        low, high = _intervals.t_interval(p, se, df, level)
    empty = total <= 0
    if empty.any():
        for arr in (p, se, low, high, deff):
            arr[empty] = np.nan
    return EstimateMatrix(
        estimate=p,
        se=se,
        ci_low=low,
        ci_high=high,
        n=np.broadcast_to(n_dom.astype(np.int64)[:, None], p.shape),
        n_eff=n_eff_gk,
        deff=deff,
        df=df.astype(np.int64),
        base_status=np.broadcast_to(base_status_array(n_eff, thresholds)[:, None], p.shape),
        level=level,
        kind=kind,
        ci_method=ci if kind == "proportion" else "t",
    )
