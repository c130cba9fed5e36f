"""Image map against R's ``ca`` package (fixtures from tests/reference/make_insight_fixtures.R, section 2).

R: ``N <- aggregate(image[, attrs] * image$w, by = list(brand = image$brand), FUN = sum)``; ``fit <- ca(N)``;
principal coordinates ``fit$rowcoord * fit$sv``; contributions ``fit$rowmass * fit$rowcoord^2``; qualities
``fit$rowmass * principal^2 / fit$rowinertia`` (columns alike). Axis signs are arbitrary: compared up to sign per
dimension (the sign of each dimension is taken from the row standard coordinates and applied to all).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.stats import CalibrationDesign
from recognition.stats.correspondence import ImageMap, image_map, image_map_from_indicators

FIXTURES = Path(__file__).parent / "fixtures" / "insight"
BRANDS = tuple(f"brand{b}" for b in range(1, 7))
ATTRIBUTES = ("modern", "trusted", "fun", "value", "premium")
RTOL = 1e-8


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def fitted() -> ImageMap:
    rows = _rows("image.csv")
    n = max(int(r["resp"]) for r in rows)
    x = np.zeros((n, len(BRANDS), len(ATTRIBUTES)))
    w = np.zeros(n)
    for r in rows:
        i, b = int(r["resp"]) - 1, BRANDS.index(r["brand"])
        x[i, b] = [float(r[a]) for a in ATTRIBUTES]
        w[i] = float(r["w"])
    design = CalibrationDesign.from_weights(w)
    # from_weights rescales weights to mean 1; CA is invariant to the table's scale, the table below is rescaled.
    return image_map_from_indicators(x, design, brand_names=BRANDS, attribute_names=ATTRIBUTES)


def expected(kind: str, field: str) -> np.ndarray:
    rows = [r for r in _rows("image_points_r.csv") if r["kind"] == kind]
    dims = max(int(r["dim"]) for r in rows)
    labels = BRANDS if kind == "row" else ATTRIBUTES
    out = np.zeros((len(labels), dims))
    for r in rows:
        out[labels.index(r["label"]), int(r["dim"]) - 1] = float(r[field])
    return out


def signs() -> np.ndarray:
    ours, theirs = fitted().row_standard, expected("row", "standard")
    return np.sign(np.sum(ours * theirs, axis=0))


def test_table_is_the_weighted_count_of_associations() -> None:
    table = np.array([[float(r[a]) for a in ATTRIBUTES] for r in _rows("image_table_r.csv")])
    ours = fitted().table
    assert_allclose(ours / ours.sum(), table / table.sum(), rtol=RTOL)


def test_inertias_match_ca() -> None:
    dims = _rows("image_dims_r.csv")
    result = fitted()
    assert_allclose(result.inertia, [float(d["inertia"]) for d in dims], rtol=RTOL)  # fit$sv^2
    assert result.total_inertia == pytest.approx(float(dims[0]["total"]), rel=RTOL)  # sum(fit$rowinertia)
    assert_allclose(result.share, result.inertia / float(dims[0]["total"]), rtol=RTOL)


@pytest.mark.parametrize("kind", ["row", "column"])
def test_masses_and_point_inertias_match_ca(kind: str) -> None:
    result = fitted()
    mass = result.row_mass if kind == "row" else result.column_mass
    inertia = result.row_inertia if kind == "row" else result.column_inertia
    assert_allclose(mass, expected(kind, "mass")[:, 0], rtol=RTOL)  # fit$rowmass / fit$colmass
    assert_allclose(inertia, expected(kind, "inertia")[:, 0], rtol=RTOL)  # fit$rowinertia / fit$colinertia


@pytest.mark.parametrize("kind", ["row", "column"])
def test_coordinates_match_ca_up_to_sign(kind: str) -> None:
    result = fitted()
    flip = signs()
    assert np.all(flip != 0)
    standard = result.row_standard if kind == "row" else result.column_standard
    principal = result.row_principal if kind == "row" else result.column_principal
    assert_allclose(standard * flip, expected(kind, "standard"), rtol=RTOL, atol=1e-12)  # fit$rowcoord
    assert_allclose(principal * flip, expected(kind, "principal"), rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("kind", ["row", "column"])
def test_contributions_and_qualities_match(kind: str) -> None:
    result = fitted()
    ctr = result.row_contribution if kind == "row" else result.column_contribution
    cos2 = result.row_quality if kind == "row" else result.column_quality
    assert_allclose(ctr, expected(kind, "ctr"), rtol=RTOL, atol=1e-14)
    assert_allclose(cos2, expected(kind, "cos2"), rtol=RTOL, atol=1e-14)
    assert_allclose(ctr.sum(axis=0), 1.0)


def test_empty_brand_is_left_out_with_a_warning() -> None:
    table = np.array([[5.0, 1, 2], [0, 0, 0], [1, 4, 2], [2, 2, 6]])
    result = image_map(table, ["a", "b", "c", "d"], ["x", "y", "z"])
    assert np.isnan(result.row_standard[1]).all() and np.isfinite(result.row_standard[[0, 2, 3]]).all()
    assert any("b" in w for w in result.warnings)
    # The other rows are placed as if the empty one were absent (R: ca(table[-2, ])).
    alone = image_map(table[[0, 2, 3]])
    assert_allclose(result.inertia, alone.inertia)
    with pytest.raises(ValueError, match="table"):
        image_map(np.array([[1.0, -1.0], [2.0, 3.0]]))
