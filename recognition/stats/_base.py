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
