"""Degenerate bases: zero variance is judged with a relative tolerance, and each case gets its own warning.

Known truth by construction: a calibration estimator reproduces its benchmark totals exactly (Deville & Särndal
1992), so an outcome that is one of the weighting margins has no sampling variance at all (its computed
variance is rounding, ~1e-33); a base of one respondent has no variance estimate; a constant outcome has none.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from recognition.stats import CalibrationDesign, estimate, estimate_matrix, rake


@pytest.fixture(scope="module")
def raked() -> tuple[dict[str, np.ndarray], CalibrationDesign]:
    rng = np.random.default_rng(3)
    data = {"gender": rng.choice(["f", "m"], 400, p=[0.65, 0.35]), "age": rng.choice(["y", "o"], 400)}
    return data, rake(data, {"gender": {"f": 0.5, "m": 0.5}, "age": {"y": 0.4, "o": 0.6}}).design


def test_an_outcome_fixed_by_the_margins_has_no_design_effect(raked) -> None:
    data, design = raked
    y = (data["gender"] == "f").astype(float)
    result = estimate(y, design)
    assert result.estimate == pytest.approx(0.5, rel=1e-12)
    assert result.se == 0.0  # exactly, not 1e-17
    assert math.isnan(result.deff)  # was 1.8e-30: a ratio of rounding to a real variance
    assert result.ci_low == result.ci_high == result.estimate
    assert any("fixed by the weighting margins" in w for w in result.warnings)
    matrix = estimate_matrix(y[:, None], design)
    assert matrix.se[0, 0] == 0.0 and math.isnan(matrix.deff[0, 0])


def test_a_two_row_sample_fixed_by_its_margin_says_so() -> None:
    design = rake({"g": np.array(["a", "b"])}, {"g": {"a": 0.5, "b": 0.5}}).design
    result = estimate(np.array([0.0, 1.0]), design)
    assert result.se == 0.0  # was 2.8e-17 with no warning
    assert any("fixed by the weighting margins" in w for w in result.warnings)


def test_a_one_respondent_domain_has_no_variance_rather_than_a_fixed_one(raked) -> None:
    data, design = raked
    one = np.zeros(design.n, dtype=bool)
    one[17] = True
    scores = np.random.default_rng(4).choice([-100.0, 0.0, 100.0], design.n)
    result = estimate(scores, design, domain=one, kind="mean")
    assert result.n == 1 and math.isnan(result.se) and math.isnan(result.deff)
    assert math.isnan(result.ci_low) and math.isnan(result.ci_high)
    assert any("single respondent" in w for w in result.warnings)
    assert not any("margins" in w for w in result.warnings)  # was "fixed by the weighting margins"
    matrix = estimate_matrix(scores[:, None], design, one[:, None], kind="mean")
    assert math.isnan(matrix.se[0, 0]) and matrix.estimate[0, 0] == scores[17]


def test_a_constant_mean_is_a_point_with_its_own_warning(raked) -> None:
    _, design = raked
    result = estimate(np.full(design.n, 7.0), design, kind="mean")
    assert result.estimate == pytest.approx(7.0) and result.se == 0.0 and math.isnan(result.deff)
    assert any("same value" in w for w in result.warnings)


def test_a_tiny_real_variance_is_kept() -> None:
    # one success in 100,000 equal-weight rows: the textbook V = n/(n − 1) · Σ (w(y − p̂)/Σw)² ≈ p(1 − p)/(n − 1)
    n = 100_000
    y = np.zeros(n)
    y[5] = 1
    result = estimate(y, CalibrationDesign.from_weights(np.ones(n)))
    p = 1 / n
    assert result.se == pytest.approx(math.sqrt(p * (1 - p) / (n - 1)), rel=1e-9)
    assert result.deff == pytest.approx(1.0, rel=1e-9) and not result.warnings
