"""The written summary of a wave: the news first, in plain words, each point carrying the figure it rests on
(estimate, CI, n, effective n, the test, its family, p and q), so every sentence can be traced.

Order: objectives breached, then at risk; the significant moves — headline reads (own brand first, then
competitors, largest first), then exploratory reads (secondary metrics, segments) labelled so; what the wave's
stored insight adds where it changes the story (:mod:`recognition.reports.summary_insight`: what drives
consideration and preference, and where the own brand stands on it; a significant move of its mental availability
or a mental market share far below its awareness share); one line naming
the own brand's headline metrics with no significant change; objectives on track in one line; last, the figures
on a low base, named. Numbers follow :mod:`recognition.reports.numbers`; names follow :mod:`recognition.labels`.
Suppressed figures are never quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recognition.alerts.objectives import ObjectiveStatus
from recognition.figures import Change, Figure, StatisticsOptions, Trend, family_name
from recognition.labels import among, metric_name
from recognition.reports.model import KPI_METRICS, Moves, PollData, WaveInfo, low_bases, previous_wave
from recognition.reports.numbers import Numbers
from recognition.reports.summary_insight import InsightRead, driver_reads, mental_reads

#: Point kinds, in the order they appear (a "since" point is a change since the baseline wave; a "trend" point a
#: steady rise or fall over the last waves; an "insight" point a sentence on the wave's key drivers or mental
#: availability).
KINDS = ("objective", "change", "since", "trend", "insight", "no_change", "low_base")
SINCE_TEST = (
    "change since the baseline wave: two-sample z test, Benjamini–Hochberg adjusted within its family"
)
TREND_TEST = (
    "trend over the last waves: random-effects weighted least squares, t test on waves − 2 degrees of freedom, "
    "Benjamini–Hochberg adjusted over the own brand's metrics"
)
MAX_NAMED = 8


@dataclass(frozen=True)
class SummaryPoint:
    """One sentence of the summary and the figure it rests on (public form), with how it was judged."""

    text: str
    kind: str  # one of KINDS
    metric: str
    brand: str
    segment: str
    wave_id: int
    figure: Figure | None = None
    test: str | None = None
    status: str | None = None
    family: str | None = None  # headline | secondary | segment, for a change
    items: tuple[str, ...] = field(default=())  # the metrics (no_change) or figures (low_base) it names
    since: tuple[int, Change] | None = None  # a "since" point: the baseline wave and the change from it
    trend: Trend | None = None  # a "trend" point: the trend over the last waves

    def __getattr__(self, name: str) -> Any:
        """The figure's numbers read through the point (``point.n``, ``point.q_value`` ...); None without one."""
        if name.startswith("_") or name not in _FIGURE_FIELDS:
            raise AttributeError(name)
        return getattr(self.figure, name) if self.figure is not None else None

    @property
    def exploratory(self) -> bool:
        return self.family in ("secondary", "segment")

    def as_dict(self) -> dict[str, Any]:
        """The point as the API shows it: the sentence, how it was judged, and every field of its figure."""
        figure = self.figure.public().as_dict() if self.figure else dict.fromkeys(_FIGURE_FIELDS)
        return {
            **figure,
            "text": self.text,
            "kind": self.kind,
            "metric": self.metric,
            "brand": self.brand,
            "segment": self.segment,
            "wave_id": self.wave_id,
            "test": self.test,
            "status": self.status,
            "family": self.family,
            "items": list(self.items),
            "baseline": None
            if self.since is None
            else {
                "wave_id": self.since[0],
                "change": self.since[1].difference,
                "p_value": self.since[1].p_value,
                "q_value": self.since[1].q_value,
            },
            "trend": None if self.trend is None else self.trend.as_dict(),
        }


_FIGURE_FIELDS = frozenset(Figure.__dataclass_fields__)


@dataclass(frozen=True)
class WaveSummary:
    poll_id: int
    wave_id: int
    segment: str
    previous_wave_id: int | None
    points: tuple[SummaryPoint, ...]

    def of_kind(self, kind: str) -> list[SummaryPoint]:
        return [p for p in self.points if p.kind == kind]


def _and(names: Sequence[str], fmt: Numbers) -> str:
    if len(names) <= 1:
        return "".join(names)
    word = " und " if fmt.german else " or "
    return ", ".join(names[:-1]) + word + names[-1]


def change_point(c: Figure, wave_id: int, brand_name: str, test: str, fmt: Numbers) -> SummaryPoint:
    verb = "rose" if (c.change or 0) > 0 else "fell"
    family = family_name(c)
    label = " (exploratory)" if family != "headline" else ""
    text = (
        f"{metric_name(c.metric)} of {brand_name}{among(c.segment)} {verb} {fmt.size(c.change or 0.0, c.kind)} "
        f"to {fmt.value(c.estimate, c.kind)}{label}."
    )
    return SummaryPoint(text, "change", c.metric, c.brand, c.segment, wave_id, c, test, family=family)


def since_point(
    c: Figure, wave_id: int, brand_name: str, start: WaveInfo, ch: Change, fmt: Numbers
) -> SummaryPoint:
    verb = "rose" if ch.difference > 0 else "fell"
    family = family_name(c)
    label = " (exploratory)" if family != "headline" else ""
    text = (
        f"Since {start.label}, {_lower(metric_name(c.metric))} of {brand_name}{among(c.segment)} {verb} {fmt.size(ch.difference, c.kind)} to "
        f"{fmt.value(c.estimate, c.kind)}{label}."
    )
    return SummaryPoint(
        text,
        "since",
        c.metric,
        c.brand,
        c.segment,
        wave_id,
        c,
        SINCE_TEST,
        family=family,
        since=(start.id, ch),
    )


def trend_point(c: Figure, wave_id: int, brand_name: str, trend: Trend, fmt: Numbers) -> SummaryPoint:
    verb = "rising" if (trend.change or 0.0) > 0 else "falling"
    text = (
        f"Over the last {len(trend.wave_ids)} waves, {_lower(metric_name(c.metric))} of {brand_name}"
        f"{among(c.segment)} has been {verb}: {fmt.size(trend.change or 0.0, c.kind)} in all, to "
        f"{fmt.value(c.estimate, c.kind)}."
    )
    return SummaryPoint(
        text,
        "trend",
        c.metric,
        c.brand,
        c.segment,
        wave_id,
        c,
        TREND_TEST,
        family=family_name(c),
        trend=trend,
    )


def no_change_point(
    cells: Sequence[Figure], wave_id: int, brand_name: str, test: str, fmt: Numbers
) -> SummaryPoint:
    names = [_lower(metric_name(c.metric)) for c in cells]
    text = f"No significant change in {_and(names, fmt)} of {brand_name}{among(cells[0].segment)}."
    c = cells[0]
    return SummaryPoint(
        text, "no_change", "", c.brand, c.segment, wave_id, None, test, items=tuple(c.metric for c in cells)
    )


def insight_point(read: InsightRead, wave_id: int, segment: str) -> SummaryPoint:
    return SummaryPoint(
        read.text, "insight", read.metric, read.brand, segment, wave_id, read.figure, read.test
    )


def objective_name(s: ObjectiveStatus, brand_name: str, label: str, fmt: Numbers) -> str:
    kind = "mean" if s.metric == "nps" else "proportion"
    limit = f"{s.direction.replace('_', ' ')} {fmt.value(s.threshold, kind)}"
    return label or f"{metric_name(s.metric)} of {brand_name}{among(s.segment)} {limit}"


def objective_point(s: ObjectiveStatus, brand_name: str, label: str, fmt: Numbers) -> SummaryPoint:
    kind = "mean" if s.metric == "nps" else "proportion"
    name = objective_name(s, brand_name, label, fmt)
    limit = fmt.value(s.threshold, kind)
    now = fmt.value(s.estimate, kind)
    if s.status == "breached":
        side = "below" if s.direction == "at_least" else "above"
        text = f"Objective breached: {name}. Now {now}, clearly {side} the limit of {limit}."
    elif s.status == "at_risk":
        text = (
            f"Objective at risk: {name}. Now {now}; the interval {fmt.interval(s.ci_low, s.ci_high, kind)} "
            f"includes the limit of {limit}."
        )
    else:
        text = f"Objective {s.name}: {name}."
    return SummaryPoint(
        text=text,
        kind="objective",
        metric=s.metric,
        brand=s.brand,
        segment=s.segment,
        wave_id=s.wave_id,
        figure=s.figure,
        test="confidence interval against the limit",
        status=s.status,
    )


def low_base_point(
    data: PollData, wave_id: int, segment: str, lows: Sequence[Figure], fmt: Numbers
) -> SummaryPoint:
    def name(c: Figure) -> str:
        return (
            f"{metric_name(c.metric)} of {data.brand_name(c.brand)}{among(c.segment)} ({fmt.count(c.n_eff)})"
        )

    hidden = [c for c in lows if c.base_status == "suppressed"]
    low = [c for c in lows if c.base_status == "low"]
    parts = []
    for group, lead in ((low, "Low base, read with care"), (hidden, "Not shown, base too small")):
        if group:
            named = [name(c) for c in group[:MAX_NAMED]]
            more = f" and {len(group) - MAX_NAMED} more" if len(group) > MAX_NAMED else ""
            parts.append(f"{lead} (effective n): {'; '.join(named)}{more}.")
    worst = lows[0]
    return SummaryPoint(
        text=" ".join(parts),
        kind="low_base",
        metric=worst.metric,
        brand=worst.brand,
        segment=segment,
        wave_id=wave_id,
        figure=worst,
        items=tuple(f"{c.metric}|{c.brand}|{c.segment}" for c in lows),
    )


def summarise(
    data: PollData,
    wave_id: int,
    segment: str,
    statuses: Sequence[ObjectiveStatus] = (),
    labels: dict[int, str] | None = None,
    fmt: Numbers | None = None,
    moves: Moves | None = None,
    start: WaveInfo | None = None,
    trends: dict[str, Trend] | None = None,
    insight: Mapping[str, Any] | None = None,
    previous_insight: Mapping[str, Any] | None = None,
    options: StatisticsOptions | None = None,
) -> WaveSummary:
    """The written summary of ``wave_id`` in ``segment`` (see the module docstring); ``moves`` are the changes
    since the baseline wave ``start`` (:func:`recognition.reports.model.since_changes`), ``trends`` the own
    brand's trends by metric (the cards', :func:`recognition.reports.model.tiles`): a significant one not
    already told as a change is told as a trend. ``insight`` is the wave's stored insight and
    ``previous_insight`` the previous wave's (:mod:`recognition.waves.insight`), either None when missing."""
    fmt = fmt or Numbers()
    names = labels or {}
    points: list[SummaryPoint] = []
    mine = [s for s in statuses if s.wave_id == wave_id]
    for status in ("breached", "at_risk"):
        for s in mine:
            if s.status == status:
                points.append(
                    objective_point(s, data.brand_name(s.brand), names.get(s.objective_id, ""), fmt)
                )
    cells = [c for (w, _, _, s), c in data.cells.items() if w == wave_id and s == segment]
    changed = [c for c in cells if c.significant and c.shown and c.change is not None]

    def order(c: Figure) -> tuple[int, int, int, float]:
        return (
            family_name(c) != "headline",
            c.brand != data.own_brand,
            _rank(c.metric) if c.brand == data.own_brand else 0,
            -abs(c.change or 0.0) * (1 if c.kind == "mean" else 100),
        )

    flagged = {(c.metric, c.brand) for c in changed}
    drifted = [
        (c, ch)
        for (m, b), ch in (moves or {}).items()
        if ch.significant and (m, b) not in flagged and (c := data.cell(wave_id, m, b, segment)) is not None
    ]
    entries: list[tuple[tuple[int, int, int, float], SummaryPoint]] = []
    for c in changed:
        entries.append((order(c), change_point(c, wave_id, data.brand_name(c.brand), data.test, fmt)))
    for c, ch in drifted:
        if start is not None:
            key = (*order(c)[:3], -abs(ch.difference) * (1 if c.kind == "mean" else 100))
            entries.append((key, since_point(c, wave_id, data.brand_name(c.brand), start, ch, fmt)))
    told = flagged | {(c.metric, c.brand) for c, _ in drifted}
    for metric, trend in (trends or {}).items():
        c = data.cell(wave_id, metric, data.own_brand, segment)
        if trend.significant and c is not None and c.shown and (metric, data.own_brand) not in told:
            key = (*order(c)[:3], -abs(trend.change or 0.0) * (1 if c.kind == "mean" else 100))
            entries.append((key, trend_point(c, wave_id, data.brand_name(c.brand), trend, fmt)))
            told.add((metric, data.own_brand))
    kinds = {"change": 0, "since": 1, "trend": 2}
    points.extend(p for _, p in sorted(entries, key=lambda e: (e[0][0], kinds[e[1].kind], e[0][1:])))
    options = options or StatisticsOptions()
    reads = [
        *mental_reads(data, wave_id, segment, insight, previous_insight, fmt, options),
        *driver_reads(data, wave_id, segment, insight, fmt, options),
    ]
    points.extend(insight_point(r, wave_id, segment) for r in reads)
    steady = [
        cell
        for m in KPI_METRICS
        if (cell := data.cell(wave_id, m, data.own_brand, segment)) is not None
        and cell.shown
        and not cell.significant
        and (m, data.own_brand) not in told
    ]
    if steady:
        points.append(no_change_point(steady, wave_id, data.brand_name(data.own_brand), data.test, fmt))
    fine = [s for s in mine if s.status not in ("breached", "at_risk")]
    if fine:
        listed = "; ".join(
            f"{objective_name(s, data.brand_name(s.brand), names.get(s.objective_id, ''), fmt)} ({s.name})"
            for s in fine
        )
        s0 = fine[0]
        points.append(
            SummaryPoint(
                f"Other objectives: {listed}.",
                "objective",
                s0.metric,
                s0.brand,
                s0.segment,
                wave_id,
                None,
                "confidence interval against the limit",
                status=s0.status if len(fine) == 1 else None,
            )
        )
    lows = low_bases(data, wave_id, segment)
    if lows:
        points.append(low_base_point(data, wave_id, segment, lows, fmt))
    prev = previous_wave(data.waves, wave_id)
    return WaveSummary(data.poll_id, wave_id, segment, prev.id if prev else None, tuple(points))


def _lower(name: str) -> str:
    """A metric's name inside a sentence: "aided awareness", but "NPS"."""
    return name if name.isupper() else name[0].lower() + name[1:]


def _rank(metric: str) -> int:
    return KPI_METRICS.index(metric) if metric in KPI_METRICS else len(KPI_METRICS)
