"""Answers the margins do not hold: raking targets for respondents whose level of a weighting variable the
population figures have no share for (gender "diverse" where the official figures count female and male only).

The rule (docs/METHODS.md, "Answers the margins do not hold"): such an answer becomes a target level of its own
whose share is its (base-)weighted share of the sample, ``s = Σ_{i: answer} dᵢ / Σᵢ dᵢ``, and the variable's held
levels keep their population ratios on the rest: ``T_h' = T_h · (1 − s)``. Raking then leaves those respondents'
share of the variable as the sample has it — they are weighted by the other variables only — while the held
levels are made to stand in the population's proportion to each other. No respondent is assigned a level they
did not give, and the variable's other levels still sum to their population ratios.

This is the treatment of a category the control totals do not hold as a category of its own at its sample share.
Its shares are then fixed calibration targets, so the linearised variance treats ``s`` as known (it is estimated
from the sample: the approximation is the one of post-stratifying to an estimated total, negligible while ``s``
is small). The weights equal R ``survey::rake(design, list(~a, ~b), list(pop_a, pop_b'))`` with ``pop_b'`` built
by this rule (checked in ``tests/reference``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OpenedTargets:
    """Targets with every unheld answer added at its sample share, and a note per variable in plain words."""

    targets: dict[str, dict[str, float]]
    notes: tuple[str, ...]


def open_unheld_levels(
    data: Mapping[str, Sequence[object]],
    targets: Mapping[str, Mapping[str, float]],
    base_weights: Sequence[float] | np.ndarray | None = None,
) -> OpenedTargets:
    """``targets`` with each level found in ``data`` but not in its variable's targets added at its weighted
    sample share, the held levels scaled to the rest (shares are normalised to sum 1 first). Empty answers
    (``""`` or None) are not levels; variables without unheld answers are returned unchanged."""
    out: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    for var, shares in targets.items():
        total = float(sum(shares.values()))
        held = {str(k): float(v) / total for k, v in shares.items()} if total > 0 else dict(shares)
        column = data.get(var)
        if column is None:
            out[var] = held
            continue
        labels = np.asarray([str(x) if x not in (None, "") else "" for x in column], dtype=object)
        d = np.ones(len(labels)) if base_weights is None else np.asarray(base_weights, dtype=float)
        if d.shape != labels.shape:
            raise ValueError(f"base_weights: {d.size} weights for {labels.size} respondents")
        unheld = sorted({str(x) for x in labels} - set(held) - {""})
        if not unheld or d.sum() <= 0:
            out[var] = held
            continue
        extra = {level: float(d[labels == level].sum() / d.sum()) for level in unheld}
        rest = 1.0 - sum(extra.values())
        out[var] = {**{k: v * rest for k, v in held.items()}, **extra}
        listed = ", ".join(f"{k} {100 * v:.1f}%" for k, v in extra.items())
        notes.append(
            f"{var}: answers the population figures do not hold kept at their sample share ({listed})"
        )
    return OpenedTargets(out, tuple(notes))
