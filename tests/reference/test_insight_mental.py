"""Mental availability against R's survey package (fixtures from tests/reference/make_insight_fixtures.R, section 3).

R: ``des <- calibrate(svydesign(ids = ~1, weights = ~1, data), ~age + gender, population, calfun = "raking",
epsilon = 1e-12)``; ``d <- subset(des, buyer == 1)``; per brand b with ``L_b`` the CEPs linked to b, ``T`` all
links and ``A_b = L_b >= 1``:

* mental market share ``svyratio(~L_b, ~T, d)``, interval ``confint(..., df = degf(d))``;
* mental penetration ``svymean(~A_b, d)``, interval ``attr(svyciprop(~A_b, d, method = "logit"), "ci")``;
* network size ``svyratio(~L_b, ~A_b, d)``, interval ``confint(..., df = degf(d))``.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.stats import rake
from recognition.stats.mental import MentalAvailability, mental_availability

FIXTURES = Path(__file__).parent / "fixtures" / "insight"
TARGETS = {"age": {"young": 0.3, "middle": 0.35, "old": 0.35}, "gender": {"female": 0.52, "male": 0.48}}
RTOL = 1e-6


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def fitted() -> tuple[MentalAvailability, np.ndarray]:
    rows = _rows("mental.csv")
    data = {"age": [r["age"] for r in rows], "gender": [r["gender"] for r in rows]}
    design = rake(data, TARGETS, tol=1e-12).design
    links = np.array([[[int(r[f"c{c}_b{b}"]) for b in range(1, 5)] for c in range(1, 6)] for r in rows])
    buyers = np.array([r["buyer"] == "1" for r in rows])
    return mental_availability(links, design, buyers=buyers), buyers


MEASURES = {"mms": "mental_market_share", "penetration": "mental_penetration", "network": "network_size"}


@pytest.mark.parametrize("measure", list(MEASURES))
def test_measures_match_svyratio_and_svymean(measure: str) -> None:
    result, _ = fitted()
    ref = sorted((r for r in _rows("mental_r.csv") if r["measure"] == measure), key=lambda r: int(r["brand"]))
    ours = getattr(result, MEASURES[measure])

    def column(key: str) -> np.ndarray:
        return np.array([float(r[key]) for r in ref])

    assert_allclose(ours.estimate, column("estimate"), rtol=RTOL)  # coef(...)
    assert_allclose(ours.se, column("se"), rtol=RTOL)  # SE(...): calibration-residual linearisation
    assert_allclose(ours.ci_low, column("ci_low"), rtol=RTOL)
    assert_allclose(ours.ci_high, column("ci_high"), rtol=RTOL)
    assert result.df == int(ref[0]["df"])  # degf(d)


def test_bases_and_identities() -> None:
    result, buyers = fitted()
    assert result.buyers == int(buyers.sum())
    assert result.mental_market_share.estimate.sum() == pytest.approx(1.0)
    # MMS_b = MPen_b × NS_b / Σ_b' MPen_b' × NS_b' (each is a ratio of the same weighted totals)
    pen, size = result.mental_penetration.estimate, result.network_size.estimate
    assert_allclose(result.mental_market_share.estimate, pen * size / np.sum(pen * size))
    assert np.all(result.network_size.n <= result.buyers)
