"""Local-level smoothing: limiting cases in closed form, many series at once, missing waves, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats.smoothing import smooth_trend


def _series(seed: int, waves: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    se = rng.uniform(0.01, 0.03, waves)
    return 0.3 + np.cumsum(rng.normal(0, 0.01, waves)) + rng.normal(0, se), se


def test_no_signal_variance_gives_the_inverse_variance_weighted_mean() -> None:
    # q = 0: the level is constant, and its best estimate from all waves is the precision-weighted mean with
    # variance 1/Σ(1/v) (Durbin & Koopman 2012, sec. 2.2 with σ²_η = 0).
    y, se = _series(1)
    result = smooth_trend(y, se, signal_variance=0.0)
    precision = 1 / se**2
    np.testing.assert_allclose(result.smoothed, np.sum(precision * y) / precision.sum(), rtol=1e-12)
    np.testing.assert_allclose(result.smoothed_se, np.sqrt(1 / precision.sum()), rtol=1e-12)


def test_huge_signal_variance_returns_the_raw_series() -> None:
    y, se = _series(2)
    result = smooth_trend(y, se, signal_variance=1e6)
    np.testing.assert_allclose(result.smoothed, y, atol=1e-9)
    np.testing.assert_allclose(result.smoothed_se, se, rtol=1e-6)


def test_constant_series_has_zero_signal_variance() -> None:
    result = smooth_trend(np.full(12, 0.25), np.full(12, 0.02))
    assert result.signal_variance == 0.0
    np.testing.assert_allclose(result.smoothed, 0.25)


def test_many_series_at_once_equal_one_at_a_time() -> None:
    ys, ses = zip(*(_series(s) for s in range(3, 7)), strict=True)
    y, se = np.array(ys), np.array(ses)
    y[1, [0, 4, 29]] = np.nan
    together = smooth_trend(y, se)
    for s in range(4):
        alone = smooth_trend(y[s], se[s])
        np.testing.assert_allclose(together.signal_variance[s], alone.signal_variance, rtol=1e-12)
        np.testing.assert_allclose(together.smoothed[s], alone.smoothed, rtol=1e-12)


def test_missing_waves_are_bridged_with_wider_intervals() -> None:
    y, se = _series(8)
    y[[0, 10, 11]] = np.nan
    result = smooth_trend(y, se, signal_variance=1e-4)
    assert np.all(np.isfinite(result.smoothed))
    assert result.smoothed_se[11] > result.smoothed_se[12] and result.smoothed_se[0] > result.smoothed_se[1]
    assert np.isnan(result.raw[10]) and result.observed == 27
    assert np.all((result.ci_low < result.smoothed) & (result.smoothed < result.ci_high))


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="se"):
        smooth_trend(np.array([0.1, 0.2]), np.array([0.01, 0.0]))
    with pytest.raises(ValueError, match="estimate"):
        smooth_trend(np.full(3, np.nan), np.full(3, 0.01))
    with pytest.raises(ValueError, match="signal_variance"):
        smooth_trend(np.array([0.1, 0.2]), np.array([0.01, 0.01]), signal_variance=-1.0)
