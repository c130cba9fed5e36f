"""Low-base rules, judged on the Kish effective n of the base ``(Σw)²/Σw²`` (METHODS: suppress < 30, flag < 100)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BaseThresholds:
    """Effective n below ``suppress_below`` → ``"suppressed"`` (numbers kept, not to be shown or tested);
    below ``flag_below`` → ``"low"``; otherwise ``"ok"``."""

    suppress_below: float = 30.0
    flag_below: float = 100.0


def base_status(n_eff: float, thresholds: BaseThresholds) -> str:
    if not n_eff >= thresholds.suppress_below:  # NaN (empty base) is suppressed too
        return "suppressed"
    return "low" if n_eff < thresholds.flag_below else "ok"


def base_status_array(n_eff: np.ndarray, thresholds: BaseThresholds) -> np.ndarray:
    status = np.where(n_eff < thresholds.flag_below, "low", "ok")
    return np.where(~(n_eff >= thresholds.suppress_below), "suppressed", status)


#: Rounding, not a figure: a base's spread ``Σw(y − ȳ)²/Σw`` at or below ``ZERO_RTOL`` × its mean square
#: ``Σwy²/Σw``, or a variance at or below ``ZERO_RTOL`` × mean square / n, is taken as exactly 0. Exact equality
#: misses values that are 0 in exact arithmetic but come out as 1e-33 (an outcome fixed by the margins).
ZERO_RTOL = 1e-10


def is_zero(value: np.ndarray | float, scale: np.ndarray | float) -> np.ndarray:
    """``value ≤ ZERO_RTOL · scale`` elementwise (NaN is not zero)."""
    return np.asarray(value) <= ZERO_RTOL * np.asarray(scale)
