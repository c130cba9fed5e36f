"""Checking weighting and intervals against a synthetic population whose truth is known.

Each wave draws ``n`` respondents from the skewed panel of
:class:`panels.simulated.population.SyntheticPopulation` (selection depends only on the weighting variables, so
raking to the margins removes the selection bias in expectation), rakes them to the population margins and
estimates every brand × metric with a known truth. Over all waves and outcomes:

- coverage = share of the 95% intervals (logit, ``t(n − 1)``) that contain the model truth
  ``Σ_c P(c)·p(c)`` — the population value implied by the margins and the per-cell probabilities, with no
  finite-population noise;
- bias, unweighted (the panel's own proportion) and weighted: for each outcome the mean of
  ``estimate − truth`` over the waves, then the mean of its absolute value over the outcomes. The absolute
  value matters: the panel over-states some brands and under-states others, so signed errors cancel across
  outcomes (the signed means are kept too, as ``signed_bias_*``).

The truth drifts by wave; wave ``i`` of the run is wave ``i mod 12`` of the population (a year of monthly
waves, repeated) so the brands with the fastest drift stay away from 0 and 1 however long the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from panels.simulated.population import METRICS_WITH_TRUTH, SyntheticPopulation
from recognition.errors import UserError
from recognition.stats.estimation import estimate_matrix
from recognition.stats.weighting import rake

DEFAULT_BRANDS = ("own", "rival_a", "rival_b", "rival_c", "rival_d")
WAVE_CYCLE = 12


@dataclass(frozen=True)
class SimulationReport:
    """What ``recognition simulate`` found; biases are in proportion points (0.01 = one percentage point)."""

    waves: int
    outcomes: int
    coverage: float
    bias_unweighted: float  # mean over outcomes of |mean over waves of (estimate − truth)|
    bias_weighted: float
    signed_bias_unweighted: float  # mean over waves and outcomes of (estimate − truth)
    signed_bias_weighted: float
    not_converged: int


def simulate(
    *, waves: int, n: int, seed: int, country: str = "us", brands: tuple[str, ...] = DEFAULT_BRANDS
) -> SimulationReport:
    """Draw ``waves`` panel samples of ``n``, weight and estimate each, and score them against the truth."""
    try:
        population = SyntheticPopulation.from_country(country, brands, seed=seed)
    except ValueError as exc:
        raise UserError(f"--country {country}: {exc}") from exc
    keys = [(metric, brand) for brand in brands for metric in METRICS_WITH_TRUTH]
    truth = np.array(
        [[population.truth(m, b, w) for m, b in keys] for w in range(min(waves, WAVE_CYCLE))]
    )  # (cycle, k)
    rng = np.random.default_rng(seed)
    covered = np.zeros(len(keys))
    err_unweighted = np.zeros(len(keys))
    err_weighted = np.zeros(len(keys))
    not_converged = 0
    for i in range(waves):
        wave = i % WAVE_CYCLE
        sample = population.draw_panel(n, rng, wave)
        result = rake(sample.demographics, population.margins)
        not_converged += not result.converged
        y = np.column_stack([sample.outcomes[key] for key in keys]).astype(float)
        est = estimate_matrix(y, result.design, None)
        point = np.asarray(est.estimate)[0]
        low, high = np.asarray(est.ci_low)[0], np.asarray(est.ci_high)[0]
        covered += (low <= truth[wave]) & (truth[wave] <= high)
        err_weighted += point - truth[wave]
        err_unweighted += y.mean(axis=0) - truth[wave]
    return SimulationReport(
        waves=waves,
        outcomes=len(keys),
        coverage=float(covered.sum() / (waves * len(keys))),
        bias_unweighted=float(np.mean(np.abs(err_unweighted / waves))),
        bias_weighted=float(np.mean(np.abs(err_weighted / waves))),
        signed_bias_unweighted=float(err_unweighted.sum() / (waves * len(keys))),
        signed_bias_weighted=float(err_weighted.sum() / (waves * len(keys))),
        not_converged=not_converged,
    )
