"""Sample-size planning for wave-on-wave comparisons of a proportion.

Two independent samples of n each, design effect ``deff`` (variance inflation from weighting and clustering),
baseline proportion p, two-sided level α and power 1−β. Normal approximation with the variance at p in both
waves (Cohen 1988, ch. 6; Kish 1965 for the design effect):

    MDC = (z₁₋α/₂ + z₁₋β) · √(2 · deff · p(1−p) / n),        n = ⌈(z₁₋α/₂ + z₁₋β)² · 2 · deff · p(1−p) / Δ²⌉.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

__all__ = ["Plan", "minimum_detectable_change", "plan", "required_n"]


@dataclass(frozen=True)
class Plan:
    """A wave plan: ``n`` completes per wave, the minimum detectable change ``mdc`` (proportion scale) and the
    fieldwork ``cost = n × cost_per_complete`` of one wave."""

    n: int
    p: float
    deff: float
    alpha: float
    power: float
    cost_per_complete: float
    mdc: float
    cost: float


def _check(p: float, deff: float, alpha: float, power: float) -> None:
    for name, value in (("p", p), ("alpha", alpha), ("power", power)):
        if not (isinstance(value, int | float) and 0 < value < 1):
            raise ValueError(f"{name}: must be strictly between 0 and 1, got {value!r}")
    if not (isinstance(deff, int | float) and math.isfinite(deff) and deff > 0):
        raise ValueError(f"deff: must be a positive number, got {deff!r}")


def _z_sum(alpha: float, power: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def minimum_detectable_change(
    n: int, p: float, *, deff: float = 1.0, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest true change in a proportion detected with the given power between two waves of n each."""
    _check(p, deff, alpha, power)
    if not (isinstance(n, int | float) and math.isfinite(n) and n >= 2):
        raise ValueError(f"n: must be at least 2, got {n!r}")
    return _z_sum(alpha, power) * math.sqrt(2 * deff * p * (1 - p) / n)


def required_n(change: float, p: float, *, deff: float = 1.0, alpha: float = 0.05, power: float = 0.8) -> int:
    """Completes per wave needed to detect ``change`` (absolute, proportion scale) with the given power."""
    _check(p, deff, alpha, power)
    if not (isinstance(change, int | float) and 0 < change < 1):
        raise ValueError(f"change: must be strictly between 0 and 1, got {change!r}")
    return max(2, math.ceil(_z_sum(alpha, power) ** 2 * 2 * deff * p * (1 - p) / change**2 - 1e-9))


def plan(
    n: int,
    p: float,
    *,
    deff: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
    cost_per_complete: float = 0.0,
) -> Plan:
    """The minimum detectable change and cost of a wave of n completes."""
    if not (
        isinstance(cost_per_complete, int | float)
        and math.isfinite(cost_per_complete)
        and cost_per_complete >= 0
    ):
        raise ValueError(f"cost_per_complete: must be a non-negative number, got {cost_per_complete!r}")
    mdc = minimum_detectable_change(n, p, deff=deff, alpha=alpha, power=power)
    return Plan(
        n=int(n),
        p=p,
        deff=deff,
        alpha=alpha,
        power=power,
        cost_per_complete=cost_per_complete,
        mdc=mdc,
        cost=int(n) * cost_per_complete,
    )
