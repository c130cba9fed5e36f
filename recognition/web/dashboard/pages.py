"""Rendering dashboard pages: one Jinja environment (autoescaped) with the number formats the pages share."""

from __future__ import annotations

import functools
from typing import Any

import jinja2

from recognition.alerts.objectives import STATUS_NAMES
from recognition.figures import Change, Figure
from recognition.labels import metric_name


def pct(value: float | None, kind: str = "proportion") -> str:
    """62% for a proportion, 35 for NPS, — for nothing."""
    if value is None:
        return "—"
    return f"{value:.0f}" if kind == "mean" else f"{100 * value:.0f}%"


def ci(cell: Figure | None) -> str:
    if cell is None or not cell.shown or cell.ci_low is None or cell.ci_high is None:
        return ""
    scale = 1 if cell.kind == "mean" else 100
    return f"{100 * cell.level:.0f}% CI {scale * cell.ci_low:.0f}–{scale * cell.ci_high:.0f}"


def change(ch: Change | None, kind: str = "proportion") -> str:
    if ch is None:
        return "—"
    pts = ch.difference * (1 if kind == "mean" else 100)
    return f"{pts:+.1f} pts".replace("-", "−")


def value(cell: Figure | None) -> str:
    if cell is None:
        return "—"
    if not cell.shown:
        return "n/a"
    return pct(cell.estimate, cell.kind)


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("recognition", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        pct=pct,
        ci=ci,
        change=change,
        value=value,
        metric_name=metric_name,
        status_name=lambda s: STATUS_NAMES.get(s, s),
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
