"""Sample-size planning for wave-on-wave comparisons of a proportion.

Two independent samples of n each, design effect ``deff`` (variance inflation from weighting and clustering),
a change from ``p₁`` to ``p₂``, two-sided level α and power 1−β. The normal approximation of R's
``power.prop.test`` (Fleiss, Levin & Paik 2003, ch. 4): the variance under the null is the pooled one at
``p̄ = (p₁ + p₂)/2``, under the alternative the unpooled ``p₁q₁ + p₂q₂``, so the rarer or commoner wave is not
given the baseline's variance:

    power = Φ((√n_srs·|p₂ − p₁| − z₁₋α/₂·√(2p̄q̄)) / √(p₁q₁ + p₂q₂)),
    n_srs = ((z₁₋α/₂·√(2p̄q̄) + z₁₋β·√(p₁q₁ + p₂q₂)) / (p₂ − p₁))²,      n = ⌈deff · n_srs⌉,

and, for a wave of n, ``n_srs = n / deff`` (Kish 1965). The minimum detectable change solves the power equation
for ``p₂ = p ± d``; a rise and a fall of the same size differ (the wave nearer ½ varies more), and the change
that is detected whichever way it goes is the one towards ½.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import optimize, stats

__all__ = ["Plan", "minimum_detectable_change", "plan", "power_two_proportions", "required_n"]

Direction = Literal["either", "rise", "fall"]


@dataclass(frozen=True)
class Plan:
    """A wave plan: ``n`` completes per wave, the minimum detectable change ``mdc`` (proportion scale, whichever
    way it goes), the detectable rise and fall (NaN when even a change to 0 or 1 is not detected) and the
    fieldwork ``cost = n × cost_per_complete`` of one wave."""

    n: int
    p: float
    deff: float
    alpha: float
    power: float
    cost_per_complete: float
    mdc: float
    cost: float
    mdc_rise: float = math.nan
    mdc_fall: float = math.nan


def _check(p: float, deff: float, alpha: float, power: float) -> None:
    for name, value in (("p", p), ("alpha", alpha), ("power", power)):
        if not (isinstance(value, int | float) and 0 < value < 1):
            raise ValueError(f"{name}: must be strictly between 0 and 1, got {value!r}")
    if not (isinstance(deff, int | float) and math.isfinite(deff) and deff > 0):
        raise ValueError(f"deff: must be a positive number, got {deff!r}")


def _terms(p1: float, p2: float, alpha: float) -> tuple[float, float]:
    """(z₁₋α/₂·√(2p̄q̄), √(p₁q₁ + p₂q₂))."""
    pooled = (p1 + p2) * (1 - (p1 + p2) / 2)
    return float(stats.norm.ppf(1 - alpha / 2)) * math.sqrt(pooled), math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))


def power_two_proportions(n: float, p1: float, p2: float, *, deff: float = 1.0, alpha: float = 0.05) -> float:
    """Power to detect ``p₁ → p₂`` between two waves of n completes each (R ``power.prop.test(n = n / deff,
    p1, p2, sig.level = alpha)$power``)."""
    null_term, alt_sd = _terms(p1, p2, alpha)
    return float(stats.norm.cdf((math.sqrt(n / deff) * abs(p2 - p1) - null_term) / alt_sd))


def _mdc(n: float, p: float, deff: float, alpha: float, power: float, sign: int) -> float:
    room = (1 - p) if sign > 0 else p
    top = room * (1 - 1e-12)

    def gap(d: float) -> float:
        return power_two_proportions(n, p, p + sign * d, deff=deff, alpha=alpha) - power

    if gap(top) < 0:
        return math.nan
    return float(optimize.brentq(gap, 1e-12, top, xtol=1e-14, rtol=1e-12))


def minimum_detectable_change(
    n: int,
    p: float,
    *,
    deff: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
    direction: Direction = "either",
) -> float:
    """Smallest true change from p detected with the given power between two waves of n each: a ``"rise"``
    to p + d, a ``"fall"`` to p − d, or ``"either"``: the one towards ½, the larger of the two, so a change of
    that size is detected whichever way it goes. Raises ValueError when no change that way is detected (n too
    small)."""
    _check(p, deff, alpha, power)
    if not (isinstance(n, int | float) and math.isfinite(n) and n >= 2):
        raise ValueError(f"n: must be at least 2, got {n!r}")
    if direction not in ("either", "rise", "fall"):
        raise ValueError(f"direction: must be 'either', 'rise' or 'fall', got {direction!r}")
    if direction == "either":  # towards ½ needs the larger change (the wave there varies more)
        direction = "rise" if p <= 0.5 else "fall"
    chosen = _mdc(n, p, deff, alpha, power, 1 if direction == "rise" else -1)
    if math.isnan(chosen):
        raise ValueError(
            f"n: with {n:g} completes per wave (deff {deff:g}) no {direction} from p = {p:g} is detected "
            f"with power {power:g}"
        )
    return chosen


def required_n(change: float, p: float, *, deff: float = 1.0, alpha: float = 0.05, power: float = 0.8) -> int:
    """Completes per wave needed to detect ``change`` (signed, proportion scale: +0.02 is a rise from p to
    p + 0.02) with the given power: ``⌈deff · n_srs⌉`` with n_srs of R's ``power.prop.test``."""
    _check(p, deff, alpha, power)
    if not (isinstance(change, int | float) and math.isfinite(change) and change != 0 and 0 < p + change < 1):
        raise ValueError(f"change: must be non-zero with p + change strictly between 0 and 1, got {change!r}")
    null_term, alt_sd = _terms(p, p + change, alpha)
    n_srs = ((null_term + float(stats.norm.ppf(power)) * alt_sd) / change) ** 2
    return max(2, math.ceil(deff * n_srs - 1e-9))


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
        mdc_rise=_mdc(n, p, deff, alpha, power, 1),
        mdc_fall=_mdc(n, p, deff, alpha, power, -1),
    )
