"""Empty target levels merged into their neighbours before raking (stats.collapsing)."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats import TargetError, rake
from recognition.stats.collapsing import collapse_sparse_levels
from recognition.stats.replicates import bootstrap_weights

AGE = {"18-24": 0.1, "25-34": 0.2, "35-44": 0.2, "45-54": 0.2, "55-64": 0.1, "65+": 0.2}


def test_an_empty_level_joins_the_next_and_the_last_joins_the_previous() -> None:
    data = {"age": ["25-34", "25-34", "45-54", "55-64"], "sex": ["f", "m", "f", "m"]}
    out = collapse_sparse_levels(data, {"age": AGE, "sex": {"f": 50, "m": 50}})
    assert out.targets["age"] == pytest.approx(
        {"18-24 + 25-34": 0.3, "35-44 + 45-54": 0.4, "55-64 + 65+": 0.3}
    )
    assert out.data["age"] == ["18-24 + 25-34", "18-24 + 25-34", "35-44 + 45-54", "55-64 + 65+"]
    assert out.targets["sex"] == {"f": 50, "m": 50} and out.data["sex"] is data["sex"]
    assert out.notes == (
        "age: nobody in the sample in 18-24; weighted as one level 18-24 + 25-34",
        "age: nobody in the sample in 35-44; weighted as one level 35-44 + 45-54",
        "age: nobody in the sample in 65+; weighted as one level 55-64 + 65+",
    )


def test_runs_of_empty_levels_merge_until_someone_is_in_each() -> None:
    data = {"age": ["65+", "65+", "18-24"]}
    out = collapse_sparse_levels(data, {"age": AGE})
    assert out.targets["age"] == pytest.approx({"18-24": 0.1, "25-34 + 35-44 + 45-54 + 55-64 + 65+": 0.9})
    one = collapse_sparse_levels({"age": ["65+"]}, {"age": AGE})
    assert one.targets["age"] == pytest.approx({" + ".join(AGE): 1.0})


def test_nothing_changes_without_empty_levels_and_other_errors_stay_for_raking() -> None:
    data = {"age": list(AGE), "edu": ["x", "y", "x", "y", "x", ""]}
    out = collapse_sparse_levels(data, {"age": AGE, "edu*age": {"a": 1.0}})
    assert out.notes == () and out.data == data and out.targets["edu*age"] == {"a": 1.0}
    with pytest.raises(
        TargetError, match="have no target"
    ):  # a sample level without a target is still an error
        rake(
            {"age": ["70+", "18-24"]}, collapse_sparse_levels({"age": ["70+", "18-24"]}, {"age": AGE}).targets
        )


def test_raking_the_collapsed_sample_meets_the_merged_margins() -> None:
    rng = np.random.default_rng(3)
    ages = list(rng.choice(["25-34", "45-54", "55-64"], size=60))
    sex = list(rng.choice(["f", "m"], size=60))
    with pytest.raises(TargetError, match="no respondents"):
        rake({"age": ages, "sex": sex}, {"age": AGE, "sex": {"f": 0.5, "m": 0.5}})
    out = collapse_sparse_levels({"age": ages, "sex": sex}, {"age": AGE, "sex": {"f": 0.5, "m": 0.5}})
    result = rake(out.data, out.targets)
    w = result.weights / result.weights.sum()
    column = np.array(out.data["age"])
    for level, share in out.targets["age"].items():
        assert w[column == level].sum() == pytest.approx(share, abs=1e-6)


def test_a_level_too_sparse_for_the_weight_bounds_joins_its_neighbour() -> None:
    # 30 respondents, one of them 65+ for a 20 % share: alone they would need a mean weight of 6 (> 5).
    ages = ["25-34"] * 10 + ["35-44"] * 8 + ["45-54"] * 6 + ["55-64"] * 5 + ["65+"]
    out = collapse_sparse_levels({"age": ages}, {"age": AGE}, (0.2, 5.0))
    assert out.targets["age"] == pytest.approx(
        {"18-24 + 25-34": 0.3, "35-44": 0.2, "45-54": 0.2, "55-64 + 65+": 0.3}
    )
    assert out.notes == (
        "age: nobody in the sample in 18-24; weighted as one level 18-24 + 25-34",
        "age: 1 of 30 in 65+ for a 20.0% share would need a mean weight of 6, outside the bounds [0.2, 5]; "
        "weighted as one level 55-64 + 65+",
    )
    # without bounds only the empty level is merged; an over-represented level merges too (mean weight < 0.2)
    assert collapse_sparse_levels({"age": ages}, {"age": AGE}).targets["age"]["65+"] == pytest.approx(0.2)
    crowded = ["18-24"] * 26 + ["25-34", "35-44", "45-54", "55-64", "65+"] * 2
    merged = collapse_sparse_levels(
        {"age": crowded}, {"age": {**AGE, "18-24": 0.01, "65+": 0.29}}, (0.2, 5.0)
    )
    assert "18-24 + 25-34" in merged.targets["age"] and "mean weight of 0.0138" in merged.notes[0]


def test_a_small_skewed_wave_rakes_within_the_bounds_once_sparse_levels_are_merged() -> None:
    # The shape that made unbounded raking run weights towards zero: a rare old respondent who is also the only
    # one of their region, so the age and region margins pull that one weight two ways.
    rng = np.random.default_rng(15)
    n = 30
    ages = ["65+"] + list(rng.choice(["18-24", "25-34", "35-44", "45-54", "55-64"], size=n - 1))
    region = ["north"] + list(rng.choice(["south", "east", "west"], size=n - 1))
    sex = list(rng.choice(["f", "m"], size=n))
    targets = {
        "age": AGE,
        "region": {"north": 0.1, "south": 0.3, "east": 0.3, "west": 0.3},
        "sex": {"f": 0.5, "m": 0.5},
    }
    data = {"age": ages, "region": region, "sex": sex}
    empty_only = collapse_sparse_levels(data, targets)
    unbounded = rake(empty_only.data, empty_only.targets, bounds=(0.2, 5.0))
    assert not unbounded.converged and unbounded.weight_min < 0.05  # what merging empty levels alone gave
    out = collapse_sparse_levels(data, targets, (0.2, 5.0))
    assert out.targets["age"]["55-64 + 65+"] == pytest.approx(0.3)
    result = rake(out.data, out.targets, bounds=(0.2, 5.0))
    assert result.converged and result.weight_min >= 0.2 * 0.99 and result.weight_max <= 5.0 * 1.01
    w = result.weights / result.weights.sum()
    for variable, levels in out.targets.items():
        column = np.array(out.data[variable])
        for level, share in levels.items():
            assert w[column == level].sum() == pytest.approx(share, abs=1e-6)


def test_bootstrap_replicates_of_a_small_wave_keep_bounded_weights() -> None:
    """A resample that draws a rare level once needs a mean weight beyond the bounds for it: the level is merged
    with its neighbour in that replicate (as in the wave) instead of raking without bounds."""
    rng = np.random.default_rng(4)
    n = 30
    ages = ["65+"] * 3 + list(rng.choice(["25-34", "35-44", "45-54", "55-64"], size=n - 3))
    sex = list(rng.choice(["f", "m"], size=n))
    targets = {"age": {**AGE, "18-24": 0.0, "25-34": 0.3}, "sex": {"f": 0.5, "m": 0.5}}
    out = collapse_sparse_levels({"age": ages, "sex": sex}, targets, (0.2, 5.0))
    design = rake(out.data, out.targets, bounds=(0.2, 5.0)).design
    reps = bootstrap_weights(design, replicates=200, bounds=(0.2, 5.0), seed=1)
    drawn = reps.weights[reps.weights > 0]
    # each drawn respondent's replicate weight is a bounded raked weight (times how often it was drawn)
    assert drawn.min() > 0.1 and np.isfinite(reps.weights).all()
