"""Cint Exchange targeting: locales, standard profiling questions, and the wave's quotas as Cint profiles.

A target group is described for one locale (``eng_us``: ISO 639 language code, underscore, ISO 3166 country code)
and targeted with *profiles*, each a question of Cint's profile library with conditions and, with
``profile_adjustment_type = nominal``, a completes goal per condition (Cint's "Understanding profiles" guide and
the ``create_target_group`` schema of the Demand API, version 2025-12-18).

The wave's quotas (:func:`panels.base.quotas_from_margins`) are margins of the weighting variables, so each
variable becomes one *regular* profile with a quota per level; the population files give margins, not joint
cells, so no blended (interlocked) profile is derived from them. Variables are mapped onto Cint's standard
questions where the mapping is unambiguous:

- ``age`` → question 42 (AGE), a ``range`` condition per level (``18-24`` → 18..24, ``65+`` → 65..99);
- ``gender`` → question 43 (GENDER), a ``selection`` per level (options ``1`` male, ``2`` female);
- ``region`` in the United States → question 96 (REGION; options ``1`` Northeast, ``2`` Midwest, ``3`` South,
  ``4`` West).

Other variables (education, regions outside the United States) are not sent: raking corrects them. The same
tables read a target group's profiles back into quotas (the simulator does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from panels.base import Quota

#: The service's population codes and the Cint locale each is fielded in.
LOCALES: dict[str, str] = {"us": "eng_us", "uk": "eng_gb", "de": "ger_de"}

AGE_QUESTION = 42
GENDER_QUESTION = 43
US_REGION_QUESTION = 96
GENDER_OPTIONS: dict[str, str] = {"male": "1", "female": "2"}
US_REGION_OPTIONS: dict[str, str] = {"Northeast": "1", "Midwest": "2", "South": "3", "West": "4"}
MAX_AGE = 99

_AGE_LEVEL = re.compile(r"^(\d{1,2})\s*(?:-\s*(\d{1,2})|\+)$")


def locale_for(country: str) -> str:
    """The Cint locale of a population code; :class:`ValueError` naming the known ones otherwise."""
    try:
        return LOCALES[country.lower()]
    except KeyError:
        raise ValueError(
            f"country: Cint has no locale for population {country!r} (known: {', '.join(sorted(LOCALES))})"
        ) from None


def country_for(locale: str) -> str:
    """The population code of a Cint locale (the reverse of :func:`locale_for`; ``us`` when unknown)."""
    for country, known in LOCALES.items():
        if known == locale:
            return country
    return "us"


def age_range(level: str) -> tuple[int, int] | None:
    """``18-24`` → (18, 24); ``65+`` → (65, 99); None for anything else."""
    m = _AGE_LEVEL.match(level.strip())
    if m is None:
        return None
    low = int(m.group(1))
    high = int(m.group(2)) if m.group(2) else MAX_AGE
    return (low, high) if 1 <= low <= high <= MAX_AGE else None


def _condition(variable: str, level: str, country: str) -> dict[str, Any] | None:
    if variable == "age":
        bounds = age_range(level)
        if bounds is None:
            return None
        return {"object": "range", "question_id": AGE_QUESTION, "min": bounds[0], "max": bounds[1]}
    if variable == "gender" and level in GENDER_OPTIONS:
        return {"object": "selection", "question_id": GENDER_QUESTION, "option": GENDER_OPTIONS[level]}
    if variable == "region" and country == "us" and level in US_REGION_OPTIONS:
        return {"object": "selection", "question_id": US_REGION_QUESTION, "option": US_REGION_OPTIONS[level]}
    return None


def profiles(quotas: Sequence[Quota], country: str) -> list[dict[str, Any]]:
    """One regular profile per mapped variable, with a nominal completes goal per level. A variable with any
    level Cint cannot express is left out whole (a partial profile would exclude the missing levels)."""
    by_variable: dict[str, list[Quota]] = {}
    for q in quotas:
        by_variable.setdefault(q.variable, []).append(q)
    out = []
    for variable, levels in by_variable.items():
        targets = []
        for q in levels:
            condition = _condition(variable, q.level, country.lower())
            if condition is None:
                break
            targets.append({"conditions": [condition], "quota": {"completes_goal": q.limit}})
        else:
            out.append({"object": "regular", "name": variable, "quotas_enabled": True, "targets": targets})
    return out


def _level(condition: Mapping[str, Any], country: str) -> tuple[str, str] | None:
    question = condition.get("question_id")
    if question == AGE_QUESTION and condition.get("object") == "range":
        low, high = int(condition.get("min", 0)), int(condition.get("max", 0))
        return "age", f"{low}+" if high >= MAX_AGE else f"{low}-{high}"
    options = {
        GENDER_QUESTION: ("gender", GENDER_OPTIONS),
        US_REGION_QUESTION: ("region", US_REGION_OPTIONS if country == "us" else {}),
    }
    if question in options and condition.get("object") == "selection":
        variable, table = options[int(question)]
        for level, option in table.items():
            if option == str(condition.get("option")):
                return variable, level
    return None


def quotas_from_profiles(items: Iterable[Mapping[str, Any]], country: str) -> dict[tuple[str, str], int]:
    """The quotas ``(variable, level) → completes goal`` that regular profiles with nominal quotas describe
    (conditions of questions outside the tables above are skipped)."""
    out: dict[tuple[str, str], int] = {}
    for profile in items:
        if profile.get("object") != "regular" or not profile.get("quotas_enabled"):
            continue
        for target in profile.get("targets") or []:
            quota = target.get("quota") or {}
            for condition in target.get("conditions") or []:
                cell = _level(condition, country)
                if cell is not None and "completes_goal" in quota:
                    out[cell] = int(quota["completes_goal"])
    return out
