"""How much service is too much: demand, willingness to pay and a recommendation for one service feature, from a
Gabor–Granger price ladder (Gabor & Granger 1966, "Price as an indicator of quality", Economica 33: 43–70).

Each respondent of the base said whether they expect the feature as standard, would pay extra for it or do not need
it; those who would pay were asked the ladder ``p_1 < … < p_K`` from the highest price down and stopped at their
first yes, so ``a_i`` (their accepted price) is the highest price they would pay, 0 when they declined every price
or were not asked (expected as standard, not needed: they would buy no add-on). A respondent who accepts ``p_k`` is
taken to accept every lower price (the ladder's assumption), so, weighted with the wave's raked weights ``w``:

* demand ``s(p_k) = Σ w·1[a ≥ p_k] / Σ w`` — the share of the base who would buy the add-on at ``p_k``;
* revenue per member of the base ``R(p_k) = p_k·s(p_k)``; the revenue-maximising price ``p* = argmax_k R(p_k)``
  (the lowest such price on a tie);
* the shares expecting it as standard, would pay extra, not needing it.

Uncertainty from bootstrap replicate weights that respect the weighting (:func:`recognition.stats.bootstrap_weights`:
each replicate re-raked to the wave's margins): percentile intervals for every share and revenue. For ``p*`` a
confidence set of the argmax: every ladder price whose revenue shortfall ``R(p*) − R(p_k)`` is within
``z·se`` of zero, ``se`` the replicate standard deviation of that shortfall and ``z`` the two-sided normal quantile
of ``level`` (Hansen, Lunde & Nason's model confidence set, in its one-step form for a single comparison against the
best); the interval reported is its lowest to its highest price.

Recommendation (METHODS.md, Service features), with ``c`` the cost of giving the feature to one customer:

* ``do_not_promise`` when ``c ≥ p*`` (or nobody would pay): at the price that earns most, what a buyer pays does not
  cover what the feature costs — neither charging for it nor giving it away pays;
* else ``standard`` when at least half the base expects it as standard (:data:`STANDARD_SHARE`);
* else ``paid_add_on``, at ``p*``.

The rule is applied again in every replicate: ``flip_probability`` is the share of replicates recommending
something else, and ``uncertain`` is set when it reaches :data:`UNCERTAIN_FLIPS`; ``could_flip`` names what could
flip it (the cost inside the price interval, the standard share's interval across one half).

Pure numpy: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "RECOMMENDATIONS",
    "STANDARD_SHARE",
    "UNCERTAIN_FLIPS",
    "PriceLadder",
    "gabor_granger",
    "price_confidence_set",
    "recommend",
]

RECOMMENDATIONS = ("standard", "paid_add_on", "do_not_promise")
#: At least this share of the base expecting a feature as standard makes it standard (when it pays at all).
STANDARD_SHARE = 0.5
#: A recommendation that this share of replicates or more would change is marked uncertain.
UNCERTAIN_FLIPS = 0.1


@dataclass(frozen=True, eq=False)
class PriceLadder:
    """The analysis of one feature. Arrays are per ladder price (ascending); ``*_low``/``*_high`` are the
    percentile intervals at ``level``; ``recommendation_shares`` maps each recommendation to its share of the
    replicates."""

    prices: np.ndarray
    demand: np.ndarray
    demand_low: np.ndarray
    demand_high: np.ndarray
    revenue: np.ndarray
    revenue_low: np.ndarray
    revenue_high: np.ndarray
    best_price: float
    best_price_low: float
    best_price_high: float
    best_prices: tuple[float, ...]
    expectations: dict[str, tuple[float, float, float]]  # standard / pay / not_needed → (share, low, high)
    cost: float
    margin: float  # (p* − c)·s(p*): what the add-on earns per member of the base at p*
    recommendation: str
    recommendation_shares: dict[str, float]
    flip_probability: float
    uncertain: bool
    could_flip: tuple[str, ...]
    n: int
    n_eff: float
    replicates: int
    level: float


def _shares(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted means of the columns of ``x`` (n × k) for each row of ``w`` (r × n) → (r × k)."""
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w @ x) / total, np.nan)


def recommend(best_price: np.ndarray, buyers: np.ndarray, standard: np.ndarray, cost: float) -> np.ndarray:
    """The rule of the module docstring, element-wise: ``best_price`` p*, ``buyers`` s(p*), ``standard`` the share
    expecting the feature as standard."""
    pays = (buyers > 0) & (best_price > cost)
    return np.where(~pays, "do_not_promise", np.where(standard >= STANDARD_SHARE, "standard", "paid_add_on"))


def price_confidence_set(revenue: np.ndarray, replicate_revenue: np.ndarray, level: float) -> np.ndarray:
    """Indices of the ladder prices whose revenue is not significantly below the best one's (module docstring):
    ``revenue`` (k,), ``replicate_revenue`` (r × k)."""
    best = int(np.argmax(revenue))
    shortfall = revenue[best] - revenue
    rep = replicate_revenue[:, [best]] - replicate_revenue
    se = rep.std(axis=0, ddof=1) if rep.shape[0] > 1 else np.zeros_like(revenue)
    z = float(stats.norm.ppf(0.5 + level / 2))
    return np.flatnonzero(shortfall <= z * se + 1e-12)


def _inputs(
    accepted: np.ndarray, standard: np.ndarray, pay: np.ndarray, weights: np.ndarray, replicate: np.ndarray
) -> tuple[np.ndarray, ...]:
    a, s, p = (np.asarray(v, dtype=float) for v in (accepted, standard, pay))
    w, rw = np.asarray(weights, dtype=float), np.asarray(replicate, dtype=float)
    n = a.shape[0]
    if n < 2 or a.ndim != 1 or s.shape != (n,) or p.shape != (n,) or w.shape != (n,):
        raise ValueError(
            f"accepted, standard, pay, weights: expected one value per respondent (n ≥ 2), got {n}"
        )
    if rw.ndim != 2 or rw.shape[1] != n or rw.shape[0] < 2:
        raise ValueError(
            f"replicate_weights: expected at least 2 replicates × {n} respondents, got {rw.shape}"
        )
    if not (np.all(np.isfinite(a)) and np.all(a >= 0)):
        raise ValueError("accepted: prices accepted must be finite and ≥ 0 (0 = none)")
    if not (np.all(np.isin(s, (0, 1))) and np.all(np.isin(p, (0, 1))) and np.all(s + p <= 1)):
        raise ValueError("standard, pay: must be 0/1 and never both 1")
    if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
        raise ValueError("weights: must be finite, ≥ 0 and not all 0")
    return a, s, p, w, rw


def gabor_granger(
    accepted: np.ndarray,
    standard: np.ndarray,
    pay: np.ndarray,
    prices: Sequence[float],
    cost: float,
    weights: np.ndarray,
    replicate_weights: np.ndarray,
    *,
    level: float = 0.95,
) -> PriceLadder:
    """Demand, revenue, the revenue-maximising price and the recommendation of one feature (module docstring).

    ``accepted``: each respondent's highest accepted ladder price (0: none); ``standard``/``pay``: 0/1, expects
    it as standard / would pay extra; ``weights``: the wave's final weights of the base; ``replicate_weights``:
    (replicates × n) bootstrap weights of the same respondents."""
    if not 0 < level < 1:
        raise ValueError(f"level: must be between 0 and 1, got {level!r}")
    ladder = np.asarray(prices, dtype=float)
    if ladder.ndim != 1 or ladder.size < 2 or np.any(np.diff(ladder) <= 0) or ladder[0] <= 0:
        raise ValueError("prices: need at least 2 positive prices, rising")
    if not (np.isfinite(cost) and cost >= 0):
        raise ValueError(f"cost: must be a number ≥ 0, got {cost!r}")
    a, s, p, w, rw = _inputs(accepted, standard, pay, weights, replicate_weights)
    buys = (a[:, None] >= ladder[None, :]).astype(float)  # n × K
    x = np.column_stack([buys, s, p, 1 - s - p])
    full = _shares(x, w[None, :])[0]
    reps = _shares(x, rw)
    reps = reps[np.all(np.isfinite(reps), axis=1)]
    k = ladder.size
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(reps, [tail, 100 - tail], axis=0)
    revenue, rep_revenue = ladder * full[:k], ladder[None, :] * reps[:, :k]
    r_low, r_high = np.percentile(rep_revenue, [tail, 100 - tail], axis=0)
    best = int(np.argmax(revenue))
    chosen = price_confidence_set(revenue, rep_revenue, level)
    verdict = str(recommend(np.array(ladder[best]), np.array(full[best]), np.array(full[k]), cost))
    rep_best = np.argmax(rep_revenue, axis=1)
    rep_verdicts = recommend(ladder[rep_best], reps[np.arange(len(reps)), rep_best], reps[:, k], cost)
    shares = {r: float(np.mean(rep_verdicts == r)) for r in RECOMMENDATIONS}
    flips = 1.0 - shares[verdict]
    could: list[str] = []
    if ladder[chosen].min() <= cost < ladder[chosen].max():
        could.append("the cost lies within the interval of the revenue-maximising price")
    if low[k] < STANDARD_SHARE <= high[k] or low[k] <= STANDARD_SHARE < high[k]:
        could.append("the share expecting it as standard may be either side of one half")
    names = ("standard", "pay", "not_needed")
    return PriceLadder(
        prices=ladder,
        demand=full[:k],
        demand_low=low[:k],
        demand_high=high[:k],
        revenue=revenue,
        revenue_low=r_low,
        revenue_high=r_high,
        best_price=float(ladder[best]),
        best_price_low=float(ladder[chosen].min()),
        best_price_high=float(ladder[chosen].max()),
        best_prices=tuple(float(v) for v in ladder[chosen]),
        expectations={
            nm: (float(full[k + j]), float(low[k + j]), float(high[k + j])) for j, nm in enumerate(names)
        },
        cost=float(cost),
        margin=float((ladder[best] - cost) * full[best]),
        recommendation=verdict,
        recommendation_shares=shares,
        flip_probability=flips,
        uncertain=flips >= UNCERTAIN_FLIPS,
        could_flip=tuple(could),
        n=int(np.count_nonzero(w)),
        n_eff=float(w.sum() ** 2 / np.dot(w, w)),
        replicates=int(len(reps)),
        level=level,
    )
