"""Populations: the official margins a poll's waves are weighted to, as domain configuration.

Each population is a file ``config/populations/<code>.toml`` with a ``[meta]`` table (country, universe, year and
sources) and one ``[margins.<variable>]`` table per weighting variable (level → population share). The files are
read once per process; callers get fresh dictionaries they may change.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from recognition.resources import resource_dir

Margins = dict[str, dict[str, float]]


def populations_dir() -> Path:
    return resource_dir("config") / "populations"


def known_populations() -> list[str]:
    """The population codes this installation has margins for (``us``, ``de``, ``uk`` ...)."""
    return sorted(p.stem for p in populations_dir().glob("*.toml"))


def load_margins(code: str) -> Margins:
    """The margins of population ``code`` as variable → level → share; ``ValueError`` names the known codes."""
    return {var: dict(levels) for var, levels in _load(code.lower())["margins"].items()}


def population_meta(code: str) -> dict[str, Any]:
    """The ``[meta]`` table of population ``code`` (country, universe, year, sources, notes)."""
    return dict(_load(code.lower()).get("meta", {}))


@functools.cache
def _load(code: str) -> dict[str, Any]:
    path = populations_dir() / f"{code}.toml"
    if not code.isalnum() or not path.is_file():
        raise ValueError(f"unknown population {code!r}; known: {', '.join(known_populations())}")
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    return {"meta": doc.get("meta", {}), "margins": _margins(doc, path)}


def _margins(doc: dict[str, Any], path: Path) -> Margins:
    margins = doc.get("margins")
    if not isinstance(margins, dict) or not margins:
        raise ValueError(f"{path}: no [margins.<variable>] tables")
    return {var: {str(k): float(v) for k, v in levels.items()} for var, levels in margins.items()}
