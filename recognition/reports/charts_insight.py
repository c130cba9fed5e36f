"""The charts of a wave's stored insight (:mod:`recognition.waves.insight`): key-driver bars (the attributes'
shares of the explained variance, with their bootstrap intervals, drawn by :func:`recognition.reports.
charts_other.bars`) and the image map (brands and attributes on the first two correspondence-analysis
dimensions, their labels placed by :func:`place_labels` so that none overlaps another, however close the points).
Same marks, tooltips and text rules as the other charts. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from recognition.labels import attribute_name, metric_name, segment_name
from recognition.reports import charts, charts_other
from recognition.reports.charts import CHAR, OWN, _f, _fit, _mark, _nice, _open, _text
from recognition.reports.numbers import Numbers
from recognition.reports.page_charts import Chart

ATTRIBUTE_COLOR = "#c0504d"
MAP_SIDE = 480  # the map's square, at most (its labels get the room to its right)
BRAND_COLOR = "#6b7785"
GAP = 8  # between a mark's centre and its label
RADIUS = 6  # a mark's half-size, as an obstacle to labels
LEADER = "#9aa3ad"


@dataclass(frozen=True)
class Box:
    """A label's box in drawing units: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float

    def intersects(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    def inside(self, bounds: tuple[float, float, float, float]) -> bool:
        left, top, right, bottom = bounds
        return self.x >= left and self.y >= top and self.x + self.w <= right and self.y + self.h <= bottom


def _candidates(x: float, y: float, w: float, h: float, reach: int) -> Iterator[tuple[Box, bool]]:
    """Where a label of ``w`` × ``h`` may go around the point (x, y), nearest first: right, left, above, below,
    then right and left shifted up and down by one label height at a time (``True``: needs a leader line)."""
    yield Box(x + GAP, y - h / 2, w, h), False
    yield Box(x - GAP - w, y - h / 2, w, h), False
    yield Box(x - w / 2, y - GAP - h, w, h), False
    yield Box(x - w / 2, y + GAP, w, h), False
    for k in range(1, reach + 1):
        for dy in (-k * h, k * h):
            yield Box(x + GAP, y - h / 2 + dy, w, h), True
            yield Box(x - GAP - w, y - h / 2 + dy, w, h), True


def place_labels(
    points: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    bounds: tuple[float, float, float, float],
) -> list[tuple[Box, bool]]:
    """Boxes for the labels of ``points`` (in order of importance; ``sizes`` their width and height), none
    overlapping another and none outside ``bounds`` (left, top, right, bottom) where there is room: each label
    takes the nearest free place around its point (:func:`_candidates`), avoiding the marks too where it can;
    ``True`` where it sits away from its point and needs a leader line. Deterministic."""
    marks = [Box(x - RADIUS, y - RADIUS, 2 * RADIUS, 2 * RADIUS) for x, y in points]
    placed: list[tuple[Box, bool]] = []
    for (x, y), (w, h) in zip(points, sizes, strict=True):
        reach = int((bounds[3] - bounds[1]) / max(h, 1.0)) + 1
        options = [c for c in _candidates(x, y, w, h, reach) if c[0].inside(bounds)]
        free = [c for c in options if not any(c[0].intersects(b) for b, _ in placed)]
        clear = [c for c in free if not any(c[0].intersects(m) for m in marks)]
        placed.append(clear[0] if clear else free[0] if free else next(_candidates(x, y, w, h, 0)))
    return placed


def _both(draw: Callable[..., str], *args: Any, **kw: Any) -> tuple[str, str]:
    return draw(*args, width=charts.WIDE, **kw), draw(*args, width=charts.NARROW, **kw)


def driver_rows(result: Mapping[str, Any]) -> list[tuple[str, charts.Point | None, bool]]:
    """Bars of one driver result, largest share first; the largest is highlighted."""
    ranked = sorted(result["attributes"], key=lambda a: -(a["share"] if a["share"] is not None else -1))
    return [
        (
            attribute_name(a["attribute"]),
            charts.Point(a["share"], a["share_low"], a["share_high"], result["n_eff"]),
            k == 0,
        )
        for k, a in enumerate(ranked)
    ]


def image_map_svg(
    title: str,
    brands: Sequence[tuple[str, float, float, bool]],
    attributes: Sequence[tuple[str, float, float]],
    fmt: Numbers,
    *,
    width: int = charts.WIDE,
) -> str:
    """Brands (dots, the own brand in the highlight colour) and attributes (diamonds) at their coordinates, on
    equal scales for both axes (distances on a correspondence map mean something only then)."""
    pad, top, label_room = 20, 30, 120 if width >= 500 else 90
    side = min(width - pad - label_room, MAP_SIDE)
    height = top + side + 10
    values = [v for point in (*brands, *attributes) for v in (float(point[1]), float(point[2]))]
    spread = max([abs(v) for v in values] or [1.0])
    ticks = _nice(min([-0.1 * spread, *values]) * 1.1, max([0.1 * spread, *values]) * 1.1)
    lo, hi = ticks[0], ticks[-1]

    def P(v: float) -> float:
        return (v - lo) / (hi - lo or 1) * side

    out = [_open(width, height, title)]
    zx, zy = pad + P(0.0), top + side - P(0.0)
    out.append(
        f'<rect x="{pad}" y="{top}" width="{side}" height="{side}" fill="none" stroke="#dde2e7"/>'
        f'<line x1="{pad}" x2="{pad + side}" y1="{_f(zy)}" y2="{_f(zy)}" stroke="#c5ccd3"/>'
        f'<line x1="{_f(zx)}" x2="{_f(zx)}" y1="{top}" y2="{top + side}" stroke="#c5ccd3"/>'
    )
    size = 11 if width < 500 else 12
    longest = min(width / 3, 200)
    items: list[tuple[str, float, float, bool | None]] = [b for b in brands if b[3]]
    items += [b for b in brands if not b[3]]
    items += [(label, x, y, None) for label, x, y in attributes]
    texts = [_fit(label, longest, size) for label, *_ in items]
    anchors = [(pad + P(x), top + side - P(y)) for _, x, y, _ in items]
    sizes = [(len(t) * CHAR * size + 2, size * 1.2) for t in texts]
    boxes = place_labels(anchors, sizes, (0.0, top - 8.0, float(width), height - 2.0))
    for k, ((label, x, y, own), text, (cx, cy), (box, lead)) in enumerate(
        zip(items, texts, anchors, boxes, strict=True)
    ):
        tip = f"{label}: dimension 1 {fmt.decimal(x)}, dimension 2 {fmt.decimal(y)}"
        if own is None:
            out.append(
                f'<g class="series" data-series="a{k}"><path d="M{_f(cx)} {_f(cy - 6)}l6 6l-6 6l-6-6z" '
                f'fill="{ATTRIBUTE_COLOR}" class="mark"><title>{escape(tip)}</title></path>'
            )
        else:
            out.append(f'<g class="series" data-series="b{k}">')
            out.append(_mark(cx, cy, 6, OWN if own else BRAND_COLOR, tip))
        if lead:
            ex = min(max(cx, box.x), box.x + box.w)
            ey = min(max(cy, box.y), box.y + box.h)
            out.append(
                f'<line x1="{_f(cx)}" y1="{_f(cy)}" x2="{_f(ex)}" y2="{_f(ey)}" stroke="{LEADER}" '
                f'stroke-width="0.8" class="leader"/>'
            )
        out.append(_text(box.x + 1, box.y + size * 0.95, text, size=size, weight="b" if own else "") + "</g>")
    out.append("</svg>")
    return "".join(out)


def draw_insight(
    insight: Mapping[str, Any] | None,
    brand_name: Callable[[str], str],
    own_brand: str,
    fmt: Numbers,
) -> dict[str, Chart]:
    """The drivers charts (among everybody, one per outcome) and the image map of the stored insight."""
    out: dict[str, Chart] = {}
    if not insight:
        return out
    for result in insight.get("drivers", []):
        if result["base"] != "all":
            continue
        outcome = metric_name(result["outcome"])
        rows = driver_rows(result)
        wide, narrow = _both(charts_other.bars, f"What goes with {outcome.lower()}", rows, fmt)
        out[f"drivers_{result['outcome']}"] = Chart(
            wide,
            narrow,
            f"Share of the explained variance of {outcome.lower()} per image attribute, "
            f"{segment_name(result['base']).lower()}",
            f"Relative weights with {fmt.count(100 * result['level'])}% bootstrap intervals; "
            f"n {fmt.count(result['n'])}, effective n {fmt.count(result['n_eff'])}, "
            f"R² {fmt.decimal(result['r_squared'])}.",
        )
    placed = insight.get("image_map")
    if placed:
        brands = [
            (brand_name(b["brand"]), b["x"], b["y"], b["brand"] == own_brand)
            for b in placed["brands"]
            if b["x"] is not None and b["y"] is not None
        ]
        attributes = [
            (attribute_name(a["attribute"]), a["x"], a["y"])
            for a in placed["attributes"]
            if a["x"] is not None and a["y"] is not None
        ]
        explained = placed["inertia_explained"]
        wide, narrow = _both(image_map_svg, "Brands and image attributes", brands, attributes, fmt)
        out["position_map"] = Chart(
            wide,
            narrow,
            "Brands and image attributes on the two main dimensions of their associations",
            f"The map shows {fmt.value(explained)} of the associations' variation (inertia); "
            f"n {fmt.count(placed['n'])}, effective n {fmt.count(placed['n_eff'])}.",
        )
    return out
