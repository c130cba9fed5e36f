"""Fay–Herriot: the balanced case in closed form, segments without a direct estimate, and the simulation with
known truth (root mean squared error against the direct estimates, coverage of the intervals)."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats.small_area import MODELLED_LABEL, fay_herriot
from recognition.stats.small_area_check import check_fay_herriot


@pytest.mark.parametrize("method", ["REML", "PR"])
def test_balanced_intercept_only_case_has_a_closed_form(method: str) -> None:
    # Equal sampling variances ψ and an intercept only (Rao & Molina 2015, sec. 6.1, the balanced case):
    # REML and Prasad–Rao both give σ̂² = max(0, S² − ψ), S² the sample variance of the direct estimates (m − 1),
    # β̂ = ȳ, and the EBLUP is γy + (1 − γ)ȳ with γ = σ̂²/(σ̂² + ψ).
    rng = np.random.default_rng(5)
    y = 0.4 + rng.normal(0, 0.08, 15)
    psi = 0.002
    result = fay_herriot(y, np.full(15, psi), method=method)
    s2 = np.var(y, ddof=1) - psi
    assert s2 > 0
    assert result.sigma2_v == pytest.approx(s2, rel=1e-8)
    gamma = s2 / (s2 + psi)
    np.testing.assert_allclose(result.estimate, gamma * y + (1 - gamma) * y.mean(), rtol=1e-8)
    assert result.beta[0] == pytest.approx(y.mean())
    assert result.label == MODELLED_LABEL


def test_no_segment_variation_gives_the_synthetic_estimate_with_a_warning() -> None:
    y = np.array([0.30, 0.31, 0.29, 0.30, 0.305, 0.295])
    result = fay_herriot(y, np.full(6, 0.004))
    assert result.sigma2_v == 0 and np.allclose(result.estimate, y.mean())
    assert any("estimated at 0" in w for w in result.warnings)
    assert np.all(result.mse > 0)


def test_segment_without_direct_estimate_gets_the_synthetic_value() -> None:
    rng = np.random.default_rng(6)
    z = rng.uniform(0.2, 0.6, 12)
    y = 0.05 + 0.8 * z + rng.normal(0, 0.05, 12)
    y[3] = np.nan
    result = fay_herriot(y, np.full(12, 0.003), z, proportion=True)
    assert result.gamma[3] == 0 and result.estimate[3] == pytest.approx(
        result.beta[0] + result.beta[1] * z[3]
    )
    assert result.mse[3] > result.sigma2_v and result.areas_fitted == 11
    assert np.all((result.ci_low < result.estimate) & (result.estimate < result.ci_high))


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="variance"):
        fay_herriot([0.1, 0.2, 0.3], [0.01, 0.0, 0.01])
    with pytest.raises(ValueError, match="method"):
        fay_herriot([0.1, 0.2, 0.3], [0.01] * 3, method="ML")
    with pytest.raises(ValueError, match="direct"):
        fay_herriot([0.1, np.nan, np.nan], [0.01] * 3, np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("method", ["REML", "PR"])
def test_simulation_with_known_truth_beats_the_direct_estimates_and_covers(method: str) -> None:
    # 20 segments, effective bases 30–100, segment effects with SD 0.04 beyond the covariate, 1000 replications
    # of the sampling (fixed seed). Monte Carlo standard errors: about 0.003 for the RMSE ratio and 0.002–0.003
    # for the coverage, so the thresholds below are more than 10 MC errors away from the observed figures
    # (REML: ratio 0.61, coverage 0.934; PR: 0.61, 0.958).
    check = check_fay_herriot(segments=20, replications=1000, bases=(30, 100), sigma_v=0.04, method=method)
    assert check.rmse_ratio <= 0.7
    assert check.coverage_model >= 0.90
    assert check.rmse_ratio_mc_se < 0.01 and check.coverage_model_mc_se < 0.005
    assert check.coverage_direct == pytest.approx(0.95, abs=0.03)  # the simulation's own sanity check
