"""The published estimate — one record from the statistics through storage to every output.

A :class:`Figure` is one estimate of one wave (or one rolling window of waves): metric × brand × segment × base,
with its uncertainty, its base (n, effective n, design effect, base status) and its change test against the
previous wave (window). Processing makes them (:mod:`recognition.waves.processing`), the store keeps them in the
``estimates`` table under :data:`COLUMNS` (the field order), and every output — API JSON and CSV, dashboard,
summary, alerts, exports — reads them as they are, hiding the numbers of a suppressed figure through
:meth:`Figure.public`. The JSON schema of the API is generated from this dataclass.

Changes are tested in one place, :func:`compare_figures`: for each (earlier, later) pair of independent figures,
``Δ = later − earlier`` with ``se = √(se_a² + se_b²)``, a two-sided z test
(:func:`recognition.stats.compare_independent_arrays`), Benjamini–Hochberg q-values within each family of tests,
and the flag ``significant`` only when ``q < α`` **and** ``|Δ|`` reaches the practical threshold (proportion
points; NPS points × 100). Pairs where either figure is suppressed are not tested.

The families (:func:`significance_family`) follow where decisions are made: the **headline** family is the total
sample × the headline metrics (:data:`HEADLINE_METRICS`) × every tracked brand, controlled on its own; the
**secondary** reads of the total sample (image associations, familiarity, total awareness) and each **segment**
(one family per segment) are separate families, labelled exploratory (METHODS.md, "Families").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np

from recognition.stats import BaseThresholds, benjamini_hochberg, compare_independent_arrays, trend_slopes

BaseStatus = Literal["ok", "low", "suppressed"]
Kind = Literal["proportion", "mean"]
BASE_STATUSES: tuple[BaseStatus, ...] = ("ok", "low", "suppressed")
KINDS: tuple[Kind, ...] = ("proportion", "mean")
CI_METHODS = ("logit", "beta", "wilson", "t")

#: Brand metrics estimated as proportions, in reporting order; then those estimated as means. Image
#: associations are proportions named ``image.<attribute>``.
PROPORTION_METRICS = ("unaided", "top_of_mind", "aided", "total_awareness", "familiar", "consider", "prefer")
MEAN_METRICS = ("nps",)
IMAGE_PREFIX = "image."
#: Category entry point associations (``entry_point.<id>``): read by mental availability
#: (:mod:`recognition.waves.insight`), never estimated as figures.
ENTRY_POINT_PREFIX = "entry_point."
#: Service feature answers (``service_feature.<id>.standard|pay|wtp``): read by the service analysis
#: (:mod:`recognition.waves.service`), never estimated as figures.
SERVICE_FEATURE_PREFIX = "service_feature."
#: Service satisfaction (``service.dissatisfied.<dimension>``): the share dissatisfied with a brand on a service
#: dimension among those who rated it (who have used the brand); a proportion whose base is its raters.
DISSATISFIED_PREFIX = "service.dissatisfied."
#: Every metric a figure (and so an objective) can name.
METRIC_PATTERN = (
    "^("
    + "|".join((*PROPORTION_METRICS, *MEAN_METRICS))
    + r"|image\.[a-z0-9_]{1,40}|service\.dissatisfied\.[a-z0-9_-]{1,40})$"
)
METRIC_HELP = f"{', '.join((*PROPORTION_METRICS, *MEAN_METRICS))}, image.<attribute> or service.dissatisfied.<dimension>"
#: The metrics of the headline significance family (with the total sample and every tracked brand).
HEADLINE_METRICS = ("unaided", "top_of_mind", "aided", "consider", "prefer", "nps")
#: The families of change tests: headline (confirmatory), secondary and segment (exploratory).
FAMILIES = ("headline", "secondary", "segment")


def is_image_metric(metric: str) -> bool:
    return metric.startswith(IMAGE_PREFIX)


def is_entry_point_metric(metric: str) -> bool:
    return metric.startswith(ENTRY_POINT_PREFIX)


def is_dissatisfaction_metric(metric: str) -> bool:
    return metric.startswith(DISSATISFIED_PREFIX)


def is_insight_metric(metric: str) -> bool:
    """An indicator the wave's insight reads (entry points, service features) but no figure estimates."""
    return metric.startswith((ENTRY_POINT_PREFIX, SERVICE_FEATURE_PREFIX))


@dataclass(frozen=True, slots=True)
class Figure:
    """One published estimate. Numbers are ``None`` where they are undefined (an interval at a boundary that
    has none, a design effect with no variance) and, in :meth:`public` copies, where the base is suppressed."""

    metric: str = field(
        metadata={
            "doc": "unaided, top_of_mind, aided, total_awareness, familiar, consider, "
            "prefer, nps or image.<attribute>"
        }
    )
    brand: str = field(metadata={"doc": "the brand's id"})
    segment: str = field(metadata={"doc": "'all', 'variable=level' or 'customer=current|lapsed|never|non'"})
    base: str = field(metadata={"doc": "who the figure is a share of: 'total' (everybody in the segment)"})
    kind: Kind = field(metadata={"doc": "proportion (0..1) or mean (NPS, -100..100)"})
    estimate: float | None = field(metadata={"doc": "the weighted estimate; null when suppressed"})
    se: float | None = field(metadata={"doc": "linearised standard error (calibration residuals)"})
    ci_low: float | None = field(metadata={"doc": "lower confidence bound (null: undefined or suppressed)"})
    ci_high: float | None = field(metadata={"doc": "upper confidence bound"})
    ci_method: str = field(metadata={"doc": "how the interval was made: logit, beta, wilson or t"})
    level: float = field(metadata={"doc": "confidence level of the interval"})
    n: int = field(metadata={"doc": "respondents in the base"})
    n_eff: float | None = field(metadata={"doc": "Kish effective n of the base, (Σw)²/Σw²"})
    deff: float | None = field(
        metadata={"doc": "design effect: design-based variance / simple-random-sample variance"}
    )
    base_status: BaseStatus = field(metadata={"doc": "ok, low (flagged) or suppressed (no numbers shown)"})
    warnings: tuple[str, ...] = field(default=(), metadata={"doc": "notes on the figure"})
    change: float | None = field(
        default=None, metadata={"doc": "difference from the previous wave (window), on the figure's scale"}
    )
    change_se: float | None = field(default=None, metadata={"doc": "standard error of the change"})
    p_value: float | None = field(default=None, metadata={"doc": "two-sided p-value of the change"})
    q_value: float | None = field(
        default=None, metadata={"doc": "Benjamini–Hochberg q-value over the family of tests"}
    )
    significant: bool | None = field(
        default=None,
        metadata={
            "doc": "q below the false discovery rate and the change at least the practical "
            "threshold; null when not tested"
        },
    )

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.metric, self.brand, self.segment, self.base)

    @property
    def shown(self) -> bool:
        """Whether the numbers may be shown: the effective base is not below the suppression threshold."""
        return self.base_status != "suppressed"

    @property
    def tested(self) -> bool:
        return self.change is not None

    def reading(self) -> dict[str, Any]:
        """The published value, SE and interval (none when suppressed) with the base behind them: what an
        analysis shows beside its own reading of the same figure."""
        shown = self.public()
        return {
            "estimate": shown.estimate,
            "se": shown.se,
            "ci_low": shown.ci_low,
            "ci_high": shown.ci_high,
            "n": self.n,
            "n_eff": self.n_eff,
            "base_status": self.base_status,
        }

    def public(self) -> Figure:
        """The figure as published: a suppressed one keeps its base (n, effective n) but shows no numbers."""
        if self.shown:
            return self
        hidden: dict[str, Any] = dict.fromkeys(HIDDEN)
        return replace(self, **hidden)

    def as_dict(self) -> dict[str, Any]:
        """Field → value in :data:`COLUMNS` order (warnings as a list)."""
        out = {name: getattr(self, name) for name in COLUMNS}
        out["warnings"] = list(self.warnings)
        return out

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Figure:
        """From a stored row (any mapping holding :data:`COLUMNS`)."""
        values = {name: row[name] for name in COLUMNS}
        values["warnings"] = tuple(values["warnings"] or ())
        return cls(**values)


#: The record's fields, in order: the ``estimates`` table's columns and the CSV columns.
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Figure))
#: The numbers a suppressed figure does not show.
HIDDEN: tuple[str, ...] = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "change",
    "change_se",
    "p_value",
    "q_value",
    "significant",
)


def finite(value: float | None) -> float | None:
    """``value`` as a float, or None when it is None, NaN or infinite (undefined)."""
    number = math.nan if value is None else float(value)
    return number if math.isfinite(number) else None


def with_interval(name: str, estimate: float, low: float, high: float) -> dict[str, float | None]:
    """An estimate and its interval as published beside each other: ``name``, ``name_low`` and ``name_high``
    (each None where undefined, as :func:`finite`)."""
    return {name: finite(estimate), f"{name}_low": finite(low), f"{name}_high": finite(high)}


@dataclass(frozen=True)
class WeightingRow:
    """A wave's weighting diagnostics: how raking ended and what it did to the sample (stored with its figures)."""

    method: str
    converged: bool
    iterations: int
    max_margin_error: float
    n: int
    n_eff: float
    deff_kish: float
    weight_min: float
    weight_max: float
    warnings: list[str]


@dataclass(frozen=True)
class StatisticsOptions:
    """The few settings the statistics of a wave need (``statistics.*``)."""

    weight_bounds: tuple[float, float] | None = (0.2, 5.0)
    level: float = 0.95
    ci_method: str = "logit"
    thresholds: BaseThresholds = field(default_factory=BaseThresholds)
    alpha: float = 0.05
    practical_threshold: float = 0.02

    @classmethod
    def from_settings(cls, settings: Any) -> StatisticsOptions:
        """From a :class:`recognition.settings.Settings` (its ``statistics_*`` fields)."""
        return cls(
            weight_bounds=settings.statistics_weight_bounds,
            level=settings.statistics_confidence_level,
            ci_method=settings.statistics_ci_method,
            thresholds=BaseThresholds(
                suppress_below=settings.statistics_suppress_below,
                flag_below=settings.statistics_flag_below,
            ),
            alpha=settings.statistics_alpha,
            practical_threshold=settings.statistics_practical_threshold,
        )

    def practical(self, kind: str) -> float:
        """The practical threshold on the figure's own scale: proportion points, or NPS points × 100."""
        return self.practical_threshold * (100.0 if kind == "mean" else 1.0)


# --- change tests --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """``later − earlier`` with its test; ``significant`` = q < α and |Δ| ≥ the practical threshold."""

    difference: float
    se: float | None
    p_value: float | None
    q_value: float | None
    significant: bool

    @property
    def arrow(self) -> str:
        if not self.significant:
            return ""
        return "▲" if self.difference > 0 else "▼"


def one_family(_figure: Figure) -> str:
    """One family for every test made at once (the rule before families; kept for comparisons)."""
    return "all"


def family_name(figure: Figure) -> str:
    """``headline``, ``secondary`` or ``segment``: which kind of read a figure's change test is."""
    if figure.segment != "all":
        return "segment"
    return "headline" if figure.metric in HEADLINE_METRICS else "secondary"


def is_exploratory(figure: Figure) -> bool:
    """Secondary and segment reads: their flags are leads to follow up, not confirmed findings."""
    return family_name(figure) != "headline"


def significance_family(figure: Figure) -> str:
    """The family a figure's change test is adjusted within: ``headline`` (total sample × headline metrics ×
    every brand), ``secondary`` (the total sample's other metrics), or ``segment:<segment>`` (one family per
    segment: every metric × brand read in it)."""
    name = family_name(figure)
    return f"segment:{figure.segment}" if name == "segment" else name


def compare_figures(
    pairs: Sequence[tuple[Figure, Figure]],
    options: StatisticsOptions,
    *,
    family: Callable[[Figure], Any] = significance_family,
) -> list[Change | None]:
    """Test ``later − earlier`` for each (earlier, later) pair of independent figures (see the module
    docstring). BH runs within each family (``family(later)``). None where either figure is suppressed or has
    no estimate."""
    out: list[Change | None] = [None] * len(pairs)
    idx = [
        i
        for i, (a, b) in enumerate(pairs)
        if a.shown and b.shown and None not in (a.estimate, a.se, b.estimate, b.se)
    ]
    if not idx:
        return out
    a = np.array([[pairs[i][0].estimate, pairs[i][0].se] for i in idx], dtype=float)
    b = np.array([[pairs[i][1].estimate, pairs[i][1].se] for i in idx], dtype=float)
    test = compare_independent_arrays(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    q = np.full(len(idx), math.nan)
    groups: dict[Any, list[int]] = {}
    for k, i in enumerate(idx):
        groups.setdefault(family(pairs[i][1]), []).append(k)
    for members in groups.values():
        q[members] = benjamini_hochberg(test.p_value[members])
    for k, i in enumerate(idx):
        later = pairs[i][1]
        diff, qv = float(test.difference[k]), finite(q[k])
        significant = qv is not None and qv < options.alpha and abs(diff) >= options.practical(later.kind)
        out[i] = Change(diff, finite(test.se[k]), finite(test.p_value[k]), qv, significant)
    return out


def with_changes(
    figures: Iterable[Figure],
    previous: Mapping[tuple[str, str, str, str], Figure],
    options: StatisticsOptions,
    *,
    family: Callable[[Figure], Any] = significance_family,
) -> list[Figure]:
    """``figures`` with their change against the figure of the same key in ``previous`` (the previous wave or
    the previous non-overlapping window); figures without a counterpart, or not tested, carry no change."""
    current = [
        replace(f, change=None, change_se=None, p_value=None, q_value=None, significant=None) for f in figures
    ]
    idx = [i for i, f in enumerate(current) if f.key in previous]
    changes = compare_figures([(previous[current[i].key], current[i]) for i in idx], options, family=family)
    for i, ch in zip(idx, changes, strict=True):
        if ch is not None:
            current[i] = replace(
                current[i],
                change=ch.difference,
                change_se=ch.se,
                p_value=ch.p_value,
                q_value=ch.q_value,
                significant=ch.significant,
            )
    return current


def stored_change(figure: Figure) -> Change | None:
    """The change test a stored figure carries (None when it was not tested or is not shown)."""
    if figure.change is None or not figure.shown:
        return None
    return Change(figure.change, figure.change_se, figure.p_value, figure.q_value, bool(figure.significant))


# --- trends ------------------------------------------------------------------------------------------------------

#: Waves a trend is fitted over by default (the last ones published, from the last method break on).
TREND_WAVES = 8


@dataclass(frozen=True)
class Trend:
    """The linear trend of one series over its last waves (:func:`trends`): ``slope`` per wave with its
    standard error and t test on ``df`` = waves − 2 degrees of freedom, ``change`` = slope × (waves − 1) (the
    fitted move from the first wave to the last), q within the series tested together, and ``significant`` when
    q < α and |change| reaches the practical threshold."""

    wave_ids: tuple[int, ...]
    slope: float | None
    se: float | None
    df: int
    p_value: float | None
    q_value: float | None
    change: float | None
    significant: bool

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "wave_ids": list(self.wave_ids)}


def trends(
    series: Sequence[Sequence[tuple[int, Figure]]],
    options: StatisticsOptions,
    *,
    waves: int = TREND_WAVES,
    breaks: Iterable[int] = (),
) -> list[Trend]:
    """The trend of each series of ``(wave_id, figure)`` in wave order, over its last ``waves`` waves and never
    across a method break (a wave in ``breaks`` starts a new series): the random-effects WLS slope of
    :func:`recognition.stats.trend_slopes` (weights 1/(se² + τ̂²), variance scaled by max(1, dispersion), t on
    k − 2 df), so wave-to-wave noise beyond sampling error does not make a trend. Suppressed waves are left
    out; fewer than three usable waves give no slope. BH runs over the series given together (one family)."""
    cut = set(breaks)
    spans: list[list[tuple[int, Figure]]] = []
    for points in series:
        tail = list(points)[-waves:]
        starts = [i for i, (wave_id, _) in enumerate(tail) if wave_id in cut]
        spans.append(tail[starts[-1] :] if starts else tail)
    width = max((len(s) for s in spans), default=0)
    y = np.full((len(spans), max(width, 1)), np.nan)
    v = np.full_like(y, np.nan)
    t = np.tile(np.arange(y.shape[1], dtype=float), (len(spans), 1))
    for row, span in enumerate(spans):
        offset = width - len(span)  # right-align: the last wave of every series at the same time
        for col, (_, f) in enumerate(span):
            if f.shown and f.estimate is not None and f.se is not None and f.se > 0:
                y[row, offset + col], v[row, offset + col] = f.estimate, f.se * f.se
    if not spans:
        return []
    fit = trend_slopes(t, y, v)
    q = benjamini_hochberg(fit.p_value)
    out = []
    for row, span in enumerate(spans):
        slope, used = finite(fit.slope[row]), int(np.isfinite(y[row]).sum())
        first = next((i for i in range(y.shape[1]) if np.isfinite(y[row, i])), 0)
        last = max((i for i in range(y.shape[1]) if np.isfinite(y[row, i])), default=0)
        change = None if slope is None else slope * (last - first)
        qv = finite(q[row])
        kind = span[-1][1].kind if span else "proportion"
        significant = (
            change is not None
            and qv is not None
            and qv < options.alpha
            and abs(change) >= options.practical(kind)
        )
        out.append(
            Trend(
                tuple(w for w, _ in span),
                slope,
                finite(fit.se[row]),
                int(fit.df[row]) if used >= 3 else 0,
                finite(fit.p_value[row]),
                qv,
                change,
                significant,
            )
        )
    return out
