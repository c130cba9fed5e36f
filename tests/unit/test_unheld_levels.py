"""The weighting rule for answers the margins do not hold, against hand-computed targets (docs/METHODS.md)."""

from __future__ import annotations

import pytest

from recognition.stats.unheld import open_unheld_levels


def test_hand_computed_targets() -> None:
    # 10 respondents, 2 answered "diverse": s = 2/10 = 0.2; female 0.511 · 0.8 = 0.4088, male 0.489 · 0.8 = 0.3912.
    gender = ["female"] * 5 + ["male"] * 3 + ["diverse"] * 2
    opened = open_unheld_levels({"gender": gender}, {"gender": {"female": 0.511, "male": 0.489}})
    assert opened.targets["gender"] == pytest.approx({"female": 0.4088, "male": 0.3912, "diverse": 0.2})
    assert opened.notes == (
        "gender: answers the population figures do not hold kept at their sample share (diverse 20.0%)",
    )


def test_base_weighted_share_and_untouched_variables() -> None:
    # base weights 1, 1, 2, 4: the diverse respondent carries 4 of 8, s = 0.5; female 0.6 · 0.5 = 0.3, male 0.2.
    data = {"gender": ["female", "male", "female", "diverse"], "age": ["a", "b", "a", "b"]}
    targets = {"gender": {"female": 60, "male": 40}, "age": {"a": 0.5, "b": 0.5}}
    opened = open_unheld_levels(data, targets, base_weights=[1, 1, 2, 4])
    assert opened.targets["gender"] == pytest.approx({"female": 0.3, "male": 0.2, "diverse": 0.5})
    assert opened.targets["age"] == {"a": 0.5, "b": 0.5} and len(opened.notes) == 1


def test_no_unheld_answer_changes_nothing() -> None:
    opened = open_unheld_levels({"gender": ["female", "male", ""]}, {"gender": {"female": 0.5, "male": 0.5}})
    assert opened.targets == {"gender": {"female": 0.5, "male": 0.5}} and opened.notes == ()
