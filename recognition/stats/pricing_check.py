"""A simulation with known truth for the Gabor–Granger analysis (:mod:`recognition.stats.pricing`): does the
interval it reports for the revenue-maximising price hold the true one, do its demand intervals cover the true
share who would buy at each price, and does its recommendation match the one the truth gives?

Set-up (one fixed population, the sampling repeated): two groups of equal population share, sampled unequally
(``oversample`` of the sample from the first), so the raw sample is biased and only the weighting recovers the
truth. In group g a respondent expects the feature as standard with chance ``standard[g]``, would pay extra with
chance ``pay[g]``, else does not need it; a payer's willingness to pay is lognormal with median ``median[g]`` and
log-spread ``sigma``, and they accept a ladder price when it is at most that. The true share who would buy at p is
``S(p) = Σ_g ½·pay[g]·(1 − Φ(ln(p/median[g])/sigma))``; the true revenue-maximising price is the ladder price
maximising ``p·S(p)``, and the true recommendation is the rule of :func:`recognition.stats.pricing.recommend`
applied to the truth.

Each wave draws ``n`` respondents, answers the ladder from the highest price down to the first yes, rakes the
sample to the groups' shares (:func:`recognition.stats.rake`), draws ``replicates`` bootstrap replicates re-raked
likewise (:func:`recognition.stats.bootstrap_weights`) and runs :func:`recognition.stats.pricing.gabor_granger`.
Reported with Monte Carlo standard errors: the coverage of the price interval, the mean coverage of the demand
intervals, and the share of waves recommending as the truth does, for a cost below and a cost above what buyers
pay at the true best price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from recognition.stats.pricing import gabor_granger, recommend
from recognition.stats.replicates import bootstrap_weights
from recognition.stats.weighting import rake

__all__ = ["LADDER", "PriceCheck", "check_price_ladder", "true_demand"]

LADDER = (10.0, 20.0, 30.0, 40.0, 60.0, 80.0)
MEDIAN = (25.0, 50.0)
STANDARD = (0.35, 0.2)
PAY = (0.45, 0.5)
SIGMA = 0.6


@dataclass(frozen=True)
class PriceCheck:
    """Figures of :func:`check_price_ladder`; ``*_mc_se`` are Monte Carlo standard errors."""

    waves: int
    n: int
    replicates: int
    level: float
    true_best_price: float
    best_price_coverage: float
    best_price_coverage_mc_se: float
    demand_coverage: float
    mean_interval_prices: float
    low_cost: float
    low_cost_truth: str
    low_cost_agreement: float
    high_cost: float
    high_cost_truth: str
    high_cost_agreement: float
    seed: int


def true_demand(ladder: tuple[float, ...] = LADDER) -> np.ndarray:
    """``S(p)`` of the module docstring at each ladder price."""
    p = np.asarray(ladder)
    return sum(0.5 * pay * stats.norm.sf(np.log(p / m) / SIGMA) for pay, m in zip(PAY, MEDIAN, strict=True))


def _wave(n: int, oversample: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    group = (rng.random(n) >= oversample).astype(int)
    draw = rng.random(n)
    standard = (draw < np.take(STANDARD, group)).astype(float)
    pay = (
        (draw >= np.take(STANDARD, group)) & (draw < np.take(STANDARD, group) + np.take(PAY, group))
    ).astype(float)
    wtp = np.take(MEDIAN, group) * np.exp(rng.normal(0.0, SIGMA, n))
    ladder = np.asarray(LADDER)
    accepted = np.where(wtp[:, None] >= ladder[None, :], ladder[None, :], 0.0).max(axis=1) * pay
    return group, standard, pay, accepted


def check_price_ladder(
    *,
    waves: int = 200,
    n: int = 600,
    replicates: int = 100,
    oversample: float = 0.7,
    level: float = 0.95,
    seed: int = 20240620,
) -> PriceCheck:
    """Run the simulation described in the module docstring (deterministic for a seed)."""
    if waves < 5 or n < 50 or replicates < 20:
        raise ValueError("waves/n/replicates: need at least 5 waves of 50 respondents and 20 replicates")
    if not 0 < oversample < 1:
        raise ValueError(f"oversample: a share between 0 and 1, got {oversample!r}")
    demand = true_demand()
    ladder = np.asarray(LADDER)
    best = int(np.argmax(ladder * demand))
    standard_share = float(np.mean(STANDARD))
    low_cost, high_cost = ladder[best] * 0.5, ladder[best] * 1.5
    truths = [
        str(recommend(ladder[best], demand[best], np.array(standard_share), c)) for c in (low_cost, high_cost)
    ]
    rng = np.random.default_rng(seed)
    covered, demand_cov, widths = [], [], []
    agree: list[list[bool]] = [[], []]
    for wave in range(waves):
        group, standard, pay, accepted = _wave(n, oversample, rng)
        raked = rake({"group": group.astype(str).tolist()}, {"group": {"0": 0.5, "1": 0.5}})
        reps = bootstrap_weights(raked.design, replicates=replicates, seed=seed + wave).weights
        for j, cost in enumerate((low_cost, high_cost)):
            result = gabor_granger(accepted, standard, pay, LADDER, cost, raked.weights, reps, level=level)
            agree[j].append(result.recommendation == truths[j])
        covered.append(result.best_price_low <= ladder[best] <= result.best_price_high)
        widths.append(len(result.best_prices))
        demand_cov.append(float(np.mean((result.demand_low <= demand) & (demand <= result.demand_high))))
    coverage = float(np.mean(covered))
    return PriceCheck(
        waves=waves,
        n=n,
        replicates=replicates,
        level=level,
        true_best_price=float(ladder[best]),
        best_price_coverage=coverage,
        best_price_coverage_mc_se=math.sqrt(coverage * (1 - coverage) / waves),
        demand_coverage=float(np.mean(demand_cov)),
        mean_interval_prices=float(np.mean(widths)),
        low_cost=float(low_cost),
        low_cost_truth=truths[0],
        low_cost_agreement=float(np.mean(agree[0])),
        high_cost=float(high_cost),
        high_cost_truth=truths[1],
        high_cost_agreement=float(np.mean(agree[1])),
        seed=seed,
    )
