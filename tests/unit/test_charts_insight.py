"""The image map's labels never overlap, however close the points; the trend charts carry the smoothed line as a
labelled second layer beside the raw series."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from recognition.figures import Figure
from recognition.reports import charts
from recognition.reports.charts_insight import Box, image_map_svg, place_labels
from recognition.reports.model import PollData, WaveInfo
from recognition.reports.numbers import Numbers
from recognition.reports.page_charts import draw_charts
from recognition.reports.smoothed import LEGEND

SVG = "{http://www.w3.org/2000/svg}"
EN = Numbers("en")


def _overlaps(boxes: list[Box]) -> list[tuple[int, int]]:
    return [(i, j) for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2) if a.intersects(b)]


def test_box_intersection() -> None:
    a = Box(0, 0, 10, 10)
    assert a.intersects(Box(5, 5, 10, 10)) and not a.intersects(Box(10, 0, 5, 5))
    assert not a.intersects(Box(0, 10.5, 10, 10))


def test_labels_of_close_points_do_not_overlap() -> None:
    # eight points within a few pixels of each other, and two more a little apart
    points = [(200.0 + i, 200.0 + (i % 3)) for i in range(8)] + [(210.0, 215.0), (190.0, 185.0)]
    sizes = [(60.0 + 5 * i, 14.0) for i in range(len(points))]
    bounds = (0.0, 20.0, 480.0, 420.0)
    placed = place_labels(points, sizes, bounds)
    boxes = [b for b, _ in placed]
    assert _overlaps(boxes) == []
    assert all(b.inside(bounds) for b in boxes)
    assert all((b.w, b.h) == size for b, size in zip(boxes, sizes, strict=True))
    # the first label sits beside its point (left of it: the marks crowd its right); the crowded ones further
    # away get leader lines
    assert placed[0] == (Box(132.0, 193.0, 60.0, 14.0), False)
    assert any(lead for _, lead in placed)
    # deterministic
    assert place_labels(points, sizes, bounds) == placed


def test_a_lone_label_stays_beside_its_point_and_moves_left_at_the_edge() -> None:
    (right,) = place_labels([(100.0, 100.0)], [(50.0, 14.0)], (0.0, 0.0, 300.0, 300.0))
    assert right == (Box(108.0, 93.0, 50.0, 14.0), False)
    (left,) = place_labels([(280.0, 100.0)], [(50.0, 14.0)], (0.0, 0.0, 300.0, 300.0))
    assert left == (Box(222.0, 93.0, 50.0, 14.0), False)


def _text_boxes(svg: str, size: int) -> list[Box]:
    """The boxes of the drawing's labels (the title excluded), measured as the layout measures them."""
    root = ET.fromstring(svg)
    out = []
    for t in root.iter(f"{SVG}text"):
        if t.get("font-weight") == "bold" and t.get("font-size") == "14":
            continue  # the title
        w = len(t.text or "") * charts.CHAR * size + 2
        out.append(Box(float(t.get("x", 0)) - 1, float(t.get("y", 0)) - size * 0.95, w, size * 1.2))
    return out


def test_the_drawn_image_map_has_no_overlapping_labels() -> None:
    brands = [("Acme", 0.10, 0.05, True), ("Café Y", 0.11, 0.052, False), ("Brew & Co", 0.105, 0.049, False)]
    attributes = [("trust", 0.102, 0.051), ("value for money", 0.108, 0.047), ("fun", -0.3, 0.2)]
    for width, size in ((charts.WIDE, 12), (charts.NARROW, 11)):
        svg = image_map_svg("Map", brands, attributes, EN, width=width)
        boxes = _text_boxes(svg, size)
        assert len(boxes) == 6
        assert _overlaps(boxes) == []
        assert 'class="leader"' in svg  # the crowded labels point back to their marks
        assert "Brew &amp; Co" in svg and "value for money" in svg


def _fig(metric: str, est: float, se: float = 0.02) -> Figure:
    return Figure(
        metric=metric,
        brand="acme",
        segment="all",
        base="total",
        kind="mean" if metric == "nps" else "proportion",
        estimate=est,
        se=se,
        ci_low=est - 2 * se,
        ci_high=est + 2 * se,
        ci_method="logit",
        level=0.95,
        n=500,
        n_eff=400.0,
        deff=1.25,
        base_status="ok",
    )


def _data(values: list[float], window: int = 1) -> PollData:
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    waves = tuple(WaveInfo(i + 1, t0 + timedelta(days=7 * i), None, None, 1) for i in range(len(values)))
    cells = {(w.id, "aided", "acme", "all"): _fig("aided", v) for w, v in zip(waves, values, strict=True)}
    return PollData(1, "t", "acme", (("acme", "Acme"),), waves, cells, window)


def _smoothed_group(svg: str) -> ET.Element | None:
    root = ET.fromstring(svg)
    return next((g for g in root.iter(f"{SVG}g") if "smoothed" in (g.get("class") or "").split()), None)


def test_brand_trend_carries_the_smoothed_line_beside_the_raw_series() -> None:
    values = [0.50, 0.56, 0.48, 0.55, 0.51, 0.53]
    chart = draw_charts(_data(values), 6, "all", "aided", EN)["brand_trend"]
    for svg in (chart.wide, chart.narrow):
        group = _smoothed_group(svg)
        assert group is not None
        line = group.find(f"{SVG}polyline")
        assert line is not None and line.get("stroke-dasharray")
        assert group.find(f"{SVG}polygon") is not None  # its interval band
        assert LEGEND in svg  # the legend names the layer
        # the raw series is still drawn, with one mark per wave
        raw = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("data-series") == "s0")
        assert len(raw.findall(f"{SVG}circle")) == len(values)
    titles = re.findall(r"<title>(Acme, smoothed \(local level\)[^<]*)</title>", chart.wide)
    assert len(titles) == len(values)
    # the smoothed level is calmer than the raw series
    smooth = [float(re.search(r": (\d+)%", t).group(1)) for t in titles]  # type: ignore[union-attr]
    assert max(smooth) - min(smooth) < 100 * (max(values) - min(values))
    assert "smoothed (local level)" in chart.caption


def test_no_smoothed_line_for_short_series_or_rolling_windows() -> None:
    short = draw_charts(_data([0.5, 0.55]), 2, "all", "aided", EN)["brand_trend"]
    assert (
        _smoothed_group(short.wide) is None and LEGEND not in short.wide and "smoothed" not in short.caption
    )
    rolling = draw_charts(_data([0.5, 0.55, 0.5, 0.52], window=2), 4, "all", "aided", EN)["brand_trend"]
    assert _smoothed_group(rolling.wide) is None
