"""Estimation: boundaries, domains, means, contrasts, base status, errors, and estimate_matrix == estimate."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats import BaseThresholds, CalibrationDesign, contrast, estimate, estimate_matrix, rake

AGE = {"young": 0.3, "middle": 0.3, "old": 0.4}
GENDER = {"f": 0.5, "m": 0.5}


@pytest.fixture(scope="module")
def survey() -> tuple[dict[str, np.ndarray], CalibrationDesign]:
    rng = np.random.default_rng(7)
    n = 600
    data = {
        "age": rng.choice(list(AGE), n, p=[0.5, 0.3, 0.2]),
        "gender": rng.choice(list(GENDER), n, p=[0.6, 0.4]),
    }
    return data, rake(data, {"age": AGE, "gender": GENDER}).design


def test_point_estimate_is_the_weighted_mean(survey) -> None:
    data, design = survey
    y = (data["age"] == "young") | (np.arange(design.n) % 3 == 0)
    result = estimate(y, design)
    assert result.estimate == pytest.approx(np.average(y, weights=design.w))
    assert result.ci_low < result.estimate < result.ci_high
    assert result.n == design.n and result.df == design.n - 1 and result.base_status == "ok"


def test_margin_variable_has_no_variance(survey) -> None:
    data, design = survey
    result = estimate(data["gender"] == "f", design)
    assert result.estimate == pytest.approx(0.5)
    assert result.se < 1e-12
    assert result.ci_low == pytest.approx(0.5) and result.ci_high == pytest.approx(0.5)


@pytest.mark.parametrize("ci", ["logit", "beta", "wilson"])
@pytest.mark.parametrize("value", [0, 1])
def test_boundary_proportions_have_defined_intervals(survey, ci: str, value: int) -> None:
    _, design = survey
    result = estimate(np.full(design.n, value), design, ci=ci)
    assert result.estimate == value and result.se == 0
    assert np.isfinite([result.ci_low, result.ci_high]).all()
    n_eff = result.n_eff
    bound = 1 - 0.025 ** (1 / n_eff)
    if ci != "wilson":
        expected = (0.0, bound) if value == 0 else (1 - bound, 1.0)
        assert (result.ci_low, result.ci_high) == pytest.approx(expected)
        assert any("alike" in w for w in result.warnings)
    assert result.ci_low <= value <= result.ci_high


def test_domain_zeroes_out_of_domain_rows(survey) -> None:
    data, design = survey
    rng = np.random.default_rng(1)
    y = rng.random(design.n) < 0.3
    domain = data["age"] == "old"
    result = estimate(y, design, domain=domain)
    assert result.n == int(domain.sum()) and result.df == result.n - 1
    assert result.estimate == pytest.approx(np.average(y[domain], weights=design.w[domain]))
    w = design.w[domain]
    assert result.n_eff == pytest.approx(w.sum() ** 2 / (w * w).sum())


def test_mean_uses_t_interval(survey) -> None:
    _, design = survey
    nps = np.random.default_rng(2).choice([-100.0, 0.0, 100.0], design.n)
    result = estimate(nps, design, kind="mean")
    assert result.ci_method == "t" and result.kind == "mean"
    assert (result.ci_low + result.ci_high) / 2 == pytest.approx(result.estimate)
    with pytest.raises(ValueError, match="ci"):
        estimate(nps, design, kind="mean", ci="beta")


def test_low_and_suppressed_bases(survey) -> None:
    data, design = survey
    y = np.random.default_rng(3).random(design.n) < 0.5
    small = np.zeros(design.n, dtype=bool)
    small[:20] = True
    assert estimate(y, design, domain=small).base_status == "suppressed"
    medium = np.zeros(design.n, dtype=bool)
    medium[:80] = True
    low = estimate(y, design, domain=medium)
    assert low.base_status == "low" and np.isfinite(low.estimate)
    assert estimate(y, design, domain=medium, thresholds=BaseThresholds(10, 20)).base_status == "ok"


def test_contrast_equals_linearised_difference(survey) -> None:
    _, design = survey
    rng = np.random.default_rng(4)
    a = rng.random(design.n) < 0.5
    b = a & (rng.random(design.n) < 0.6)
    result = contrast(a, b, design)
    diff = estimate(a.astype(float) - b, design, kind="mean")
    assert result.estimate == pytest.approx(diff.estimate) and result.se == pytest.approx(diff.se)
    assert result.p_value < 0.05 and result.statistic > 0
    same = contrast(a, a, design)
    assert same.estimate == 0 and same.p_value == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": [0, 1]}, "y: expected"),
        ({"y": np.full(600, 2.0)}, "y: a proportion"),
        ({"y": np.r_[np.nan, np.zeros(599)]}, "y: 1 value"),
        ({"y": np.zeros(600), "domain": np.zeros(600, dtype=bool)}, "domain: selects no"),
        ({"y": np.zeros(600), "domain": np.zeros(5, dtype=bool)}, "domain: expected"),
        ({"y": np.zeros(600), "kind": "median"}, "kind"),
        ({"y": np.r_[0, 1, np.zeros(598)], "ci": "exact"}, "ci: unknown"),
        ({"y": np.zeros(600), "level": 1.5}, "level"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_argument(survey, kwargs: dict, message: str) -> None:
    _, design = survey
    y = kwargs.pop("y")
    with pytest.raises(ValueError, match=message):
        estimate(y, design, **kwargs)


@pytest.mark.parametrize("kind", ["proportion", "mean"])
def test_estimate_matrix_equals_estimate_per_cell(survey, kind: str) -> None:
    data, design = survey
    rng = np.random.default_rng(5)
    k = 12
    if kind == "proportion":
        y = (rng.random((design.n, k)) < rng.uniform(0.01, 0.7, k)).astype(float)
        y[:, 0] = 0
        y[:, 1] = data["gender"] == "f"
    else:
        y = rng.choice([-100.0, 0.0, 100.0], (design.n, k))
    domains = np.column_stack(
        [np.ones(design.n, dtype=bool), data["age"] == "old", rng.random(design.n) < 0.05]
    )
    matrix = estimate_matrix(y, design, domains, kind=kind)
    for g in range(domains.shape[1]):
        for j in range(k):
            single = estimate(y[:, j], design, domain=domains[:, g], kind=kind)
            for name in ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff"):
                np.testing.assert_allclose(
                    getattr(matrix, name)[g, j], getattr(single, name), rtol=1e-9, atol=1e-12, err_msg=name
                )
            assert matrix.n[g, j] == single.n and matrix.df[g, j] == single.df
            assert matrix.base_status[g, j] == single.base_status


def test_estimate_matrix_errors_and_empty_domain(survey) -> None:
    _, design = survey
    y = np.zeros((design.n, 2))
    with pytest.raises(ValueError, match="Y"):
        estimate_matrix(np.zeros((3, 2)), design)
    with pytest.raises(ValueError, match="domains"):
        estimate_matrix(y, design, np.zeros((3, 1), dtype=bool))
    result = estimate_matrix(y, design, np.zeros((design.n, 1), dtype=bool))
    assert np.isnan(result.estimate).all() and (result.base_status == "suppressed").all()


def test_design_from_weights_is_the_ratio_linearisation() -> None:
    rng = np.random.default_rng(6)
    w = rng.uniform(0.5, 2, 200)
    y = (rng.random(200) < 0.4).astype(float)
    design = CalibrationDesign.from_weights(w)
    p = np.average(y, weights=w)
    z = w * (y - p) / w.sum()
    expected = np.sqrt(200 / 199 * np.sum((z - z.mean()) ** 2))
    assert estimate(y, design).se == pytest.approx(expected)
    with pytest.raises(ValueError, match="w:"):
        CalibrationDesign.from_weights([1.0, -1.0])
