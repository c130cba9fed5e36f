"""The sample-size plan shown beside a poll: the minimum detectable change of a wave-on-wave comparison at the
poll's sample size, the completes a chosen change needs, and what waves cost per wave and per year against the
budget (:mod:`recognition.stats.planning`). Pure: no I/O.

A poll's ``budget`` is the most **one wave** may cost: target completes × the price per complete, in the
provider's currency. The price is the provider's feasibility price wherever it can quote one
(:mod:`recognition.waves.pricing`), so the plan, validation and the launch check one cost with one rule
(:func:`budget_problem`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from recognition.polls.model import Price
from recognition.scheduling.schedule import Schedule, ScheduleError, next_fire_times
from recognition.stats import planning

#: Slack when comparing a wave's cost with the budget (float products such as 40 × 2.49).
BUDGET_TOLERANCE = 1e-9


def waves_per_year(schedule: dict[str, Any], now: datetime) -> int:
    """Waves the schedule fires in the coming 365 days (at most 400 counted); 1 without a schedule."""
    if not schedule:
        return 1
    try:
        times = next_fire_times(Schedule.from_dict(schedule), now, 400)
    except ScheduleError:
        return 0
    return sum(1 for t in times if t <= now + timedelta(days=365))


def _money(value: float) -> str:
    """Two decimals, or four for a price that has them (Prolific's prices per complete)."""
    return f"{value:.2f}" if round(value, 2) == round(value, 6) else f"{value:.4f}"


def budget_problem(target_n: int, price: Price, budget: float | None) -> str | None:
    """Why one wave of ``target_n`` completes at ``price`` does not fit the per-wave ``budget``, in plain words
    naming the price, the target and the budget; None when it fits (or there is no budget).

    A wave fits when ``target_n × price.per_complete ≤ budget``."""
    if budget is None:
        return None
    cost = target_n * price.per_complete
    if cost <= budget + BUDGET_TOLERANCE:
        return None
    unit = f" {price.currency}" if price.currency else ""
    return (
        f"one wave of {target_n} completes at {_money(price.per_complete)}{unit} a complete costs "
        f"{_money(cost)}{unit}, above the budget of {_money(budget)}{unit} a wave"
    )


def make_plan(
    values: dict[str, Any],
    price: Price,
    *,
    n: int | None = None,
    p: float = 0.3,
    deff: float = 1.5,
    alpha: float = 0.05,
    power: float = 0.8,
    change: float | None = None,
) -> dict[str, Any]:
    """The plan of a poll definition ``values`` for ``n`` completes a wave (default: its sample size), costed
    at ``price`` per complete."""
    result = planning.plan(
        n or values["sample_size"],
        p,
        deff=deff,
        alpha=alpha,
        power=power,
        cost_per_complete=price.per_complete,
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
        "cost_per_complete": price.per_complete,
        "price_source": price.source,
        "price_note": price.note,
        "currency": price.currency,
        "cost_per_wave": result.cost,
        "waves_per_year": per_year,
        "cost_per_year": result.cost * per_year,
        "budget": budget,
        "within_budget": None if budget is None else budget_problem(result.n, price, budget) is None,
        "change": change,
        "required_n": None
        if change is None
        else planning.required_n(change, p, deff=deff, alpha=alpha, power=power),
    }
