"""Brand comparisons within one wave: a reference brand against each other brand on one proportion metric.

Both figures come from the same respondents, so the difference is tested as a linearised contrast on the wave's
calibration design (:func:`recognition.stats.contrast`, R: ``svycontrast(svymean(~a + b, design), c(1, -1))``),
not as two independent samples. The base is the segment's respondents. p-values are adjusted across the brands
compared (Benjamini–Hochberg); a difference is flagged when q < α and it reaches the practical threshold.
Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from recognition.figures import StatisticsOptions
from recognition.stats import benjamini_hochberg, contrast, is_significant
from recognition.waves.compute import weigh
from recognition.waves.inputs import WaveInput, segments_of


@dataclass(frozen=True)
class BrandDifference:
    brand: str
    difference: float  # reference − brand, proportion scale
    se: float
    p_value: float
    q_value: float
    significant: bool
    n: int


def compare_brands(
    inp: WaveInput,
    margins: Mapping[str, Mapping[str, float]],
    *,
    metric: str,
    reference: str,
    segment: str,
    options: StatisticsOptions,
) -> list[BrandDifference]:
    """Differences of ``reference`` against every other brand measured on ``metric`` in ``segment``."""
    names, domains = segments_of(inp)
    if segment not in names:
        raise ValueError(f"segment: unknown segment {segment!r}")
    domain = domains[:, names.index(segment)]
    design = weigh(inp, margins, options).design  # as the wave's own figures are weighted
    y_ref = np.nan_to_num(inp.indicators[(metric, reference)])
    others = [b for (m, b) in inp.indicators if m == metric and b != reference]
    tests = [
        contrast(y_ref, np.nan_to_num(inp.indicators[(metric, b)]), design, domain=domain) for b in others
    ]
    q = benjamini_hochberg([t.p_value for t in tests]) if tests else np.array([])
    return [
        BrandDifference(
            brand=b,
            difference=t.estimate,
            se=t.se,
            p_value=t.p_value,
            q_value=float(qv),
            significant=bool(math.isfinite(qv))
            and is_significant(
                t.estimate, float(qv), alpha=options.alpha, practical=options.practical_threshold
            ),
            n=t.n,
        )
        for b, t, qv in zip(others, tests, q, strict=True)
    ]
