"""Planning, trends and binomial intervals against base R (fixtures from tests/reference/make_planning_fixtures.R;
R is not needed to run these tests)."""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.stats import (
    CalibrationDesign,
    estimate,
    estimate_matrix,
    minimum_detectable_change,
    power_two_proportions,
    rake,
    required_n,
    trend_slope,
)

FIXTURES = Path(__file__).parent / "fixtures"


@cache
def table(name: str) -> tuple[dict[str, str], ...]:
    with (FIXTURES / f"{name}.csv").open(newline="") as handle:
        return tuple(csv.DictReader(handle))


def _f(value: str) -> float:
    return math.nan if value == "NA" else float(value)


# --- planning: R power.prop.test ---------------------------------------------------------------------------


@pytest.mark.parametrize("row", table("power_n"), ids=lambda r: f"p{r['p1']}{float(r['change']):+g}")
@pytest.mark.parametrize("deff", [1.0, 1.7])
def test_required_n_matches_power_prop_test(row: dict[str, str], deff: float) -> None:
    # R: power.prop.test(p1 = p1, p2 = p1 + change, power = power, sig.level = sig.level)$n, times deff
    p1, change = float(row["p1"]), float(row["change"])
    r_n = float(row["n"]) * deff
    n = required_n(change, p1, deff=deff, alpha=float(row["sig.level"]), power=float(row["power"]))
    assert n == math.ceil(r_n - 1e-6) or abs(n - r_n) <= 1  # R's n is uniroot's, to its tolerance
    assert abs(n - r_n) / r_n < 0.01


def test_required_n_for_a_rare_outcome_is_not_the_baseline_variance() -> None:
    # The audit's case: p = 0.05, a rise of 2 points, power 0.9, deff 2.5.
    # R: power.prop.test(p1 = 0.05, p2 = 0.07, power = 0.9)$n * 2.5 = 7402.54 (the baseline p(1−p) for both
    # waves gave 6,239).
    assert required_n(0.02, 0.05, deff=2.5, power=0.9) == 7403


@pytest.mark.parametrize("row", table("power_mdc"), ids=lambda r: f"n{r['n']}-p{r['p']}-{r['power']}")
def test_minimum_detectable_change_matches_power_prop_test(row: dict[str, str]) -> None:
    # R: uniroot(function(d) power.prop.test(n = n, p1 = p, p2 = p ± d)$power - power, ..., tol = 1e-12)
    n, p, power = float(row["n"]), float(row["p"]), float(row["power"])
    for direction in ("rise", "fall"):
        expected = _f(row[direction])
        if math.isnan(expected):
            with pytest.raises(ValueError, match="^n:"):
                minimum_detectable_change(n, p, power=power, direction=direction)  # type: ignore[arg-type]
            continue
        got = minimum_detectable_change(n, p, power=power, direction=direction)  # type: ignore[arg-type]
        assert got == pytest.approx(expected, rel=1e-6)
        # with a design effect the same change needs deff × the completes
        assert minimum_detectable_change(2 * n, p, deff=2.0, power=power, direction=direction) == (  # type: ignore[arg-type]
            pytest.approx(expected, rel=1e-6)
        )
    either = minimum_detectable_change(n, p, power=power)
    assert either == pytest.approx(_f(row["rise"]) if p <= 0.5 else _f(row["fall"]), rel=1e-6)


def test_power_is_power_prop_test() -> None:
    # R: the d with power.prop.test(n = 1000, p1 = 0.3, p2 = 0.3 + d)$power = 0.8 (power_mdc.csv)
    row = next(r for r in table("power_mdc") if r["n"] == "1000" and r["p"] == "0.3" and r["power"] == "0.8")
    assert power_two_proportions(1000, 0.3, 0.3 + float(row["rise"])) == pytest.approx(0.8, rel=1e-9)


# --- trend: R random-effects meta-regression, lm(y ~ t, weights = 1/(v + tau2)) ---------------------------------


@pytest.mark.parametrize("row", table("trend_lm"), ids=lambda r: f"series{r['series']}")
def test_trend_matches_random_effects_meta_regression(row: dict[str, str]) -> None:
    series = [r for r in table("trend_series") if r["series"] == row["series"]]
    t, y, v = (np.array([float(r[c]) for r in series]) for c in ("t", "y", "v"))
    result = trend_slope(t, y, v)
    # R: P <- W - W X (X'WX)^-1 X'W; tau2 <- max(0, (y'Py - (k - 2)) / tr(P))  (W = diag(1/v), X = [1, t])
    assert result.tau2 == pytest.approx(float(row["tau2"]), rel=1e-8, abs=1e-15)
    # R: fit <- lm(y ~ t, weights = 1/(v + tau2)); coef(fit), sigma(fit), fit$df.residual
    assert result.slope == pytest.approx(float(row["slope"]), rel=1e-8)
    assert result.intercept == pytest.approx(float(row["intercept"]), rel=1e-9)
    assert result.df == int(row["df"])
    sigma = float(row["sigma"])
    assert result.dispersion == pytest.approx(sigma**2, rel=1e-8)
    # summary(fit) scales the WLS variance by sigma²; the trend test by max(1, sigma²): the same when sigma ≥ 1
    # (then the t value and the t(k − 2) p-value are R's too), R's se / sigma when sigma < 1.
    assert result.se == pytest.approx(float(row["se"]) * max(1.0, sigma) / sigma, rel=1e-8)
    if sigma >= 1:
        assert result.statistic == pytest.approx(float(row["t_value"]), rel=1e-8)
        assert result.p_value == pytest.approx(float(row["p_value"]), rel=1e-8)
    else:
        assert result.p_value > float(row["p_value"])  # never more significant than the sampling error allows


# --- Wilson and the exact zero bound: R prop.test / binom.test --------------------------------------------------


def _design(n: int, x: int) -> tuple[np.ndarray, CalibrationDesign]:
    """n respondents, half in group a and half in b (the targets' 50/50, so every raked weight is 1), x of
    them with y = 1, three quarters of those in a: calibration on the group leaves less variance than
    p(1−p)/n (design effect below 1)."""
    half = n // 2
    in_a = round(0.75 * x)
    y = np.zeros(n)
    y[:in_a] = 1
    y[half : half + x - in_a] = 1
    group = np.array(["a"] * half + ["b"] * (n - half))
    result = rake({"g": group}, {"g": {"a": 0.5, "b": 0.5}})
    assert_allclose(result.weights, 1.0, rtol=1e-12)
    return y, result.design


@pytest.mark.parametrize("row", table("wilson"), ids=lambda r: f"n{r['n']}-x{r['x']}-{r['level']}")
def test_wilson_matches_prop_test_and_zero_matches_binom_test(row: dict[str, str]) -> None:
    n, x, level = int(row["n"]), int(row["x"]), float(row["level"])
    y, design = _design(n, x)
    result = estimate(y, design, ci="wilson", level=level)
    matrix = estimate_matrix(y[:, None], design, ci="wilson", level=level)
    if x == 0:
        # R: binom.test(0, n, conf.level = level)$conf.int = [0, 1 − (α/2)^(1/n)] (effective n = n here)
        expected = [float(row["exact_low"]), float(row["exact_high"])]
    else:
        # the design effective size p(1−p)/V exceeds n, so Wilson runs on n:
        # R: prop.test(x, n, correct = FALSE, conf.level = level)$conf.int
        assert result.estimate * (1 - result.estimate) / result.se**2 > n
        expected = [float(row["wilson_low"]), float(row["wilson_high"])]
    assert_allclose([result.ci_low, result.ci_high], expected, rtol=1e-9, atol=1e-15)
    assert_allclose([matrix.ci_low[0, 0], matrix.ci_high[0, 0]], expected, rtol=1e-9, atol=1e-15)
    assert matrix.ci_method == "wilson"
