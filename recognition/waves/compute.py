"""The pure part of processing: a wave's (or a pooled window's) respondents → weights → figures → changes.

:func:`compute_wave` rakes the sample to the population margins (:func:`recognition.stats.rake`, with the
service's weight bounds), estimates every indicator in every segment with the linearised variance of the
calibrated design (:func:`recognition.stats.estimate_matrix`) and tests each figure against the previous wave's
(or window's) figure of the same key (:func:`recognition.figures.with_changes`), with the false discovery rate
controlled within each significance family (:func:`recognition.figures.significance_family`). No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from recognition.figures import (
    MEAN_METRICS,
    Figure,
    StatisticsOptions,
    WeightingRow,
    finite,
    is_dissatisfaction_metric,
    is_insight_metric,
    significance_family,
    with_changes,
)
from recognition.stats import EstimateMatrix, RakeResult, estimate_matrix, given_weights, rake
from recognition.stats.collapsing import collapse_sparse_levels
from recognition.stats.unheld import open_unheld_levels
from recognition.waves.inputs import WaveInput, pool_inputs, segments_of

Previous = Mapping[tuple[str, str, str, str], Figure]


@dataclass(frozen=True)
class WaveOutput:
    weighting: WeightingRow
    weights: list[tuple[int, float]]
    figures: list[Figure]


def compute_wave(
    inp: WaveInput,
    margins: Mapping[str, Mapping[str, float]],
    options: StatisticsOptions,
    previous: Previous | None = None,
) -> WaveOutput:
    """Weight the sample to ``margins`` (:func:`weigh`) and estimate every indicator in every segment (total
    base), with the change against ``previous`` (the previous wave's or window's figures by key)."""
    result = weigh(inp, margins, options)
    figures = estimate_figures(inp, result, options)
    weighting = WeightingRow(
        method="raking" if inp.weights is None else "given",
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
    changes = with_changes(figures, previous or {}, options, family=significance_family)
    return WaveOutput(weighting, weights, changes)


def weigh(
    inp: WaveInput, margins: Mapping[str, Mapping[str, float]], options: StatisticsOptions
) -> RakeResult:
    """The wave's design: raked to ``margins`` with the service's bounds (a target level with nobody, or too few
    for its share within the bounds, merged with its neighbour first,
    :func:`recognition.stats.collapsing.collapse_sparse_levels`; an answer the margins do not hold kept at its
    sample share, :func:`recognition.stats.unheld.open_unheld_levels`), or — for an imported wave estimated with
    its own weights — those weights as given (:func:`recognition.stats.given_weights`)."""
    if inp.weights is not None:
        return given_weights(inp.weights, inp.demographics, margins)
    opened = open_unheld_levels(inp.demographics, margins)  # gender "diverse": kept at its sample share
    collapsed = collapse_sparse_levels(inp.demographics, opened.targets, options.weight_bounds)
    result = rake(collapsed.data, collapsed.targets, bounds=options.weight_bounds)
    notes = opened.notes + collapsed.notes
    return replace(result, warnings=notes + result.warnings) if notes else result


def estimate_figures(inp: WaveInput, result: RakeResult, options: StatisticsOptions) -> list[Figure]:
    """Every indicator in every segment on the raked design (not the category entry points or service features,
    which the insight reads: :mod:`recognition.waves.insight`). A proportion's base is the segment, except the
    share dissatisfied with a brand's service, whose base is the segment's respondents who rated the brand (who
    used it); a mean's base is the segment's respondents who gave a rating (one domain per column)."""
    seg_names, domains = segments_of(inp)
    figures: list[Figure] = []
    for kind in ("proportion", "mean"):
        keys = [
            k
            for k in inp.indicators
            if (k[0] in MEAN_METRICS) == (kind == "mean") and not is_insight_metric(k[0])
        ]
        rated = [k for k in keys if kind == "mean" or is_dissatisfaction_metric(k[0])]
        whole = [k for k in keys if kind == "proportion" and not is_dissatisfaction_metric(k[0])]
        if whole:
            em = estimate_matrix(
                np.nan_to_num(np.column_stack([inp.indicators[k] for k in whole])),
                result.design,
                domains,
                kind=kind,
                ci=options.ci_method,
                level=options.level,
                thresholds=options.thresholds,
            )
            figures.extend(_figures(em, whole, seg_names, kind, options))
        figures.extend(_rated(inp, rated, result, seg_names, domains, kind, options))
    return figures


def _rated(
    inp: WaveInput,
    keys: Sequence[tuple[str, str]],
    result: RakeResult,
    seg_names: Sequence[str],
    domains: np.ndarray,
    kind: str,
    options: StatisticsOptions,
) -> list[Figure]:
    """Figures whose base is the segment's respondents with a value (NaN: not in the base), one column at a
    time."""
    figures: list[Figure] = []
    for key in keys:
        y = inp.indicators[key][:, None]
        base = domains & ~np.isnan(y)
        present = base.any(axis=0)  # segments with at least one rater (an empty base has no estimate)
        if not present.any():
            continue
        em = estimate_matrix(
            np.nan_to_num(y),
            result.design,
            base[:, present],
            kind=kind,
            ci=options.ci_method if kind == "proportion" else "logit",
            level=options.level,
            thresholds=options.thresholds,
        )
        names = [s for s, p in zip(seg_names, present, strict=True) if p]
        figures.extend(_figures(em, [key], names, kind, options))
    return figures


def _figures(
    em: EstimateMatrix,
    keys: Sequence[tuple[str, str]],
    seg_names: Sequence[str],
    kind: str,
    options: StatisticsOptions,
) -> list[Figure]:
    out = []
    for g, segment in enumerate(seg_names):
        for j, (metric, brand) in enumerate(keys):
            n = int(em.n[g, j])
            if n == 0:
                continue
            out.append(
                Figure(
                    metric=metric,
                    brand=brand,
                    segment=segment,
                    base="total",
                    kind=kind,  # type: ignore[arg-type]
                    estimate=finite(em.estimate[g, j]),
                    se=finite(em.se[g, j]),
                    ci_low=finite(em.ci_low[g, j]),
                    ci_high=finite(em.ci_high[g, j]),
                    ci_method=em.ci_method,
                    level=options.level,
                    n=n,
                    n_eff=finite(em.n_eff[g, j]),
                    deff=finite(em.deff[g, j]),
                    base_status=str(em.base_status[g, j]),  # type: ignore[arg-type]
                )
            )
    return out


def compute_window(
    inputs: Sequence[WaveInput],
    margins: Mapping[str, Mapping[str, float]],
    options: StatisticsOptions,
    previous: Previous | None = None,
    versions: Sequence[int] = (),
    sources: Sequence[str | None] = (),
) -> list[Figure]:
    """The figures of a rolling window: the respondents of its waves pooled and weighted as one sample
    (:func:`compute_wave` on :func:`recognition.waves.inputs.pool_inputs`), tested against the previous
    non-overlapping window. When its waves were fielded with different questionnaire versions (``versions``),
    each figure carries a warning; so it does when they came from different sources (``sources``: None for
    fielded by this service, else where an imported wave came from)."""
    figures = compute_wave(pool_inputs(inputs), margins, options, previous).figures
    notes = []
    used = sorted(set(versions))
    if len(used) > 1:
        notes.append(f"the window pools questionnaire versions {', '.join(map(str, used))}")
    origins = list(dict.fromkeys(sources))
    if len(origins) > 1:
        named = ", ".join("fielded by this service" if s is None else f"imported from {s}" for s in origins)
        notes.append(f"the window pools waves from different sources: {named}")
    if notes:
        figures = [replace(f, warnings=(*f.warnings, *notes)) for f in figures]
    return figures
