"""Merging sparse target levels into their neighbours, so a small sample can still be weighted.

A raking target level with a positive share and nobody in the sample cannot be reached by any positive weights
(:func:`recognition.stats.rake` refuses it, as R's ``survey::rake`` does). A level with too few respondents for
its share cannot be reached with weights inside the trimming bounds either: its ``c`` respondents of ``n`` need a
mean weight of ``share · n / c`` (relative to the mean weight 1), and when that lies outside ``[L, U]`` raking
would have to drop the bounds, and on a small sample the unbounded weights run to zero for some respondents
(they stand for nobody) and to large values for others. The usual remedy in survey practice is to collapse such
a level with an adjacent one: the merged level's target is the sum of the two shares and the respondents of
both stand for both. Levels are taken in the order the margins list them (the population files list ordered
variables — age, education — in their natural order), a level out of reach joins the next one (the previous
one when it is the last), and merging repeats until every merged level is within reach. A variable whose
respondents all fall in one merged level then constrains nothing.

Interlocked (``"a*b"``) targets are left as they are: there is no natural neighbour of a cell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recognition.stats._labels import INTERLOCK_SEP, _is_missing, _label, parse_shares

MERGE_SEP = " + "


@dataclass(frozen=True)
class Collapsed:
    """Data and targets with empty levels merged, and one note per merge in plain words."""

    data: dict[str, Sequence[object]]
    targets: dict[str, dict[str, float]]
    notes: tuple[str, ...]


def collapse_sparse_levels(
    data: Mapping[str, Sequence[object]],
    targets: Mapping[str, Mapping[str, float]],
    bounds: tuple[float, float] | None = None,
) -> Collapsed:
    """``data`` and ``targets`` with every target level out of reach merged into its neighbour (see the module
    docstring): an empty level (share > 0, nobody in the sample) always, and with ``bounds=(L, U)`` (relative to
    the mean weight, as :func:`recognition.stats.rake` takes them) a level whose mean weight ``share · n / c``
    lies outside them. Variables without such a level, interlocked targets and variables not in the data are
    returned unchanged (raking reports the latter)."""
    out_data: dict[str, Sequence[object]] = {str(k): col for k, col in data.items()}
    out_targets: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    for raw_name, levels in targets.items():
        name = str(raw_name)
        if INTERLOCK_SEP in name or name not in out_data:
            out_targets[name] = dict(levels)
            continue
        shares = parse_shares(name, levels)
        column = out_data[name]
        counts = {label: 0 for label in shares}
        for value in column:
            if not _is_missing(value) and (label := _label(value)) in counts:
                counts[label] += 1
        groups = _merge(shares, counts, bounds)
        merged = [g for g in groups if len(g) > 1]
        if not merged:
            out_targets[name] = dict(levels)
            continue
        label_of = {lab: MERGE_SEP.join(g) for g in groups for lab in g}
        out_data[name] = [v if _is_missing(v) else label_of.get(_label(v), v) for v in column]
        target: dict[str, float] = {}
        for label, share in shares.items():
            key = label_of.get(label, label)
            target[key] = target.get(key, 0.0) + share
        out_targets[name] = target
        notes.extend(_note(name, g, shares, counts, bounds) for g in merged)
    return Collapsed(out_data, out_targets, tuple(notes))


def _mean_weight(labels: list[str], shares: Mapping[str, float], counts: Mapping[str, int]) -> float:
    """The mean weight (relative to 1) the respondents in ``labels`` need to reach their summed share."""
    count = sum(counts[lab] for lab in labels)
    share = sum(shares[lab] for lab in labels) / sum(shares.values())
    return share * sum(counts.values()) / count if count else math.inf


def _within(needed: float, bounds: tuple[float, float] | None) -> bool:
    return math.isfinite(needed) and (bounds is None or bounds[0] <= needed <= bounds[1])


def _merge(
    shares: Mapping[str, float], counts: Mapping[str, int], bounds: tuple[float, float] | None
) -> list[list[str]]:
    """The levels (with a positive share) in groups, each within reach; in the margins' order."""
    groups = [[label] for label, share in shares.items() if share > 0]
    while len(groups) > 1:
        sparse = next(
            (i for i, g in enumerate(groups) if not _within(_mean_weight(g, shares, counts), bounds)), None
        )
        if sparse is None:
            break
        into = sparse + 1 if sparse + 1 < len(groups) else sparse - 1
        first, second = sorted((sparse, into))
        groups[first : second + 1] = [groups[first] + groups[second]]
    return groups


def _note(
    name: str,
    group: list[str],
    shares: Mapping[str, float],
    counts: Mapping[str, int],
    bounds: tuple[float, float] | None,
) -> str:
    """Why ``group`` was merged, in plain words."""
    why: list[str] = []
    if nobody := [lab for lab in group if counts[lab] == 0]:
        why.append(f"nobody in the sample in {', '.join(nobody)}")
    n, total = sum(counts.values()), sum(shares.values())
    for lab in group:
        needed = _mean_weight([lab], shares, counts)
        if counts[lab] and not _within(needed, bounds):
            assert bounds is not None
            why.append(
                f"{counts[lab]} of {n} in {lab} for a {shares[lab] / total:.1%} share would need a mean weight "
                f"of {needed:.3g}, outside the bounds [{bounds[0]:g}, {bounds[1]:g}]"
            )
    return f"{name}: {'; '.join(why)}; weighted as one level {MERGE_SEP.join(group)}"
