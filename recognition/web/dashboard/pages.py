"""Rendering dashboard pages: one Jinja environment (autoescaped, strict) with the name filters the pages share.
Numbers are formatted by the page's :class:`recognition.reports.numbers.Numbers` (``fmt`` in templates)."""

from __future__ import annotations

import functools
from typing import Any

import jinja2

from recognition.alerts.objectives import STATUS_NAMES
from recognition.labels import among, attribute_name, family_label, metric_name, segment_name
from recognition.reports.wording import GLOSSARY, s


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
        metric_name=metric_name,
        segment_name=segment_name,
        among=among,
        attribute_name=attribute_name,
        family_label=family_label,
        status_name=lambda s: STATUS_NAMES.get(s, s),
    )
    env.globals.update(say=s, glossary=GLOSSARY)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
