"""Answers the margins do not hold (gender "diverse"), weighted by the rule of docs/METHODS.md: a level of its own
at its sample share, the held levels scaled to the rest. Fixtures from tests/reference/make_unheld_fixtures.R:

    s <- mean(data$gender == "diverse")
    pop_gender <- data.frame(gender = c("female", "male", "diverse"), Freq = n * c(0.511 * (1 - s), 0.489 * (1 - s), s))
    raked <- rake(design, list(~age, ~gender, ~region), list(pop_age, pop_gender, pop_region))
    svymean(~y, raked)

R is not needed to run these tests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.stats import estimate, rake
from recognition.stats.unheld import open_unheld_levels

FIXTURES = Path(__file__).parent / "fixtures"
MARGINS = {
    "age": {"18-34": 0.28, "35-54": 0.34, "55+": 0.38},
    "gender": {"female": 0.511, "male": 0.489},
    "region": {"north": 0.45, "south": 0.55},
}


def _rows() -> list[dict[str, str]]:
    with (FIXTURES / "unheld.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_weights_and_estimate_match_r_survey_rake() -> None:
    rows = _rows()
    data = {v: [r[v] for r in rows] for v in ("age", "gender", "region")}
    opened = open_unheld_levels(data, MARGINS)
    result = rake(data, opened.targets, tol=1e-12, max_iter=1000)
    assert_allclose(result.weights, [float(r["weight"]) for r in rows], rtol=1e-8)
    with (FIXTURES / "unheld_estimate.csv").open(newline="") as handle:
        ref = next(csv.DictReader(handle))
    share = float(ref["share"])
    assert opened.targets["gender"]["diverse"] == pytest.approx(share)
    est = estimate(np.array([float(r["y"]) for r in rows]), result.design)
    assert est.estimate == pytest.approx(float(ref["estimate"]), rel=1e-8)
    assert est.se == pytest.approx(float(ref["se"]), rel=1e-6)
    # The rule's promise: the held levels stand in the population's ratio, the unheld one keeps its share.
    w, gender = result.weights, np.asarray(data["gender"])
    female, male = w[gender == "female"].sum(), w[gender == "male"].sum()
    assert female / male == pytest.approx(0.511 / 0.489, rel=1e-8)
    assert w[gender == "diverse"].sum() / w.sum() == pytest.approx(share, rel=1e-8)
