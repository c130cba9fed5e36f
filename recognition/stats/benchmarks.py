"""External benchmarks: weighting targets beyond demographics.

Raking to demographic margins removes the part of a panel's selection that runs through the weighting variables,
and nothing else (Kalton & Flores-Cervantes 2003, §2; Bethlehem 2010). When panel joining depends on something
else that is related to the outcomes, such as being a buyer in the category, a variable with a trustworthy external
figure (a *benchmark*) can be measured in the survey and raked to like any margin (Deville & Särndal 1992: any
auxiliary variable with known population totals).

A population file (``config/populations/<code>.toml``) declares them next to its margins::

    [benchmarks.category_buyer]
    source = "who published the figure, which question, which year"
    note = "optional caveats"
    question = "optional: the survey question that measures the variable"
    buyer = 0.40
    non_buyer = 0.60

Numbers are level → share (summing to 1 or 100); ``source`` is required, ``note`` and ``question`` are optional
text. This module only validates the parsed document (no I/O): :func:`parse_benchmarks` and
:func:`targets_with_benchmarks` raise ``ValueError`` naming the file, variable and level at fault.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["Benchmark", "parse_benchmarks", "targets_with_benchmarks"]

_TEXT_KEYS = ("source", "note", "question")
_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Benchmark:
    """One benchmark variable: its level shares (summing to 1), where the figure comes from, and caveats."""

    variable: str
    shares: Mapping[str, float]
    source: str
    note: str = ""
    question: str = ""


def _benchmark(variable: str, table: Any, where: str) -> Benchmark:
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}: [benchmarks.{variable}] must be a table of level = share")
    text = {key: table[key] for key in _TEXT_KEYS if key in table}
    for key, value in text.items():
        if not isinstance(value, str):
            raise ValueError(f"{where}: [benchmarks.{variable}] {key} must be text, got {value!r}")
    if not str(text.get("source", "")).strip():
        raise ValueError(
            f'{where}: [benchmarks.{variable}] needs a source = "..." saying where the figure is from'
        )
    shares: dict[str, float] = {}
    for level, share in table.items():
        if level in _TEXT_KEYS:
            continue
        if isinstance(share, bool) or not isinstance(share, int | float):
            raise ValueError(
                f"{where}: [benchmarks.{variable}] level {level!r}: share {share!r} is not a number"
            )
        if not math.isfinite(share) or share < 0:
            raise ValueError(f"{where}: [benchmarks.{variable}] level {level!r}: share {share!r} must be ≥ 0")
        shares[str(level)] = float(share)
    if len(shares) < 2:
        raise ValueError(f"{where}: [benchmarks.{variable}] needs at least two levels with shares")
    total = sum(shares.values())
    scale = (
        1.0 if abs(total - 1) <= _SUM_TOLERANCE else 100.0 if abs(total - 100) <= 100 * _SUM_TOLERANCE else 0
    )
    if not scale:
        raise ValueError(f"{where}: [benchmarks.{variable}] shares sum to {total:g}, neither 1 nor 100")
    return Benchmark(
        variable=variable,
        shares=MappingProxyType({level: share / scale for level, share in shares.items()}),
        source=text["source"].strip(),
        note=text.get("note", "").strip(),
        question=text.get("question", "").strip(),
    )


def parse_benchmarks(document: Mapping[str, Any], where: str) -> dict[str, Benchmark]:
    """The ``[benchmarks.*]`` tables of a parsed population file (none: an empty dict). ``where`` names the
    file in messages. A benchmark may not reuse the name of a margin."""
    raw = document.get("benchmarks", {})
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: benchmarks must be tables [benchmarks.<variable>]")
    margins = document.get("margins", {})
    out: dict[str, Benchmark] = {}
    for variable, table in raw.items():
        if isinstance(margins, Mapping) and variable in margins:
            raise ValueError(f"{where}: {variable!r} is both a margin and a benchmark; give it one role")
        out[str(variable)] = _benchmark(str(variable), table, where)
    return out


def targets_with_benchmarks(
    margins: Mapping[str, Mapping[str, float]],
    benchmarks: Mapping[str, Benchmark],
    names: Sequence[str],
    where: str,
) -> dict[str, dict[str, float]]:
    """Raking targets: the margins plus the benchmarks named in ``names`` (in that order), each as a margin of
    its own. An unknown name is an error listing the benchmarks ``where`` declares."""
    targets = {var: dict(levels) for var, levels in margins.items()}
    for name in names:
        if name not in benchmarks:
            known = ", ".join(benchmarks) or "none"
            raise ValueError(f"{where}: no benchmark {name!r} (declared: {known})")
        if name in targets:
            raise ValueError(f"{where}: benchmark {name!r} is already a weighting variable")
        targets[name] = dict(benchmarks[name].shares)
    return targets
