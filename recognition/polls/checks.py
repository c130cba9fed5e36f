"""Checks of a whole poll definition, each problem named by its field. Pure: no I/O.

:func:`check_poll` validates a complete definition (the own brand is among the brands, the questionnaire builds
for the population's weighting variables, the schedule is well formed, one wave fits the budget — the budget is
per wave, checked at the price the caller quoted: :func:`recognition.polls.plan.budget_problem`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recognition.figures import DISSATISFIED_PREFIX, MEAN_METRICS, is_dissatisfaction_metric, is_image_metric
from recognition.polls.model import DIRECTIONS, FieldError, Poll, Price
from recognition.polls.plan import budget_problem
from recognition.polls.questionnaire import definition_config, poll_values, screener_levels
from recognition.populations import load_margins
from recognition.questionnaire.build import build
from recognition.questionnaire.config import QuestionnaireError
from recognition.scheduling.schedule import Schedule, ScheduleError


def schedule_error(exc: ScheduleError) -> FieldError:
    """A schedule problem as a field error: 'cron minute: bad value' → ``schedule.cron``."""
    key, sep, message = str(exc).partition(": ")
    if not sep or not key.split():
        return FieldError("schedule", str(exc))
    return FieldError(f"schedule.{key.split()[0]}", f"{key}: {message}" if " " in key else message)


def check_poll(values: Mapping[str, Any], price: Price | None = None) -> list[FieldError]:
    """Every problem with a complete poll definition (empty when it is valid): the own brand is among the
    brands, the questionnaire builds for the population's weighting variables, the schedule is well formed,
    and — when a ``price`` per complete is given — one wave of ``sample_size`` completes fits the budget."""
    errors: list[FieldError] = []
    ids = [b.get("id") for b in values.get("brands") or []]
    if values.get("own_brand") not in ids:
        errors.append(
            FieldError(
                "own_brand",
                f"{values.get('own_brand')!r} is not one of the brands; choose one of {', '.join(map(str, ids))}",
            )
        )
    margins: dict[str, dict[str, float]] | None = None
    try:
        margins = load_margins(str(values.get("population", "")))
    except ValueError as exc:
        errors.append(FieldError("population", str(exc)))
    if not errors:
        try:
            build(definition_config(values), screener_levels(str(values["population"]), margins or {}))
        except QuestionnaireError as exc:
            errors.append(FieldError(exc.field or "brands", exc.reason))
    schedule = values.get("schedule") or {}
    if schedule:
        try:
            Schedule.from_dict(schedule)
        except ScheduleError as exc:
            errors.append(schedule_error(exc))
    if price is not None and values.get("sample_size"):
        problem = budget_problem(int(values["sample_size"]), price, values.get("budget"))
        if problem is not None:
            errors.append(FieldError("budget", problem))
    return errors


def poll_segments(population: str) -> list[str]:
    """Every segment a poll's figures are estimated in: ``all``, each level of each weighting variable of its
    population (with the extra answers it offers, such as gender=diverse), and customer status of the own brand
    (see :func:`recognition.waves.inputs.segments_of`)."""
    offered = screener_levels(population, load_margins(population))
    levels = [f"{var}={level}" for var, shares in offered.items() for level in sorted(shares)]
    return ["all", *levels, "customer=current", "customer=lapsed", "customer=never", "customer=non"]


def check_objective(poll: Poll, values: Mapping[str, Any]) -> list[FieldError]:
    """Every problem with an objective of ``poll`` (empty when it is valid): a brand of the poll, a segment
    its figures are estimated in, a direction, and a threshold on the metric's scale."""
    errors: list[FieldError] = []
    metric = str(values.get("metric", ""))
    if values.get("brand") not in poll.brand_ids:
        errors.append(
            FieldError("brand", f"not a brand of this poll; choose one of {', '.join(poll.brand_ids)}")
        )
    segment = values.get("segment", "all")
    segments = poll_segments(poll.population)
    if segment not in segments:
        errors.append(FieldError("segment", f"no such segment; choose one of {', '.join(segments)}"))
    if values.get("direction") not in DIRECTIONS:
        errors.append(FieldError("direction", "must be at_least or at_most"))
    threshold = values.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        errors.append(FieldError("threshold", "must be a number"))
    elif metric in MEAN_METRICS:
        if not -100 <= threshold <= 100:
            errors.append(FieldError("threshold", "an NPS limit lies between -100 and 100"))
    elif not 0 <= threshold <= 1:
        errors.append(
            FieldError(
                "threshold",
                "a share's limit lies between 0 % and 100 % (as a proportion from 0 to 1: 0.6 for 60 %)",
            )
        )
    if is_image_metric(metric) and metric.split(".", 1)[1] not in poll_attributes(poll):
        errors.append(
            FieldError("metric", f"the poll measures no image attribute {metric.split('.', 1)[1]!r}")
        )
    dimension = metric.removeprefix(DISSATISFIED_PREFIX)
    if is_dissatisfaction_metric(metric) and dimension not in poll_satisfaction(poll):
        asked = ", ".join(poll_satisfaction(poll)) or "none"
        errors.append(
            FieldError("metric", f"the poll asks no satisfaction with {dimension!r} (it asks: {asked})")
        )
    return errors


def poll_satisfaction(poll: Poll) -> list[str]:
    """The service dimensions whose satisfaction the poll's questionnaire asks."""
    return [a.id for a in definition_config(poll_values(poll)).service_satisfaction]


def poll_attributes(poll: Poll) -> list[str]:
    """The image attributes the poll's questionnaire asks about."""
    return [a.id for a in definition_config(poll_values(poll)).attributes]
