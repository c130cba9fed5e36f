"""Charts as SVG text, drawn by matplotlib on the server (no JavaScript; the same SVG prints and scales to a phone
screen through its viewBox). Text stays text (``svg.fonttype = none``) so it is crisp, searchable and small.

Figures use matplotlib's object API (no pyplot state); drawing is serialised by a lock because matplotlib's
font and text caches are not guaranteed thread-safe. Callers run these functions in an executor.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before any canvas import; renders without a display

from matplotlib import rc_context  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

_LOCK = threading.Lock()
OWN = "#1f5fa8"
OTHERS = ("#c0504d", "#6a9f3a", "#8064a2", "#d08b1f", "#4aacc6", "#7f7f7f", "#a0522d")
STYLE: Any = {
    "svg.fonttype": "none",
    "font.size": 11,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
    "axes.titlesize": 12,
    "svg.hashsalt": "recognition",
}


@dataclass(frozen=True)
class Series:
    name: str
    estimate: Sequence[float | None]
    ci_low: Sequence[float | None]
    ci_high: Sequence[float | None]
    highlight: bool = False  # drawn bold, with its confidence band
    color: str | None = None


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    FigureCanvasSVG(fig).print_svg(buf)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # Let CSS size the chart: drop the fixed width/height, keep the viewBox.
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1 aria-hidden="true"', text, count=1)


def _fmt(percent: bool) -> FuncFormatter:
    return FuncFormatter(lambda v, _p: f"{100 * v:.0f}%" if percent else f"{v:.0f}")


def _nan(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def trend(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    breaks: Sequence[int] = (),
    percent: bool = True,
) -> str:
    """Lines over waves with shaded confidence bands (highlighted series only, to keep it legible) and dashed
    vertical lines where the questionnaire version changes (between wave i − 1 and i)."""
    with _LOCK, rc_context(STYLE):
        fig = Figure(figsize=(7.2, 3.6), layout="constrained")
        ax = fig.add_subplot()
        x = list(range(len(x_labels)))
        others = iter(OTHERS)
        for s in series:
            color = s.color or (OWN if s.highlight else next(others, "#555555"))
            est = _nan(s.estimate)
            if s.highlight:
                ax.fill_between(x, _nan(s.ci_low), _nan(s.ci_high), color=color, alpha=0.18, linewidth=0)
            ax.plot(
                x,
                est,
                marker="o",
                markersize=4 if s.highlight else 3,
                linewidth=2.4 if s.highlight else 1.4,
                color=color,
                label=s.name,
            )
        for i in breaks:
            ax.axvline(i - 0.5, color="#333333", linestyle="--", linewidth=1)
            ax.annotate(
                "new questionnaire",
                (i - 0.5, 1),
                xycoords=("data", "axes fraction"),
                fontsize=9,
                ha="left",
                va="top",
                xytext=(3, 0),
                textcoords="offset points",
            )
        ax.set_xticks(
            x, list(x_labels), rotation=30 if len(x) > 4 else 0, ha="right" if len(x) > 4 else "center"
        )
        ax.yaxis.set_major_formatter(_fmt(percent))
        ax.set_title(title, loc="left")
        ax.grid(axis="y", color="#dddddd")
        if len(series) > 1:
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=9)
        return _svg(fig)


def bars(
    title: str,
    labels: Sequence[str],
    estimate: Sequence[float | None],
    ci_low: Sequence[float | None],
    ci_high: Sequence[float | None],
    *,
    highlight: int | None = 0,
    percent: bool = True,
) -> str:
    """Horizontal bars with confidence-interval whiskers, first label on top."""
    with _LOCK, rc_context(STYLE):
        fig = Figure(figsize=(7.2, 0.5 * len(labels) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        est = _nan(estimate)
        y = list(range(len(labels)))[::-1]
        low = [e - lo if not math.isnan(e) else 0 for e, lo in zip(est, _nan(ci_low), strict=True)]
        high = [hi - e if not math.isnan(e) else 0 for e, hi in zip(est, _nan(ci_high), strict=True)]
        colors = [OWN if i == highlight else "#9aa7b5" for i in range(len(labels))]
        ax.barh(
            y,
            [0 if math.isnan(e) else e for e in est],
            xerr=[low, high],
            color=colors,
            capsize=3,
            error_kw={"elinewidth": 1.2, "ecolor": "#333333"},
        )
        ax.set_yticks(y, list(labels))
        ax.xaxis.set_major_formatter(_fmt(percent))
        ax.set_title(title, loc="left")
        ax.grid(axis="x", color="#dddddd")
        return _svg(fig)


def funnel(title: str, stages: Sequence[str], groups: dict[str, Sequence[float | None]]) -> str:
    """Grouped bars, one group per stage (aware → consider → prefer), one bar per audience."""
    with _LOCK, rc_context(STYLE):
        fig = Figure(figsize=(7.2, 3.4), layout="constrained")
        ax = fig.add_subplot()
        width = 0.8 / max(1, len(groups))
        for k, (name, values) in enumerate(groups.items()):
            xs = [i + (k - (len(groups) - 1) / 2) * width for i in range(len(stages))]
            vals = [0.0 if v is None else float(v) for v in values]
            bars_ = ax.bar(xs, vals, width=width * 0.95, label=name, color=(OWN, "#d08b1f", *OTHERS)[k])
            ax.bar_label(
                bars_,
                labels=["n/a" if v is None else f"{100 * v:.0f}%" for v in values],
                fontsize=9,
                padding=2,
            )
        ax.set_xticks(range(len(stages)), list(stages))
        ax.yaxis.set_major_formatter(_fmt(True))
        ax.set_ylim(0, 1.08)
        ax.set_title(title, loc="left")
        ax.legend(frameon=False, fontsize=9)
        return _svg(fig)


def heatmap(
    title: str, rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[float | None]]
) -> str:
    """Brand × attribute map: cell shade and label = share associating the attribute with the brand."""
    with _LOCK, rc_context(STYLE):
        fig = Figure(figsize=(7.2, 0.45 * len(rows) + 1.6), layout="constrained")
        ax = fig.add_subplot()
        grid = [_nan(r) for r in values]
        finite = [v for r in grid for v in r if not math.isnan(v)]
        vmax = max(0.01, max(finite, default=1.0))
        ax.imshow(grid, cmap="Blues", vmin=0, vmax=vmax, aspect="auto")
        for i, r in enumerate(grid):
            for j, v in enumerate(r):
                ax.text(
                    j,
                    i,
                    "—" if math.isnan(v) else f"{100 * v:.0f}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if not math.isnan(v) and v > 0.6 * vmax else "black",
                )
        ax.set_xticks(range(len(cols)), list(cols), rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), list(rows))
        ax.set_title(title, loc="left")
        return _svg(fig)
