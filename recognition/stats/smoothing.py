"""Smoothed trends: a local-level state-space model whose observation noise is each wave's known sampling variance.

Model (Durbin & Koopman 2012, "Time Series Analysis by State Space Methods", 2nd ed., ch. 2; the "signal
extraction" model of repeated surveys, Scott & Smith 1974, Pfeffermann 1991):

    y_t = μ_t + ε_t,      ε_t ~ N(0, v_t)   (v_t = se_t², the wave's design-based sampling variance, known)
    μ_t = μ_{t−1} + η_t,  η_t ~ N(0, q)     (the true level follows a random walk; q is the signal variance)

Kalman filter with an exact diffuse start (the first observed wave fixes ``a = y, P = v``), one step per wave:
predict ``P ← P + q``; update with ``F = P + v_t``, ``K = P/F``, ``a ← a + K(y_t − a)``, ``P ← P·v_t/F``. A
missing wave (NaN) is only predicted. Rauch–Tung–Striebel smoother backwards: ``J = P_t|t/(P_t|t + q)``,
``a_t|T = a_t|t + J(a_t+1|T − a_t|t)``, ``P_t|T = P_t|t + J²(P_t+1|T − P_t|t − q)``.

q by maximum likelihood: the diffuse log-likelihood ``−½ Σ_{t>first} (log 2π + log F_t + e_t²/F_t)`` is
maximised over log q (a grid from 1e-6 to 10 times the series' scale, refined by golden-section search to
1e-8 in log q), against the boundary q = 0 (a constant level). Many series are fitted at once (vectorised over
series; the loop runs over waves only).

Intervals: ``a_t|T ± z·√P_t|T``. The smoothed series is offered beside the raw estimates, which are returned
unchanged in the result; it never replaces them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["SMOOTHED_LABEL", "SmoothedTrend", "local_level_loglik", "smooth_trend"]

SMOOTHED_LABEL = "smoothed (local level model)"
_GRID = np.linspace(np.log(1e-6), np.log(10.0), 37)
_GOLDEN_STEPS = 45
_INVPHI = (np.sqrt(5.0) - 1) / 2


@dataclass(frozen=True, eq=False)
class SmoothedTrend:
    """(series × waves) arrays, or (waves,) for one series: ``raw``/``raw_se`` as given; ``smoothed``,
    ``smoothed_se``, ``ci_low``/``ci_high`` (RTS smoother) and ``filtered``/``filtered_se`` (Kalman filter, using
    waves up to t only). Per series: ``signal_variance`` q (ML), ``loglik`` (diffuse), ``observed`` waves."""

    raw: np.ndarray
    raw_se: np.ndarray
    smoothed: np.ndarray
    smoothed_se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    filtered: np.ndarray
    filtered_se: np.ndarray
    signal_variance: np.ndarray
    loglik: np.ndarray
    observed: np.ndarray
    level: float
    label: str
    warnings: tuple[str, ...]


def _filter(
    y: np.ndarray, v: np.ndarray, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kalman filter over the leading (time) axis. y, v: (T, ...) with NaN y for missing waves; q broadcasts with
    y[0]. Returns filtered means and variances (T, ...) (NaN before the first observation), a started mask per
    time, and the log-likelihood (...)."""
    shape = np.broadcast_shapes(y.shape[1:], np.shape(q))
    a = np.zeros(shape)
    p = np.full(shape, np.inf)
    started = np.zeros(shape, dtype=bool)
    loglik = np.zeros(shape)
    t_len = y.shape[0]
    means = np.empty((t_len, *shape))
    variances = np.empty((t_len, *shape))
    begun = np.empty((t_len, *shape), dtype=bool)
    for t in range(t_len):
        obs = np.isfinite(y[t])
        yt = np.where(obs, y[t], 0.0)
        vt = v[t]
        pred = np.where(started, p + q, np.inf)
        f = pred + vt
        e = yt - a
        update = obs & started
        with np.errstate(invalid="ignore", divide="ignore"):
            gain = np.where(update, pred / f, 0.0)
            loglik += np.where(update, -0.5 * (np.log(2 * np.pi) + np.log(f) + e * e / f), 0.0)
            p = np.where(update, pred * vt / f, pred)
        a = np.where(update, a + gain * e, a)
        first = obs & ~started
        a = np.where(first, yt, a)
        p = np.where(first, vt, p)
        started = started | obs
        means[t] = np.where(started, a, np.nan)
        variances[t] = np.where(started, p, np.nan)
        begun[t] = started
    return means, variances, begun, loglik


def _smoother(
    means: np.ndarray, variances: np.ndarray, begun: np.ndarray, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    sm, sp = means.copy(), variances.copy()
    for t in range(means.shape[0] - 2, -1, -1):
        with np.errstate(invalid="ignore", divide="ignore"):
            pred = variances[t] + q
            gain = np.where(pred > 0, variances[t] / pred, 1.0)
            back_m = means[t] + gain * (sm[t + 1] - means[t])
            back_p = variances[t] + gain * gain * (sp[t + 1] - pred)
        # Before the first observation the level is the first smoothed level plus the random walk run backwards.
        sm[t] = np.where(begun[t], back_m, sm[t + 1])
        sp[t] = np.where(begun[t], back_p, sp[t + 1] + q)
    return sm, sp


def local_level_loglik(y: np.ndarray, se: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """The diffuse log-likelihood of the local-level model at signal variance q (waves along the last axis)."""
    ya, va = _series(y, se)
    return _filter(ya.T, va.T, np.asarray(q, dtype=float))[3]


def _series(y: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ya = np.atleast_2d(np.asarray(y, dtype=float))
    sa = np.atleast_2d(np.asarray(se, dtype=float))
    if ya.ndim != 2 or sa.shape != ya.shape:
        raise ValueError(
            f"estimate, se: expected equal shapes (waves, or series × waves), got {ya.shape}, {sa.shape}"
        )
    obs = np.isfinite(ya)
    if np.any(obs & ~(np.isfinite(sa) & (sa > 0))):
        raise ValueError("se: every wave with an estimate needs a finite positive standard error")
    return ya, np.where(obs, sa * sa, 1.0)


def _fit_q(y: np.ndarray, v: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """ML signal variance per series (vectorised grid + golden-section search over log q, and q = 0)."""
    ys, vs = y.T, v.T
    log_scale = np.log(scale)[:, None]
    grid_ll = _filter(ys[:, :, None], vs[:, :, None], np.exp(log_scale + _GRID[None, :]))[3]
    best = np.argmax(grid_ll, axis=1)
    lo = log_scale[:, 0] + _GRID[np.maximum(best - 1, 0)]
    hi = log_scale[:, 0] + _GRID[np.minimum(best + 1, _GRID.size - 1)]
    c, d = hi - _INVPHI * (hi - lo), lo + _INVPHI * (hi - lo)
    fc, fd = _filter(ys, vs, np.exp(c))[3], _filter(ys, vs, np.exp(d))[3]
    for _ in range(_GOLDEN_STEPS):
        left = fc >= fd
        hi, lo = np.where(left, d, hi), np.where(left, lo, c)
        new = np.where(left, hi - _INVPHI * (hi - lo), lo + _INVPHI * (hi - lo))
        fnew = _filter(ys, vs, np.exp(new))[3]
        c, d, fc, fd = (
            np.where(left, new, d),
            np.where(left, c, new),
            np.where(left, fnew, fd),
            np.where(left, fc, fnew),
        )
    log_q = np.where(fc >= fd, c, d)
    q = np.exp(log_q)
    at_zero = _filter(ys, vs, np.zeros_like(q))[3]
    return np.where(at_zero >= np.maximum(fc, fd), 0.0, q)


def smooth_trend(
    estimate: np.ndarray,
    se: np.ndarray,
    *,
    signal_variance: float | np.ndarray | None = None,
    level: float = 0.95,
) -> SmoothedTrend:
    """Smooth one series (waves,) or many (series × waves) of wave estimates with their standard errors.

    A missing wave (NaN estimate, e.g. a suppressed base) is bridged by the model. ``signal_variance`` fixes q
    (per series or one for all) instead of estimating it by maximum likelihood.
    """
    if not 0 < level < 1:
        raise ValueError(f"level: must be between 0 and 1, got {level!r}")
    single = np.ndim(estimate) == 1
    y, v = _series(estimate, se)
    observed = np.isfinite(y).sum(axis=1)
    if np.any(observed == 0):
        raise ValueError("estimate: a series has no observed wave")
    warnings: list[str] = []
    if signal_variance is None:
        scale = np.array(
            [
                max(float(np.nanvar(row)), float(np.mean(vv[np.isfinite(row)])), 1e-12)
                for row, vv in zip(y, v, strict=True)
            ]
        )
        q = _fit_q(y, v, scale)
        if np.any(observed < 4):
            warnings.append("fewer than 4 observed waves: the signal variance is poorly determined")
    else:
        q = np.broadcast_to(np.asarray(signal_variance, dtype=float), (y.shape[0],)).copy()
        if np.any(~np.isfinite(q) | (q < 0)):
            raise ValueError(f"signal_variance: must be finite and >= 0, got {signal_variance!r}")
    means, variances, begun, loglik = _filter(y.T, v.T, q)
    sm, sp = _smoother(means, variances, begun, q)
    z = float(stats.norm.ppf(0.5 + level / 2))
    smoothed, smoothed_se = sm.T, np.sqrt(sp.T)

    def shape(a: np.ndarray) -> np.ndarray:
        return a[0] if single else a

    return SmoothedTrend(
        raw=shape(np.asarray(y)),
        raw_se=shape(np.atleast_2d(np.asarray(se, dtype=float))),
        smoothed=shape(smoothed),
        smoothed_se=shape(smoothed_se),
        ci_low=shape(smoothed - z * smoothed_se),
        ci_high=shape(smoothed + z * smoothed_se),
        filtered=shape(means.T),
        filtered_se=shape(np.sqrt(variances.T)),
        signal_variance=shape(q),
        loglik=shape(loglik),
        observed=shape(observed),
        level=level,
        label=SMOOTHED_LABEL,
        warnings=tuple(warnings),
    )
