"""Fay–Herriot EBLUP against an independent R implementation (tests/reference/make_insight_fixtures.R, section 4).

R (base only; the ``sae`` package is not used): the REML log-likelihood written out,
``-0.5 * (sum(log(V)) + log|X'V⁻¹X| + y'Py)``, maximised with ``optimize(..., tol = 1e-14)``; Prasad–Rao moments
``max(0, (sum(residuals(lm(y ~ X - 1))^2) - sum(psi * (1 - h))) / (m - p))``; GLS β, EBLUP
``γy + (1 − γ)Xβ``, and the MSE ``g1 + g2 + 2·g3`` with ``V̄ = 2/Σ V⁻²`` (REML) or ``2ΣV²/m²`` (PR).

Tolerance: ``optimize`` locates a maximum only to about √ε of its argument (the likelihood is flat there), so
σ²_v and what depends on it are compared to a relative 1e-6 (observed: 4e-8); Prasad–Rao (closed form) to 1e-9.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.stats.small_area import MODELLED_LABEL, fay_herriot

FIXTURES = Path(__file__).parent / "fixtures" / "insight"


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(("method", "rtol"), [("REML", 1e-6), ("PR", 1e-9)])
def test_eblup_and_mse_match_the_r_implementation(method: str, rtol: float) -> None:
    data = _rows("fay_herriot.csv")
    ref = [r for r in _rows("fay_herriot_r.csv") if r["method"] == method]
    result = fay_herriot(
        [float(r["direct"]) for r in data],
        [float(r["variance"]) for r in data],
        np.array([float(r["earlier"]) for r in data]),
        names=[r["segment"] for r in data],
        method=method,
    )
    assert result.converged and result.label == MODELLED_LABEL

    def column(key: str) -> np.ndarray:
        return np.array([float(r[key]) for r in ref])

    assert result.sigma2_v == pytest.approx(float(ref[0]["sigma2_v"]), rel=rtol)
    assert_allclose(result.beta, [float(ref[0]["beta0"]), float(ref[0]["beta1"])], rtol=rtol, atol=1e-9)
    assert_allclose(result.gamma, column("gamma"), rtol=rtol)
    assert_allclose(result.estimate, column("eblup"), rtol=rtol)
    assert_allclose(result.mse, column("mse"), rtol=rtol)
