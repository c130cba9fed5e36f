"""A wave's respondents as the statistics read them: per respondent, the weighting variables, the customer status
of the own brand and one indicator per (metric, brand).

Indicators come from the stored answers: answers taken on the hosted survey (keyed by question id) go through
:func:`recognition.questionnaire.derive_indicators` with the unaided boxes coded at completion; answers a panel
delivered in its own compact format go through :func:`indicators_from_answers`; respondents of an imported wave
carry their indicators as mapped from the file (:func:`indicators_from_imported`), and their own weights when the
wave is estimated with them. Only respondents with status
``complete`` are read: quality-terminated ones stay stored for audit but are never estimated.

Segments (:func:`segments_of`): ``all``, every level of every weighting variable (``age=18-24``) and customer
status of the own brand (``customer=current`` …, plus ``customer=non`` = lapsed or never, the potential
customers). Pure apart from :func:`load_input`, which reads a wave through the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from recognition.figures import (
    MEAN_METRICS,
    PROPORTION_METRICS,
    is_dissatisfaction_metric,
    is_image_metric,
    is_insight_metric,
)
from recognition.questionnaire import Questionnaire, customer_status, derive_indicators

Key = tuple[str, str]  # (metric, brand)


class Respondent(Protocol):
    """A stored complete as estimation reads it (:class:`recognition.store.responses.StoredRespondent`)."""

    @property
    def id(self) -> int: ...

    @property
    def demographics(self) -> Mapping[str, str]: ...

    @property
    def answers(self) -> Mapping[str, Any]: ...


CUSTOMER_STATUSES = ("current", "lapsed", "never")


@dataclass(frozen=True)
class WaveInput:
    respondent_ids: list[int]
    demographics: dict[str, list[str]]
    indicators: dict[Key, np.ndarray]  # (metric, brand) → values (NaN = not in the base)
    customer: list[str]
    weights: np.ndarray | None = None  # final weights given by an imported file (None: rake the wave)

    @property
    def n(self) -> int:
        return len(self.respondent_ids)


def nps_of(score: int) -> float:
    """+100 for a promoter (9–10), 0 for a passive (7–8), −100 for a detractor (0–6)."""
    return 100.0 if score >= 9 else 0.0 if score >= 7 else -100.0


def indicators_from_answers(answers: Mapping[str, Any], brands: Sequence[str]) -> dict[Key, float]:
    """One respondent's brand indicators from answers in a panel's compact format.

    Keys: ``unaided_coded`` (list per box of coded brand ids; the first brand of the first non-empty box is top
    of mind), ``aided``, ``familiar``, ``consider`` (lists of brand ids), ``preference`` (a brand id or null),
    ``recommend`` (brand id → 0–10 for brands used; NPS is undefined for brands not rated).
    """
    boxes = answers.get("unaided_coded") or []
    unaided = {b for box in boxes for b in box}
    top = next((box[0] for box in boxes if box), None)
    aided = set(answers.get("aided") or [])
    familiar = set(answers.get("familiar") or [])
    consider = set(answers.get("consider") or [])
    preference = answers.get("preference")
    recommend = answers.get("recommend") or {}
    out: dict[Key, float] = {}
    for b in brands:
        out[("unaided", b)] = float(b in unaided)
        out[("top_of_mind", b)] = float(b == top)
        out[("aided", b)] = float(b in aided)
        out[("total_awareness", b)] = float(b in aided or b in unaided)
        out[("familiar", b)] = float(b in familiar)
        out[("consider", b)] = float(b in consider)
        out[("prefer", b)] = float(b == preference)
        score = recommend.get(b)
        out[("nps", b)] = math.nan if score is None else nps_of(score)
    return out


#: The answer holding an imported respondent's indicators: metric → brand → value (null: not in the base).
IMPORTED = "imported"


def is_imported_answers(answers: Mapping[str, Any]) -> bool:
    return IMPORTED in answers


def indicators_from_imported(answers: Mapping[str, Any], brands: Sequence[str]) -> dict[Key, float]:
    """One imported respondent's indicators, as the history import mapped them: only the metrics and brands
    the file held (a metric it lacks has no figure, rather than a figure of 0)."""
    out: dict[Key, float] = {}
    for metric, values in answers[IMPORTED].items():
        for b in brands:
            if b in values:
                value = values[b]
                out[(metric, b)] = math.nan if value is None else float(value)
    return out


def is_survey_answers(answers: Mapping[str, Any]) -> bool:
    """Answers taken on the hosted survey (keyed by question id) rather than a panel's compact format."""
    return any(k.startswith("screener.") for k in answers)


def indicators_from_survey(
    questionnaire: Questionnaire, answers: Mapping[str, Any], brands: Sequence[str]
) -> tuple[dict[Key, float], str]:
    """One hosted-survey respondent's indicators, with the coded unaided boxes stored at completion (answer
    ``unaided_coded``), and the own brand's customer status. NPS is NaN for brands the respondent did not rate."""
    coded = answers.get("unaided_coded") if isinstance(answers.get("unaided"), list) else []
    derived = derive_indicators(questionnaire, answers, coded or [])
    out: dict[Key, float] = {}
    for metric, values in derived.items():
        kept = (
            metric in PROPORTION_METRICS
            or metric in MEAN_METRICS
            or is_image_metric(metric)
            or is_dissatisfaction_metric(metric)
        )
        if not kept and not is_insight_metric(metric):  # entry points, service features: read by insight only
            continue  # customer-status indicators: the status is a segment, not a metric
        for b in brands:
            value = values.get(b)
            out[(metric, b)] = math.nan if value is None else float(value)
    return out, customer_status(questionnaire, answers)


def build_input(
    rows: Sequence[Respondent],
    brands: Sequence[str],
    variables: Sequence[str],
    questionnaire: Questionnaire | None = None,
) -> WaveInput:
    """Indicators of every respondent: hosted-survey answers need ``questionnaire``; a panel's compact format
    (:func:`indicators_from_answers`) does not; imported ones hold theirs (:func:`indicators_from_imported`).
    An imported wave's own weights (``given_weight`` of every row) come along when every row has one."""
    imported = bool(rows) and all(is_imported_answers(r.answers) for r in rows)
    keys = [] if imported else [(m, b) for m in (*PROPORTION_METRICS, *MEAN_METRICS) for b in brands]
    per_row: list[dict[Key, float]] = []
    customer: list[str] = []
    for row in rows:
        if is_imported_answers(row.answers):
            values = indicators_from_imported(row.answers, brands)
            status = str(row.answers.get("customer_status", "never"))
        elif questionnaire is not None and is_survey_answers(row.answers):
            values, status = indicators_from_survey(questionnaire, row.answers, brands)
        else:
            values = indicators_from_answers(row.answers, brands)
            status = str(row.answers.get("customer_status", "never"))
        per_row.append(values)
        customer.append(status)
    keys += sorted({k for values in per_row for k in values} - set(keys))
    matrix = np.full((len(rows), len(keys)), np.nan)
    for i, values in enumerate(per_row):
        matrix[i] = [values.get(k, math.nan) for k in keys]
    given = [getattr(r, "given_weight", None) for r in rows]
    return WaveInput(
        respondent_ids=[r.id for r in rows],
        demographics={v: [str(r.demographics.get(v, "")) for r in rows] for v in variables},
        indicators={k: matrix[:, j] for j, k in enumerate(keys)},
        customer=customer,
        weights=np.asarray(given, dtype=float) if rows and None not in given else None,
    )


def segments_of(inp: WaveInput) -> tuple[list[str], np.ndarray]:
    """Segment names and the (n × g) membership matrix: all, each weighting-variable level, customer status."""
    names = ["all"]
    columns = [np.ones(inp.n, dtype=bool)]
    for var, labels in inp.demographics.items():
        arr = np.asarray(labels, dtype=object)
        for level in sorted(set(labels)):
            names.append(f"{var}={level}")
            columns.append(arr == level)
    customer = np.asarray(inp.customer, dtype=object)
    for status in CUSTOMER_STATUSES:
        names.append(f"customer={status}")
        columns.append(customer == status)
    names.append("customer=non")
    columns.append(customer != "current")
    return names, np.column_stack(columns)


def pool_inputs(inputs: Sequence[WaveInput]) -> WaveInput:
    """The respondents of several waves as one sample. An indicator a wave lacks is NaN (not in the base) for
    that wave's respondents. Waves that all carry their own (imported) weights keep them, each wave's scaled to
    mean 1; otherwise the pooled sample is raked as one."""
    keys = list(dict.fromkeys(k for inp in inputs for k in inp.indicators))
    variables = list(dict.fromkeys(v for inp in inputs for v in inp.demographics))
    indicators = {
        k: np.concatenate([inp.indicators.get(k, np.full(inp.n, math.nan)) for inp in inputs]) for k in keys
    }
    demographics = {
        v: [x for inp in inputs for x in inp.demographics.get(v, [""] * inp.n)] for v in variables
    }
    return WaveInput(
        respondent_ids=[i for inp in inputs for i in inp.respondent_ids],
        demographics=demographics,
        indicators=indicators,
        customer=[c for inp in inputs for c in inp.customer],
        weights=(
            np.concatenate([inp.weights / inp.weights.mean() for inp in inputs if inp.weights is not None])
            if inputs and all(inp.weights is not None and inp.n for inp in inputs)
            else None
        ),
    )
