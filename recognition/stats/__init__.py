"""Pure statistics: raking, survey-weighted estimation, significance tests and sample-size planning.

No I/O and no asyncio: numpy/scipy only. Results are frozen dataclasses. See docs in each module for formulas.
"""

from recognition.stats.estimation import (
    BaseThresholds,
    Contrast,
    Estimate,
    EstimateMatrix,
    contrast,
    estimate,
    estimate_matrix,
)
from recognition.stats.planning import (
    Plan,
    minimum_detectable_change,
    plan,
    power_two_proportions,
    required_n,
)
from recognition.stats.testing import (
    ChangeArrays,
    ChangeTest,
    RollingWindows,
    TrendArrays,
    TrendTest,
    benjamini_hochberg,
    compare_independent,
    compare_independent_arrays,
    is_significant,
    rolling_windows,
    trend_slope,
    trend_slopes,
)
from recognition.stats.weighting import CalibrationDesign, RakeResult, TargetError, rake

__all__ = [
    "BaseThresholds",
    "CalibrationDesign",
    "ChangeArrays",
    "ChangeTest",
    "Contrast",
    "Estimate",
    "EstimateMatrix",
    "Plan",
    "RakeResult",
    "RollingWindows",
    "TargetError",
    "TrendArrays",
    "TrendTest",
    "benjamini_hochberg",
    "compare_independent",
    "compare_independent_arrays",
    "contrast",
    "estimate",
    "estimate_matrix",
    "is_significant",
    "minimum_detectable_change",
    "plan",
    "power_two_proportions",
    "rake",
    "required_n",
    "rolling_windows",
    "trend_slope",
    "trend_slopes",
]
