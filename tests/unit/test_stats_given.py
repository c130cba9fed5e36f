"""A design from given weights (an imported file's own weights): the variance of a weighted mean is the
textbook with-replacement linearisation of the ratio estimator, written out here —
V = n/(n−1) Σ (wᵢ(yᵢ − ȳ_w)/Σw)² (Lumley 2010, Complex Surveys, §2.2; R svymean on svydesign(ids = ~1,
weights = ~w)) — and the margin diagnostics are the achieved shares against the targets."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats import estimate, given_weights


def test_given_weights_variance_is_the_ratio_linearisation() -> None:
    rng = np.random.default_rng(7)
    n = 400
    w = rng.uniform(0.3, 3.0, n)
    y = (rng.uniform(size=n) < 0.35).astype(float)
    sex = np.where(rng.uniform(size=n) < 0.4, "female", "male")
    result = given_weights(w, {"sex": list(sex)}, {"sex": {"female": 0.5, "male": 0.5}})
    est = estimate(y, result.design)
    ybar = np.sum(w * y) / np.sum(w)
    textbook = n / (n - 1) * np.sum((w * (y - ybar) / np.sum(w)) ** 2)
    assert est.estimate == pytest.approx(ybar, rel=1e-12)
    assert est.se == pytest.approx(np.sqrt(textbook), rel=1e-10)
    female = np.sum(w[sex == "female"]) / np.sum(w)
    assert result.max_margin_error == pytest.approx(max(abs(female - 0.5), abs(1 - female - 0.5)) / 0.5)
    assert result.n_eff == pytest.approx(np.sum(w) ** 2 / np.sum(w**2), rel=1e-12)
    assert result.converged and result.iterations == 0 and "not raked" in result.warnings[0]
