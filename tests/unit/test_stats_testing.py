"""Change tests, trends, Benjamini–Hochberg, practical significance and rolling windows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from recognition.stats import (
    Estimate,
    benjamini_hochberg,
    compare_independent,
    compare_independent_arrays,
    is_significant,
    rolling_windows,
    trend_slope,
)


def make(p: float, se: float, status: str = "ok") -> Estimate:
    return Estimate(p, se, p - 0.1, p + 0.1, 0.95, "logit", "proportion", 500, 400.0, 1.2, 499, status)


def test_compare_independent_is_a_z_test_of_b_minus_a() -> None:
    result = compare_independent(make(0.40, 0.02), make(0.46, 0.015))
    assert result.difference == pytest.approx(0.06)
    assert result.se == pytest.approx(0.025)
    assert result.statistic == pytest.approx(2.4)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(2.4))
    assert result.tested


def test_suppressed_bases_are_not_tested() -> None:
    result = compare_independent(make(0.4, 0.05, "suppressed"), make(0.5, 0.05))
    assert not result.tested and math.isnan(result.p_value) and result.warnings


def test_compare_arrays_matches_scalar_and_handles_zero_se() -> None:
    arrays = compare_independent_arrays(
        np.array([0.4, 0.5, 0.5]),
        np.array([0.02, 0.0, 0.0]),
        np.array([0.46, 0.5, 0.6]),
        np.array([0.015, 0.0, 0.0]),
    )
    assert arrays.p_value[0] == pytest.approx(
        compare_independent(make(0.40, 0.02), make(0.46, 0.015)).p_value
    )
    assert arrays.p_value[1] == 1.0 and arrays.p_value[2] == 0.0


def test_trend_slope_is_the_textbook_random_effects_meta_regression() -> None:
    # Raudenbush (2009), Viechtbauer (2005): W = diag(1/v), X = [1, t], P = W − WX(X'WX)⁻¹X'W,
    # τ̂² = max(0, (y'Py − (k − 2)) / tr P); then β̂ = (X'W*X)⁻¹X'W*y with W* = diag(1/(v + τ̂²)),
    # q = r'W*r/(k − 2), se = √(max(1, q)·[(X'W*X)⁻¹]₁₁), p from t(k − 2) (Knapp & Hartung 2003).
    t = np.arange(6.0)
    y = np.array([0.30, 0.32, 0.31, 0.35, 0.36, 0.38])
    x = np.column_stack([np.ones(6), t])
    fits = []
    for v in (np.array([1, 2, 1, 2, 1, 2]) * 1e-3, np.array([1, 2, 1, 2, 1, 2]) * 1e-5):
        wmat = np.diag(1 / v)
        p_mat = wmat - wmat @ x @ np.linalg.inv(x.T @ wmat @ x) @ x.T @ wmat
        tau2 = max(0.0, (y @ p_mat @ y - 4) / np.trace(p_mat))
        wstar = np.diag(1 / (v + tau2))
        cov = np.linalg.inv(x.T @ wstar @ x)
        beta = cov @ x.T @ wstar @ y
        resid = y - x @ beta
        q = resid @ wstar @ resid / 4
        result = trend_slope(t, y, v)
        fits.append(result)
        assert result.tau2 == pytest.approx(tau2, abs=1e-15)
        assert result.slope == pytest.approx(beta[1])
        assert result.intercept == pytest.approx(beta[0])
        assert result.dispersion == pytest.approx(q)
        assert result.se == pytest.approx(np.sqrt(max(1.0, q) * cov[1, 1]))
        assert result.p_value == pytest.approx(2 * stats.t.sf(abs(beta[1]) / result.se, 4))
        assert result.df == 4
    assert fits[0].tau2 == 0 < fits[1].tau2  # wide sampling error explains the spread; narrow does not


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0, 2.0], [0.1, 0.2], [0.01, 0.01]), "at least 3"),
        (([1.0, 1.0, 1.0], [0.1, 0.2, 0.3], [0.01, 0.01, 0.01]), "distinct"),
        (([1.0, 2.0, 3.0], [0.1, np.nan, 0.2], [0.01, 0.01, 0.01]), "estimates"),
        (([1.0, 2.0, 3.0], [0.1, 0.2, 0.3], [0.01, 0.0, 0.01]), "variances"),
        (([1.0, 2.0], [0.1], [0.01, 0.01]), "equal length"),
    ],
)
def test_trend_errors(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        trend_slope(*args)


def test_benjamini_hochberg_matches_r_p_adjust() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "BH")
    expected = [0.025, 0.05, 0.05, 0.025, 0.5]
    np.testing.assert_allclose(benjamini_hochberg(p), expected)


def test_benjamini_hochberg_excludes_nan_and_is_monotone() -> None:
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.005, 0.5])
    q = benjamini_hochberg(p)
    assert np.isnan(q[1])
    np.testing.assert_allclose(q[[0, 2, 3, 4, 5]], [0.025, 0.05, 0.05, 0.025, 0.5])
    order = np.argsort(p[~np.isnan(p)])
    assert np.all(np.diff(q[~np.isnan(q)][order]) >= 0)
    assert np.isnan(benjamini_hochberg([np.nan])).all()
    with pytest.raises(ValueError, match="p"):
        benjamini_hochberg([0.5, 1.5])


def test_significance_needs_q_and_practical_size() -> None:
    assert is_significant(0.03, 0.01)
    assert not is_significant(0.01, 0.001)
    assert not is_significant(0.05, 0.2)
    assert not is_significant(-0.05, float("nan"))
    assert is_significant(-0.05, 0.04, alpha=0.05, practical=0.05)


def test_rolling_windows_and_non_overlapping_pairs() -> None:
    result = rolling_windows(["w1", "w2", "w3", "w4", "w5"], 2)
    assert result.windows == (("w1", "w2"), ("w2", "w3"), ("w3", "w4"), ("w4", "w5"))
    assert result.pairs == ((0, 2), (1, 3))
    for a, b in result.pairs:
        assert not set(result.windows[a]) & set(result.windows[b])
    assert rolling_windows(["a"], 3).windows == ()
    with pytest.raises(ValueError, match="k"):
        rolling_windows(["a"], 0)
    with pytest.raises(ValueError, match="unique"):
        rolling_windows(["a", "a"], 1)
