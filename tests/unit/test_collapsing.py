"""Empty target levels merged into their neighbours before raking (stats.collapsing)."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats import TargetError, rake
from recognition.stats.collapsing import collapse_empty_levels

AGE = {"18-24": 0.1, "25-34": 0.2, "35-44": 0.2, "45-54": 0.2, "55-64": 0.1, "65+": 0.2}


def test_an_empty_level_joins_the_next_and_the_last_joins_the_previous() -> None:
    data = {"age": ["25-34", "25-34", "45-54", "55-64"], "sex": ["f", "m", "f", "m"]}
    out = collapse_empty_levels(data, {"age": AGE, "sex": {"f": 50, "m": 50}})
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
    out = collapse_empty_levels(data, {"age": AGE})
    assert out.targets["age"] == pytest.approx({"18-24": 0.1, "25-34 + 35-44 + 45-54 + 55-64 + 65+": 0.9})
    one = collapse_empty_levels({"age": ["65+"]}, {"age": AGE})
    assert one.targets["age"] == pytest.approx({" + ".join(AGE): 1.0})


def test_nothing_changes_without_empty_levels_and_other_errors_stay_for_raking() -> None:
    data = {"age": list(AGE), "edu": ["x", "y", "x", "y", "x", ""]}
    out = collapse_empty_levels(data, {"age": AGE, "edu*age": {"a": 1.0}})
    assert out.notes == () and out.data == data and out.targets["edu*age"] == {"a": 1.0}
    with pytest.raises(
        TargetError, match="have no target"
    ):  # a sample level without a target is still an error
        rake(
            {"age": ["70+", "18-24"]}, collapse_empty_levels({"age": ["70+", "18-24"]}, {"age": AGE}).targets
        )


def test_raking_the_collapsed_sample_meets_the_merged_margins() -> None:
    rng = np.random.default_rng(3)
    ages = list(rng.choice(["25-34", "45-54", "55-64"], size=60))
    sex = list(rng.choice(["f", "m"], size=60))
    with pytest.raises(TargetError, match="no respondents"):
        rake({"age": ages, "sex": sex}, {"age": AGE, "sex": {"f": 0.5, "m": 0.5}})
    out = collapse_empty_levels({"age": ages, "sex": sex}, {"age": AGE, "sex": {"f": 0.5, "m": 0.5}})
    result = rake(out.data, out.targets)
    w = result.weights / result.weights.sum()
    column = np.array(out.data["age"])
    for level, share in out.targets["age"].items():
        assert w[column == level].sum() == pytest.approx(share, abs=1e-6)
