"""recognition.stats against R's survey package (fixtures from tests/reference/make_fixtures.R; R not needed).

Each design in R: ``calibrate(svydesign(ids = ~1, weights = ~base_weight, data), ~margins, population,
calfun = "raking", epsilon = 1e-12, maxit = 1000)`` with population totals scaled to the sample size.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.stats import contrast, estimate, estimate_matrix, rake
from recognition.stats.weighting import RakeResult

FIXTURES = Path(__file__).parent / "fixtures"
RTOL = 1e-6
SAMPLES = ("main", "small", "interlocked")


@cache
def results() -> dict[str, Any]:
    return json.loads((FIXTURES / "results.json").read_text())


@cache
def sample(name: str) -> dict[str, list[str]]:
    with (FIXTURES / results()[name]["file"]).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [row[key] for row in rows] for key in rows[0]}


@cache
def raked(name: str) -> RakeResult:
    data = sample(name)
    return rake(
        data, results()[name]["targets"], base_weights=np.array(data["base_weight"], dtype=float), tol=1e-12
    )


def scalar(value: Any) -> float:
    return float(np.ravel(value)[0])


def cases(section: str) -> list[tuple[str, int]]:
    return [(name, i) for name in SAMPLES for i in range(len(results()[name][section]))]


@pytest.mark.parametrize("name", SAMPLES)
def test_raked_weights_match_calibrate(name: str) -> None:
    # R: weights(calibrate(des, ~age + gender + region + education, population, calfun = "raking", ...))
    #    (interlocked: ~age3_gender + region, age3_gender = paste(age3, gender, sep = "*"))
    result = raked(name)
    assert result.converged
    assert_allclose(result.weights, results()[name]["weights"], rtol=RTOL)


def _domain(name: str, spec: dict[str, Any]) -> np.ndarray | None:
    if spec["domain_var"] is None:
        return None
    return np.array(sample(name)[spec["domain_var"]]) == spec["domain_level"]


@pytest.mark.parametrize(("name", "index"), cases("estimates"))
def test_estimates_match_svymean_and_svyciprop(name: str, index: int) -> None:
    spec = results()[name]["estimates"][index]
    y = np.array(sample(name)[spec["outcome"]], dtype=float)
    design = raked(name).design
    domain = _domain(name, spec)
    kind = spec["kind"]
    level = spec["level"]
    first = estimate(y, design, domain=domain, kind=kind, level=level)
    # R: m <- svymean(~y, d, deff = "replace"); coef(m), SE(m), deff(m); degf(d)
    #    (d = des, or des[des$variables$segment == level, ] for a domain)
    assert_allclose(first.estimate, spec["estimate"], rtol=RTOL)
    assert_allclose(first.se, scalar(spec["se"]), rtol=RTOL)
    assert_allclose(first.deff, spec["deff"], rtol=RTOL)
    assert first.df == spec["df"]
    if kind == "proportion":
        # R: attr(svyciprop(~y, d, method = "logit", level = level), "ci")
        assert_allclose([first.ci_low, first.ci_high], spec["ci_logit"], rtol=RTOL)
        # R: attr(svyciprop(~y, d, method = "beta", level = level), "ci")
        beta = estimate(y, design, domain=domain, kind=kind, ci="beta", level=level)
        assert_allclose([beta.ci_low, beta.ci_high], spec["ci_beta"], rtol=RTOL)
    else:
        # R: confint(svymean(~y, d), level = level, df = degf(d))
        assert_allclose([first.ci_low, first.ci_high], spec["ci_t"], rtol=RTOL)


@pytest.mark.parametrize(("name", "index"), cases("contrasts"))
def test_contrasts_match_svycontrast(name: str, index: int) -> None:
    spec = results()[name]["contrasts"][index]
    data = sample(name)
    design = raked(name).design
    result = contrast(
        np.array(data[spec["a"]], dtype=float),
        np.array(data[spec["b"]], dtype=float),
        design,
        domain=_domain(name, spec),
    )
    # R: svycontrast(svymean(~a + b, d), c(1, -1)): coef and SE
    assert_allclose(result.estimate, spec["estimate"], rtol=RTOL)
    assert_allclose(result.se, scalar(spec["se"]), rtol=RTOL)
    assert result.df == spec["df"]


@pytest.mark.parametrize("ci", ["logit", "beta"])
@pytest.mark.parametrize(
    ("name", "index"),
    [c for c in cases("estimates") if results()[c[0]]["estimates"][c[1]]["kind"] == "proportion"],
)
def test_estimate_matrix_takes_the_interval_method(name: str, index: int, ci: str) -> None:
    spec = results()[name]["estimates"][index]
    y = np.array(sample(name)[spec["outcome"]], dtype=float)
    domain = _domain(name, spec)
    domains = None if domain is None else domain[:, None]
    matrix = estimate_matrix(y[:, None], raked(name).design, domains, ci=ci, level=spec["level"])
    # R: attr(svyciprop(~y, d, method = "logit" | "beta", level = level), "ci")
    assert_allclose([matrix.ci_low[0, 0], matrix.ci_high[0, 0]], spec[f"ci_{ci}"], rtol=RTOL)
    assert matrix.ci_method == ci
