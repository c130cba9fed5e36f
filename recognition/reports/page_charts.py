"""The charts of a poll's page, drawn from its figures (:mod:`recognition.reports.charts`), each in a wide and a
narrow layout with its accessible name and caption. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from recognition.figures import Figure
from recognition.labels import among, attribute_name, metric_name, segment_name
from recognition.reports import charts, charts_other
from recognition.reports.model import FUNNEL, PollData, comparison, funnel, image_map, version_breaks
from recognition.reports.numbers import Numbers
from recognition.reports.smoothed import LEGEND, smooth_series

TREND_METRICS = ("unaided", "aided", "consider", "prefer")
KPI_COLORS = ("#1f5fa8", "#c0504d", "#6a9f3a", "#8064a2")


@dataclass(frozen=True)
class Chart:
    wide: str
    narrow: str
    label: str  # the accessible name: what the chart shows
    caption: str


def point(c: Figure | None) -> charts.Point | None:
    """A figure as a chart mark; a suppressed figure keeps its base but no numbers."""
    if c is None:
        return None
    if not c.shown:
        return charts.Point(None, n_eff=c.n_eff)
    return charts.Point(c.estimate, c.ci_low, c.ci_high, c.n_eff)


def _both(draw: object, *args: object, **kw: object) -> tuple[str, str]:
    return draw(*args, width=charts.WIDE, **kw), draw(*args, width=charts.NARROW, **kw)  # type: ignore[operator]


def smoothed(
    data: PollData, metric: str, brand: str, segment: str, level: float
) -> list[charts.Point | None]:
    """The local-level smoothed series of ``metric`` × ``brand`` over the page's waves
    (:func:`recognition.reports.smoothed.smooth_series`, from the last questionnaire change on), aligned with
    them; empty for rolling windows (overlapping windows are no independent observations) or too short a
    series."""
    if data.window != 1:
        return []
    raw = [(w.id, c) for w in data.waves if (c := data.cell(w.id, metric, brand, segment)) is not None]
    breaks = [data.waves[i].id for i in version_breaks(data.waves)]
    (fit,) = smooth_series([raw], breaks=breaks, level=level)
    if fit.note is not None:
        return []
    by_wave = {wave_id: p for (wave_id, _), p in zip(raw, fit.points, strict=True)}
    return [
        None if (p := by_wave.get(w.id)) is None else charts.Point(p.estimate, p.ci_low, p.ci_high)
        for w in data.waves
    ]


def draw_charts(
    data: PollData,
    wave_id: int,
    segment: str,
    metric: str,
    fmt: Numbers,
    level: float = 0.95,
    name_of: Callable[[str], str] = metric_name,
) -> dict[str, Chart]:
    """Every chart of the page, keyed by name (metrics named by ``name_of``: the page's language and the poll's
    own service dimensions). The brand trend and the NPS trend carry the own brand's smoothed line
    (:func:`smoothed`) as a second, dashed layer beside its raw series, when there is one."""
    labels = [w.label for w in data.waves]
    breaks = version_breaks(data.waves)
    own = data.brand_name(data.own_brand)
    where = among(segment)
    out: dict[str, Chart] = {}

    def series(m: str, brand: str) -> list[charts.Point | None]:
        return [point(data.cell(w.id, m, brand, segment)) for w in data.waves]

    def beside(m: str, color: str) -> list[charts.Series]:
        points = smoothed(data, m, data.own_brand, segment, level)
        tip_name = f"{own}, {LEGEND}"
        return (
            [charts.Series(LEGEND, points, color=color, smoothed=True, tip_name=tip_name)] if points else []
        )

    kpi = [
        charts.Series(name_of(m), series(m, data.own_brand), highlight=True, color=KPI_COLORS[i])
        for i, m in enumerate(TREND_METRICS)
        if m in data.metrics
    ]
    if kpi:
        wide, narrow = _both(charts.trend, f"{own}: awareness to preference", labels, kpi, fmt, breaks=breaks)
        out["kpi_trend"] = Chart(
            wide,
            narrow,
            f"{own}'s awareness, consideration and preference by wave{where}, with confidence bands",
            f"{own}: awareness to preference{where}, by wave",
        )
    if "nps" in data.metrics:
        nps = [charts.Series("NPS", series("nps", data.own_brand), highlight=True)]
        calm = beside("nps", charts.OWN)
        nps += calm
        wide, narrow = _both(
            charts.trend, f"{own}: net promoter score", labels, nps, fmt, kind="mean", breaks=breaks
        )
        out["nps_trend"] = Chart(
            wide,
            narrow,
            f"{own}'s net promoter score by wave{where}, with its confidence band"
            + (f" and its {LEGEND} line" if calm else ""),
            f"NPS{where}" + (f"; dashed: {LEGEND}, beside the raw figures" if calm else ""),
        )
    kind = "mean" if metric == "nps" else "proportion"
    name = name_of(metric)
    brands = [
        charts.Series(bname, series(metric, b), highlight=b == data.own_brand) for b, bname in data.brands
    ]
    own_color = next(
        (
            charts.PALETTE[i % len(charts.PALETTE)]
            for i, (b, _) in enumerate(data.brands)
            if b == data.own_brand
        ),
        charts.OWN,
    )
    calm = beside(metric, own_color)
    brands += calm
    wide, narrow = _both(charts.trend, f"{name} by brand", labels, brands, fmt, kind=kind, breaks=breaks)
    out["brand_trend"] = Chart(
        wide,
        narrow,
        f"{name} of every brand by wave{where}" + (f", and {own}'s {LEGEND} line" if calm else ""),
        f"{name} by brand{where}; tap a brand to hide it"
        + (f"; dashed: {own}, {LEGEND}, beside the raw figures" if calm else ""),
    )
    rows = comparison(data, wave_id, metric, segment)
    if rows:
        bars = [(data.brand_name(c.brand), point(c), c.brand == data.own_brand) for c in rows]
        wide, narrow = _both(charts_other.bars, f"{name}, this wave", bars, fmt, kind=kind)
        out["comparison"] = Chart(
            wide,
            narrow,
            f"{name} of each brand in this wave{where}, with confidence intervals",
            f"{name} by brand{where}, with 95% confidence intervals",
        )
    fun = funnel(data, wave_id, data.own_brand)
    if any(c is not None for cells in fun.values() for c in cells):
        groups = []
        for seg, cells in fun.items():
            base = next((c for c in cells if c is not None), None)
            n = f" (n = {fmt.count(base.n)})" if base is not None else ""
            groups.append((segment_name(seg) + n, [point(c) for c in cells]))
        wide, narrow = _both(
            charts_other.funnel, f"{own}: funnel", [label for _, label in FUNNEL], groups, fmt
        )
        out["funnel"] = Chart(
            wide,
            narrow,
            f"Aware, consider and prefer shares of {own} among everybody and among potential customers",
            f"{own}: aware → consider → prefer, everybody and potential customers (lapsed or never customers)",
        )
    brand_ids, attributes, grid = image_map(data, wave_id, segment)
    if attributes:
        wide, narrow = _both(
            charts_other.heatmap,
            "Brand image",
            [data.brand_name(b) for b in brand_ids],
            [attribute_name(a) for a in attributes],
            [[point(c) for c in r] for r in grid],
            fmt,
        )
        out["image_map"] = Chart(
            wide,
            narrow,
            f"Share associating each image attribute with each brand{where}",
            f"Brand × attribute, % associating{where}",
        )
    return out
