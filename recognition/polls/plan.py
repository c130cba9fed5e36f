"""The sample-size plan shown beside a poll: the minimum detectable change of a wave-on-wave comparison at the
poll's sample size, the completes a chosen change needs, and what waves cost per wave and per year against the
budget (:mod:`recognition.stats.planning`). Pure: no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from recognition.scheduling.schedule import Schedule, ScheduleError, next_fire_times
from recognition.stats import planning


def waves_per_year(schedule: dict[str, Any], now: datetime) -> int:
    """Waves the schedule fires in the coming 365 days (at most 400 counted); 1 without a schedule."""
    if not schedule:
        return 1
    try:
        times = next_fire_times(Schedule.from_dict(schedule), now, 400)
    except ScheduleError:
        return 0
    return sum(1 for t in times if t <= now + timedelta(days=365))


def make_plan(
    values: dict[str, Any],
    *,
    n: int | None = None,
    p: float = 0.3,
    deff: float = 1.5,
    alpha: float = 0.05,
    power: float = 0.8,
    change: float | None = None,
) -> dict[str, Any]:
    cost = float(values.get("cost_per_complete") or 0.0)
    result = planning.plan(
        n or values["sample_size"], p, deff=deff, alpha=alpha, power=power, cost_per_complete=cost
    )
    per_year = waves_per_year(values.get("schedule") or {}, datetime.now(UTC))
    budget = values.get("budget")
    return {
        "n": result.n,
        "p": p,
        "deff": deff,
        "alpha": alpha,
        "power": power,
        "mdc": result.mdc,
        "cost_per_complete": cost,
        "cost_per_wave": result.cost,
        "waves_per_year": per_year,
        "cost_per_year": result.cost * per_year,
        "budget": budget,
        "within_budget": None if budget is None else result.cost <= budget,
        "change": change,
        "required_n": None
        if change is None
        else planning.required_n(change, p, deff=deff, alpha=alpha, power=power),
    }
