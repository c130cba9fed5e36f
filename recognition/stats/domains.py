"""Differences between two domains (segments) of one sample: the column-proportion test of a banner table,
with the design-based variance.

Two banner columns (say men and women) are domains of the **same** calibrated sample, not independent samples:
both estimates are made with the same weights, raked together, so their covariance is not zero. The difference
``p̂_A − p̂_B`` is linearised as one statistic of the whole design (R: ``svyby(~y, ~segment, design, svymean,
covmat = TRUE)`` then ``svycontrast(..., c(1, -1))``): with the domain influence values of
:mod:`recognition.stats.estimation`,

    uᵢ = 1[i∈A](yᵢ − p̂_A)/Σ_A w − 1[i∈B](yᵢ − p̂_B)/Σ_B w,

their calibration residuals times the final weights ``zᵢ = wᵢeᵢ`` (:meth:`CalibrationDesign.residualise`) and
``V = n/(n−1) Σ (zᵢ − z̄)²`` over all n rows. The test is ``t = (p̂_A − p̂_B)/√V`` on the design's degrees of
freedom, n − 1 (R: ``degf(design)``), two-sided. Overlapping domains are handled by the same formula (a
respondent in both contributes to both terms). A respondent whose outcome is NaN is outside every domain for
that outcome (a mean's base: the raters).

The old crosstab tools test each pair as two independent simple random samples with the unweighted (or
effective) bases; that ignores both the weighting's design effect and the covariance the shared weights create.

Reference: Lumley (2010), *Complex Surveys*, §2.4 (domains) and §3.2 (contrasts); R ``survey``'s ``svyby``
and ``svycontrast``. Checked against R in ``tests/reference/test_banner_against_r.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from recognition.stats._base import is_zero
from recognition.stats.weighting import CalibrationDesign

_BLOCK = 4_000_000  # values of the n × domains × outcomes influence array handled at once


@dataclass(frozen=True, eq=False)
class DomainContrasts:
    """(pairs × outcomes) arrays: ``difference`` = p̂_A − p̂_B, its ``se``, ``statistic`` (t) and two-sided
    ``p_value`` on ``df``; NaN where a domain of the pair is empty for the outcome. A difference with no
    sampling variance (both domains answered alike) has se 0, statistic ±inf or 0 and p-value 0 or 1."""

    difference: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    df: int


def domain_contrasts(
    Y: np.ndarray,  # noqa: N803 - matrix notation
    design: CalibrationDesign,
    domains: np.ndarray,
    pairs: Sequence[tuple[int, int]],
) -> DomainContrasts:
    """Test every pair ``(a, b)`` of domain columns for every outcome column of ``Y`` (see the module
    docstring). ``domains``: n × g booleans."""
    y = np.asarray(Y, dtype=float)
    dom = np.asarray(domains, dtype=bool)
    n = design.n
    if y.ndim != 2 or y.shape[0] != n:
        raise ValueError(f"Y: expected an (n={n}) × k matrix, got shape {y.shape}")
    if dom.ndim != 2 or dom.shape[0] != n:
        raise ValueError(f"domains: expected an (n={n}) × g boolean matrix, got shape {dom.shape}")
    g, k = dom.shape[1], y.shape[1]
    for a, b in pairs:
        if not (0 <= a < g and 0 <= b < g):
            raise ValueError(f"pairs: ({a}, {b}) is not a pair of domain columns 0..{g - 1}")
    shape = (len(pairs), k)
    difference, variance, scale = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    step = max(1, _BLOCK // max(1, n * g))
    w = design.w
    for start in range(0, k, step):
        cols = slice(start, min(k, start + step))
        yb = y[:, cols]
        present = ~np.isnan(yb)
        y0 = np.where(present, yb, 0.0)
        base = dom[:, :, None] & present[:, None, :]  # n × g × kb
        total = np.einsum("i,igk->gk", w, base)
        with np.errstate(invalid="ignore", divide="ignore"):
            est = np.einsum("i,igk,ik->gk", w, base, y0) / total
            u = base * (y0[:, None, :] - est[None]) / total[None]
        u = np.nan_to_num(u, nan=0.0, posinf=0.0, neginf=0.0)
        z = design.residualise(u.reshape(n, -1)).reshape(u.shape)
        ms = np.einsum("i,igk,ik->gk", w, base, y0 * y0) / np.where(total > 0, total, np.nan)
        for j, (a, b) in enumerate(pairs):
            d = z[:, a, :] - z[:, b, :]
            v = n / (n - 1) * np.sum((d - d.mean(axis=0)) ** 2, axis=0) if n > 1 else np.nan
            difference[j, cols] = est[a] - est[b]
            variance[j, cols] = v
            scale[j, cols] = ms[a] / np.maximum(base[:, a].sum(axis=0), 1) + ms[b] / np.maximum(
                base[:, b].sum(axis=0), 1
            )
    df = n - 1
    flat = is_zero(variance, scale)
    se = np.sqrt(np.where(flat, 0.0, variance))
    with np.errstate(invalid="ignore", divide="ignore"):
        statistic = np.where(
            flat,
            np.where(is_zero(np.abs(difference), 1e-12), 0.0, np.copysign(np.inf, difference)),
            difference / se,
        )
    p_value = 2 * stats.t.sf(np.abs(statistic), df)
    missing = np.isnan(difference)
    for arr in (se, statistic, p_value):
        arr[missing] = np.nan
    return DomainContrasts(difference, se, statistic, p_value, df)
