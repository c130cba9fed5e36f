"""Charts as SVG text, written directly (no plotting library, no JavaScript needed to see them).

Why this way: the page, its printout and the PDF show the same vector drawing, crisp at any size; drawing a chart
is string building (well under a millisecond a series), thread-safe and cached with the page; nothing is loaded
from outside. Each chart is drawn for a width: the pages carry a wide (720) and a narrow (380) drawing and show
the one that fits, so text stays 11–15 px from a phone to a desktop instead of shrinking with the drawing.

Every data mark has a ``<title>`` with value, interval and base: the browser's own tooltip, which
``static/charts.js`` also shows on tap; a long trend (over :data:`MAX_MARKS` points) gets one hover column per
wave listing every series there instead, and its phone drawing shows the latest :data:`NARROW_WAVES` waves.
Series carry ``data-series`` so the legend can toggle them.
All text is escaped, so a brand called ``$x$ <b>`` is drawn as written. Only presentation attributes are used
(no ``style``), which the page's Content-Security-Policy allows and the PDF renderer reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

from recognition.reports.numbers import Numbers

OWN = "#1f5fa8"
PALETTE = (
    "#1f5fa8",
    "#c0504d",
    "#6a9f3a",
    "#8064a2",
    "#d08b1f",
    "#2a9d9f",
    "#7f7f7f",
    "#a0522d",
    "#d45087",
    "#4c6e2f",
    "#5b5bd6",
    "#b8860b",
)
FONT = "DejaVu Sans, Verdana, sans-serif"
WIDE, NARROW = 720, 380
CHAR = 0.6  # average glyph width per unit of font size (DejaVu Sans), for fitting labels


@dataclass(frozen=True)
class Point:
    """One data mark: estimate, interval, effective base and the label of where it sits (a wave, a brand)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n_eff: float | None = None


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Point | None]
    highlight: bool = False  # drawn bold, with its confidence band
    color: str | None = None
    #: A model's smoothed line beside a raw series (dashed, with its interval band, never replacing the raw
    #: line); ``tip_name`` names it in tooltips ("Acme, smoothed (local level)").
    smoothed: bool = False
    tip_name: str | None = None


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", weight: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" text-anchor="{anchor}" fill="#1d2329"'
        f' font-family="{FONT}"{bold}>{escape(text)}</text>'
    )


def _fit(text: str, width: float, size: int = 12) -> str:
    """``text`` cut with an ellipsis to fit ``width`` units."""
    room = max(3, int(width / (CHAR * size)))
    return text if len(text) <= room else text[: room - 1] + "…"


def _open(width: int, height: float, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_f(height)}" width="{width}" '
        f'height="{_f(height)}" class="chart-svg" focusable="false" aria-hidden="true">'
        + _text(0, 16, _fit(title, width, 14), size=14, weight="bold")
    )


def tip(fmt: Numbers, label: str, p: Point, kind: str) -> str:
    """``Acme, 12 Jan 2026: 62% (95% CI 59 to 65%), effective n 540``."""
    if p.value is None:
        return f"{label}: not shown (base too small)"
    parts = [f"{label}: {fmt.value(p.value, kind)}"]
    if p.low is not None and p.high is not None:
        parts.append(f" ({fmt.ci(p.low, p.high, kind)})")
    if p.n_eff is not None:
        parts.append(f", effective n {fmt.count(p.n_eff)}")
    return "".join(parts)


def _mark(x: float, y: float, r: float, color: str, text: str) -> str:
    return (
        f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="{color}" stroke="#ffffff" stroke-width="1" '
        f'class="mark"><title>{escape(text)}</title></circle>'
    )


#: Above this many marks a trend gets one hover column per wave (all series' values) instead of a mark per
#: point, which keeps a two-year tracker's page small.
MAX_MARKS = 120
#: Waves a narrow (phone) trend shows: the latest half-year of a weekly tracker.
NARROW_WAVES = 26


def _columns(
    series: Sequence[Series],
    x_labels: Sequence[str],
    X: Callable[[float], float],
    top: float,
    bottom: float,
    fmt: Numbers,
    kind: str,
) -> str:
    """One transparent column per wave whose tooltip lists every series' value there (intervals and bases of
    the highlighted ones)."""
    n = len(x_labels)
    step = (X(1) - X(0)) if n > 1 else (X(0) * 2)
    out = ['<g class="cols">']
    for i, label in enumerate(x_labels):
        parts = []
        for s in series:
            p = s.points[i] if i < len(s.points) else None
            if p is None or p.value is None:
                continue
            if s.highlight and p.low is not None and p.high is not None:
                extra = f" ({fmt.interval(p.low, p.high, kind)}, n {fmt.count(p.n_eff)})"
            else:
                extra = ""
            parts.append(f"{s.name} {fmt.value(p.value, kind)}{extra}")
        if not parts:
            continue
        text = f"{label}: " + "; ".join(parts)
        out.append(
            f'<rect x="{_f(X(i) - step / 2)}" y="{_f(top)}" width="{_f(step)}" height="{_f(bottom - top)}" '
            f'fill="#000000" fill-opacity="0" class="mark"><title>{escape(text)}</title></rect>'
        )
    out.append("</g>")
    return "".join(out)


def _nice(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    span = max(high - low, 1e-9)
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def _range(values: list[float], percent: bool) -> list[float]:
    if not values:
        return [0.0, 0.5, 1.0] if percent else [-100.0, 0.0, 100.0]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.1, 0.02 if percent else 2.0)
    low, high = low - pad, high + pad
    if percent:
        low, high = max(0.0, low), min(1.0, high)
    return _nice(low, high)


def _legend(series: Sequence[Series], colors: list[str], x: float, y: float, width: float, cols: int) -> str:
    out = []
    col_w = width / cols
    for i, (s, color) in enumerate(zip(series, colors, strict=True)):
        cx, cy = x + (i % cols) * col_w, y + (i // cols) * 20
        size = 11 if s.smoothed else 12
        label = _fit(s.name, col_w - 24, size)
        swatch = (
            f'<line x1="{_f(cx)}" x2="{_f(cx + 14)}" y1="{_f(cy - 4)}" y2="{_f(cy - 4)}" stroke="{color}" '
            f'stroke-width="2" stroke-dasharray="4 2"/>'
            if s.smoothed
            else f'<rect x="{_f(cx)}" y="{_f(cy - 9)}" width="14" height="10" fill="{color}"/>'
        )
        out.append(
            f'<g class="legend-item" data-series="s{i}" tabindex="0" role="button" aria-pressed="true">'
            + swatch
            + _text(cx + 19, cy, label, size=size, weight="bold" if s.highlight else "")
            + "</g>"
        )
    return "".join(out)


def trend(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    fmt: Numbers,
    *,
    kind: str = "proportion",
    breaks: Sequence[int] = (),
    width: int = WIDE,
) -> str:
    """Lines over waves; highlighted series with their confidence band; dashed lines where the questionnaire
    version changes (between wave i − 1 and i). The legend (right, or below when narrow) toggles series."""
    percent = kind != "mean"
    if width < 500 and len(x_labels) > NARROW_WAVES:
        offset = len(x_labels) - NARROW_WAVES
        x_labels = x_labels[offset:]
        series = [replace(s, points=s.points[offset:]) for s in series]
        breaks = [b - offset for b in breaks if b - offset >= 1]
    colors = [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    narrow = width < 500 or len(series) == 1
    legend_w = 0 if narrow else (190 if any(s.smoothed for s in series) else 175)
    cols = 2 if width < 500 else 3
    legend_rows = 0 if len(series) <= 1 else (math.ceil(len(series) / cols) if narrow else 0)
    left, top, right = 44, 30, width - legend_w - 10
    plot_h = 190 if width < 500 else 220
    bottom = top + plot_h
    height = bottom + 38 + legend_rows * 20
    values = [
        v
        for s in series
        for p in s.points
        if p is not None
        for v in ((p.value, p.low, p.high) if s.highlight or s.smoothed else (p.value,))
        if v is not None
    ]
    ticks = _range(values, percent)
    lo, hi = ticks[0], ticks[-1]
    n = len(x_labels)

    def X(i: float) -> float:
        return left + (right - left) * ((i + 0.5) / max(n, 1))

    def Y(v: float) -> float:
        return bottom - (bottom - top) * ((v - lo) / (hi - lo or 1))

    out = [_open(width, height, title)]
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{_f(right)}" y1="{_f(Y(t))}" y2="{_f(Y(t))}" stroke="#dde2e7"/>')
        out.append(_text(left - 6, Y(t) + 4, fmt.value(t, kind), size=11, anchor="end"))
    room = max(1, int((right - left) / (CHAR * 11 * max((len(x) for x in x_labels), default=6) + 12)))
    every = max(1, math.ceil(n / room))
    for i, label in enumerate(x_labels):
        if (n - 1 - i) % every == 0:  # counted back from the latest wave, which is always labelled
            out.append(_text(X(i), bottom + 16, label, size=11, anchor="middle"))
    for b in breaks:
        xb = (X(b - 1) + X(b)) / 2
        out.append(
            f'<line x1="{_f(xb)}" x2="{_f(xb)}" y1="{top}" y2="{bottom}" stroke="#333333" stroke-dasharray="4 3"/>'
        )
        out.append(_text(xb + 3, top + 10, "new questionnaire", size=10))
    marks = sum(1 for s in series for p in s.points if p is not None) <= MAX_MARKS
    for k, (s, color) in enumerate(zip(series, colors, strict=True)):
        out.append(_line(k, s, color, X, Y, x_labels, fmt, kind, marks))
    if not marks:
        out.append(_columns(series, x_labels, X, top, bottom, fmt, kind))
    if len(series) > 1:
        if narrow:
            out.append(_legend(series, colors, left - 30, bottom + 40, width - left + 20, cols))
        else:
            out.append(_legend(series, colors, right + 14, top + 10, legend_w, 1))
    out.append("</svg>")
    return "".join(out)


def _line(
    k: int,
    s: Series,
    color: str,
    X: Callable[[float], float],
    Y: Callable[[float], float],
    x_labels: Sequence[str],
    fmt: Numbers,
    kind: str,
    marks: bool = True,
) -> str:
    """One series of a trend: its band (highlighted and smoothed only), its line (broken where a wave has no
    figure; dashed when smoothed) and, with ``marks``, a mark with a tooltip at every wave."""
    classes = "series smoothed" if s.smoothed else "series"
    out = [f'<g class="{classes}" data-series="s{k}">']
    pts = [(i, p) for i, p in enumerate(s.points) if p is not None and p.value is not None]
    if s.highlight or s.smoothed:
        band = [(i, p) for i, p in pts if p.low is not None and p.high is not None]
        if len(band) > 1:
            upper = " ".join(f"{_f(X(i))},{_f(Y(p.high or 0))}" for i, p in band)
            lower = " ".join(f"{_f(X(i))},{_f(Y(p.low or 0))}" for i, p in reversed(band))
            opacity = "0.1" if s.smoothed else "0.15"
            out.append(f'<polygon points="{upper} {lower}" fill="{color}" fill-opacity="{opacity}"/>')
    runs: list[list[tuple[int, Point]]] = []
    for i, p in pts:
        if runs and runs[-1][-1][0] == i - 1:
            runs[-1].append((i, p))
        else:
            runs.append([(i, p)])
    stroke = 2.6 if s.highlight else 1.6
    dash = ' stroke-dasharray="6 4"' if s.smoothed else ""
    for run in runs:
        line = " ".join(f"{_f(X(i))},{_f(Y(p.value or 0))}" for i, p in run)
        out.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="{stroke}"{dash}/>')
    radius = (3.2 if len(x_labels) <= 30 else 2.2) * (0.6 if s.smoothed else 1)
    name = s.tip_name or s.name
    for i, p in pts if marks else ():
        out.append(_mark(X(i), Y(p.value or 0), radius, color, tip(fmt, f"{name}, {x_labels[i]}", p, kind)))
    out.append("</g>")
    return "".join(out)
