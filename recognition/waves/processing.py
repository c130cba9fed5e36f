"""Wave processing: a closed wave's stored answers → indicators → weights → estimates → tests → stored.

The numerical work is pure (:func:`compute_wave`) and runs in an executor thread, off the event loop; this module
only loads its inputs and stores its outputs (:func:`process_wave`).

Indicators (per respondent, per brand, 0/1 unless said) come from the answers through
:func:`indicators_from_answers` (the compact simulated format) or, for answers taken on the hosted survey, through
:func:`recognition.questionnaire.derive_indicators` with the unaided boxes coded at completion. Only respondents
with status ``complete`` are read: quality-terminated ones stay stored for audit but are never estimated. Each is estimated on the total base and within segments: ``all``, every level of
every weighting variable (``age=18-24``) and customer status of the own brand (``customer=current`` ...,
plus ``customer=non`` = lapsed or never, the potential customers).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from recognition.polls.questionnaire import poll_questionnaire
from recognition.populations import load_margins
from recognition.questionnaire import Questionnaire, customer_status, derive_indicators
from recognition.settings import Settings
from recognition.stats import (
    BaseThresholds,
    benjamini_hochberg,
    compare_independent_arrays,
    estimate_matrix,
    rake,
)
from recognition.store import estimates as estimates_store
from recognition.store import responses, waves
from recognition.store import survey as survey_store
from recognition.store.estimates import EstimateRow, WeightingRow
from recognition.store.polls import Poll

#: Brand metrics estimated as proportions, in reporting order.
PROPORTION_METRICS = ("unaided", "top_of_mind", "aided", "total_awareness", "familiar", "consider", "prefer")
#: Brand metrics estimated as means.
MEAN_METRICS = ("nps",)


@dataclass(frozen=True)
class WaveInput:
    respondent_ids: list[int]
    demographics: dict[str, list[str]]
    indicators: dict[tuple[str, str], np.ndarray]  # (metric, brand) → values (NaN = not in base)
    customer: list[str]


@dataclass(frozen=True)
class WaveOutput:
    weighting: WeightingRow
    weights: list[tuple[int, float]]
    estimates: list[EstimateRow]


def indicators_from_answers(
    answers: Mapping[str, Any], brands: Sequence[str]
) -> dict[tuple[str, str], float]:
    """One respondent's brand indicators from their stored answers.

    Answer keys: ``unaided_coded`` (list per box of coded brand ids; the first brand of the first non-empty box is
    top of mind), ``aided``, ``familiar``, ``consider`` (lists of brand ids), ``preference`` (a brand id or null),
    ``recommend`` (brand id → 0–10 for brands used; NPS = +100 for 9–10, 0 for 7–8, −100 for 0–6, and undefined
    for brands not rated).
    """
    boxes = answers.get("unaided_coded") or []
    unaided = {b for box in boxes for b in box}
    top = next((box[0] for box in boxes if box), None)
    aided = set(answers.get("aided") or [])
    familiar = set(answers.get("familiar") or [])
    consider = set(answers.get("consider") or [])
    preference = answers.get("preference")
    recommend = answers.get("recommend") or {}
    out: dict[tuple[str, str], float] = {}
    for b in brands:
        out[("unaided", b)] = float(b in unaided)
        out[("top_of_mind", b)] = float(b == top)
        out[("aided", b)] = float(b in aided)
        out[("total_awareness", b)] = float(b in aided or b in unaided)
        out[("familiar", b)] = float(b in familiar)
        out[("consider", b)] = float(b in consider)
        out[("prefer", b)] = float(b == preference)
        score = recommend.get(b)
        out[("nps", b)] = (
            math.nan if score is None else (100.0 if score >= 9 else 0.0 if score >= 7 else -100.0)
        )
    return out


#: Survey indicator names (recognition.questionnaire.derive_indicators) → the metric names estimated here;
#: ``image.<attribute>`` indicators keep their names.
SURVEY_METRICS = {
    "unaided": "unaided",
    "top_of_mind": "top_of_mind",
    "aided": "aided",
    "total_awareness": "total_awareness",
    "familiarity": "familiar",
    "consideration": "consider",
    "preference": "prefer",
    "nps_score": "nps",
}


def is_survey_answers(answers: Mapping[str, Any]) -> bool:
    """Answers taken on the hosted survey (keyed by question id) rather than the compact simulated format."""
    return any(k.startswith("screener.") for k in answers)


def indicators_from_survey(
    questionnaire: Questionnaire, answers: Mapping[str, Any], brands: Sequence[str]
) -> tuple[dict[tuple[str, str], float], str]:
    """One hosted-survey respondent's indicators through :func:`recognition.questionnaire.derive_indicators`, with
    the coded unaided boxes stored at completion (answer ``unaided_coded``), and the own brand's customer status.
    NPS is NaN for brands the respondent did not rate (not in the base of the mean)."""
    coded = answers.get("unaided_coded") if isinstance(answers.get("unaided"), list) else []
    derived = derive_indicators(questionnaire, answers, coded or [])
    out: dict[tuple[str, str], float] = {}
    for name, values in derived.items():
        metric = SURVEY_METRICS.get(name, name if name.startswith("image.") else None)
        if metric is None:
            continue
        for b in brands:
            value = values.get(b)
            out[(metric, b)] = math.nan if value is None else float(value)
    return out, customer_status(questionnaire, answers)


def build_input(
    rows: Sequence[responses.StoredRespondent],
    poll: Poll,
    variables: Sequence[str],
    questionnaire: Questionnaire | None = None,
) -> WaveInput:
    """Indicators of every respondent: hosted-survey answers need ``questionnaire``; the compact simulated format
    (:func:`indicators_from_answers`) does not."""
    brands = poll.brand_ids
    keys = [(m, b) for m in (*PROPORTION_METRICS, *MEAN_METRICS) for b in brands]
    per_row: list[dict[tuple[str, str], float]] = []
    customer: list[str] = []
    for row in rows:
        if questionnaire is not None and is_survey_answers(row.answers):
            values, status = indicators_from_survey(questionnaire, row.answers, brands)
        else:
            values, status = (
                indicators_from_answers(row.answers, brands),
                str(row.answers.get("customer_status", "never")),
            )
        per_row.append(values)
        customer.append(status)
    extra = sorted({k for values in per_row for k in values} - set(keys))
    keys += extra
    matrix = np.full((len(rows), len(keys)), np.nan)
    for i, values in enumerate(per_row):
        matrix[i] = [values.get(k, math.nan) for k in keys]
    return WaveInput(
        respondent_ids=[r.id for r in rows],
        demographics={v: [str(r.demographics.get(v, "")) for r in rows] for v in variables},
        indicators={k: matrix[:, j] for j, k in enumerate(keys)},
        customer=customer,
    )


def segments_of(inp: WaveInput) -> tuple[list[str], np.ndarray]:
    """Segment names and the (n × g) membership matrix: all, each weighting-variable level, customer status."""
    n = len(inp.respondent_ids)
    names = ["all"]
    columns = [np.ones(n, dtype=bool)]
    for var, labels in inp.demographics.items():
        arr = np.asarray(labels, dtype=object)
        for level in sorted(set(labels)):
            names.append(f"{var}={level}")
            columns.append(arr == level)
    customer = np.asarray(inp.customer, dtype=object)
    for status in ("current", "lapsed", "never"):
        names.append(f"customer={status}")
        columns.append(customer == status)
    names.append("customer=non")
    columns.append(customer != "current")
    return names, np.column_stack(columns)


def compute_wave(
    inp: WaveInput,
    margins: Mapping[str, Mapping[str, float]],
    settings: Settings,
    previous: Mapping[tuple[str, str, str, str], tuple[float, float, str]] | None = None,
) -> WaveOutput:
    """Weight the wave to ``margins`` and estimate every indicator in every segment, with the wave-on-wave test
    against ``previous`` ((metric, brand, segment, base) → (estimate, se, base_status)) and BH q-values over the
    wave's whole family of tests."""
    result = rake(inp.demographics, margins, bounds=settings.statistics_weight_bounds)
    seg_names, domains = segments_of(inp)
    thresholds = BaseThresholds(
        suppress_below=settings.statistics_suppress_below, flag_below=settings.statistics_flag_below
    )
    rows: list[EstimateRow] = []
    for kind in ("proportion", "mean"):
        keys = [k for k in inp.indicators if (k[0] in MEAN_METRICS) == (kind == "mean")]
        if not keys:
            continue
        y = np.column_stack([inp.indicators[k] for k in keys])
        rated = ~np.isnan(y)
        if kind == "mean":  # the base of a mean is the respondents who gave a rating: one domain per column
            for j, key in enumerate(keys):
                base = domains & rated[:, [j]]
                present = base.any(axis=0)  # segments with at least one rater (an empty base has no mean)
                if not present.any():
                    continue
                col = np.nan_to_num(y[:, [j]])
                em = estimate_matrix(
                    col,
                    result.design,
                    base[:, present],
                    kind=kind,
                    level=settings.statistics_confidence_level,
                    thresholds=thresholds,
                )
                rows.extend(
                    _rows(
                        em, [key], [s for s, p in zip(seg_names, present, strict=True) if p], kind, settings
                    )
                )
        else:
            em = estimate_matrix(
                np.nan_to_num(y),
                result.design,
                domains,
                kind=kind,
                level=settings.statistics_confidence_level,
                thresholds=thresholds,
            )
            rows.extend(_rows(em, keys, seg_names, kind, settings))
    rows = _with_changes(rows, previous or {}, settings)
    weighting = WeightingRow(
        method="raking",
        converged=bool(result.converged),
        iterations=int(result.iterations),
        max_margin_error=float(result.max_margin_error),
        n=int(result.n),
        n_eff=float(result.n_eff),
        deff_kish=float(result.deff_kish),
        weight_min=float(result.weight_min),
        weight_max=float(result.weight_max),
        warnings=list(result.warnings),
    )
    weights = [(rid, float(w)) for rid, w in zip(inp.respondent_ids, result.weights, strict=True)]
    return WaveOutput(weighting=weighting, weights=weights, estimates=rows)


def _rows(
    em: Any, keys: Sequence[tuple[str, str]], seg_names: Sequence[str], kind: str, settings: Settings
) -> list[EstimateRow]:
    out = []
    for g, segment in enumerate(seg_names):
        for j, (metric, brand) in enumerate(keys):
            n = int(em.n[g, j])
            if n == 0:
                continue
            out.append(
                EstimateRow(
                    metric=metric,
                    brand=brand,
                    segment=segment,
                    base="total",
                    kind=kind,
                    estimate=_finite(em.estimate[g, j]),
                    se=_finite(em.se[g, j]),
                    ci_low=_finite(em.ci_low[g, j]),
                    ci_high=_finite(em.ci_high[g, j]),
                    ci_method="logit" if kind == "proportion" else "t",
                    level=settings.statistics_confidence_level,
                    n=n,
                    n_eff=_finite(em.n_eff[g, j]),
                    deff=_optional(em.deff[g, j]),
                    base_status=str(em.base_status[g, j]),
                    warnings=[],
                )
            )
    return out


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


def _optional(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _with_changes(
    rows: list[EstimateRow],
    previous: Mapping[tuple[str, str, str, str], tuple[float, float, str]],
    settings: Settings,
) -> list[EstimateRow]:
    idx = [
        i
        for i, r in enumerate(rows)
        if (r.metric, r.brand, r.segment, r.base) in previous
        and r.base_status != "suppressed"
        and previous[(r.metric, r.brand, r.segment, r.base)][2] != "suppressed"
    ]
    if not idx:
        return rows
    prev = np.array(
        [previous[(rows[i].metric, rows[i].brand, rows[i].segment, rows[i].base)][:2] for i in idx]
    )
    est_b = np.array([rows[i].estimate for i in idx])
    se_b = np.array([rows[i].se for i in idx])
    test = compare_independent_arrays(prev[:, 0], prev[:, 1], est_b, se_b)
    q = benjamini_hochberg(test.p_value)
    out = list(rows)
    for k, i in enumerate(idx):
        r = rows[i]
        diff = float(test.difference[k])
        # Means here are NPS on a -100..100 scale: the practical threshold is in points, like proportions'.
        threshold = settings.statistics_practical_threshold * (100.0 if r.kind == "mean" else 1.0)
        p = float(test.p_value[k])
        qv = float(q[k])
        significant = bool(math.isfinite(qv) and qv < settings.statistics_alpha and abs(diff) >= threshold)
        out[i] = EstimateRow(
            **{
                **r.__dict__,
                "change": diff,
                "change_se": _optional(test.se[k]),
                "p_value": _optional(p),
                "q_value": _optional(qv),
                "significant": significant,
            }
        )
    return out


async def process_wave(pool: Any, wave_id: int, poll: Poll, settings: Settings) -> WaveOutput:
    """Load the wave's valid completes, compute off the event loop, store atomically."""
    async with pool.acquire() as conn:
        wave = await waves.get_wave(conn, wave_id)
        assert wave is not None
        rows = await responses.wave_respondents(conn, wave_id)
        prev_wave = await waves.previous_published(conn, wave)
        previous: dict[tuple[str, str, str, str], tuple[float, float, str]] = {}
        if prev_wave is not None:
            for e in await estimates_store.wave_estimates(conn, prev_wave.id):
                previous[(e["metric"], e["brand"], e["segment"], e["base"])] = (
                    e["estimate"],
                    e["se"],
                    e["base_status"],
                )
        definition = await survey_store.questionnaire_definition(conn, poll.id, wave.questionnaire_version)
    margins = load_margins(poll.population)
    questionnaire = None
    if any(is_survey_answers(r.answers) for r in rows):
        questionnaire = poll_questionnaire(poll, margins, definition)
    inp = build_input(rows, poll, list(margins), questionnaire)
    loop = asyncio.get_running_loop()
    out = await loop.run_in_executor(None, compute_wave, inp, margins, settings, previous)
    async with pool.acquire() as conn:
        await estimates_store.replace_wave_results(conn, wave_id, out.weighting, out.weights, out.estimates)
    return out
