"""Pure statistics: raking, survey-weighted estimation, significance tests and sample-size planning.

No I/O and no asyncio: numpy/scipy only. Results are frozen dataclasses. See docs in each module for formulas.
"""

from recognition.stats.correspondence import ImageMap, association_table, image_map, image_map_from_indicators
from recognition.stats.drivers import DriverResult, key_drivers
from recognition.stats.estimation import (
    BaseThresholds,
    Contrast,
    Estimate,
    EstimateMatrix,
    contrast,
    estimate,
    estimate_matrix,
)
from recognition.stats.given import GIVEN_NOTE, given_weights
from recognition.stats.mental import MentalAvailability, RatioArrays, mental_availability
from recognition.stats.planning import (
    Plan,
    minimum_detectable_change,
    plan,
    power_two_proportions,
    required_n,
)
from recognition.stats.pricing import PriceLadder, gabor_granger
from recognition.stats.pricing_check import PriceCheck, check_price_ladder
from recognition.stats.replicates import ReplicateWeights, bootstrap_weights
from recognition.stats.small_area import MODELLED_LABEL, SmallAreaResult, fay_herriot
from recognition.stats.small_area_check import SmallAreaCheck, check_fay_herriot
from recognition.stats.smoothing import SMOOTHED_LABEL, SmoothedTrend, local_level_loglik, smooth_trend
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
    "GIVEN_NOTE",
    "MODELLED_LABEL",
    "SMOOTHED_LABEL",
    "BaseThresholds",
    "CalibrationDesign",
    "ChangeArrays",
    "ChangeTest",
    "Contrast",
    "DriverResult",
    "Estimate",
    "EstimateMatrix",
    "ImageMap",
    "MentalAvailability",
    "Plan",
    "PriceCheck",
    "PriceLadder",
    "RakeResult",
    "RatioArrays",
    "ReplicateWeights",
    "RollingWindows",
    "SmallAreaCheck",
    "SmallAreaResult",
    "SmoothedTrend",
    "TargetError",
    "TrendArrays",
    "TrendTest",
    "association_table",
    "benjamini_hochberg",
    "bootstrap_weights",
    "check_fay_herriot",
    "check_price_ladder",
    "compare_independent",
    "compare_independent_arrays",
    "contrast",
    "estimate",
    "estimate_matrix",
    "fay_herriot",
    "gabor_granger",
    "given_weights",
    "image_map",
    "image_map_from_indicators",
    "is_significant",
    "key_drivers",
    "local_level_loglik",
    "mental_availability",
    "minimum_detectable_change",
    "plan",
    "power_two_proportions",
    "rake",
    "required_n",
    "rolling_windows",
    "smooth_trend",
    "trend_slope",
    "trend_slopes",
]
