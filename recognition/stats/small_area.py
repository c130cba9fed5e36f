"""Small segments: the Fay–Herriot area-level model and its EBLUP, always labelled as modelled.

Model (Fay & Herriot 1979; Rao & Molina 2015, "Small Area Estimation", 2nd ed., ch. 6): for segment d = 1..m,

    direct estimate  y_d = θ_d + e_d,   e_d ~ N(0, ψ_d)   (ψ_d: the design-based sampling variance, taken as known)
    true value       θ_d = x_d'β + v_d,  v_d ~ N(0, σ²_v)  (x_d: segment-level covariates, e.g. the segment's
                                                             estimate in earlier waves or a related metric)

EBLUP ``θ̂_d = γ_d y_d + (1 − γ_d) x_d'β̂`` with ``γ_d = σ̂²_v/(σ̂²_v + ψ_d)`` and the GLS ``β̂ = (X'V⁻¹X)⁻¹X'V⁻¹y``,
``V = diag(σ̂²_v + ψ_d)``: a low-based segment leans on the model, a well-based one on its own estimate.

σ²_v by REML (Fisher scoring, Rao & Molina eq. 6.2.19: ``σ² ← σ² + ½tr(P²)⁻¹ (½y'P²y − ½tr P)`` with
``P = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹``) or the Prasad–Rao moment estimator
``σ̂²_PR = (Σ ê²_OLS − Σ ψ_d(1 − h_dd)) / (m − p)``; both truncated at 0.

MSE (Prasad & Rao 1990; Datta & Lahiri 2000 for REML): ``mse_d = g1 + g2 + 2·g3`` with ``g1 = γ_d ψ_d``,
``g2 = (1 − γ_d)² x_d'(X'V⁻¹X)⁻¹x_d``, ``g3 = ψ_d²(σ²_v + ψ_d)⁻³ V̄(σ̂²_v)``, where ``V̄ = 2/Σ(σ²_v + ψ_d)⁻²``
(REML) or ``2m⁻²Σ(σ²_v + ψ_d)²`` (Prasad–Rao). Interval ``θ̂_d ± z·√mse_d``. A segment without a direct estimate
(NaN) gets the synthetic ``x_d'β̂`` with ``mse = σ̂²_v + x_d'(X'V⁻¹X)⁻¹x_d``.

Assumptions: normal errors, known sampling variances, a linear link between θ and the covariates, exchangeable
segment effects. For proportions near 0 or 1 the normal model is rough; estimates are clipped to [0, 1] when
``proportion=True`` (the MSE is not changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["MODELLED_LABEL", "SmallAreaResult", "fay_herriot"]

MODELLED_LABEL = "modelled (Fay–Herriot EBLUP)"
_MAX_ITER = 100
_TOL = 1e-10


@dataclass(frozen=True, eq=False)
class SmallAreaResult:
    """Per segment (m,) arrays: ``direct``/``direct_se`` as given, ``estimate`` the EBLUP, ``se = √mse``,
    ``ci_low``/``ci_high``, ``gamma`` (weight on the direct estimate), ``synthetic`` (x'β̂); model: ``beta``,
    ``beta_se``, ``sigma2_v``. ``label`` is always :data:`MODELLED_LABEL`: these are model-based numbers."""

    names: tuple[str, ...]
    direct: np.ndarray
    direct_se: np.ndarray
    estimate: np.ndarray
    mse: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    gamma: np.ndarray
    synthetic: np.ndarray
    beta: np.ndarray
    beta_se: np.ndarray
    sigma2_v: float
    method: str
    iterations: int
    converged: bool
    areas_fitted: int
    level: float
    label: str
    warnings: tuple[str, ...]


def _check(
    direct: Sequence[float] | np.ndarray,
    variance: Sequence[float] | np.ndarray,
    covariates: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(direct, dtype=float)
    psi = np.asarray(variance, dtype=float)
    m = y.shape[0] if y.ndim == 1 else -1
    if y.ndim != 1 or psi.shape != y.shape:
        raise ValueError(
            f"direct, variance: expected two 1-d arrays of equal length, got {y.shape} and {psi.shape}"
        )
    x = np.ones((m, 1)) if covariates is None else np.asarray(covariates, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[0] != m or not np.all(np.isfinite(x)):
        raise ValueError(
            f"covariates: expected {m} rows of finite numbers (one per segment), got shape {x.shape}"
        )
    observed = np.isfinite(y)
    if np.any(observed & ~(np.isfinite(psi) & (psi > 0))):
        raise ValueError(
            "variance: every segment with a direct estimate needs a finite positive sampling variance"
        )
    return y, psi, x


def _gls(y: np.ndarray, psi: np.ndarray, x: np.ndarray, s2: float) -> tuple[np.ndarray, np.ndarray]:
    vinv = 1 / (s2 + psi)
    xtvx_inv = np.linalg.inv(x.T @ (x * vinv[:, None]))
    return xtvx_inv @ (x.T @ (vinv * y)), xtvx_inv


def _prasad_rao(y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> float:
    m, p = x.shape
    beta_ols, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta_ols
    hat = np.einsum("ij,jk,ik->i", x, np.linalg.inv(x.T @ x), x)
    return max(0.0, float((resid @ resid - np.sum(psi * (1 - hat))) / (m - p)))


def _reml(y: np.ndarray, psi: np.ndarray, x: np.ndarray, start: float) -> tuple[float, int, bool]:
    s2 = max(start, float(np.median(psi)) / 10)
    for it in range(1, _MAX_ITER + 1):
        vinv = 1 / (s2 + psi)
        xv = x * vinv[:, None]
        proj = np.diag(vinv) - xv @ np.linalg.solve(x.T @ xv, xv.T)
        py = proj @ y
        score = 0.5 * (py @ py) - 0.5 * np.trace(proj)
        info = 0.5 * np.sum(proj * proj)
        step = score / info
        new = max(s2 + step, 0.0)
        if abs(new - s2) <= _TOL * max(1.0, s2) or (new == 0.0 and s2 == 0.0):
            return new, it, True
        s2 = new
    return s2, _MAX_ITER, False


def fay_herriot(
    direct: Sequence[float] | np.ndarray,
    variance: Sequence[float] | np.ndarray,
    covariates: np.ndarray | None = None,
    *,
    names: Sequence[str] | None = None,
    method: str = "REML",
    intercept: bool = True,
    proportion: bool = False,
    level: float = 0.95,
) -> SmallAreaResult:
    """EBLUPs of m segments from their ``direct`` estimates (NaN: none), the direct estimates' sampling
    ``variance`` (se², design-based) and area-level ``covariates`` (m × p, without the intercept column, which is
    added when ``intercept``). ``method``: ``"REML"`` or ``"PR"`` (Prasad–Rao moments)."""
    if method not in ("REML", "PR"):
        raise ValueError(f"method: must be 'REML' or 'PR', got {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"level: must be between 0 and 1, got {level!r}")
    y, psi, x = _check(direct, variance, covariates)
    m = y.shape[0]
    if intercept:
        x = np.hstack([np.ones((m, 1)), x]) if covariates is not None else x
    elif covariates is None:
        raise ValueError("covariates: without an intercept, give at least one covariate")
    label_names = tuple(names) if names is not None else tuple(f"segment {d + 1}" for d in range(m))
    if len(label_names) != m:
        raise ValueError(f"names: expected {m} names, got {len(label_names)}")
    obs = np.isfinite(y)
    yo, po, xo = y[obs], psi[obs], x[obs]
    p = x.shape[1]
    if yo.size <= p or np.linalg.matrix_rank(xo) < p:
        raise ValueError(
            f"direct: {yo.size} segment(s) with a direct estimate cannot fit {p} coefficient(s); "
            "give more segments or fewer covariates"
        )
    warnings: list[str] = []
    s2_pr = _prasad_rao(yo, po, xo)
    if method == "PR":
        s2, iterations, converged = s2_pr, 0, True
    else:
        s2, iterations, converged = _reml(yo, po, xo, s2_pr)
        if not converged:
            warnings.append(f"REML did not converge in {_MAX_ITER} iterations")
    if s2 == 0.0:
        warnings.append(
            "the segment-effect variance is estimated at 0: every estimate is the synthetic (regression) value"
        )
    beta, xtvx_inv = _gls(yo, po, xo, s2)
    synthetic = x @ beta
    lever = np.einsum("ij,jk,ik->i", x, xtvx_inv, x)
    with np.errstate(invalid="ignore"):
        gamma = np.where(obs, s2 / (s2 + psi), 0.0)
        vbar = 2 / np.sum((s2 + po) ** -2.0) if method == "REML" else 2 * np.sum((s2 + po) ** 2) / yo.size**2
        g1 = gamma * psi
        g2 = (1 - gamma) ** 2 * lever
        g3 = psi**2 * (s2 + psi) ** -3.0 * vbar
    mse = np.where(obs, g1 + g2 + 2 * g3, s2 + lever)
    est = np.where(obs, gamma * np.where(obs, y, 0.0) + (1 - gamma) * synthetic, synthetic)
    if proportion:
        est = np.clip(est, 0.0, 1.0)
    if not obs.all():
        warnings.append(
            f"{int((~obs).sum())} segment(s) without a direct estimate get the synthetic estimate"
        )
    z = float(stats.norm.ppf(0.5 + level / 2))
    se = np.sqrt(mse)
    return SmallAreaResult(
        names=label_names,
        direct=y,
        direct_se=np.sqrt(psi),
        estimate=est,
        mse=mse,
        se=se,
        ci_low=est - z * se,
        ci_high=est + z * se,
        gamma=gamma,
        synthetic=synthetic,
        beta=beta,
        beta_se=np.sqrt(np.diag(xtvx_inv)),
        sigma2_v=s2,
        method=method,
        iterations=iterations,
        converged=converged,
        areas_fitted=int(yo.size),
        level=level,
        label=MODELLED_LABEL,
        warnings=tuple(warnings),
    )
