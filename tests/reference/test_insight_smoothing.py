"""Smoothed trends against statsmodels' state-space Kalman filter and smoother (a test-only dependency).

Reference model: ``statsmodels.tsa.statespace.mlemodel.MLEModel`` with one state, design 1, transition 1,
selection 1, a time-varying observation variance ``obs_cov[0, 0, t] = se_t²``, ``state_cov = q``, and an exact
diffuse initial state (``initialization="diffuse"``); ``fit()`` for the ML estimate of q, ``smooth([q])`` for the
smoothed states and their variances, ``loglike([q])`` for the likelihood.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.stats.smoothing import SMOOTHED_LABEL, local_level_loglik, smooth_trend

statespace = pytest.importorskip("statsmodels.tsa.statespace.mlemodel")


class LocalLevel(statespace.MLEModel):  # type: ignore[misc, name-defined]
    def __init__(self, endog: np.ndarray, obs_var: np.ndarray) -> None:
        super().__init__(endog, k_states=1, initialization="diffuse")
        self["design"] = np.ones((1, 1))
        self["obs_cov"] = obs_var.reshape(1, 1, -1)
        self["transition"] = np.ones((1, 1))
        self["selection"] = np.ones((1, 1))

    @property
    def param_names(self) -> list[str]:
        return ["signal_variance"]

    @property
    def start_params(self) -> np.ndarray:
        return np.array([float(np.nanvar(np.diff(self.endog[:, 0])))])

    def transform_params(self, unconstrained: np.ndarray) -> np.ndarray:
        return unconstrained**2

    def untransform_params(self, constrained: np.ndarray) -> np.ndarray:
        return constrained**0.5

    def update(self, params: np.ndarray, **kwargs: object) -> np.ndarray:
        params = super().update(params, **kwargs)
        self["state_cov", 0, 0] = params[0]
        return params


def series(seed: int, waves: int = 40, missing: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Awareness-like series: a random-walk level (step SD 0.01) seen through sampling errors with SE 0.012–0.03."""
    rng = np.random.default_rng(seed)
    level = 0.4 + np.cumsum(rng.normal(0, 0.01, waves))
    se = rng.uniform(0.012, 0.03, waves)
    y = level + rng.normal(0, se)
    y[list(missing)] = np.nan
    return y, se


def reference(y: np.ndarray, se: np.ndarray) -> LocalLevel:
    return LocalLevel(y, se * se)


@pytest.mark.parametrize(("seed", "missing"), [(1, ()), (2, (0, 1, 17, 18, 39)), (3, (5,))])
def test_smoothed_states_match_statsmodels(seed: int, missing: tuple[int, ...]) -> None:
    y, se = series(seed, missing=missing)
    q = 1.1e-4
    ours = smooth_trend(y, se, signal_variance=q)
    res = reference(y, se).smooth([q])
    # statsmodels: res.smoothed_state[0], res.smoothed_state_cov[0, 0], res.filtered_state[0]
    assert_allclose(ours.smoothed, res.smoothed_state[0], rtol=1e-9)
    assert_allclose(ours.smoothed_se**2, res.smoothed_state_cov[0, 0], rtol=1e-9)
    seen = np.flatnonzero(np.isfinite(y))[0]
    assert_allclose(ours.filtered[seen:], res.filtered_state[0, seen:], rtol=1e-9)
    assert_allclose(ours.filtered_se[seen:] ** 2, res.filtered_state_cov[0, 0, seen:], rtol=1e-9)
    np.testing.assert_array_equal(ours.raw, y)  # the raw series is returned unchanged
    assert ours.label == SMOOTHED_LABEL


def test_likelihood_matches_statsmodels_up_to_the_diffuse_constant() -> None:
    # statsmodels counts the diffuse first wave as −½ log 2π; the likelihood surfaces must differ by that only.
    y, se = series(4)
    model = reference(y, se)
    qs = np.array([1e-6, 3e-5, 1e-4, 1e-3])
    ours = np.array([local_level_loglik(y, se, q)[0] for q in qs])
    theirs = np.array([model.loglike([q]) for q in qs])
    assert_allclose(ours - theirs, np.full(4, 0.5 * np.log(2 * np.pi)), rtol=1e-9)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_maximum_likelihood_signal_variance_matches_statsmodels_fit(seed: int) -> None:
    y, se = series(seed)
    ours = smooth_trend(y, se)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optimiser convergence notes
        fit = reference(y, se).fit(disp=False, method="nm", maxiter=2000, xtol=1e-12, ftol=1e-14)
    q_ref = float(fit.params[0])
    # statsmodels' optimiser stops within about 1e-4 of the argmax; the likelihood at ours is at least as high.
    assert float(ours.signal_variance) == pytest.approx(q_ref, rel=2e-3, abs=1e-9)
    assert reference(y, se).loglike([float(ours.signal_variance)]) >= fit.llf - 1e-9
