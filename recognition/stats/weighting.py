"""Raking (iterative proportional fitting) of a sample to population margins, with optional weight bounds.

Raking finds weights ``wᵢ = dᵢ·gᵢ`` closest to the base weights ``d`` in the Kullback–Leibler sense,
``gᵢ = exp(xᵢ'λ)``, such that every weighted margin equals its population share (Deming & Stephan 1940;
Deville & Särndal 1992, "raking ratio"). It is the same estimator as R ``survey::calibrate(design, ~a+b+c,
population, calfun = "raking")``; the weights agree to the convergence tolerance.

Speed: weights are a product of one factor per level of each variable, so all rows with the same combination of
levels (a *cell*) share one adjustment factor. The fitting runs on cells (at most a few hundred for census
margins) with ``np.bincount``; rows are touched only to build cells and final weights.

Scale: weights are returned with mean 1 (sum n), whatever the scale of the base weights; multiplying base weights
by a constant changes nothing. Bounds are relative to that mean: ``bounds=(0.2, 5)`` keeps every weight within
[0.2, 5] × the mean weight.

Interlocked cells: a target variable named ``"age*gender"`` with levels such as ``"18-24*female"`` is built from
the ``age`` and ``gender`` columns (see :mod:`recognition.stats._labels`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from recognition.stats._labels import TargetError, align_levels, column, parse_shares

__all__ = ["CalibrationDesign", "RakeResult", "TargetError", "rake"]

_RANK_TOL = 1e-9  # singular values below this fraction of the largest count as zero (collinear margins)
_POLISH_SWEEPS = 20
_STALL_WINDOW = 50  # with bounds: stop when the margin error has not improved by 0.1 % over this many sweeps


@dataclass(frozen=True, eq=False)
class CalibrationDesign:
    """What linearised variance estimation needs after calibration.

    ``x`` is the n×p calibration model matrix, as R's ``model.matrix(~a+b+c)``: an intercept column then, per
    variable, a 0/1 dummy for every level except the first (the reference). ``d`` are the pre-calibration (base)
    weights and ``w`` the final weights, both scaled to mean 1. ``x`` is built on first use from the level codes
    (rows × variables), so raking a million rows does not materialise it.
    """

    d: np.ndarray
    w: np.ndarray
    variables: tuple[str, ...] = ()
    levels: tuple[tuple[str, ...], ...] = ()
    codes: tuple[np.ndarray, ...] = field(default=(), repr=False)  # raw level codes per variable
    remaps: tuple[np.ndarray, ...] = field(default=(), repr=False)  # raw code -> index into ``levels``
    model_matrix: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_weights(
        cls, w: Sequence[float] | np.ndarray, x: np.ndarray | None = None, d: np.ndarray | None = None
    ) -> CalibrationDesign:
        """A design from given final weights. ``x`` defaults to an intercept only (no calibration) and ``d`` to
        ``w`` (so the variance is the plain ratio-estimator linearisation)."""
        wa = np.asarray(w, dtype=float)
        if wa.ndim != 1 or wa.size == 0 or not np.all(np.isfinite(wa)) or np.any(wa <= 0):
            raise ValueError("w: weights must be a non-empty 1-d array of finite positive numbers")
        da = wa if d is None else np.asarray(d, dtype=float)
        xa = np.ones((wa.size, 1)) if x is None else np.asarray(x, dtype=float)
        if da.shape != wa.shape or xa.ndim != 2 or xa.shape[0] != wa.size:
            raise ValueError("x, d: must have one row per weight")
        return cls(d=da * (wa.size / da.sum()), w=wa * (wa.size / wa.sum()), model_matrix=xa)

    @property
    def n(self) -> int:
        return int(self.w.shape[0])

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """Column names of ``x`` in R's style: ``(Intercept)``, then variable name + level."""
        if self.model_matrix is not None:
            return tuple(f"x{j}" for j in range(self.model_matrix.shape[1]))
        names = ["(Intercept)"]
        for var, levels in zip(self.variables, self.levels, strict=True):
            names.extend(f"{var}{level}" for level in levels[1:])
        return tuple(names)

    @cached_property
    def x(self) -> np.ndarray:
        if self.model_matrix is not None:
            return self.model_matrix
        parts = [np.ones((self.n, 1))]
        for codes, remap, levels in zip(self.codes, self.remaps, self.levels, strict=True):
            parts.append((remap[codes][:, None] == np.arange(1, len(levels))).astype(float))
        return np.hstack(parts)

    @cached_property
    def basis(self) -> np.ndarray:
        """Orthonormal basis Q (n×r) of the column space of ``√d · x``; r is the rank of x.

        The calibration residual of u is ``e = u − x B̂`` with ``B̂ = (Σ dᵢxᵢxᵢ')⁻ Σ dᵢxᵢuᵢ``, computed stably as
        ``√d · e = √d·u − Q Q'(√d·u)`` (R: ``qr.resid(qr(mm * sqrt(d)), ...)``).
        """
        scaled = self.x * np.sqrt(self.d)[:, None]
        u, s, _ = np.linalg.svd(scaled, full_matrices=False)
        rank = int((s > _RANK_TOL * s[0]).sum()) if s.size else 0
        return np.ascontiguousarray(u[:, :rank])

    def residualise(self, u: np.ndarray) -> np.ndarray:
        """``wᵢ·eᵢ`` for each column of u (n×k): the calibration residuals of u, times the final weights."""
        sd = np.sqrt(self.d)
        q = self.basis
        v = u * sd[:, None]
        v -= q @ (q.T @ v)
        return v * (self.w / sd)[:, None]


@dataclass(frozen=True, eq=False)
class RakeResult:
    """Raking outcome and diagnostics (Kish 1965 for the design effect of weighting).

    ``n_eff = (Σw)²/Σw²``, ``deff_kish = nΣw²/(Σw)²``, ``efficiency = n_eff/n``; ``max_margin_error`` is
    ``max |achieved share − target share| / target share`` over all levels of all variables.
    """

    weights: np.ndarray
    converged: bool
    iterations: int
    max_margin_error: float
    n: int
    n_eff: float
    deff_kish: float
    efficiency: float
    weight_min: float
    weight_max: float
    trimmed: bool
    warnings: tuple[str, ...]
    design: CalibrationDesign


@dataclass(frozen=True, eq=False)
class _Variable:
    name: str
    codes: np.ndarray  # raw codes per row (into ``labels``)
    labels: tuple[str, ...]
    remap: np.ndarray  # raw code -> target level index
    levels: tuple[str, ...]  # target levels with share > 0, in target order
    shares: np.ndarray


@dataclass(frozen=True, eq=False)
class _Cells:
    """Rows grouped so that every group shares one adjustment factor (and, with bounds, one base weight).

    Row i belongs to group ``slot[row_key[i]]``; ``level[j, g]`` is group g's raw code of variable j.
    """

    row_key: np.ndarray
    slot: np.ndarray  # key -> group index (-1: no rows)
    level: np.ndarray  # (variables, groups) raw codes
    base_total: np.ndarray  # Σ d over the rows of each group
    unit_base: np.ndarray  # the base weight of one row of the group (used by bounds)
    row_count: np.ndarray


def _mixed_radix(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, int, bool]:
    """One int64 key per row combining all codes; (key, span, decodable). Re-compressed when it would grow large."""
    key = codes[0].astype(np.int64)
    span, decodable = sizes[0], True
    for c, size in zip(codes[1:], sizes[1:], strict=True):
        if span * size > 2**40:
            inverse = np.unique(key, return_inverse=True)[1].reshape(-1)
            key, span, decodable = inverse.astype(np.int64), int(inverse.max()) + 1, False
        key *= size
        key += c
        span *= size
    return key, span, decodable


def _group(codes: list[np.ndarray], sizes: list[int], d: np.ndarray | None, split: bool) -> _Cells:
    """Cells of identical level combinations; with ``split``, also of identical base weight (for bounds).

    ``d=None`` means every base weight is 1.
    """
    n = codes[0].shape[0]
    key, span, decodable = _mixed_radix(codes, sizes)
    if split and d is not None:
        order = np.lexsort((d, key))
        new = np.empty(n, dtype=bool)
        new[0] = True
        new[1:] = (key[order][1:] != key[order][:-1]) | (d[order][1:] != d[order][:-1])
        key = np.empty(n, dtype=np.int64)
        key[order] = np.cumsum(new) - 1
        span, decodable = int(key.max()) + 1, False
    elif span > 4 * n + 1024:
        key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
        span, decodable = int(key.max()) + 1, False
    counts = np.bincount(key, minlength=span)
    present = np.flatnonzero(counts)
    slot = np.full(span, -1, dtype=np.intp)
    slot[present] = np.arange(present.size)
    first = None
    if decodable:
        strides = np.cumprod([1, *sizes[:0:-1]])[::-1]
        level = np.stack([(present // stride) % size for stride, size in zip(strides, sizes, strict=True)])
    else:
        first = np.empty(present.size, dtype=np.intp)
        first[slot[key]] = np.arange(n)
        level = np.stack([c[first] for c in codes])
    base_total = counts[present] if d is None else np.bincount(key, weights=d, minlength=span)[present]
    return _Cells(
        row_key=key,
        slot=slot,
        level=level.astype(np.intp),
        base_total=base_total.astype(float),
        unit_base=d[first] if (split and d is not None and first is not None) else np.ones(present.size),
        row_count=counts[present],
    )


def _margin_error(
    level: np.ndarray, base_total: np.ndarray, factor: np.ndarray, targets: list[np.ndarray]
) -> float:
    weight = base_total * factor
    total = weight.sum()
    worst = 0.0
    for j, share in enumerate(targets):
        achieved = np.bincount(level[j], weights=weight, minlength=share.size) / total
        worst = max(worst, float(np.max(np.abs(achieved - share) / share)))
    return worst


def _fit(
    level: np.ndarray,
    base_total: np.ndarray,
    targets: list[np.ndarray],
    n: int,
    clip: tuple[np.ndarray, np.ndarray] | None,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int, float, bool]:
    """IPF sweeps (then clipping, with bounds) on cell factors until the margin error is ≤ tol.

    Returns (factor per group, sweeps, final error, whether clipping ever changed a factor).
    """
    factor = np.ones(base_total.size)
    error = _margin_error(level, base_total, factor, targets)
    history = [error]
    clipped = False
    sweeps = 0
    while error > tol and sweeps < max_iter:
        sweeps += 1
        for j, share in enumerate(targets):
            total = np.bincount(level[j], weights=base_total * factor, minlength=share.size)
            factor *= (share * n / total)[level[j]]
        if clip is not None:
            bounded = np.clip(factor, clip[0], clip[1])
            clipped = clipped or bool(np.any(bounded != factor))
            factor = bounded
        error = _margin_error(level, base_total, factor, targets)
        history.append(error)
        if clip is not None and sweeps >= _STALL_WINDOW and error > 0.999 * history[-_STALL_WINDOW]:
            break
    if clip is None and error <= tol:
        # Polish: sweeps on cells cost next to nothing, so go on while they still shrink the error, down to
        # the floating-point floor, rather than stopping just under tol.
        for _ in range(_POLISH_SWEEPS):
            trial = factor.copy()
            for j, share in enumerate(targets):
                total = np.bincount(level[j], weights=base_total * trial, minlength=share.size)
                trial *= (share * n / total)[level[j]]
            trial_error = _margin_error(level, base_total, trial, targets)
            if not trial_error < error:
                break
            factor, error = trial, trial_error
            sweeps += 1
    return factor, sweeps, error, clipped


def _infeasible_level(
    variables: list[_Variable], counts: list[np.ndarray], n: int, bounds: tuple[float, float]
) -> str | None:
    """A level whose target total cannot be reached with every weight inside the bounds, if any."""
    for var, count in zip(variables, counts, strict=True):
        for level, c, share in zip(var.levels, count.tolist(), var.shares.tolist(), strict=True):
            needed = share * n / c
            if needed > bounds[1] or needed < bounds[0]:
                return (
                    f"variable {var.name!r}, level {level!r} needs a mean weight of {needed:.3g}, "
                    f"outside the bounds [{bounds[0]:g}, {bounds[1]:g}]"
                )
    return None


def _check_arguments(bounds: tuple[float, float] | None, tol: float, max_iter: int) -> None:
    if bounds is not None:
        lo, hi = (float(b) for b in bounds)
        if not (0.0 <= lo <= 1.0 <= hi) or math.isnan(hi):
            raise ValueError(
                f"bounds: need 0 <= lower <= 1 <= upper (relative to the mean weight), got {bounds!r}"
            )
    if not (tol > 0 and math.isfinite(tol)):
        raise ValueError(f"tol: must be a positive number, got {tol!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter: must be at least 1, got {max_iter!r}")


def _base_weights(base_weights: Sequence[float] | np.ndarray | None, n: int) -> np.ndarray | None:
    """Base weights scaled to mean 1, or None when they are all equal (the common, fastest case)."""
    if base_weights is None:
        return None
    d = np.asarray(base_weights, dtype=float)
    if d.shape != (n,):
        raise TargetError(f"base_weights: expected {n} values (one per row), got shape {d.shape}")
    bad = ~np.isfinite(d) | (d <= 0)
    if bad.any():
        raise TargetError(f"base_weights: {int(bad.sum())} value(s) are not finite positive numbers")
    if np.all(d == d[0]):
        return None
    return d * (n / d.sum())


def rake(
    data: Mapping[str, object],
    targets: Mapping[str, Mapping[str, float]],
    *,
    base_weights: Sequence[float] | np.ndarray | None = None,
    bounds: tuple[float, float] | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> RakeResult:
    """Rake ``data`` to population ``targets``; weights have mean 1.

    ``data`` maps variable names to columns of level labels; ``targets`` maps variable names (or interlocked
    ``"a*b"`` names) to ``{level: share}`` with shares summing to 1 or 100. Convergence: max relative margin
    error ≤ ``tol``, or ``converged=False`` with a warning after ``max_iter`` sweeps. With ``bounds=(L, U)``
    (relative to the mean weight; e.g. (0.2, 5)), each sweep is followed by clipping the weights to the bounds
    (alternating projections), until margins and bounds hold together (to ``tol``), or ``converged=False`` with
    a warning that they cannot both hold. Raises :class:`TargetError` for unusable targets or data.
    """
    _check_arguments(bounds, tol, max_iter)
    if not targets:
        raise TargetError("no targets: give at least one variable with level shares")
    raw: list[tuple[str, np.ndarray, tuple[str, ...], dict[str, float]]] = []
    n: int | None = None
    for name, levels in targets.items():
        shares = parse_shares(str(name), levels)
        codes, labels = column(data, str(name), n)
        n = codes.shape[0]
        raw.append((str(name), codes, labels, shares))
    assert n is not None
    d = _base_weights(base_weights, n)
    split = bounds is not None and d is not None
    cells = _group([r[1] for r in raw], [len(r[2]) for r in raw], d, split)
    variables: list[_Variable] = []
    level_counts: list[np.ndarray] = []
    for j, (name, codes, labels, shares) in enumerate(raw):
        counts = np.bincount(cells.level[j], weights=cells.row_count, minlength=len(labels))
        variables.append(_Variable(name, codes, labels, *align_levels(name, labels, counts, shares)))
        level_counts.append(np.bincount(variables[-1].remap[cells.level[j]], weights=cells.row_count))
    level = np.stack([v.remap[cells.level[j]] for j, v in enumerate(variables)])
    warnings: list[str] = []
    impossible = (
        bounds is not None and (problem := _infeasible_level(variables, level_counts, n, bounds)) is not None
    )
    if impossible:
        warnings.append(f"bounds and margins cannot both hold: {problem}; returning weights without bounds")
        bounds = None
    clip = None if bounds is None else (bounds[0] / cells.unit_base, bounds[1] / cells.unit_base)
    factor, sweeps, error, clipped = _fit(
        level, cells.base_total, [v.shares for v in variables], n, clip, tol, max_iter
    )
    if error > tol:
        what = (
            "raking did not converge"
            if bounds is None
            else f"bounds [{bounds[0]:g}, {bounds[1]:g}] and margins cannot both hold"
        )
        warnings.append(
            f"{what}: max relative margin error {error:.3g} > tol {tol:g} after {sweeps} iterations"
        )
    by_key = np.zeros(cells.slot.size)
    by_key[cells.slot >= 0] = factor
    w = by_key[cells.row_key]
    if d is not None:
        w *= d
    w *= n / w.sum()
    n_eff = float(w.sum()) ** 2 / float(np.dot(w, w))
    design = CalibrationDesign(
        d=np.ones(n) if d is None else d,
        w=w,
        variables=tuple(v.name for v in variables),
        levels=tuple(v.levels for v in variables),
        codes=tuple(v.codes for v in variables),
        remaps=tuple(v.remap for v in variables),
    )
    return RakeResult(
        weights=w,
        converged=error <= tol and not impossible,
        iterations=sweeps,
        max_margin_error=error,
        n=n,
        n_eff=n_eff,
        deff_kish=n / n_eff,
        efficiency=n_eff / n,
        weight_min=float(w.min()),
        weight_max=float(w.max()),
        trimmed=clipped,
        warnings=tuple(warnings),
        design=design,
    )
