"""Monte Carlo summaries: Morris, White & Crowther (2019, Stat Med 38:2074, Table 6) formulas by hand, and the
jackknife SE of the mean absolute bias checked against the spread of repeated simulation studies (known truth)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recognition.stats import montecarlo


def test_coverage_and_its_standard_error_by_hand() -> None:
    hits = np.array([[1, 1], [1, 0], [0, 1], [1, 1], [np.nan, 1]])
    result = montecarlo.coverage(hits)
    # column 0: 3 of 4 counted replications → C = 0.75, SE = √(0.75 · 0.25 / 4) = 0.216506
    # column 1: 4 of 5 → C = 0.8, SE = √(0.8 · 0.2 / 5) = 0.178885
    assert result.value == pytest.approx([0.75, 0.8])
    assert result.mc_se == pytest.approx([0.216506, 0.178885], rel=1e-5)
    assert list(result.replications) == [4, 5]


def test_bias_and_its_standard_error_by_hand() -> None:
    errors = np.array([0.01, -0.02, 0.03, 0.02])
    result = montecarlo.bias(errors[:, None])
    # mean 0.01; Σ(e − ē)² = 0 + 0.0009 + 0.0004 + 0.0001 = 0.0014; SE = √(0.0014 / (4 · 3)) = 0.0108012
    assert result.value[0] == pytest.approx(0.01)
    assert result.mc_se[0] == pytest.approx(0.0108012, rel=1e-5)


def test_pooled_takes_the_spread_of_replication_means() -> None:
    values = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    result = montecarlo.pooled(values)
    # replication means 0.5, 1, 0 → mean 0.5, SE = sd(0.5, 1, 0)/√3 = 0.5/√3
    assert float(result.value) == pytest.approx(0.5)
    assert float(result.mc_se) == pytest.approx(0.5 / math.sqrt(3))


def _studies(bias: np.ndarray, seed: int) -> tuple[list[float], list[float]]:
    """400 simulation studies of 200 replications of 5 estimates with known biases and correlated errors: the
    statistic and its jackknife SE in each."""
    rng = np.random.default_rng(seed)
    cov = 1e-4 * (0.5 * np.eye(5) + 0.5)
    stats, ses = [], []
    for _ in range(400):
        errors = bias + rng.multivariate_normal(np.zeros(5), cov, size=200)
        result = montecarlo.mean_abs_bias(errors)
        stats.append(float(result.value))
        ses.append(float(result.mc_se))
    return stats, ses


def test_jackknife_se_of_the_mean_absolute_bias_matches_repeated_studies() -> None:
    # Biases away from zero (|b| well beyond the SE of a column mean, 0.0007): |·| is smooth there, and the
    # jackknife SE of one study should match the spread of the statistic across studies (Monte Carlo error of
    # that spread, from 400 studies: about 3.5 %).
    bias = np.array([0.01, -0.004, 0.008, 0.02, -0.015])
    stats, ses = _studies(bias, 4)
    spread = np.std(stats, ddof=1)
    assert np.mean(ses) == pytest.approx(spread, rel=0.1)
    assert np.mean(stats) == pytest.approx(np.abs(bias).mean(), abs=3 * spread)


def test_jackknife_se_is_conservative_for_an_estimate_without_bias() -> None:
    # A column whose true bias is 0: |mean| is not smooth at 0, and the jackknife over-states the spread there
    # (by about 10-15 % here), never under-states it: a reported Monte Carlo SE errs on the side of caution.
    bias = np.array([0.01, -0.004, 0.0, 0.02, -0.015])
    stats, ses = _studies(bias, 4)
    spread = np.std(stats, ddof=1)
    assert spread * 0.95 <= np.mean(ses) <= spread * 1.3


def test_columns_without_figures_are_left_out() -> None:
    errors = np.array([[0.1, np.nan], [0.3, np.nan], [0.2, 5.0]])
    result = montecarlo.mean_abs_bias(errors)  # column 1 has one replication: no bias estimate
    assert float(result.value) == pytest.approx(0.2)
    assert math.isnan(float(montecarlo.pooled(np.full((3, 2), np.nan)).value))
    with pytest.raises(ValueError, match="replications"):
        montecarlo.bias(np.array([[0.1]]))
