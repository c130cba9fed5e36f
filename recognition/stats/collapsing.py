"""Merging target levels that have no respondents into their neighbours, so a small sample can still be weighted.

A raking target level with a positive share and nobody in the sample cannot be reached by any positive weights
(:func:`recognition.stats.rake` refuses it, as R's ``survey::rake`` does). The usual remedy in survey practice
is to collapse the empty level with an adjacent one: the merged level's target is the sum of the two shares and
the respondents of the neighbour stand for both. Levels are taken in the order the margins list them (the
population files list ordered variables — age, education — in their natural order), an empty level joins the
next one (the previous one when it is the last), and merging repeats until every merged level has
respondents. A variable whose respondents all fall in one merged level then constrains nothing.

Interlocked (``"a*b"``) targets are left as they are: there is no natural neighbour of a cell.
"""

from __future__ import annotations

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


def collapse_empty_levels(
    data: Mapping[str, Sequence[object]], targets: Mapping[str, Mapping[str, float]]
) -> Collapsed:
    """``data`` and ``targets`` with every empty target level (share > 0, nobody in the sample) merged into its
    neighbour (see the module docstring). Variables without an empty level, interlocked targets and variables not
    in the data are returned unchanged (raking reports the latter)."""
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
        groups = [[label] for label, share in shares.items() if share > 0]
        while len(groups) > 1:
            empty = next((i for i, g in enumerate(groups) if sum(counts[lab] for lab in g) == 0), None)
            if empty is None:
                break
            into = empty + 1 if empty + 1 < len(groups) else empty - 1
            first, second = sorted((empty, into))
            groups[first : second + 1] = [groups[first] + groups[second]]
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
        for g in merged:
            nobody = [lab for lab in g if counts[lab] == 0]
            notes.append(
                f"{name}: nobody in the sample in {', '.join(nobody)}; weighted as one level {MERGE_SEP.join(g)}"
            )
    return Collapsed(out_data, out_targets, tuple(notes))
