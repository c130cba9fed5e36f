"""The figures a dashboard shows, from stored figures: pure functions, no I/O.

A poll's data is its published waves (oldest first) and their stored figures
(:class:`recognition.figures.Figure`, total base), either each wave's own or the stored rolling windows of ``k``
waves labelled by their last wave (:mod:`recognition.waves.windows`): the dashboard, the summary, the API and
the objectives read the same numbers.

Changes shown as ▲▼ are the stored tests (against the previous wave or the previous non-overlapping window);
the comparison with the wave a year earlier is tested here with the same test
(:func:`recognition.figures.compare_figures`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from recognition.figures import (
    HEADLINE_METRICS,
    Change,
    Figure,
    StatisticsOptions,
    Trend,
    compare_figures,
    family_name,
    is_image_metric,
    stored_change,
    trends,
)
from recognition.labels import metric_name
from recognition.reports.wording import day, span

#: Headline metrics, in reading order (the headline significance family).
KPI_METRICS = HEADLINE_METRICS
#: Secondary metrics of the total sample, after the headline ones (then image associations).
SECONDARY_METRICS = ("total_awareness", "familiar")
FUNNEL = (("aided", "Aware"), ("consider", "Consider"), ("prefer", "Prefer"))
#: The funnel's audiences: everybody and the potential customers (lapsed or never). Current customers are left
#: out: they are aware of the brand by definition, so their funnel starts at 100%.
FUNNEL_SEGMENTS = ("all", "customer=non")
YEAR = timedelta(days=365)
YEAR_TOLERANCE = timedelta(days=28)


@dataclass(frozen=True)
class WaveInfo:
    id: int
    scheduled_at: datetime
    field_start: datetime | None
    field_end: datetime | None
    questionnaire_version: int

    @property
    def label(self) -> str:
        return day(self.scheduled_at)

    @property
    def fieldwork(self) -> str:
        return span(self.field_start, self.field_end, self.scheduled_at)

    def dated(self, locale: str) -> str:
        """:attr:`label` in ``locale``."""
        return day(self.scheduled_at, locale)

    def fielded(self, locale: str) -> str:
        """:attr:`fieldwork` in ``locale``."""
        return span(self.field_start, self.field_end, self.scheduled_at, locale)


CellKey = tuple[int, str, str, str]  # (wave id, metric, brand, segment)


@dataclass(frozen=True)
class PollData:
    """A poll's published waves (oldest first) and their figures on the total base: each wave's own
    (``window`` 1) or the windows of ``window`` waves ending at each wave."""

    poll_id: int
    name: str
    own_brand: str
    brands: tuple[tuple[str, str], ...]  # (id, name)
    waves: tuple[WaveInfo, ...]
    cells: Mapping[CellKey, Figure]
    window: int = 1

    def brand_name(self, brand: str) -> str:
        return dict(self.brands).get(brand, brand)

    def cell(self, wave_id: int, metric: str, brand: str, segment: str) -> Figure | None:
        return self.cells.get((wave_id, metric, brand, segment))

    @functools.cached_property
    def metrics(self) -> list[str]:
        return order_metrics({k[1] for k in self.cells})

    @functools.cached_property
    def segments(self) -> list[str]:
        return order_segments({k[3] for k in self.cells})


def order_metrics(seen: set[str]) -> list[str]:
    """Headline metrics, then secondary ones, then image associations (by name)."""
    ordered = [m for m in (*KPI_METRICS, *SECONDARY_METRICS) if m in seen]
    return ordered + sorted(m for m in seen if m not in ordered)


def order_segments(seen: set[str]) -> list[str]:
    return (["all"] if "all" in seen else []) + sorted(seen - {"all"})


def year_ago(waves: Sequence[WaveInfo], latest: WaveInfo) -> WaveInfo | None:
    """The wave closest to one year before ``latest`` (within four weeks), if any."""
    target = latest.scheduled_at - YEAR
    near = [w for w in waves if abs(w.scheduled_at - target) <= YEAR_TOLERANCE]
    return min(near, key=lambda w: abs(w.scheduled_at - target)) if near else None


def previous_wave(waves: Sequence[WaveInfo], wave_id: int) -> WaveInfo | None:
    ids = [w.id for w in waves]
    i = ids.index(wave_id)
    return waves[i - 1] if i > 0 else None


@dataclass(frozen=True)
class Tile:
    metric: str
    name: str
    cell: Figure | None
    vs_previous: Change | None
    vs_year: Change | None
    family: str = "headline"  # headline | secondary | segment
    vs_since: Change | None = None
    trend: Trend | None = None  # over the last waves up to this one, from the last questionnaire change on


#: How far back the "since" comparison looks: the wave this many waves earlier (a quarter of a weekly
#: tracker), or the first wave when the series is shorter.
SINCE_WAVES = 12
Moves = dict[tuple[str, str], Change]  # (metric, brand) → the change since the baseline wave


def baseline(waves: Sequence[WaveInfo], wave_id: int, window: int = 1) -> WaveInfo | None:
    """The wave a "since" comparison starts from: :data:`SINCE_WAVES` waves before ``wave_id`` or the first
    wave, and only when it is at least two waves back (one back is the previous-wave test) and the figures are
    single waves (overlapping windows are never compared)."""
    ids = [w.id for w in waves]
    i = ids.index(wave_id)
    if window > 1 or i < 2:
        return None
    return waves[max(0, i - SINCE_WAVES)]


def since_changes(data: PollData, wave_id: int, segment: str, options: StatisticsOptions) -> Moves:
    """Every metric × brand of ``segment`` at ``wave_id`` tested against the baseline wave (the same z test,
    BH within the same families); empty without a baseline. Slow drifts that no single wave-on-wave test can
    see (a point a week) show here once they add up."""
    start = baseline(data.waves, wave_id, data.window)
    if start is None:
        return {}
    pairs = [
        (old, c)
        for (w, m, b, s), c in data.cells.items()
        if w == wave_id and s == segment and (old := data.cell(start.id, m, b, s)) is not None
    ]
    changes = compare_figures(pairs, options)
    return {(c.metric, c.brand): ch for (_, c), ch in zip(pairs, changes, strict=True) if ch is not None}


def tiles(
    data: PollData,
    wave_id: int,
    segment: str,
    options: StatisticsOptions,
    moves: Moves | None = None,
    name: Callable[[str], str] = metric_name,
) -> list[Tile]:
    """Cards of the own brand at ``wave_id``: every metric present (headline, secondary, image), each with its
    stored change, its change since the baseline (``moves``) and since a year ago (tested here within the same
    families)."""
    metrics = data.metrics
    wave = next(w for w in data.waves if w.id == wave_id)
    ago = year_ago(data.waves, wave)
    cells = [data.cell(wave_id, m, data.own_brand, segment) for m in metrics]
    year_pairs: list[tuple[Figure, Figure]] = []
    year_index: dict[int, int] = {}
    if ago is not None:
        for i, (m, c) in enumerate(zip(metrics, cells, strict=True)):
            old = data.cell(ago.id, m, data.own_brand, segment)
            if c is not None and old is not None:
                year_index[i] = len(year_pairs)
                year_pairs.append((old, c))
    year_changes = compare_figures(year_pairs, options)
    fitted: list[Trend | None] = [None] * len(metrics)
    if data.window == 1:  # overlapping windows share respondents: no trend is fitted through them
        upto = data.waves[: [w.id for w in data.waves].index(wave_id) + 1]
        series = [
            [(w.id, f) for w in upto if (f := data.cell(w.id, m, data.own_brand, segment)) is not None]
            for m in metrics
        ]
        breaks = [data.waves[i].id for i in version_breaks(data.waves)]
        fitted = list(trends(series, options, breaks=breaks))
    out = []
    for i, (m, c) in enumerate(zip(metrics, cells, strict=True)):
        vs_prev = stored_change(c) if c is not None else None
        vs_year = year_changes[year_index[i]] if i in year_index else None
        fam = family_name(c) if c is not None else ("headline" if m in KPI_METRICS else "secondary")
        since = (moves or {}).get((m, data.own_brand))
        trend = fitted[i]
        trend = trend if trend is not None and trend.slope is not None else None
        out.append(Tile(m, name(m), c, vs_prev, vs_year, fam, since, trend))
    return out


def comparison(data: PollData, wave_id: int, metric: str, segment: str) -> list[Figure]:
    """Every brand's figure for ``metric`` at ``wave_id``, own brand first, then by estimate (shown ones)."""
    cells = [c for b, _ in data.brands if (c := data.cell(wave_id, metric, b, segment)) is not None]
    return sorted(cells, key=lambda c: (c.brand != data.own_brand, not c.shown, -(c.estimate or 0.0)))


def funnel(data: PollData, wave_id: int, brand: str) -> dict[str, list[Figure | None]]:
    """Aware → consider → prefer of ``brand`` among everybody and among potential customers (segment code →
    the three figures)."""
    return {seg: [data.cell(wave_id, m, brand, seg) for m, _ in FUNNEL] for seg in FUNNEL_SEGMENTS}


def image_map(
    data: PollData, wave_id: int, segment: str
) -> tuple[list[str], list[str], list[list[Figure | None]]]:
    """Brands (rows) × image attributes (columns) at ``wave_id``; empty when the poll measures no image."""
    attributes = [m for m in data.metrics if is_image_metric(m)]
    if not attributes:
        return [], [], []
    brands = [b for b, _ in data.brands]
    grid = [[data.cell(wave_id, a, b, segment) for a in attributes] for b in brands]
    return brands, attributes, grid


def low_bases(data: PollData, wave_id: int, segment: str) -> list[Figure]:
    """Every figure of ``wave_id`` the page or the summary can show — every metric × brand in ``segment`` and
    the funnel's audiences — whose effective base is low or too small to show, smallest base first. The
    summary's warning and the page's Bases section both read this one list."""
    segments = {segment, *FUNNEL_SEGMENTS}
    cells = [c for (w, _, _, s), c in data.cells.items() if w == wave_id and s in segments]
    funnel_metrics = {m for m, _ in FUNNEL}
    shown = [
        c for c in cells if c.segment == segment or (c.metric in funnel_metrics and c.brand == data.own_brand)
    ]
    low = [c for c in shown if c.base_status in ("low", "suppressed")]
    return sorted(low, key=lambda c: (c.n_eff or 0.0, c.metric, c.brand, c.segment))


def version_breaks(waves: Sequence[WaveInfo]) -> list[int]:
    """Indices i where wave i uses another questionnaire version than wave i − 1."""
    return [
        i
        for i in range(1, len(waves))
        if waves[i].questionnaire_version != waves[i - 1].questionnaire_version
    ]
