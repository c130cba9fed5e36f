"""Key drivers against R (fixtures from tests/reference/make_insight_fixtures.R, section 1; R not needed).

R computes, on a 400 respondents × 3 brands stacked sample with unequal weights and 4 attributes:

* Johnson's relative weights written out independently: ``v <- residuals(lm(v ~ brand, weights = w))``
  (within-brand centring), ``R <- cov.wt(v, wt = w, cor = TRUE)$cor``, ``e <- eigen(R[1:k, 1:k])``,
  ``Λ½ <- e$vectors %*% diag(sqrt(e$values)) %*% t(e$vectors)``, ``β <- solve(Λ½, R[1:k, k+1])``,
  ``ε <- Λ½^2 %*% β^2`` — compared to 1e-8;
* the Shapley value (LMG) decomposition of the weighted R² by brute force over all 2^4 subsets,
  ``R²(S) = 1 − deviance(lm(consider ~ brand + X_S, weights = w)) / deviance(lm(consider ~ brand, weights = w))``
  — compared with a tolerance, because relative weights only approximate LMG (below).
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.stats import CalibrationDesign, rake
from recognition.stats.drivers import key_drivers
from recognition.stats.replicates import bootstrap_weights

FIXTURES = Path(__file__).parent / "fixtures" / "insight"
ATTRIBUTES = ("a1", "a2", "a3", "a4")
# Johnson's weights split the variance the attributes share through their closest orthogonal counterparts,
# LMG by averaging over orderings; the two agree closely when intercorrelations are moderate (here 0.1–0.3,
# observed gap 0.0013 of R²). Allowed: 0.005 on each attribute's share of R² (half a percentage point).
LMG_SHARE_TOLERANCE = 0.005


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def stacked() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    rows = _rows("drivers.csv")
    brands = tuple(dict.fromkeys(r["brand"] for r in rows))
    n = max(int(r["resp"]) for r in rows)
    x = np.zeros((n, len(brands), len(ATTRIBUTES)))
    y = np.zeros((n, len(brands), 1))
    w = np.zeros(n)
    potential = np.zeros(n, dtype=bool)
    row_potential = np.zeros((n, len(brands)), dtype=bool)
    for r in rows:
        i, b = int(r["resp"]) - 1, brands.index(r["brand"])
        x[i, b] = [float(r[a]) for a in ATTRIBUTES]
        y[i, b, 0] = float(r["consider"])
        w[i] = float(r["w"])
        potential[i] = r["potential"] == "1"
        row_potential[i, b] = r["row_potential"] == "1"
    return x, y, w, potential, row_potential, brands


@cache
def expected() -> dict[str, dict[str, np.ndarray]]:
    out: dict[str, dict[str, list[float]]] = {}
    for r in _rows("drivers_r.csv"):
        case = out.setdefault(r["case"], {"lmg": [], "johnson": [], "r2": []})
        for key in case:
            case[key].append(float(r[key]))
    return {c: {k: np.array(v) for k, v in d.items()} for c, d in out.items()}


def _fit(case: str):  # type: ignore[no-untyped-def]
    x, y, w, potential, row_potential, brands = stacked()
    design = CalibrationDesign.from_weights(w)
    if case == "stacked_all":
        return key_drivers(x, y, design, attribute_names=ATTRIBUTES)[0]
    if case == "stacked_potential":
        return key_drivers(x, y, design, domain=potential, attribute_names=ATTRIBUTES)[0]
    if case == "stacked_rows":
        return key_drivers(x, y, design, domain=row_potential, attribute_names=ATTRIBUTES)[0]
    b = brands.index("B")
    return key_drivers(x[:, [b]], y[:, [b]], design, attribute_names=ATTRIBUTES)[0]


@pytest.mark.parametrize("case", ["stacked_all", "stacked_potential", "stacked_rows", "brand_B"])
def test_relative_weights_match_r(case: str) -> None:
    result = _fit(case)
    ref = expected()[case]
    # R: as.vector(Λ½^2 %*% β^2) from cov.wt(..., cor = TRUE) and eigen(); R² from lm(weights = w)
    assert_allclose(result.raw, ref["johnson"], rtol=1e-8)
    assert result.r_squared == pytest.approx(ref["r2"][0], rel=1e-8)
    assert result.share.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("case", ["stacked_all", "stacked_potential", "stacked_rows", "brand_B"])
def test_relative_weights_approximate_the_shapley_decomposition(case: str) -> None:
    result = _fit(case)
    ref = expected()[case]
    # R: Shapley values of R²(S) over all 2^4 subsets, lm(consider ~ brand + X_S, weights = w)
    assert ref["lmg"].sum() == pytest.approx(ref["r2"][0], rel=1e-8)  # the decomposition is exact
    assert_allclose(result.share, ref["lmg"] / ref["r2"][0], atol=LMG_SHARE_TOLERANCE)
    assert list(np.argsort(result.raw)) == list(np.argsort(ref["lmg"]))


def test_bases_are_counted() -> None:
    x, y, w, potential, _, _ = stacked()
    result = _fit("stacked_potential")
    assert result.n == int(potential.sum()) and result.rows == 3 * int(potential.sum())
    wp = w[potential]
    assert result.n_eff == pytest.approx(wp.sum() ** 2 / (wp * wp).sum())
    assert result.replicates == 0 and np.isnan(result.raw_low).all()


def test_bootstrap_se_of_a_proportion_matches_the_linearised_se_of_calibrate() -> None:
    # The replicate weights respect the weighting: on the main sample of make_fixtures.R (n = 1500, raked on four
    # census margins), the bootstrap SE of a proportion agrees with R's linearised SE on the calibrated design,
    # svymean(~aware, calibrate(des, ~age + gender + region + education, pop, calfun = "raking")), and a margin
    # itself (gender) has no bootstrap variance, as in R. 300 replicates: MC relative error of an SD ≈ 1/√600 ≈ 4%;
    # tolerance 12% (3 MC errors).
    spec = json.loads((FIXTURES.parent / "results.json").read_text())["main"]
    with (FIXTURES.parent / spec["file"]).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    data = {key: [row[key] for row in rows] for key in rows[0]}
    design = rake(data, spec["targets"], tol=1e-12).design
    reps = bootstrap_weights(design, replicates=300, seed=11)
    for outcome in ("aware", "consider"):
        y = np.array(data[outcome], dtype=float)
        boot = reps.weights @ y / reps.weights.sum(axis=1)
        r_se = next(float(np.ravel(e["se"])[0]) for e in spec["estimates"] if e["outcome"] == outcome)
        assert np.std(boot, ddof=1) == pytest.approx(r_se, rel=0.12)
    female = np.array(data["gender"]) == "female"
    assert np.std(reps.weights @ female / reps.weights.sum(axis=1)) < 1e-8
