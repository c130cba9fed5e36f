"""A design from weights made elsewhere: an imported wave estimated with the file's own weights.

Nothing is raked. The design is the weighted sample as given (R: ``svydesign(ids = ~1, weights = ~w)``), so the
variance of a weighted mean is the plain linearisation of the ratio estimator (with-replacement):

    V(ȳ_w) = n/(n−1) · Σ zᵢ²,   zᵢ = wᵢ(yᵢ − ȳ_w)/Σw

(Lumley 2010, *Complex Surveys*, §2.2 and §3.3; R's ``svymean``), which
:meth:`recognition.stats.weighting.CalibrationDesign.from_weights` provides (an intercept-only model, ``d = w``).
It ignores whatever calibration made the given weights, so it is usually a little larger than the calibrated
variance of the same weights would be: conservative, never smaller.

The diagnostics say how far the given weights are from the population margins of the poll:
``max |achieved share − target share| / target share`` over the levels of every margin (a level the data do not
hold counts as achieved share 0), with Kish's effective n and design effect as for raking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from recognition.stats._labels import column, parse_shares
from recognition.stats.weighting import CalibrationDesign, RakeResult

GIVEN_NOTE = "weights given by the imported file, not raked to the population margins"


def given_weights(
    weights: Sequence[float] | np.ndarray,
    data: Mapping[str, object],
    targets: Mapping[str, Mapping[str, float]],
) -> RakeResult:
    """A :class:`RakeResult` for final weights given from outside (scaled to mean 1), with the design of the
    module docstring and margin diagnostics against ``targets``. Raises ValueError for weights that are not
    finite and positive."""
    design = CalibrationDesign.from_weights(weights)
    w = design.w
    n = design.n
    worst = 0.0
    for name, levels in targets.items():
        shares = parse_shares(str(name), levels)
        codes, labels = column(data, str(name), n)
        achieved = np.bincount(codes, weights=w, minlength=len(labels)) / w.sum()
        by_label = dict(zip(labels, achieved, strict=True))
        for level, share in shares.items():
            worst = max(worst, abs(float(by_label.get(level, 0.0)) - share) / share)
    n_eff = float(w.sum()) ** 2 / float(np.dot(w, w))
    return RakeResult(
        weights=w,
        converged=True,
        iterations=0,
        max_margin_error=worst,
        n=n,
        n_eff=n_eff,
        deff_kish=n / n_eff,
        efficiency=n_eff / n,
        weight_min=float(w.min()),
        weight_max=float(w.max()),
        trimmed=False,
        warnings=(GIVEN_NOTE,),
        design=design,
    )
