"""Bootstrap replicate weights that respect the weighting: resample respondents, re-rake each replicate.

Each replicate draws n respondents with replacement (Efron's bootstrap of the respondents; for a one-stage
design with n in the thousands the ``(n−1)/n`` bias of its variance is negligible), then rakes the drawn
sample — with its base weights — to the *same* population margins with the *same* weight bounds as the wave,
so the replicate spread includes what calibration removes and what trimming adds (Canty & Davison 1999,
"Resampling-based variance estimation for labour force surveys"; Rao, Wu & Yue 1992). The replicate weight of
respondent i is the sum of the raked weights of its copies (0 if not drawn); every replicate sums to n.

The margins are read from the design itself: after converged raking, ``Σ_level w / n`` is the target share of
every level, so no configuration is needed beyond the bounds the wave was raked with. A replicate in which some
level of a weighting variable has no respondent cannot be raked to that level's share and is drawn again (the
number of redraws is reported).

A design without level codes (``CalibrationDesign.from_weights``) is resampled with its final weights, not
re-raked (a warning says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognition.stats.collapsing import collapse_sparse_levels
from recognition.stats.weighting import CalibrationDesign, rake

__all__ = ["ReplicateWeights", "bootstrap_weights"]

_MAX_REDRAWS_PER_REPLICATE = 100


@dataclass(frozen=True, eq=False)
class ReplicateWeights:
    """``weights`` is (replicates × n): respondent i's weight in replicate r (multiplicity × re-raked weight).

    ``reraked`` says whether each replicate was raked again to the margins (with ``bounds``); ``redraws``
    counts replicates drawn again because a weighting level was empty; ``not_converged`` counts replicates
    whose raking did not reach its tolerance (they are kept: their weights are the closest the bounds allow).
    """

    weights: np.ndarray
    reraked: bool
    bounds: tuple[float, float] | None
    seed: int
    redraws: int
    not_converged: int
    warnings: tuple[str, ...]

    @property
    def replicates(self) -> int:
        return int(self.weights.shape[0])


def _level_columns(design: CalibrationDesign) -> list[np.ndarray]:
    """Per weighting variable, each row's index into the variable's target levels."""
    return [remap[codes] for codes, remap in zip(design.codes, design.remaps, strict=True)]


def _check(replicates: int, n: int) -> None:
    if replicates < 1:
        raise ValueError(f"replicates: must be at least 1, got {replicates!r}")
    if n < 2:
        raise ValueError(f"design: the bootstrap needs at least 2 respondents, got {n}")


def bootstrap_weights(
    design: CalibrationDesign,
    *,
    replicates: int = 200,
    bounds: tuple[float, float] | None = None,
    seed: int = 20240601,
    tol: float = 1e-8,
    max_iter: int = 1000,
) -> ReplicateWeights:
    """``replicates`` bootstrap replicate weights for ``design`` (from :func:`recognition.stats.rake`).

    ``bounds`` must be the bounds the wave was raked with (relative to the mean weight, e.g. ``(0.2, 5)``), or
    None. ``tol`` is the raking tolerance of each replicate (1e-8 of a margin is far below bootstrap noise).
    Deterministic for a given ``seed``.
    """
    n = design.n
    _check(replicates, n)
    rng = np.random.default_rng(seed)
    out = np.empty((replicates, n))
    warnings: list[str] = []
    if not design.variables:
        for r in range(replicates):
            idx = rng.integers(0, n, n)
            out[r] = np.bincount(idx, minlength=n) * design.w
        warnings.append(
            "the design has no weighting variables: replicates resample the final weights unraked"
        )
        return ReplicateWeights(out, False, bounds, seed, 0, 0, tuple(warnings))
    levels = _level_columns(design)
    sizes = [len(lv) for lv in design.levels]
    shares = [
        np.bincount(lv, weights=design.w, minlength=k) / design.w.sum()
        for lv, k in zip(levels, sizes, strict=True)
    ]
    targets = {f"v{j}": {str(k): float(s) for k, s in enumerate(share)} for j, share in enumerate(shares)}
    equal_base = bool(np.all(design.d == design.d[0]))
    redraws = not_converged = 0
    for r in range(replicates):
        for _ in range(_MAX_REDRAWS_PER_REPLICATE):
            idx = rng.integers(0, n, n)
            if all(
                np.count_nonzero(np.bincount(lv[idx], minlength=k)) == k
                for lv, k in zip(levels, sizes, strict=True)
            ):
                break
            redraws += 1
        else:
            raise ValueError(
                "design: a weighting level has so few respondents that bootstrap samples keep missing it; "
                "collapse rare levels before bootstrapping"
            )
        data = {f"v{j}": lv[idx].tolist() for j, lv in enumerate(levels)}
        # A level a resample holds too few of for its share within the bounds is merged with its neighbour, as a
        # wave's is (collapse_sparse_levels): raking it alone would drop the bounds and run weights to zero.
        collapsed = collapse_sparse_levels(data, targets, bounds)
        result = rake(
            collapsed.data,
            collapsed.targets,
            base_weights=None if equal_base else design.d[idx],
            bounds=bounds,
            tol=tol,
            max_iter=max_iter,
        )
        not_converged += not result.converged
        out[r] = np.bincount(idx, weights=result.weights, minlength=n)
    if redraws:
        warnings.append(f"{redraws} bootstrap sample(s) missed a weighting level and were drawn again")
    if not_converged:
        warnings.append(
            f"{not_converged} of {replicates} replicate(s) could not be raked to the margins within the bounds"
        )
    return ReplicateWeights(out, True, bounds, seed, redraws, not_converged, tuple(warnings))
