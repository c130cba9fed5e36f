"""Mental availability (Romaniuk 2013; Romaniuk & Sharp 2016, "How Brands Grow 2", ch. 4): from a pick-any
respondent × category entry point (CEP) × brand array, among category buyers.

With ``L_ib = Σ_c x_icb`` (the CEPs respondent i links to brand b), ``T_i = Σ_b L_ib`` and ``A_ib = 1[L_ib ≥ 1]``,
over the base D (category buyers), weighted with the raked weights w:

* mental market share ``MMS_b = Σ_D w L_b / Σ_D w T`` (brand b's share of all brand–CEP links);
* mental penetration ``MPen_b = Σ_D w A_b / Σ_D w`` (share of buyers linking b to at least one CEP);
* network size ``NS_b = Σ_D w L_b / Σ_D w A_b`` (mean CEPs linked among those who link b to any).

Each is a ratio of weighted totals ``R̂ = Ŷ/X̂``. Variance by linearisation (Woodruff 1971) with calibration
residuals, as R ``svyratio`` (and ``svymean`` for MPen) on a calibrated design: influence ``uᵢ = 1[i∈D](yᵢ − R̂xᵢ)
/ X̂``, then the projection on the calibration model matrix and ``V = n/(n−1) Σ (zᵢ − z̄)²`` exactly as for
:func:`recognition.stats.estimate` (:meth:`recognition.stats.weighting.CalibrationDesign.residualise`). df: the
respondents in D − 1. Intervals: MPen (a proportion of buyers) uses the logit interval of ``svyciprop``;
MMS and NS use ``R̂ ± t(df)·se`` (R ``confint(svyratio(...), df = degf(d))``).

Bases: MMS and MPen are judged on the Kish effective n of the buyers; NS on that of the buyers who link the brand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recognition.stats import _intervals
from recognition.stats._base import BaseThresholds, base_status_array
from recognition.stats.weighting import CalibrationDesign

__all__ = ["MentalAvailability", "RatioArrays", "mental_availability"]


@dataclass(frozen=True, eq=False)
class RatioArrays:
    """One measure per brand: (brands,) arrays. ``n``/``n_eff`` count the measure's base."""

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    n_eff: np.ndarray
    base_status: np.ndarray


@dataclass(frozen=True, eq=False)
class MentalAvailability:
    """Mental market share, mental penetration and network size per brand among category buyers."""

    brands: tuple[str, ...]
    entry_points: int
    mental_market_share: RatioArrays
    mental_penetration: RatioArrays
    network_size: RatioArrays
    buyers: int
    buyers_n_eff: float
    df: int
    level: float
    warnings: tuple[str, ...]


def _inputs(links: np.ndarray, buyers: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(links)
    if x.ndim != 3 or x.shape[0] != n:
        raise ValueError(f"links: expected (n={n}) × entry points × brands, got shape {x.shape}")
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("links: pick-any answers must be 0/1")
    if buyers is None:
        return x.astype(float), np.ones(n, dtype=bool)
    mask = np.asarray(buyers)
    if mask.shape != (n,) or not np.all((mask == 0) | (mask == 1)):
        raise ValueError(f"buyers: expected {n} booleans (one per respondent)")
    if not mask.any():
        raise ValueError("buyers: selects no respondents")
    return x.astype(float), mask.astype(bool)


def _variance(u: np.ndarray, design: CalibrationDesign) -> np.ndarray:
    z = design.residualise(u)
    n = design.n
    return n / (n - 1) * np.sum((z - z.mean(axis=0)) ** 2, axis=0) if n > 1 else np.full(u.shape[1], np.nan)


def mental_availability(
    links: np.ndarray,
    design: CalibrationDesign,
    *,
    buyers: np.ndarray | None = None,
    brand_names: Sequence[str] | None = None,
    level: float = 0.95,
    thresholds: BaseThresholds = BaseThresholds(),  # noqa: B008 - frozen, immutable default
) -> MentalAvailability:
    """MMS, mental penetration and network size with linearised SEs, from ``links`` (n × CEPs × brands, 0/1)
    among the respondents in ``buyers`` (None: all), weighted and calibrated by ``design``."""
    if not 0 < level < 1:
        raise ValueError(f"level: must be between 0 and 1, got {level!r}")
    n = design.n
    x, mask = _inputs(links, buyers, n)
    b = x.shape[2]
    names = tuple(brand_names) if brand_names is not None else tuple(f"brand {j + 1}" for j in range(b))
    if len(names) != b:
        raise ValueError(f"brand_names: expected {b} names, got {len(names)}")
    dm = mask.astype(float)
    count = x.sum(axis=1) * dm[:, None]  # L (n × B), zero outside the base
    any_link = (count > 0).astype(float)  # A
    total = count.sum(axis=1)  # T
    w = design.w
    numer = np.concatenate([count, any_link, count], axis=1)
    denom = np.concatenate([np.repeat(total[:, None], b, 1), np.repeat(dm[:, None], b, 1), any_link], axis=1)
    num_t, den_t = w @ numer, w @ denom
    warnings: list[str] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den_t > 0, num_t / den_t, np.nan)
        u = np.where(den_t > 0, (numer - ratio * denom) / den_t, 0.0)
    if not (w @ total) > 0:
        warnings.append("no buyer links any brand to any entry point: shares and network sizes are undefined")
    variance = np.where(den_t > 0, np.maximum(_variance(u, design), 0.0), np.nan)
    se = np.sqrt(variance)
    n_buyers = int(mask.sum())
    df = n_buyers - 1
    wb = w[mask]
    buyers_n_eff = float(wb.sum() ** 2 / np.dot(wb, wb))
    linkers = any_link.astype(bool)
    n_link = linkers.sum(axis=0)
    wl = w[:, None] * any_link
    with np.errstate(divide="ignore", invalid="ignore"):
        link_n_eff = np.where(n_link > 0, wl.sum(axis=0) ** 2 / (wl * wl).sum(axis=0), np.nan)
    unlinked = [names[j] for j in np.flatnonzero(n_link == 0)]
    if unlinked:
        warnings.append(
            f"brand(s) {', '.join(unlinked)} are linked to no entry point: network size undefined"
        )
    dfs = np.full(b, df)
    t_low, t_high = _intervals.t_interval(ratio, se, np.full(3 * b, df), level)
    pen = ratio[b : 2 * b]
    p_low, p_high = _intervals.proportion(
        "logit", pen, variance[b : 2 * b], dfs, np.full(b, buyers_n_eff), n, level
    )
    full = np.full(b, n_buyers)
    buyer_status = base_status_array(np.full(b, buyers_n_eff), thresholds)

    def measure(k: int, low: np.ndarray, high: np.ndarray, nb: np.ndarray, ne: np.ndarray) -> RatioArrays:
        part = slice(k * b, (k + 1) * b)
        status = buyer_status if k < 2 else base_status_array(ne, thresholds)
        return RatioArrays(ratio[part], se[part], low, high, nb, ne, status)

    return MentalAvailability(
        brands=names,
        entry_points=int(x.shape[1]),
        mental_market_share=measure(0, t_low[:b], t_high[:b], full, np.full(b, buyers_n_eff)),
        mental_penetration=measure(1, p_low, p_high, full, np.full(b, buyers_n_eff)),
        network_size=measure(2, t_low[2 * b :], t_high[2 * b :], n_link.astype(np.int64), link_n_eff),
        buyers=n_buyers,
        buyers_n_eff=buyers_n_eff,
        df=df,
        level=level,
        warnings=tuple(warnings),
    )
