"""What a dashboard page shows: load a poll's published figures (each wave's own, or the stored rolling windows),
apply the filters, compute tiles, comparisons, funnel, objectives and the summary, and draw the charts (in an
executor, off the event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import asyncpg

from recognition.alerts.objectives import ObjectiveStatus, evaluate
from recognition.figures import Figure, StatisticsOptions
from recognition.polls.model import Objective, Poll
from recognition.reports import charts
from recognition.reports.model import (
    FUNNEL,
    KPI_METRICS,
    PollData,
    WaveInfo,
    comparison,
    funnel,
    image_map,
    low_bases,
    metric_name,
    tiles,
    version_breaks,
)
from recognition.reports.summary import WaveSummary, summarise
from recognition.settings import Settings
from recognition.store import estimates as estimates_store
from recognition.store import objectives as objectives_store
from recognition.store import waves as waves_store

#: Window choices the dashboard offers (1 = each wave alone); each must be one of ``statistics.windows``.
WINDOWS = (1, 3, 4)
TREND_METRICS = ("unaided", "aided", "consider", "prefer")
PALETTE = ("#1f5fa8", "#c0504d", "#6a9f3a", "#8064a2", "#d08b1f")


class FilterError(ValueError):
    """A filter value the poll does not have; the message names the parameter."""


@dataclass(frozen=True)
class Filters:
    segment: str = "all"
    window: int = 1
    metric: str = "aided"
    wave_id: int | None = None

    def query(self, **changes: Any) -> str:
        values = {"segment": self.segment, "window": self.window, "metric": self.metric, **changes}
        return urlencode(values)


async def load_poll_data(conn: asyncpg.Connection, poll: Poll, window: int = 1) -> PollData:
    """The poll's published waves and their stored figures (total base): each wave's own, or the windows of
    ``window`` waves (labelled by their last wave; waves before the first full window are left out)."""
    published = [w for w in await waves_store.list_waves(conn, poll.id) if w.state == "published"]
    rows = await estimates_store.poll_figures(conn, poll.id, window=window, base="total")
    cells = {(r.wave_id, r.figure.metric, r.figure.brand, r.figure.segment): r.figure for r in rows}
    ends = {r.wave_id for r in rows}
    waves = tuple(
        WaveInfo(w.id, w.scheduled_at, w.field_start, w.field_end, w.questionnaire_version)
        for w in published
        if window == 1 or w.id in ends
    )
    return PollData(
        poll_id=poll.id,
        name=poll.name,
        own_brand=poll.own_brand,
        brands=tuple((b, poll.brand_name(b)) for b in poll.brand_ids),
        waves=waves,
        cells=cells,
        window=window,
    )


def parse_filters(query: Mapping[str, str], segments: list[str], metrics: list[str]) -> Filters:
    segment = query.get("segment", "all")
    if segments and segment not in segments:
        raise FilterError(f"segment: unknown segment {segment!r}")
    try:
        window = int(query.get("window", "1"))
    except ValueError:
        raise FilterError("window: must be 1, 3 or 4") from None
    if window not in WINDOWS:
        raise FilterError("window: must be 1, 3 or 4")
    metric = query.get("metric", "aided" if "aided" in metrics or not metrics else metrics[0])
    if metrics and metric not in metrics:
        raise FilterError(f"metric: unknown metric {metric!r}")
    wave_id = None
    if query.get("wave"):
        try:
            wave_id = int(query["wave"])
        except ValueError:
            raise FilterError("wave: must be a wave id") from None
    return Filters(segment, window, metric, wave_id)


def objective_history(objectives: list[Objective], data: PollData) -> list[list[ObjectiveStatus]]:
    """Each objective evaluated on every wave (window) shown, oldest first."""
    return [
        [evaluate(o, data.cell(w.id, o.metric, o.brand, o.segment), w.id) for w in data.waves]
        for o in objectives
    ]


Column = list[float | None]


def _series(data: PollData, metric: str, brand: str, segment: str) -> tuple[Column, Column, Column]:
    cells: list[Figure | None] = [data.cell(w.id, metric, brand, segment) for w in data.waves]
    shown = [c if c is not None and c.shown else None for c in cells]
    return (
        [c.estimate if c else None for c in shown],
        [c.ci_low if c else None for c in shown],
        [c.ci_high if c else None for c in shown],
    )


def draw_charts(data: PollData, wave_id: int, f: Filters) -> dict[str, str]:
    """Every chart of the page as SVG text (runs in a worker thread)."""
    labels = [w.label for w in data.waves]
    breaks = version_breaks(data.waves)
    own = data.brand_name(data.own_brand)
    out: dict[str, str] = {}
    kpi = [
        charts.Series(
            metric_name(m), *_series(data, m, data.own_brand, f.segment), highlight=True, color=PALETTE[i]
        )
        for i, m in enumerate(TREND_METRICS)
        if m in data.metrics
    ]
    if kpi:
        out["kpi_trend"] = charts.trend(f"{own}: awareness to preference", labels, kpi, breaks=breaks)
    if "nps" in data.metrics:
        nps = charts.Series("NPS", *_series(data, "nps", data.own_brand, f.segment), highlight=True)
        out["nps_trend"] = charts.trend(
            f"{own}: net promoter score", labels, [nps], breaks=breaks, percent=False
        )
    brands = [
        charts.Series(name, *_series(data, f.metric, b, f.segment), highlight=b == data.own_brand)
        for b, name in data.brands
    ]
    percent = f.metric != "nps"
    out["brand_trend"] = charts.trend(
        f"{metric_name(f.metric)} by brand", labels, brands, breaks=breaks, percent=percent
    )
    comp = [c if c.shown else None for c in comparison(data, wave_id, f.metric, f.segment)]
    rows = comparison(data, wave_id, f.metric, f.segment)
    if rows:
        out["comparison"] = charts.bars(
            f"{metric_name(f.metric)}, latest wave",
            [data.brand_name(c.brand) for c in rows],
            [c.estimate if c else None for c in comp],
            [c.ci_low if c else None for c in comp],
            [c.ci_high if c else None for c in comp],
            highlight=0 if rows[0].brand == data.own_brand else None,
            percent=percent,
        )
    fun = funnel(data, wave_id, data.own_brand)
    if any(c is not None for cells in fun.values() for c in cells):
        out["funnel"] = charts.funnel(
            f"{own}: funnel",
            [label for _, label in FUNNEL],
            {k: [c.estimate if c and c.shown else None for c in v] for k, v in fun.items()},
        )
    brand_ids, attributes, grid = image_map(data, wave_id, f.segment)
    if attributes:
        out["image_map"] = charts.heatmap(
            "Brand image",
            [data.brand_name(b) for b in brand_ids],
            [metric_name(a).removeprefix("Image: ") for a in attributes],
            [[c.estimate if c and c.shown else None for c in r] for r in grid],
        )
    return out


@dataclass(frozen=True)
class Page:
    poll: Poll
    data: PollData
    filters: Filters
    wave: WaveInfo | None
    tiles: list[Any]
    comparison: list[Figure]
    funnel: dict[str, list[Figure | None]]
    image: tuple[list[str], list[str], list[list[Figure | None]]]
    objectives: list[tuple[Objective, list[ObjectiveStatus]]]
    summary: WaveSummary | None
    low_bases: list[Figure]
    charts: dict[str, str]
    segments: list[str]
    metrics: list[str]


async def build_page(
    conn: asyncpg.Connection,
    settings: Settings,
    poll: Poll,
    query: Mapping[str, str],
    *,
    with_charts: bool = True,
) -> Page:
    segments = await estimates_store.poll_segments(conn, poll.id)
    raw = await load_poll_data(conn, poll)
    f = parse_filters(query, segments, raw.metrics)
    data = raw if f.window == 1 else await load_poll_data(conn, poll, f.window)
    objectives = await objectives_store.list_objectives(conn, poll.id)
    if not data.waves:
        return Page(
            poll,
            data,
            f,
            None,
            [],
            [],
            {},
            ([], [], []),
            [(o, []) for o in objectives],
            None,
            [],
            {},
            segments,
            raw.metrics,
        )
    wave = next((w for w in data.waves if w.id == f.wave_id), data.waves[-1])
    history = objective_history(objectives, data)
    latest = [h[[w.id for w in data.waves].index(wave.id)] for h in history]
    summary = summarise(data, wave.id, f.segment, latest, {o.id: o.label for o in objectives})
    kpis = tiles(data, wave.id, f.segment, StatisticsOptions.from_settings(settings))
    comp = comparison(data, wave.id, f.metric, f.segment)
    fun = funnel(data, wave.id, data.own_brand)
    drawn: dict[str, str] = {}
    if with_charts:
        drawn = await asyncio.get_running_loop().run_in_executor(None, draw_charts, data, wave.id, f)
    lows = low_bases([t.cell for t in kpis] + list(comp) + [c for v in fun.values() for c in v])
    return Page(
        poll,
        data,
        f,
        wave,
        kpis,
        comp,
        fun,
        image_map(data, wave.id, f.segment),
        list(zip(objectives, history, strict=True)),
        summary,
        lows,
        drawn,
        segments,
        raw.metrics,
    )


def kpi_metrics_present(data: PollData) -> list[str]:
    return [m for m in KPI_METRICS if m in data.metrics]
