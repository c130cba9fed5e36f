"""Populations: the official margins a poll's waves are weighted to, as domain configuration.

Each population is a file ``config/populations/<code>.toml`` with a ``[meta]`` table (country, universe, year and
sources, and the ``language`` its questionnaire is asked in by default) and one ``[margins.<variable>]`` table
per weighting variable (level → population share). Optional tables:

- ``[derived.<variable>]``: a variable that follows from another (``from = "land"``, ``[derived.region.levels]``
  maps each Land to its region). The screener asks the source only and the derived level is filled in, so no
  question is asked twice.
- ``[answers]``: screener answers offered beyond the margins' levels (``gender = ["diverse"]``), weighted by the
  rule of docs/METHODS.md, "Answers the margins do not hold".

The files are read once per process; callers get fresh dictionaries they may change.
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


def population_language(code: str) -> str:
    """The language population ``code`` is asked in unless a poll says otherwise (``[meta] language``)."""
    return str(_load(code.lower())["meta"].get("language", "en"))


def derived_variables(code: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Variables that follow from another: derived variable → (source variable, source level → level)."""
    return {var: (src, dict(levels)) for var, (src, levels) in _load(code.lower())["derived"].items()}


def extra_answers(code: str) -> dict[str, list[str]]:
    """Screener answers offered beyond the margins' levels, per variable (``{"gender": ["diverse"]}``)."""
    return {var: list(codes) for var, codes in _load(code.lower())["answers"].items()}


def with_derived(code: str, demographics: dict[str, str]) -> dict[str, str]:
    """``demographics`` with every derived variable filled in from its source (left out when the source is)."""
    out = dict(demographics)
    for var, (source, levels) in derived_variables(code).items():
        if out.get(source) in levels:
            out[var] = levels[out[source]]
    return out


@functools.cache
def _load(code: str) -> dict[str, Any]:
    path = populations_dir() / f"{code}.toml"
    if not code.isalnum() or not path.is_file():
        raise ValueError(f"unknown population {code!r}; known: {', '.join(known_populations())}")
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    margins = _margins(doc, path)
    return {
        "meta": doc.get("meta", {}),
        "margins": margins,
        "derived": _derived(doc, margins, path),
        "answers": _answers(doc, margins, path),
    }


def _derived(doc: dict[str, Any], margins: Margins, path: Path) -> dict[str, tuple[str, dict[str, str]]]:
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for var, table in (doc.get("derived") or {}).items():
        source, levels = table.get("from"), table.get("levels") or {}
        if source not in margins or var not in margins:
            raise ValueError(f"{path}: derived.{var}: both {var!r} and its source need [margins.*] tables")
        if set(levels) != set(margins[source]) or not set(levels.values()) <= set(margins[var]):
            raise ValueError(
                f"{path}: derived.{var}.levels: map every level of {source!r} to a level of {var!r}"
            )
        out[var] = (str(source), {str(k): str(v) for k, v in levels.items()})
    return out


def _answers(doc: dict[str, Any], margins: Margins, path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for var, codes in (doc.get("answers") or {}).items():
        if var not in margins or any(str(c) in margins[var] for c in codes):
            raise ValueError(
                f"{path}: answers.{var}: extra answers of a weighting variable not in its margins"
            )
        out[var] = [str(c) for c in codes]
    return out


def _margins(doc: dict[str, Any], path: Path) -> Margins:
    margins = doc.get("margins")
    if not isinstance(margins, dict) or not margins:
        raise ValueError(f"{path}: no [margins.<variable>] tables")
    return {var: {str(k): float(v) for k, v in levels.items()} for var, levels in margins.items()}
