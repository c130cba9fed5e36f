"""Bootstrap replicate weights and key drivers: margins and bounds of every replicate, a textbook identity of
relative weights, and a simulation with known sampling spread."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats import CalibrationDesign, rake
from recognition.stats.drivers import key_drivers
from recognition.stats.replicates import bootstrap_weights

AGE = {"young": 0.3, "middle": 0.3, "old": 0.4}
GENDER = {"f": 0.5, "m": 0.5}
BOUNDS = (0.4, 1.9)  # binding for the sample of seed 4 (its largest weight is 1.97 without bounds)


def _sample(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "age": rng.choice(list(AGE), n, p=[0.5, 0.3, 0.2]),
        "gender": rng.choice(list(GENDER), n, p=[0.6, 0.4]),
    }


def test_every_replicate_is_raked_to_the_targets_within_the_bounds() -> None:
    rng = np.random.default_rng(4)
    data = _sample(rng, 400)
    design = rake(data, {"age": AGE, "gender": GENDER}, bounds=BOUNDS).design
    reps = bootstrap_weights(design, replicates=30, bounds=BOUNDS, seed=5)
    assert reps.reraked and reps.weights.shape == (30, 400) and reps.not_converged == 0
    for w in reps.weights:
        for var, targets in (("age", AGE), ("gender", GENDER)):
            for level, share in targets.items():
                assert w[data[var] == level].sum() / w.sum() == pytest.approx(share, abs=1e-7)
        assert w.sum() == pytest.approx(400)
    again = bootstrap_weights(design, replicates=30, bounds=BOUNDS, seed=5)
    np.testing.assert_array_equal(again.weights, reps.weights)  # deterministic for a seed


def test_replicate_weights_per_copy_respect_the_bounds() -> None:
    rng = np.random.default_rng(4)
    data = _sample(rng, 400)
    raked = rake(data, {"age": AGE, "gender": GENDER}, bounds=BOUNDS)
    assert raked.trimmed
    reps = bootstrap_weights(raked.design, replicates=10, bounds=BOUNDS, seed=1)
    # Copies of one respondent share a cell (same levels, equal base weights), hence one weight per copy: a
    # replicate weight is (times drawn) × the cell's weight. The smallest positive weight of a cell is that of a
    # respondent drawn once (with 50+ respondents per cell someone is), and it must lie inside the bounds.
    for w in reps.weights:
        cells: dict[tuple[str, str], list[float]] = {}
        for i in np.flatnonzero(w > 0):
            cells.setdefault((data["age"][i], data["gender"][i]), []).append(w[i])
        assert len(cells) == 6
        for values in cells.values():
            unit = min(values)
            ratios = np.array(values) / unit
            np.testing.assert_allclose(ratios, np.round(ratios), atol=1e-9)
            assert BOUNDS[0] - 1e-7 <= unit <= BOUNDS[1] + 1e-7  # replicates are raked to a tolerance of 1e-8


def test_unraked_design_resamples_final_weights_with_a_warning() -> None:
    design = CalibrationDesign.from_weights(np.linspace(0.5, 2, 50))
    reps = bootstrap_weights(design, replicates=4, seed=2)
    assert not reps.reraked and any("unraked" in w for w in reps.warnings)
    with pytest.raises(ValueError, match="replicates"):
        bootstrap_weights(design, replicates=0)


def test_uncorrelated_attributes_get_their_squared_correlations() -> None:
    # Johnson (2000): with uncorrelated predictors the relative weights are the squared zero-order correlations,
    # which are then also the exact Shapley (LMG) values. A full 2^3 factorial, each cell 10 times, is orthogonal.
    rng = np.random.default_rng(8)
    cells = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], dtype=float)
    x = np.repeat(cells, 10, axis=0)
    y = (rng.random(80) < 0.2 + 0.4 * x[:, 0] + 0.2 * x[:, 1]).astype(float)
    design = CalibrationDesign.from_weights(np.ones(80))
    result = key_drivers(x[:, None, :], y[:, None, None], design)[0]
    expected = np.array([np.corrcoef(x[:, j], y)[0, 1] ** 2 for j in range(3)])
    np.testing.assert_allclose(result.raw, expected, rtol=1e-10)
    assert result.r_squared == pytest.approx(expected.sum())


def test_constant_attribute_gets_zero_with_a_warning() -> None:
    rng = np.random.default_rng(9)
    x = (rng.random((200, 2, 3)) < 0.4).astype(float)
    x[:, :, 2] = 1.0
    y = (rng.random((200, 2, 1)) < 0.3 + 0.4 * x[:, :, :1]).astype(float)
    result = key_drivers(x, y, CalibrationDesign.from_weights(np.ones(200)))[0]
    assert result.raw[2] == 0 and result.share[:2].sum() == pytest.approx(1)
    assert any("do not vary" in w for w in result.warnings)
    with pytest.raises(ValueError, match="outcomes"):
        key_drivers(x, np.ones((200, 2, 1)), CalibrationDesign.from_weights(np.ones(200)))
    with pytest.raises(ValueError, match="domain"):
        key_drivers(x, y, CalibrationDesign.from_weights(np.ones(200)), domain=np.zeros(200, dtype=bool))


def _population_sample(
    rng: np.random.Generator, n: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """A panel sample skewed on age and gender; associations and consideration depend on age (so weighting
    matters) and on a latent liking per brand; 3 brands, 4 attributes."""
    data = _sample(rng, n)
    young = (data["age"] == "young")[:, None]
    liking = rng.normal(size=(n, 3)) + 0.5 * young
    slopes = np.array([0.3, 0.6, 0.9, 1.2])
    x = (rng.random((n, 3, 4)) < 1 / (1 + np.exp(-(-0.3 + slopes * liking[:, :, None])))).astype(float)
    p = 1 / (1 + np.exp(-(-1 + 0.8 * liking + 0.8 * x[:, :, 1] - 0.5 * young)))
    y = (rng.random((n, 3)) < p).astype(float)[:, :, None]
    return data, x, y


def test_bootstrap_se_matches_the_spread_over_independent_samples() -> None:
    # Known truth of the sampling spread: the standard deviation of the estimate over 150 independent samples
    # (MC relative error of an SD from 150 draws ≈ 1/√300 ≈ 6%). The bootstrap SE (200 re-raked replicates,
    # averaged over 4 samples) must be within 25% of it for every attribute's share of R².
    rng = np.random.default_rng(20240611)
    targets = {"age": AGE, "gender": GENDER}
    shares, boot_se = [], []
    for s in range(150):
        data, x, y = _population_sample(rng, 500)
        design = rake(data, targets).design
        reps = bootstrap_weights(design, replicates=200, seed=s) if s < 4 else None
        result = key_drivers(x, y, design, reps)[0]
        shares.append(result.share)
        if reps is not None:
            boot_se.append(result.share_se)
            assert np.all(result.share_low <= result.share) and np.all(result.share <= result.share_high)
    true_sd = np.std(shares, axis=0, ddof=1)
    ratio = np.mean(boot_se, axis=0) / true_sd
    assert np.all((ratio > 0.75) & (ratio < 1.25)), ratio
