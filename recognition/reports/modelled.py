"""Modelled segment reads: the Fay–Herriot EBLUP (:func:`recognition.stats.fay_herriot`) of one metric × brand in
the segments of one wave, always labelled ``modelled`` and given beside the direct estimate and its base, never
in place of it. Pure: no I/O.

Areas are the levels of one weighting variable (or the own brand's customer statuses): disjoint groups of the
wave's respondents, so their sampling errors are independent as the model assumes (levels of different
variables share respondents and are not modelled together). Direct estimates are the published figures with
their linearised variance; a suppressed one is not used and its segment gets the synthetic estimate. Covariate:
the same segment's estimate in the previous published wave when every level has a shown one (a segment's level
changes slowly), else the intercept alone (the segments' common mean). A variable whose levels cannot carry the
model (too few shown direct estimates) has no modelled reads and a ``note`` saying so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from recognition.figures import Figure
from recognition.stats import MODELLED_LABEL, SmallAreaResult, fay_herriot

METHOD = (
    "Fay–Herriot area-level model (REML), the levels of one variable as areas: each segment's direct estimate "
    "is shrunk towards a regression on {covariate} by the share its sampling variance leaves to the model "
    "(gamma: the weight on the direct estimate); MSE by Prasad–Rao / Datta–Lahiri; {level:.0%} intervals"
)
WITH_HISTORY = "the segment's estimate in the previous wave"
WITHOUT_HISTORY = "an intercept (the segments' common mean; the previous wave lacks a level)"


@dataclass(frozen=True)
class Group:
    """One variable's segments: their direct figures and the model's result (None, with ``note``, when the
    model could not be fitted)."""

    variable: str
    segments: tuple[str, ...]
    direct: tuple[Figure, ...]
    result: SmallAreaResult | None
    covariate: str
    note: str | None


def _variable(segment: str) -> str:
    return segment.partition("=")[0]


def _shown(f: Figure | None) -> bool:
    return f is not None and f.shown and f.estimate is not None and f.se is not None and f.se > 0


def modelled_groups(
    current: Mapping[str, Figure], previous: Mapping[str, Figure], *, level: float = 0.95
) -> list[Group]:
    """The modelled reads of each variable's segments, from the wave's figures (segment → figure of one metric
    × brand) and the previous published wave's (empty for the first wave)."""
    by_variable: dict[str, list[str]] = {}
    for segment in current:
        if segment != "all" and segment != "customer=non":  # customer=non overlaps lapsed and never
            by_variable.setdefault(_variable(segment), []).append(segment)
    out: list[Group] = []
    for variable, segments in by_variable.items():
        figures = tuple(current[s] for s in segments)
        y = np.array([f.estimate if _shown(f) else np.nan for f in figures], dtype=float)
        psi = np.array([f.se**2 if _shown(f) and f.se else np.nan for f in figures], dtype=float)
        history = [previous.get(s) for s in segments]
        x = (
            np.array([[h.estimate] for h in history if h is not None and h.estimate is not None])
            if all(_shown(h) for h in history)
            else None
        )
        covariate = WITH_HISTORY if x is not None else WITHOUT_HISTORY
        kind = figures[0].kind
        try:
            result = fay_herriot(y, psi, x, names=segments, proportion=kind == "proportion", level=level)
            note = None
        except ValueError as exc:
            result, note = None, f"not modelled: {exc}"
        out.append(Group(variable, tuple(segments), figures, result, covariate, note))
    return out


__all__ = ["METHOD", "MODELLED_LABEL", "Group", "modelled_groups"]
