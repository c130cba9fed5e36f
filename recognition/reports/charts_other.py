"""Bar charts, the funnel and the brand × attribute map, written as SVG like the trends of
:mod:`recognition.reports.charts` (same marks, tooltips and text rules)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from recognition.reports.charts import (
    CHAR,
    FONT,
    OWN,
    PALETTE,
    WIDE,
    Point,
    Series,
    _f,
    _fit,
    _legend,
    _nice,
    _open,
    _text,
    tip,
)
from recognition.reports.numbers import Numbers


def bars(
    title: str,
    rows: Sequence[tuple[str, Point | None, bool]],
    fmt: Numbers,
    *,
    kind: str = "proportion",
    width: int = WIDE,
) -> str:
    """Horizontal bars (label, point, highlighted) with interval whiskers and the value written at the end."""
    label_w = 150 if width >= 500 else 110
    left, right, top = label_w, width - 70, 30
    row_h = 26
    height = top + row_h * len(rows) + 26
    values = [v for _, p, _ in rows if p is not None for v in (p.value, p.high, p.low) if v is not None]
    if kind == "mean":
        ticks = _nice(min([0.0, *values]), max([0.0, *values]))
    else:
        ticks = _nice(0.0, max([0.05, *values]))
    lo, hi = ticks[0], ticks[-1]

    def X(v: float) -> float:
        return left + (right - left) * ((v - lo) / (hi - lo or 1))

    out = [_open(width, height, title)]
    for t in ticks:
        out.append(
            f'<line x1="{_f(X(t))}" x2="{_f(X(t))}" y1="{top}" y2="{_f(height - 20)}" stroke="#dde2e7"/>'
        )
        out.append(_text(X(t), height - 6, fmt.value(t, kind), size=11, anchor="middle"))
    for k, (label, p, highlight) in enumerate(rows):
        y = top + k * row_h
        out.append(f'<g class="series" data-series="s{k}">')
        out.append(
            _text(
                left - 6, y + 17, _fit(label, label_w - 8, 12), anchor="end", weight="b" if highlight else ""
            )
        )
        text = tip(fmt, label, p or Point(None), kind)
        if p is None or p.value is None:
            out.append(_text(left + 4, y + 17, "base too small", size=11))
        else:
            x0, x1 = X(max(lo, min(0.0, p.value))), X(max(lo, p.value))
            color = OWN if highlight else "#9aa7b5"
            out.append(
                f'<rect x="{_f(min(x0, x1))}" y="{y + 5}" width="{_f(abs(x1 - x0))}" height="16" fill="{color}" '
                f'class="mark"><title>{escape(text)}</title></rect>'
            )
            if p.low is not None and p.high is not None:
                a, b = X(p.low), X(p.high)
                out.append(
                    f'<path d="M{_f(a)} {y + 9}v8M{_f(a)} {y + 13}H{_f(b)}M{_f(b)} {y + 9}v8" '
                    'stroke="#333333" stroke-width="1.2" fill="none"/>'
                )
            out.append(_text(max(x1, X(p.high or p.value)) + 5, y + 17, fmt.value(p.value, kind), size=11))
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def funnel(
    title: str,
    stages: Sequence[str],
    groups: Sequence[tuple[str, Sequence[Point | None]]],
    fmt: Numbers,
    *,
    width: int = WIDE,
) -> str:
    """Grouped bars, one group per stage, one bar per audience (name carries its base), value on each bar."""
    left, right, top = 44, width - 10, 30
    plot_h = 180
    bottom = top + plot_h
    cols = 1 if width < 500 else 2
    height = bottom + 30 + math.ceil(len(groups) / cols) * 20
    colors = [OWN, "#d08b1f", *PALETTE[2:]][: len(groups)]

    def Y(v: float) -> float:
        return bottom - plot_h * v

    out = [_open(width, height, title)]
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{left}" x2="{_f(right)}" y1="{_f(Y(t))}" y2="{_f(Y(t))}" stroke="#dde2e7"/>')
        out.append(_text(left - 6, Y(t) + 4, fmt.value(t), size=11, anchor="end"))
    slot = (right - left) / max(1, len(stages))
    bar_w = slot * 0.8 / max(1, len(groups))
    for s, stage in enumerate(stages):
        out.append(_text(left + slot * (s + 0.5), bottom + 16, stage, size=12, anchor="middle"))
    for g, ((name, values), color) in enumerate(zip(groups, colors, strict=True)):
        out.append(f'<g class="series" data-series="s{g}">')
        for s, p in enumerate(values):
            x = left + slot * s + slot * 0.1 + g * bar_w
            label = f"{name}, {stages[s]}"
            if p is None or p.value is None:
                out.append(_text(x + bar_w / 2, bottom - 4, "n/a", size=10, anchor="middle"))
                continue
            text = tip(fmt, label, p, "proportion")
            out.append(
                f'<rect x="{_f(x)}" y="{_f(Y(p.value))}" width="{_f(bar_w * 0.92)}" height="{_f(plot_h * p.value)}" '
                f'fill="{color}" class="mark"><title>{escape(text)}</title></rect>'
            )
            out.append(_text(x + bar_w * 0.46, Y(p.value) - 4, fmt.value(p.value), size=11, anchor="middle"))
        out.append("</g>")
    series = [Series(name, ()) for name, _ in groups]
    out.append(_legend(series, colors, left, bottom + 38, right - left, cols))
    out.append("</svg>")
    return "".join(out)


def heatmap(
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[Point | None]],
    fmt: Numbers,
    *,
    width: int = WIDE,
) -> str:
    """Brand × attribute map: cell shade and number = share associating the attribute with the brand. Column
    names are written slanted above the cells so long attribute names fit a phone."""
    label_w = 130 if width >= 500 else 96
    longest = max((len(c) for c in cols), default=4)
    head = min(150, 20 + longest * CHAR * 11 * 0.72)
    top = 26 + head
    cell_w = (width - label_w - 6 - head * 0.7) / max(1, len(cols))  # room on the right for slanted names
    cell_h = 26
    height = top + cell_h * len(rows) + 8
    finite = [p.value for r in values for p in r if p is not None and p.value is not None]
    vmax = max(0.01, max(finite, default=1.0))
    out = [_open(width, height, title)]
    for j, col in enumerate(cols):
        x = label_w + (j + 0.5) * cell_w
        out.append(
            f'<text x="{_f(x)}" y="{_f(top - 6)}" font-size="11" fill="#1d2329" font-family="{FONT}" '
            f'transform="rotate(-45 {_f(x)} {_f(top - 6)})">{escape(_fit(col, head / 0.72, 11))}</text>'
        )
    for i, (row, cells) in enumerate(zip(rows, values, strict=True)):
        y = top + i * cell_h
        out.append(_text(label_w - 6, y + 17, _fit(row, label_w - 8, 12), anchor="end"))
        for j, p in enumerate(cells):
            x = label_w + j * cell_w
            if p is None or p.value is None:
                out.append(
                    f'<rect x="{_f(x)}" y="{y}" width="{_f(cell_w - 2)}" height="{cell_h - 2}" fill="#f1f3f5"/>'
                )
                out.append(_text(x + cell_w / 2, y + 17, "—", size=11, anchor="middle"))
                continue
            share = p.value / vmax
            shade = _blend(share)
            text = tip(fmt, f"{row}, {cols[j]}", p, "proportion")
            out.append(
                f'<rect x="{_f(x)}" y="{y}" width="{_f(cell_w - 2)}" height="{cell_h - 2}" fill="{shade}" '
                f'class="mark"><title>{escape(text)}</title></rect>'
            )
            ink = "#ffffff" if share > 0.6 else "#1d2329"
            out.append(
                f'<text x="{_f(x + cell_w / 2)}" y="{y + 17}" font-size="11" text-anchor="middle" fill="{ink}" '
                f'font-family="{FONT}">{escape(fmt.number(p.value))}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def _blend(share: float) -> str:
    """White → the own-brand blue."""
    share = min(1.0, max(0.0, share))
    r, g, b = (int(255 + (c - 255) * share) for c in (0x1F, 0x5F, 0xA8))
    return f"#{r:02x}{g:02x}{b:02x}"
