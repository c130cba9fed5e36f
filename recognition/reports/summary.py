"""The written summary of a wave: the news first, in plain words, each point carrying the figure it rests on
(estimate, CI, n, effective n, the test, its family, p and q), so every sentence can be traced.

Order: objectives breached, then at risk; the significant moves — headline reads (own brand first, then
competitors, largest first), then exploratory reads (secondary metrics, segments) labelled so; what the wave's
stored insight adds where it changes the story (:mod:`recognition.reports.summary_insight`: what drives
consideration and preference, and where the own brand stands on it; a significant move of its mental availability
or a mental market share far below its awareness share); one line naming
the own brand's headline metrics with no significant change; objectives on track in one line; last, the figures
on a low base, named. In the page's language (English or German): the wording is in
:mod:`recognition.reports.wording`, numbers follow :mod:`recognition.reports.numbers`, names follow
:mod:`recognition.labels` (the page's namer, so a marketer's own service dimension reads in her words).
Suppressed figures are never quoted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recognition.alerts.objectives import ObjectiveStatus
from recognition.figures import Change, Figure, StatisticsOptions, Trend, family_name
from recognition.labels import metric_namer
from recognition.reports.model import KPI_METRICS, Moves, PollData, WaveInfo, low_bases, previous_wave
from recognition.reports.numbers import Numbers
from recognition.reports.summary_insight import InsightRead, driver_reads, mental_reads
from recognition.reports.wording import Voice, test_name

#: Point kinds, in the order they appear (a "since" point is a change since the baseline wave; a "trend" point a
#: steady rise or fall over the last waves; an "insight" point a sentence on the wave's key drivers or mental
#: availability).
KINDS = ("objective", "change", "since", "trend", "insight", "no_change", "low_base")
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


def _and(names: Sequence[str], v: Voice, word: str = "or") -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + v.s(word) + names[-1]


def _label(family: str, v: Voice) -> str:
    return v.s("exploratory") if family != "headline" else ""


def _moved(c: Figure, brand_name: str, change: float, v: Voice, verbs: tuple[str, str]) -> dict[str, str]:
    """The words of a sentence on a move of ``c`` by ``change``: brand, segment, verb (``verbs``: up, down), size
    and the value now."""
    return {
        "brand": brand_name,
        "among": v.among(c.segment),
        "verb": v.s(verbs[0] if change > 0 else verbs[1]),
        "size": v.fmt.size(change, c.kind),
        "value": v.fmt.value(c.estimate, c.kind),
    }


def change_point(c: Figure, wave_id: int, brand_name: str, test: str, v: Voice) -> SummaryPoint:
    family = family_name(c)
    text = v.s(
        "change",
        Metric=v.opening(c.metric),
        label=_label(family, v),
        **_moved(c, brand_name, c.change or 0.0, v, ("rose", "fell")),
    )
    return SummaryPoint(text, "change", c.metric, c.brand, c.segment, wave_id, c, test, family=family)


def since_point(
    c: Figure, wave_id: int, brand_name: str, start: WaveInfo, ch: Change, v: Voice
) -> SummaryPoint:
    family = family_name(c)
    text = v.s(
        "since",
        start=start.dated(v.locale),
        metric=v.inside(c.metric),
        label=_label(family, v),
        **_moved(c, brand_name, ch.difference, v, ("rose", "fell")),
    )
    return SummaryPoint(
        text,
        "since",
        c.metric,
        c.brand,
        c.segment,
        wave_id,
        c,
        v.s("test.since"),
        family=family,
        since=(start.id, ch),
    )


def trend_point(c: Figure, wave_id: int, brand_name: str, trend: Trend, v: Voice) -> SummaryPoint:
    text = v.s(
        "trend",
        waves=len(trend.wave_ids),
        metric=v.inside(c.metric),
        **_moved(c, brand_name, trend.change or 0.0, v, ("rising", "falling")),
    )
    return SummaryPoint(
        text,
        "trend",
        c.metric,
        c.brand,
        c.segment,
        wave_id,
        c,
        v.s("test.trend"),
        family=family_name(c),
        trend=trend,
    )


def no_change_point(
    cells: Sequence[Figure], wave_id: int, brand_name: str, test: str, v: Voice
) -> SummaryPoint:
    named = [v.name(c.metric) if v.locale == "de" else v.inside(c.metric) for c in cells]
    c = cells[0]
    text = v.s("no_change", metrics=_and(named, v), brand=brand_name, among=v.among(c.segment))
    return SummaryPoint(
        text, "no_change", "", c.brand, c.segment, wave_id, None, test, items=tuple(c.metric for c in cells)
    )


def insight_point(read: InsightRead, wave_id: int, segment: str) -> SummaryPoint:
    return SummaryPoint(
        read.text, "insight", read.metric, read.brand, segment, wave_id, read.figure, read.test
    )


def _kind(s: ObjectiveStatus) -> str:
    return "mean" if s.metric == "nps" else "proportion"


def status_word(status: str, v: Voice) -> str:
    """An objective's status in the summary's language: "on track", German "auf Kurs"."""
    return v.s(f"status.{status}")


def objective_name(s: ObjectiveStatus, brand_name: str, label: str, v: Voice) -> str:
    limit = f"{v.s(s.direction)} {v.fmt.value(s.threshold, _kind(s))}"
    return label or v.s(
        "objective.name", Metric=v.name(s.metric), brand=brand_name, among=v.among(s.segment), limit=limit
    )


def objective_point(s: ObjectiveStatus, brand_name: str, label: str, v: Voice) -> SummaryPoint:
    kind = _kind(s)
    name = objective_name(s, brand_name, label, v)
    limit = v.fmt.value(s.threshold, kind)
    now = v.fmt.value(s.estimate, kind)
    if s.status == "breached":
        side = v.s("below" if s.direction == "at_least" else "above")
        text = v.s("objective.breached", name=name, now=now, side=side, limit=limit)
    elif s.status == "at_risk":
        interval = v.fmt.interval(s.ci_low, s.ci_high, kind)
        text = v.s("objective.at_risk", name=name, now=now, interval=interval, limit=limit)
    else:
        text = v.s("objective.other", status=status_word(s.status, v), name=name)
    return SummaryPoint(
        text=text,
        kind="objective",
        metric=s.metric,
        brand=s.brand,
        segment=s.segment,
        wave_id=s.wave_id,
        figure=s.figure,
        test=v.s("test.objective"),
        status=s.status,
    )


def low_base_point(
    data: PollData, wave_id: int, segment: str, lows: Sequence[Figure], v: Voice
) -> SummaryPoint:
    def name(c: Figure) -> str:
        return v.s(
            "low.name",
            Metric=v.name(c.metric),
            brand=data.brand_name(c.brand),
            among=v.among(c.segment),
            n=v.fmt.count(c.n_eff),
        )

    hidden = [c for c in lows if c.base_status == "suppressed"]
    low = [c for c in lows if c.base_status == "low"]
    parts = []
    for group, lead in ((low, "low.low"), (hidden, "low.hidden")):
        if group:
            named = [name(c) for c in group[:MAX_NAMED]]
            more = v.s("low.more", count=len(group) - MAX_NAMED) if len(group) > MAX_NAMED else ""
            parts.append(v.s("low.group", lead=v.s(lead), named="; ".join(named), more=more))
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
    name: Callable[[str], str] | None = None,
) -> WaveSummary:
    """The written summary of ``wave_id`` in ``segment`` (see the module docstring); ``moves`` are the changes
    since the baseline wave ``start`` (:func:`recognition.reports.model.since_changes`), ``trends`` the own
    brand's trends by metric (the cards', :func:`recognition.reports.model.tiles`): a significant one not
    already told as a change is told as a trend. ``insight`` is the wave's stored insight and
    ``previous_insight`` the previous wave's (:mod:`recognition.waves.insight`), either None when missing. The
    sentences are in ``fmt``'s language (:mod:`recognition.reports.wording`); ``name`` names the metrics (the
    page's :func:`recognition.labels.metric_namer`, with the poll's own service dimensions; by default the
    built-in names in that language)."""
    fmt = fmt or Numbers()
    v = Voice(fmt, name or metric_namer(fmt.locale, None))
    test = test_name(data.window, v.locale)
    names = labels or {}
    points: list[SummaryPoint] = []
    mine = [s for s in statuses if s.wave_id == wave_id]
    for status in ("breached", "at_risk"):
        for s in mine:
            if s.status == status:
                points.append(objective_point(s, data.brand_name(s.brand), names.get(s.objective_id, ""), v))
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
        entries.append((order(c), change_point(c, wave_id, data.brand_name(c.brand), test, v)))
    for c, ch in drifted:
        if start is not None:
            key = (*order(c)[:3], -abs(ch.difference) * (1 if c.kind == "mean" else 100))
            entries.append((key, since_point(c, wave_id, data.brand_name(c.brand), start, ch, v)))
    told = flagged | {(c.metric, c.brand) for c, _ in drifted}
    for metric, trend in (trends or {}).items():
        c = data.cell(wave_id, metric, data.own_brand, segment)
        if trend.significant and c is not None and c.shown and (metric, data.own_brand) not in told:
            key = (*order(c)[:3], -abs(trend.change or 0.0) * (1 if c.kind == "mean" else 100))
            entries.append((key, trend_point(c, wave_id, data.brand_name(c.brand), trend, v)))
            told.add((metric, data.own_brand))
    kinds = {"change": 0, "since": 1, "trend": 2}
    points.extend(p for _, p in sorted(entries, key=lambda e: (e[0][0], kinds[e[1].kind], e[0][1:])))
    options = options or StatisticsOptions()
    reads = [
        *mental_reads(data, wave_id, segment, insight, previous_insight, v, options),
        *driver_reads(data, wave_id, segment, insight, v, options),
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
        points.append(no_change_point(steady, wave_id, data.brand_name(data.own_brand), test, v))
    fine = [s for s in mine if s.status not in ("breached", "at_risk")]
    if fine:
        listed = "; ".join(
            v.s(
                "objective.listed",
                name=objective_name(s, data.brand_name(s.brand), names.get(s.objective_id, ""), v),
                status=status_word(s.status, v),
            )
            for s in fine
        )
        s0 = fine[0]
        points.append(
            SummaryPoint(
                v.s("objective.others", listed=listed),
                "objective",
                s0.metric,
                s0.brand,
                s0.segment,
                wave_id,
                None,
                v.s("test.objective"),
                status=s0.status if len(fine) == 1 else None,
            )
        )
    lows = low_bases(data, wave_id, segment)
    if lows:
        points.append(low_base_point(data, wave_id, segment, lows, v))
    prev = previous_wave(data.waves, wave_id)
    return WaveSummary(data.poll_id, wave_id, segment, prev.id if prev else None, tuple(points))


def _rank(metric: str) -> int:
    return KPI_METRICS.index(metric) if metric in KPI_METRICS else len(KPI_METRICS)
