"""Raking: margins, diagnostics, bounds, interlocked cells, label handling and every error path."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats import TargetError, rake

AGE = {"young": 0.3, "middle": 0.3, "old": 0.4}
GENDER = {"f": 0.5, "m": 0.5}


def sample(n: int = 400, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "age": rng.choice(list(AGE), n, p=[0.5, 0.3, 0.2]),
        "gender": rng.choice(list(GENDER), n, p=[0.7, 0.3]),
    }


def shares(weights: np.ndarray, labels: np.ndarray, level: str) -> float:
    return float(weights[labels == level].sum() / weights.sum())


def test_margins_are_met_and_diagnostics_follow_kish() -> None:
    data = sample()
    result = rake(data, {"age": AGE, "gender": GENDER})
    assert result.converged and result.max_margin_error <= 1e-10 and result.warnings == ()
    for level, share in AGE.items():
        assert shares(result.weights, data["age"], level) == pytest.approx(share, rel=1e-10)
    w = result.weights
    assert w.mean() == pytest.approx(1.0)
    assert result.n_eff == pytest.approx(w.sum() ** 2 / (w * w).sum())
    assert result.deff_kish == pytest.approx(len(w) * (w * w).sum() / w.sum() ** 2)
    assert result.efficiency == pytest.approx(result.n_eff / result.n)
    assert (result.weight_min, result.weight_max) == (w.min(), w.max())
    assert not result.trimmed


def test_percentages_and_numeric_labels_are_accepted() -> None:
    data = {"code": np.array([1, 2, 2, 3, 3, 3]), "flt": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]}
    result = rake(data, {"code": {"1": 20, "2": 30, "3": 50}, "flt": {"1": 50, "2": 50}})
    assert result.converged
    assert shares(result.weights, data["code"], 1) == pytest.approx(0.2)


def test_model_matrix_is_intercept_plus_dummies_with_first_target_level_as_reference() -> None:
    data = sample(50)
    design = rake(data, {"age": AGE, "gender": GENDER}).design
    assert design.columns == ("(Intercept)", "agemiddle", "ageold", "genderm")
    assert np.array_equal(design.x[:, 2], (data["age"] == "old").astype(float))
    assert np.all(design.x[:, 0] == 1)


def test_interlocked_cells_are_built_from_component_columns() -> None:
    data = sample(600)
    cells = {f"{a}*{g}": AGE[a] * GENDER[g] for a in AGE for g in GENDER}
    cells["young*f"] += 0.02
    cells["old*m"] -= 0.02
    result = rake(data, {"age*gender": cells})
    assert result.converged
    mask = (data["age"] == "young") & (data["gender"] == "f")
    assert float(result.weights[mask].sum() / result.weights.sum()) == pytest.approx(cells["young*f"])


def test_bounds_hold_together_with_margins() -> None:
    data = sample(2000)
    free = rake(data, {"age": AGE, "gender": GENDER})
    assert free.weight_max > 2.5
    bounded = rake(data, {"age": AGE, "gender": GENDER}, bounds=(0.3, 2.5))
    assert bounded.converged and bounded.trimmed
    assert bounded.weight_max <= 2.5 * (1 + 1e-9) and bounded.weight_min >= 0.3 * (1 - 1e-9)
    assert bounded.max_margin_error <= 1e-10


def test_bounds_with_unequal_base_weights() -> None:
    data = sample(800)
    base = np.random.default_rng(2).uniform(0.5, 2.0, 800)
    result = rake(data, {"age": AGE, "gender": GENDER}, base_weights=base, bounds=(0.3, 3.0))
    assert result.converged and result.weight_max <= 3.0 * (1 + 1e-9)


def test_impossible_bounds_are_reported_not_looped() -> None:
    data = sample(400)
    result = rake(data, {"age": AGE, "gender": GENDER}, bounds=(0.9, 1.1))
    assert not result.converged
    assert any("cannot both hold" in w for w in result.warnings)
    # Every level reachable on its own, but not all together (checked infeasible by linear programming).
    slow = rake(sample(2000), {"age": AGE, "gender": GENDER}, bounds=(0.5, 2.8), max_iter=100_000)
    assert not slow.converged and slow.iterations < 1000
    assert any("cannot both hold" in w for w in slow.warnings)


def test_non_convergence_is_a_field_and_a_warning() -> None:
    # Interlocked cells and a margin that contradicts them cannot both be met.
    data = sample(400)
    cells = {f"{a}*{g}": AGE[a] * GENDER[g] for a in AGE for g in GENDER}
    result = rake(data, {"age*gender": cells, "gender": {"f": 0.7, "m": 0.3}}, max_iter=30)
    assert not result.converged and result.iterations == 30
    assert any("did not converge" in w for w in result.warnings)


def test_scale_of_base_weights_does_not_matter() -> None:
    data = sample(300)
    base = np.random.default_rng(3).uniform(0.5, 2.0, 300)
    a = rake(data, {"age": AGE, "gender": GENDER}, base_weights=base)
    b = rake(data, {"age": AGE, "gender": GENDER}, base_weights=base * 1234.5)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-12)


@pytest.mark.parametrize(
    ("data", "targets", "message"),
    [
        (sample(30), {"age": {"young": 0.3, "middle": 0.3, "old": 0.3}}, "'age'.*sum to 0.9"),
        (sample(30), {"region": {"a": 1.0}}, "'region'.*not in the data"),
        (sample(30), {"age": {"young": 0.5, "middle": 0.5}}, "'age'.*'old'.*no target"),
        (
            sample(30),
            {"age": {**AGE, "ancient": 0.0}, "gender": {"f": 0.5, "m": 0.4, "x": 0.1}},
            "'gender'.*'x'.*no respondents",
        ),
        (sample(30), {"age": {"young": 0.5, "middle": 0.5, "old": 0.0}}, "'age'.*'old'.*target share of 0"),
        (sample(30), {"age": {"young": -0.1, "middle": 0.6, "old": 0.5}}, "'age'.*'young'"),
        (sample(30), {"age": {"young": "lots", "middle": 0.6, "old": 0.4}}, "'age'.*not a number"),
        (sample(30), {"age": {}}, "'age'"),
        (sample(30), {}, "no targets"),
        ({"age": ["young", None, "old"]}, {"age": AGE}, "'age'.*missing"),
        ({"age": np.array([1.0, np.nan])}, {"age": {"1": 1.0}}, "'age'.*missing"),
        ({"age": np.array(["young", "", "old"])}, {"age": AGE}, "'age'.*missing"),
        ({"age": ["young", "old"], "gender": ["f"]}, {"age": AGE, "gender": GENDER}, "'gender'.*1 rows"),
        ({"age": [], "gender": []}, {"age": AGE}, "no rows"),
        ({"age": ["young"], "gender": ["f"]}, {"age*": AGE}, "empty component"),
    ],
)
def test_bad_targets_and_data_raise_target_error(data: dict, targets: dict, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        rake(data, targets)


def test_bad_base_weights_and_arguments() -> None:
    data = sample(20)
    targets = {"age": AGE}
    with pytest.raises(TargetError, match="base_weights"):
        rake(data, targets, base_weights=np.ones(19))
    with pytest.raises(TargetError, match="base_weights"):
        rake(data, targets, base_weights=np.r_[np.ones(19), 0.0])
    with pytest.raises(ValueError, match="bounds"):
        rake(data, targets, bounds=(2.0, 5.0))
    with pytest.raises(ValueError, match="tol"):
        rake(data, targets, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        rake(data, targets, max_iter=0)


def test_label_inputs_agree() -> None:
    data = sample(500)
    targets = {"age": AGE, "gender": GENDER}
    reference = rake(data, targets).weights
    as_lists = {k: v.tolist() for k, v in data.items()}
    as_objects = {k: v.astype(object) for k, v in data.items()}
    as_bytes = {k: v.astype("S") for k, v in data.items()}
    for variant in (as_lists, as_objects, as_bytes):
        np.testing.assert_allclose(rake(variant, targets).weights, reference, rtol=1e-12)
