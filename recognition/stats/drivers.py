"""Key drivers: Johnson's relative weights of image attributes for consideration and preference.

Model (a linear probability model, as usual in driver analysis): in the respondent × brand stacked design, row
(i, b) has the outcome ``y_ib`` (e.g. considers brand b) and the attribute associations ``x_ibj`` (0/1). With
``brand_effects=True`` (the default) every variable is centred on its weighted mean within each brand, i.e. brand
fixed effects are partialled out, so the importances describe how associations go with the outcome *within* a
brand and not the fact that big brands have both more associations and more consideration.

Johnson's relative weights (Johnson 2000, Multivariate Behavioral Research 35:1–19): with the weighted correlation
matrix ``Rxx = P Λ P'`` of the attributes and their correlations ``rxy`` with the outcome,

    Λ½ = P Λ^{1/2} P'   (correlations of the attributes with their closest orthogonal counterparts Z),
    β = Λ½⁻¹ rxy        (standardised regression of y on Z),
    εⱼ = Σₖ (Λ½)ⱼₖ² βₖ²  (raw relative weight of attribute j; Σⱼ εⱼ = R²),

and the share of R² explained by attribute j is ``εⱼ / R²``. Relative weights approximate the Shapley value
(LMG) decomposition of R² (Lindeman, Merenda & Gold 1980; Grömping 2007) but cost one eigendecomposition instead
of 2^k regressions, so they stay cheap for 20+ attributes and inside a bootstrap.

Weights: all sums are weighted with the respondent's (raked) weight; the base is the rows kept by ``domain``
(respondents, or respondent × brand pairs, e.g. potential customers of each brand).

Intervals: percentile bootstrap over :class:`recognition.stats.replicates.ReplicateWeights` (respondents
resampled, each replicate re-raked to the wave's margins with its bounds); se is the replicate standard
deviation. All replicates are computed at once: per respondent the cross-products ``Σ_b z_ib z_ib'`` are formed
once, and every replicate's weighted moments are one matrix product with the replicate weight matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recognition.stats._base import BaseThresholds, base_status
from recognition.stats.replicates import ReplicateWeights
from recognition.stats.weighting import CalibrationDesign

__all__ = ["DriverResult", "johnson_weights", "key_drivers"]

_ZERO_VARIANCE = 1e-12
_MIN_EIGEN = 1e-12


@dataclass(frozen=True, eq=False)
class DriverResult:
    """Relative importance of each attribute for one outcome.

    ``raw`` (k,) are Johnson's raw weights (they sum to ``r_squared``), ``share`` (k,) their share of R² (sums to
    1); ``*_se`` are bootstrap standard deviations and ``*_low``/``*_high`` percentile intervals at ``level``
    (NaN without replicates). ``n`` counts respondents in the base, ``rows`` respondent × brand rows, ``n_eff``
    the Kish effective n of the respondents in the base; ``replicates`` the usable bootstrap replicates.
    """

    outcome: str
    attributes: tuple[str, ...]
    raw: np.ndarray
    share: np.ndarray
    raw_se: np.ndarray
    raw_low: np.ndarray
    raw_high: np.ndarray
    share_se: np.ndarray
    share_low: np.ndarray
    share_high: np.ndarray
    r_squared: float
    r_squared_low: float
    r_squared_high: float
    n: int
    rows: int
    n_eff: float
    replicates: int
    level: float
    brand_effects: bool
    base_status: str
    warnings: tuple[str, ...]


def johnson_weights(corr: np.ndarray, k: int) -> np.ndarray:
    """Raw relative weights from correlation matrices ``corr`` (..., k+m, k+m): attributes first, then m
    outcomes. Returns (..., m, k); row sums are each outcome's R²."""
    rxx = corr[..., :k, :k]
    rxy = corr[..., :k, k:]
    lam, vec = np.linalg.eigh(rxx)
    lam = np.maximum(lam, _MIN_EIGEN)
    root = np.sqrt(lam)
    half = (vec * root[..., None, :]) @ np.swapaxes(vec, -1, -2)
    beta = (vec * (1 / root)[..., None, :]) @ (np.swapaxes(vec, -1, -2) @ rxy)
    return np.swapaxes((half * half) @ (beta * beta), -1, -2)


def _inputs(
    attributes: np.ndarray, outcomes: np.ndarray, domain: np.ndarray | None, n: int
) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(attributes, dtype=float)
    y = np.asarray(outcomes, dtype=float)
    if x.ndim != 3 or x.shape[0] != n:
        raise ValueError(f"attributes: expected (n={n}) × brands × attributes, got shape {x.shape}")
    if y.ndim != 3 or y.shape[:2] != x.shape[:2]:
        raise ValueError(f"outcomes: expected (n={n}) × brands={x.shape[1]} × outcomes, got shape {y.shape}")
    for name, arr in (("attributes", x), ("outcomes", y)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: contains missing or non-finite values")
    if domain is None:
        mask = np.ones(x.shape[:2])
    else:
        dm = np.asarray(domain)
        if dm.ndim == 1:
            dm = np.broadcast_to(dm[:, None], x.shape[:2])
        if dm.shape != x.shape[:2] or not np.all((dm == 0) | (dm == 1)):
            raise ValueError(
                f"domain: expected {n} booleans or an (n × brands) boolean matrix, got {dm.shape}"
            )
        mask = dm.astype(float)
    if not mask.any():
        raise ValueError("domain: selects no respondent × brand rows")
    return np.concatenate([x, y], axis=2), mask


def _correlations(z: np.ndarray, mask: np.ndarray, weights: np.ndarray, brand_effects: bool) -> np.ndarray:
    """Weighted correlation matrices (R, p, p) of the stacked rows, one per row of ``weights`` (R × n)."""
    n, b, p = z.shape
    zm = z * mask[:, :, None]
    cross = np.einsum("ibp,ibq->ipq", zm, z).reshape(n, p * p)
    s2 = (weights @ cross).reshape(-1, p, p)
    if brand_effects:
        s1 = (weights @ zm.reshape(n, b * p)).reshape(-1, b, p)
        count = weights @ mask
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = np.where(count > 0, 1 / count, 0.0)
        cov = s2 - np.einsum("rbp,rbq,rb->rpq", s1, s1, inv)
    else:
        s1 = weights @ zm.sum(axis=1)
        total = weights @ mask.sum(axis=1)
        cov = s2 - np.einsum("rp,rq->rpq", s1, s1) / total[:, None, None]
    sd = np.sqrt(np.maximum(np.einsum("rpp->rp", cov), 0.0))
    # A column that (nearly) does not vary in a replicate has sd 0 or a rounding remainder: its correlations
    # are not finite (inf or NaN), which the callers read as "does not vary" rather than as a number.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return cov / (sd[:, :, None] * sd[:, None, :])


def _percentile(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    if values.shape[0] == 0:
        nan = np.full(values.shape[1:], np.nan)
        return nan, nan.copy()
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha], axis=0)
    return low, high


def key_drivers(
    attributes: np.ndarray,
    outcomes: np.ndarray,
    design: CalibrationDesign,
    replicate_weights: ReplicateWeights | None = None,
    *,
    domain: np.ndarray | None = None,
    attribute_names: Sequence[str] | None = None,
    outcome_names: Sequence[str] | None = None,
    brand_effects: bool = True,
    level: float = 0.95,
    thresholds: BaseThresholds = BaseThresholds(),  # noqa: B008 - frozen, immutable default
) -> tuple[DriverResult, ...]:
    """Johnson's relative weights of each attribute for each outcome, with bootstrap intervals.

    ``attributes``: (n × brands × k) association indicators; ``outcomes``: (n × brands × m), e.g. m = 2 for
    consideration and preference (0/1). For one brand alone pass (n × 1 × ·) slices and ``brand_effects=False``
    is implied. ``domain``: None (all rows), n booleans (respondents) or (n × brands) booleans (rows, e.g. a
    brand's potential customers). ``replicate_weights`` from :func:`recognition.stats.replicates.bootstrap_weights`
    on the same design (None: point estimates only). Returns one :class:`DriverResult` per outcome.
    """
    if not 0 < level < 1:
        raise ValueError(f"level: must be between 0 and 1, got {level!r}")
    n = design.n
    z, mask = _inputs(attributes, outcomes, domain, n)
    m = np.asarray(outcomes).shape[2]
    k = z.shape[2] - m
    names = (
        tuple(attribute_names)
        if attribute_names is not None
        else tuple(f"attribute {j + 1}" for j in range(k))
    )
    outs = tuple(outcome_names) if outcome_names is not None else tuple(f"outcome {j + 1}" for j in range(m))
    if len(names) != k or len(outs) != m:
        raise ValueError(
            f"attribute_names/outcome_names: expected {k} and {m} names, got {len(names)} and {len(outs)}"
        )
    brand_effects = brand_effects and z.shape[1] > 1
    if replicate_weights is not None and replicate_weights.weights.shape[1] != n:
        raise ValueError(
            f"replicate_weights: built for {replicate_weights.weights.shape[1]} respondents, design has {n}"
        )
    reps = np.empty((0, n)) if replicate_weights is None else replicate_weights.weights
    corr = _correlations(z, mask, np.vstack([design.w[None, :], reps]), brand_effects)
    warnings: list[str] = []
    variance_ok = np.isfinite(np.einsum("rpp->rp", corr))
    dead = ~variance_ok[0]
    if dead[k:].any():
        raise ValueError(
            f"outcomes: {', '.join(o for o, d in zip(outs, dead[k:], strict=True) if d)} do not vary in the base"
        )
    keep = np.flatnonzero(~dead[:k])
    if keep.size < k:
        warnings.append(
            f"attribute(s) {', '.join(names[j] for j in np.flatnonzero(dead[:k]))} do not vary in the base: weight 0"
        )
    cols = np.concatenate([keep, np.arange(k, k + m)])
    sub = corr[:, cols[:, None], cols[None, :]]
    usable = np.all(np.isfinite(sub.reshape(sub.shape[0], -1)), axis=1)
    raw_kept = np.full((sub.shape[0], m, keep.size), np.nan)
    raw_kept[usable] = johnson_weights(sub[usable], keep.size)
    raw = np.zeros((sub.shape[0], m, k))
    raw[:, :, keep] = raw_kept
    good = usable[1:]
    if replicate_weights is not None and not good.all():
        warnings.append(
            f"{int((~good).sum())} bootstrap replicate(s) left out: an attribute did not vary in them"
        )
    r2 = raw.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = raw / r2[:, :, None]
    boot_raw, boot_share, boot_r2 = raw[1:][good], share[1:][good], r2[1:][good]
    raw_low, raw_high = _percentile(boot_raw, level)
    share_low, share_high = _percentile(boot_share, level)
    r2_low, r2_high = _percentile(boot_r2, level)
    ddof = 1 if boot_raw.shape[0] > 1 else 0
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_se = boot_raw.std(axis=0, ddof=ddof) if boot_raw.shape[0] else np.full((m, k), np.nan)
        share_se = boot_share.std(axis=0, ddof=ddof) if boot_raw.shape[0] else np.full((m, k), np.nan)
    in_base = mask.any(axis=1)
    wb = design.w[in_base]
    n_eff = float(wb.sum() ** 2 / np.dot(wb, wb))
    status = base_status(n_eff, thresholds)
    if status != "ok":
        warnings.append(f"effective base {n_eff:.1f} of the respondents in the base: {status}")
    if replicate_weights is not None:
        warnings.extend(replicate_weights.warnings)
    return tuple(
        DriverResult(
            outcome=outs[j],
            attributes=names,
            raw=raw[0, j],
            share=share[0, j],
            raw_se=raw_se[j],
            raw_low=raw_low[j],
            raw_high=raw_high[j],
            share_se=share_se[j],
            share_low=share_low[j],
            share_high=share_high[j],
            r_squared=float(r2[0, j]),
            r_squared_low=float(r2_low[j]),
            r_squared_high=float(r2_high[j]),
            n=int(in_base.sum()),
            rows=int(mask.sum()),
            n_eff=n_eff,
            replicates=int(boot_raw.shape[0]),
            level=level,
            brand_effects=brand_effects,
            base_status=status,
            warnings=tuple(warnings),
        )
        for j in range(m)
    )
