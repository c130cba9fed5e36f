"""What a dashboard page shows: load a poll's published figures (each wave's own, or the stored rolling windows)
for the segments the page needs, apply the filters, compute cards, comparisons, funnel, image map, objectives,
the summary and the bases, read the wave's stored key drivers, image map and mental availability, and draw the
charts. The web layer caches the result until the poll's figures change
(:mod:`recognition.web.dashboard.cache`), so a page view does not repeat this work."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import asyncpg

from recognition.alerts.objectives import ObjectiveStatus, evaluate
from recognition.figures import Figure, StatisticsOptions
from recognition.labels import metric_namer
from recognition.polls.model import Objective, Poll
from recognition.reports.charts_insight import draw_insight
from recognition.reports.model import (
    FUNNEL_SEGMENTS,
    KPI_METRICS,
    PollData,
    Tile,
    WaveInfo,
    baseline,
    comparison,
    funnel,
    image_map,
    low_bases,
    order_metrics,
    order_segments,
    previous_wave,
    since_changes,
    tiles,
)
from recognition.reports.modelled import Group, modelled_groups
from recognition.reports.numbers import Numbers
from recognition.reports.page_charts import Chart, draw_charts
from recognition.reports.staff_gap import StaffGapView, staff_gap_view
from recognition.reports.summary import WaveSummary, summarise
from recognition.settings import Settings
from recognition.store import estimates as estimates_store
from recognition.store import insight as insight_store
from recognition.store import objectives as objectives_store
from recognition.store import waves as waves_store

#: Window choices the dashboard may offer (1 = each wave alone); it offers those in ``statistics.windows``.
WINDOWS = (1, 3, 4, 6)


def offered_windows(settings: Settings) -> tuple[int, ...]:
    """The windows the dashboard offers: each wave alone, and those of :data:`WINDOWS` the service computes."""
    return tuple(w for w in WINDOWS if w == 1 or w in settings.statistics_windows)


class FilterError(ValueError):
    """A filter value the poll does not have; the message names the parameter."""


@dataclass(frozen=True)
class Filters:
    segment: str = "all"
    window: int = 1
    metric: str = "aided"
    wave_id: int | None = None
    lang: str = ""

    def query(self, **changes: Any) -> str:
        values: dict[str, Any] = {"segment": self.segment, "window": self.window, "metric": self.metric}
        if self.wave_id is not None:
            values["wave"] = self.wave_id
        if self.lang:
            values["lang"] = self.lang
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v is not None})

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.segment, self.window, self.metric, self.wave_id, self.lang)


@dataclass(frozen=True)
class Overview:
    """A poll's published waves (oldest first) and the segments and metrics of its latest wave."""

    waves: tuple[WaveInfo, ...]
    segments: list[str]
    metrics: list[str]


async def overview(conn: asyncpg.Connection, poll: Poll) -> Overview:
    published = [w for w in await waves_store.list_waves(conn, poll.id) if w.state == "published"]
    waves = tuple(
        WaveInfo(w.id, w.scheduled_at, w.field_start, w.field_end, w.questionnaire_version) for w in published
    )
    if not waves:
        return Overview((), [], [])
    latest = await estimates_store.figures(conn, waves[-1].id)
    return Overview(
        waves, order_segments({f.segment for f in latest}), order_metrics({f.metric for f in latest})
    )


async def load_poll_data(
    conn: asyncpg.Connection,
    poll: Poll,
    window: int = 1,
    segments: Sequence[str] | None = None,
    waves: Sequence[WaveInfo] | None = None,
) -> PollData:
    """The poll's published waves and their stored figures (total base) in ``segments`` (all when None): each
    wave's own, or the windows of ``window`` waves (labelled by their last wave; waves before the first full
    window are left out)."""
    if waves is None:
        waves = (await overview(conn, poll)).waves
    rows = await estimates_store.poll_figures(
        conn, poll.id, window=window, base="total", segments=None if segments is None else list(segments)
    )
    cells = {(r.wave_id, r.figure.metric, r.figure.brand, r.figure.segment): r.figure for r in rows}
    ends = {r.wave_id for r in rows}
    return PollData(
        poll_id=poll.id,
        name=poll.name,
        own_brand=poll.own_brand,
        brands=tuple((b, poll.brand_name(b)) for b in poll.brand_ids),
        waves=tuple(w for w in waves if window == 1 or w.id in ends),
        cells=cells,
        window=window,
    )


def parse_filters(
    query: Mapping[str, str], segments: list[str], metrics: list[str], windows: Sequence[int] = WINDOWS
) -> Filters:
    segment = query.get("segment", "all")
    if segments and segment not in segments:
        raise FilterError(f"segment: unknown segment {segment!r}")
    offered = f"window: must be one of {', '.join(map(str, windows))}"
    try:
        window = int(query.get("window", "1"))
    except ValueError:
        raise FilterError(offered) from None
    if window not in windows:
        raise FilterError(offered)
    metric = query.get("metric", "aided" if "aided" in metrics or not metrics else metrics[0])
    if metrics and metric not in metrics:
        raise FilterError(f"metric: unknown metric {metric!r}")
    wave_id = None
    if query.get("wave"):
        try:
            wave_id = int(query["wave"])
        except ValueError:
            raise FilterError("wave: must be a wave id") from None
    lang = query.get("lang", "")
    if lang not in ("", "en", "de"):
        raise FilterError("lang: must be en or de")
    return Filters(segment, window, metric, wave_id, lang)


def objective_history(objectives: Sequence[Objective], data: PollData) -> list[list[ObjectiveStatus]]:
    """Each objective evaluated on every wave (window) shown, oldest first."""
    return [
        [evaluate(o, data.cell(w.id, o.metric, o.brand, o.segment), w.id) for w in data.waves]
        for o in objectives
    ]


@dataclass(frozen=True)
class Page:
    poll: Poll
    data: PollData
    filters: Filters
    wave: WaveInfo | None
    tiles: list[Tile]
    comparison: list[Figure]
    funnel: dict[str, list[Figure | None]]
    image: tuple[list[str], list[str], list[list[Figure | None]]]
    objectives: list[tuple[Objective, list[ObjectiveStatus]]]
    summary: WaveSummary | None
    low_bases: list[Figure]
    charts: dict[str, Chart]
    segments: list[str]
    metrics: list[str]
    numbers: Numbers = Numbers()
    since: WaveInfo | None = None  # the baseline wave of the "since" comparison
    #: The wave's key drivers, image map and mental availability as stored when it published
    #: (:mod:`recognition.waves.insight`); None when it was published before they were computed.
    insight: dict[str, Any] | None = None
    #: Modelled reads of the chosen metric for the own brand in every segment, beside the direct estimates
    #: (:mod:`recognition.reports.modelled`; single waves only).
    modelled: tuple[Group, ...] = ()
    windows: tuple[int, ...] = WINDOWS  # the window choices the filters offer (:func:`offered_windows`)
    #: What staff believe vs what the public says (:mod:`recognition.reports.staff_gap`); shown with answers only.
    staff: StaffGapView | None = None

    @cached_property
    def name(self) -> Callable[[str], str]:
        """The metric as this page names it (``page.name(metric)``): in its language, the poll's own service
        dimensions as worded; the wording is read once per page."""
        return metric_namer(self.numbers.locale, self.poll.service_satisfaction)

    @property
    def headline_tiles(self) -> list[Tile]:
        return [t for t in self.tiles if t.family == "headline"]

    @property
    def other_tiles(self) -> list[Tile]:
        return [t for t in self.tiles if t.family != "headline"]


async def build_page(
    conn: asyncpg.Connection,
    settings: Settings,
    poll: Poll,
    query: Mapping[str, str],
    *,
    with_charts: bool = True,
    fmt: Numbers | None = None,
    objectives: Sequence[Objective] | None = None,
) -> Page:
    """Everything a poll's page (or its summary) shows for the filters in ``query``."""
    seen = await overview(conn, poll)
    f = parse_filters(query, seen.segments, seen.metrics, offered_windows(settings))
    fmt = fmt or Numbers(f.lang or "en")
    if objectives is None:
        objectives = await objectives_store.list_objectives(conn, poll.id)
    if not seen.waves:
        empty = PollData(poll.id, poll.name, poll.own_brand, (), (), {})
        return Page(
            poll,
            empty,
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
            seen.segments,
            seen.metrics,
            fmt,
            windows=offered_windows(settings),
        )
    wanted = sorted({f.segment, *FUNNEL_SEGMENTS, *(o.segment for o in objectives)})
    data = await load_poll_data(conn, poll, f.window, wanted, seen.waves)
    if not data.waves:
        raise FilterError(f"window: the poll has fewer than {f.window} published waves")
    wave = next((w for w in data.waves if w.id == f.wave_id), None)
    if f.wave_id is not None and wave is None:
        raise FilterError(f"wave: {f.wave_id} is not a published wave of this poll")
    wave = wave or data.waves[-1]
    history = objective_history(objectives, data)
    position = [w.id for w in data.waves].index(wave.id)
    latest = [h[position] for h in history]
    labels = {o.id: o.label for o in objectives}
    options = StatisticsOptions.from_settings(settings)
    start = baseline(data.waves, wave.id, data.window)
    moves = since_changes(data, wave.id, f.segment, options)
    names = metric_namer(fmt.locale, poll.service_satisfaction)
    cards = tiles(data, wave.id, f.segment, options, moves, names)
    trends = {t.metric: t.trend for t in cards if t.trend is not None}
    insight = await insight_store.wave_insight(conn, wave.id)
    before = previous_wave(data.waves, wave.id)
    earlier = await insight_store.wave_insight(conn, before.id) if before is not None else None
    summary = summarise(
        data, wave.id, f.segment, latest, labels, fmt, moves, start, trends, insight, earlier, options, names
    )
    drawn = draw_charts(data, wave.id, f.segment, f.metric, fmt, options.level, names) if with_charts else {}
    modelled = (
        await modelled_reads(
            conn, [w.id for w in data.waves], wave.id, f.metric, poll.own_brand, options.level
        )
        if f.window == 1
        else ()
    )
    if with_charts:
        drawn.update(draw_insight(insight, poll.brand_name, poll.own_brand, fmt))
    return Page(
        poll,
        data,
        f,
        wave,
        cards,
        comparison(data, wave.id, f.metric, f.segment),
        funnel(data, wave.id, data.own_brand),
        image_map(data, wave.id, f.segment),
        [(o, h[: position + 1]) for o, h in zip(objectives, history, strict=True)],
        summary,
        low_bases(data, wave.id, f.segment),
        drawn,
        seen.segments,
        seen.metrics,
        fmt,
        start,
        insight,
        modelled,
        windows=offered_windows(settings),
        staff=await staff_gap_view(conn, poll, options.level),
    )


async def modelled_reads(
    conn: asyncpg.Connection,
    published: Sequence[int],
    wave_id: int,
    metric: str,
    brand: str,
    level: float,
) -> tuple[Group, ...]:
    """Modelled segment reads of ``metric`` × ``brand`` at ``wave_id`` (one of the ``published`` wave ids, in
    order), with the previous published wave's figures as the covariate: for the page and the API alike."""
    ids = list(published)
    before = ids[ids.index(wave_id) - 1] if ids.index(wave_id) > 0 else None
    current = await estimates_store.figures(conn, wave_id, metric=metric, brand=brand)
    previous = await estimates_store.figures(conn, before, metric=metric, brand=brand) if before else []
    return tuple(
        modelled_groups(
            {x.segment: x for x in current if x.base == "total"},
            {x.segment: x for x in previous if x.base == "total"},
            level=level,
        )
    )


def kpi_metrics_present(data: PollData) -> list[str]:
    return [m for m in KPI_METRICS if m in data.metrics]
