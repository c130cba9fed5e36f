"""Survey-weighted proportions and means with linearised, calibration-aware standard errors.

Reference: R ``survey`` (Lumley 2004, 2010): ``svymean(~y, calibrate(design, ~margins, population,
calfun = "raking"))``, ``svyciprop`` for intervals and ``svycontrast`` for differences. For a base (the whole
sample or a domain D, e.g. a segment; out-of-domain rows are kept with weight 0, R's ``subset``):

* estimate ``p̂ = Σ_D wᵢyᵢ / Σ_D wᵢ``;
* influence ``uᵢ = 1[i∈D](yᵢ − p̂)/Σ_D w``, calibration residual ``eᵢ = uᵢ − xᵢ'B̂`` with
  ``B̂ = (Σ dᵢxᵢxᵢ')⁻¹ Σ dᵢxᵢuᵢ`` over *all* rows (x the calibration model matrix, d the base weights);
* ``zᵢ = wᵢeᵢ``, ``V = n/(n−1) Σ (zᵢ − z̄)²`` over all n rows (Σzᵢ ≠ 0 after calibration, so centring matters);
* df = (respondents in the base) − 1 (R ``degf`` of the subset design);
* design effect ``V / V_srs`` with ``V_srs = s²_w/(n_D − 1)`` and ``s²_w = Σ_D w(y − p̂)²/Σ_D w`` (R
  ``svymean(..., deff = "replace")``); effective n of the base is Kish's ``(Σ_D w)²/Σ_D w²``.

Low bases: effective n below ``BaseThresholds.suppress_below`` marks an estimate ``suppressed`` (its numbers are
kept; callers must not show them or test them), below ``flag_below`` ``low``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from recognition.stats import _intervals
from recognition.stats._base import BaseThresholds, base_status, is_zero
from recognition.stats._matrix import EstimateMatrix, estimate_matrix
from recognition.stats.weighting import CalibrationDesign

__all__ = [
    "BaseThresholds",
    "Contrast",
    "Estimate",
    "EstimateMatrix",
    "base_status",
    "contrast",
    "estimate",
    "estimate_matrix",
]

Kind = Literal["proportion", "mean"]


@dataclass(frozen=True)
class Estimate:
    """One estimate with its base. ``n`` counts respondents in the base, ``n_eff`` is its Kish effective n,
    ``deff`` the design-based variance over the SRS variance (NaN when the base has no variation)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    ci_method: str
    kind: str
    n: int
    n_eff: float
    deff: float
    df: int
    base_status: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contrast:
    """A linearised difference ``ȳ_A − ȳ_B`` of two outcomes on the same respondents; two-sided t test on df."""

    estimate: float
    se: float
    statistic: float
    p_value: float
    df: int
    n: int
    warnings: tuple[str, ...] = ()


def _vector(values: Sequence[float] | np.ndarray, name: str, n: int) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: values must be numbers") from exc
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected {n} values (one per row of the design), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: {int((~np.isfinite(arr)).sum())} value(s) are missing or not finite")
    return arr


def _outcome(y: Sequence[float] | np.ndarray, n: int, kind: str, name: str = "y") -> np.ndarray:
    if kind not in ("proportion", "mean"):
        raise ValueError(f"kind: must be 'proportion' or 'mean', got {kind!r}")
    arr = _vector(y, name, n)
    if kind == "proportion" and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name}: a proportion needs 0/1 values; use kind='mean' for other scores")
    return arr


def _domain(domain: Sequence[bool] | np.ndarray | None, n: int) -> np.ndarray:
    if domain is None:
        return np.ones(n, dtype=bool)
    arr = np.asarray(domain)
    if arr.shape != (n,) or arr.dtype.kind not in "bui" or not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"domain: expected {n} booleans (one per row of the design)")
    mask = arr.astype(bool)
    if not mask.any():
        raise ValueError("domain: selects no respondents")
    return mask


def _linearise(y: np.ndarray, mask: np.ndarray, design: CalibrationDesign) -> tuple[float, float]:
    """(estimate, variance) of the domain mean of y: see the module docstring."""
    wd = np.where(mask, design.w, 0.0)
    total = wd.sum()
    est = float(np.dot(wd, y) / total)
    u = np.where(mask, y - est, 0.0) / total
    z = design.residualise(u[:, None])[:, 0]
    n = design.n
    variance = float(n / (n - 1) * np.sum((z - z.mean()) ** 2)) if n > 1 else float("nan")
    return est, variance


def _degenerate(
    kind: str, y: np.ndarray, est: float, variance: float, w_dom: np.ndarray, n_dom: int
) -> tuple[float, float, str | None]:
    """(estimate, variance, warning) after the zero-variance rules (relative tolerance, see ``_base``)."""
    mean_square = float(np.dot(w_dom, y * y) / w_dom.sum())
    spread = float(np.dot(w_dom, (y - est) ** 2) / w_dom.sum())
    if kind == "proportion" and int(y.sum()) in (0, n_dom):
        value = float(y.sum() > 0)
        return (
            value,
            0.0,
            (
                f"estimate is {value:g} (every respondent in the base answered alike): the interval is the exact "
                f"one-sided bound on the effective base, and the standard error is 0"
            ),
        )
    if n_dom == 1:
        return est, float("nan"), "the base has a single respondent: no standard error or interval"
    if is_zero(spread, mean_square):
        return (
            est,
            0.0,
            (
                "every respondent in the base has the same value: the standard error is 0 and the interval a point"
            ),
        )
    if is_zero(variance, mean_square / n_dom):
        return (
            est,
            0.0,
            (
                "the variance is 0 (the outcome is fixed by the weighting margins): the interval is a point and "
                "the design effect undefined"
            ),
        )
    return est, variance, None


def estimate(
    y: Sequence[float] | np.ndarray,
    design: CalibrationDesign,
    *,
    domain: Sequence[bool] | np.ndarray | None = None,
    kind: Kind = "proportion",
    ci: str = "logit",
    level: float = 0.95,
    thresholds: BaseThresholds = BaseThresholds(),  # noqa: B008 - frozen, immutable default
) -> Estimate:
    """Weighted proportion (y ∈ {0,1}) or mean of y over the base (all rows, or ``domain``).

    ``ci``: ``"logit"`` (R svyciprop default), ``"beta"`` (Korn–Graubard) or ``"wilson"`` for proportions (see
    :mod:`recognition.stats._intervals`); means always use ``estimate ± t(df)·se`` (``ci`` "logit" or "t").
    NPS is a mean of −100/0/+100 scores. Raises ValueError naming a bad argument.

    Degenerate bases (relative tolerance ``ZERO_RTOL``, never exact equality): a proportion answered alike
    has se 0 and the exact one-sided interval; a mean with one value for everyone has se 0 and a point
    interval; an outcome fixed by the weighting margins has se 0 and a point interval; a mean over a single
    respondent has no se or interval (NaN). The design effect is undefined (NaN) in all of them.
    """
    if not 0 < level < 1:
        raise ValueError(f"level: must be between 0 and 1, got {level!r}")
    if kind == "proportion" and ci not in _intervals.CI_METHODS:
        raise ValueError(f"ci: unknown method {ci!r}; use one of {', '.join(_intervals.CI_METHODS)}")
    if kind == "mean" and ci not in ("logit", "t"):
        raise ValueError(f"ci: means use the t interval; got {ci!r}")
    n = design.n
    arr = _outcome(y, n, kind)
    mask = _domain(domain, n)
    raw_est, raw_variance = _linearise(arr, mask, design)
    w_dom = design.w[mask]
    n_dom = int(mask.sum())
    n_eff = float(w_dom.sum() ** 2 / np.dot(w_dom, w_dom))
    df = n_dom - 1
    est, variance, degenerate = _degenerate(kind, arr[mask], raw_est, raw_variance, w_dom, n_dom)
    warnings = [] if degenerate is None else [degenerate]
    if degenerate is None:
        spread = float(np.dot(w_dom, (arr[mask] - est) ** 2) / w_dom.sum())
        deff = variance * (n_dom - 1) / spread
    else:
        deff = float("nan")
    if kind == "proportion":
        low, high = _intervals.proportion(
            ci, np.array(est), np.array(variance), np.array(df), np.array(n_eff), n, level, n_base=n_dom
        )
        method = ci
    else:
        low, high = _intervals.t_interval(np.array(est), np.array(np.sqrt(variance)), np.array(df), level)
        method = "t"
    status = base_status(n_eff, thresholds)
    if status != "ok":
        limit = thresholds.flag_below if status == "low" else thresholds.suppress_below
        warnings.append(f"effective base {n_eff:.1f} is below {limit:g}: {status}")
    return Estimate(
        estimate=est,
        se=float(np.sqrt(variance)),
        ci_low=float(low),
        ci_high=float(high),
        level=level,
        ci_method=method,
        kind=kind,
        n=n_dom,
        n_eff=n_eff,
        deff=deff,
        df=df,
        base_status=status,
        warnings=tuple(warnings),
    )


def contrast(
    y_a: Sequence[float] | np.ndarray,
    y_b: Sequence[float] | np.ndarray,
    design: CalibrationDesign,
    *,
    domain: Sequence[bool] | np.ndarray | None = None,
) -> Contrast:
    """``ȳ_A − ȳ_B`` on the same respondents, linearised as the mean of ``dᵢ = y_Aᵢ − y_Bᵢ`` (R:
    ``svycontrast(svymean(~a + b, design), c(1, -1))``); t test with df = n_D − 1, two-sided."""
    n = design.n
    a = _vector(y_a, "y_a", n)
    b = _vector(y_b, "y_b", n)
    mask = _domain(domain, n)
    diff = a - b
    est, variance = _linearise(diff, mask, design)
    df = int(mask.sum()) - 1
    w_dom = design.w[mask]
    mean_square = float(np.dot(w_dom, diff[mask] ** 2) / w_dom.sum())
    warnings: list[str] = []
    if df >= 1 and not is_zero(variance, mean_square / (df + 1)):
        se = float(np.sqrt(variance))
        statistic = est / se
        p_value = float(2 * stats.t.sf(abs(statistic), df))
    else:
        se = 0.0 if df >= 1 else float("nan")
        fixed = df >= 1 and is_zero(est * est, mean_square)
        statistic = float("nan") if df < 1 else 0.0 if fixed else float(np.copysign(np.inf, est))
        p_value = float("nan") if df < 1 else 1.0 if fixed else 0.0
        est = 0.0 if fixed else est
        warnings.append(
            "the base has a single respondent: no test"
            if df < 1
            else "the difference has no sampling variance (identical or fixed outcomes)"
        )
    return Contrast(
        estimate=est,
        se=se,
        statistic=statistic,
        p_value=p_value,
        df=df,
        n=int(mask.sum()),
        warnings=tuple(warnings),
    )
