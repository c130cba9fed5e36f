"""Image map: correspondence analysis of a weighted brand × attribute association table.

Table ``N`` (brands × attributes): ``N_ba = Σᵢ wᵢ x_iba``, the weighted number of respondents (in the base)
associating attribute a with brand b. With ``P = N/ΣN``, row masses ``r = P1``, column masses ``c = P'1``, the
standardised residuals ``S = D_r^{-1/2}(P − rc')D_c^{-1/2}`` have the SVD ``S = U Σ V'``; then (Greenacre 2007,
"Correspondence Analysis in Practice", ch. 4–11 and appendix A; the same as R ``ca::ca``):

* standard coordinates ``Φ = D_r^{-1/2} U`` (rows), ``Γ = D_c^{-1/2} V`` (columns);
* principal coordinates ``F = ΦΣ``, ``G = ΓΣ``;
* principal inertia of dimension k ``λₖ = σₖ²``; total inertia ``Σλₖ = Σ S²`` (χ²/N); share ``λₖ/Σλ``;
* contribution of row i to dimension k ``rᵢ φᵢₖ²`` (= ``uᵢₖ²``; columns alike; each sums to 1 over rows);
* quality (squared cosine) of row i on dimension k ``rᵢ fᵢₖ² / inertiaᵢ`` with ``inertiaᵢ = rᵢ Σₖ fᵢₖ²``.

The signs of the axes are arbitrary; here each dimension is oriented so that its largest absolute row standard
coordinate is positive, so the same table always gives the same map. Brands or attributes with no association
at all (mass 0) cannot be placed: they are left out of the analysis, get NaN coordinates, and are named in a
warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recognition.stats.weighting import CalibrationDesign

__all__ = ["ImageMap", "association_table", "image_map", "image_map_from_indicators"]

_RANK_TOL = 1e-12


@dataclass(frozen=True, eq=False)
class ImageMap:
    """Correspondence analysis of ``table`` (rows × columns); K = min(rows, columns) − 1 dimensions.

    Coordinates are (rows × K) and (columns × K); ``inertia`` (K,) the principal inertias, ``share`` their share
    of ``total_inertia``; contributions and qualities as in the module docstring. ``n`` and ``n_eff`` describe
    the respondents behind the table (0 and NaN when a bare table was given).
    """

    row_names: tuple[str, ...]
    column_names: tuple[str, ...]
    table: np.ndarray
    row_mass: np.ndarray
    column_mass: np.ndarray
    row_standard: np.ndarray
    column_standard: np.ndarray
    row_principal: np.ndarray
    column_principal: np.ndarray
    inertia: np.ndarray
    share: np.ndarray
    total_inertia: float
    row_inertia: np.ndarray
    column_inertia: np.ndarray
    row_contribution: np.ndarray
    column_contribution: np.ndarray
    row_quality: np.ndarray
    column_quality: np.ndarray
    n: int
    n_eff: float
    warnings: tuple[str, ...]


def association_table(
    associations: np.ndarray, weights: np.ndarray, domain: np.ndarray | None = None
) -> np.ndarray:
    """``N_ba = Σᵢ wᵢ x_iba`` over respondents in ``domain``: (n × brands × attributes) 0/1 → (brands × attributes)."""
    x = np.asarray(associations, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 3 or x.shape[0] != w.shape[0]:
        raise ValueError(
            f"associations: expected (n={w.shape[0]}) × brands × attributes, got shape {x.shape}"
        )
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("associations: values must be finite and non-negative (0/1 indicators)")
    if domain is not None:
        mask = np.asarray(domain)
        if mask.shape != w.shape or not np.all((mask == 0) | (mask == 1)):
            raise ValueError(f"domain: expected {w.shape[0]} booleans")
        w = w * mask
    return np.einsum("i,iba->ba", w, x)


def _names(given: Sequence[str] | None, count: int, what: str) -> tuple[str, ...]:
    if given is None:
        return tuple(f"{what} {j + 1}" for j in range(count))
    names = tuple(given)
    if len(names) != count:
        raise ValueError(f"{what}_names: expected {count} names, got {len(names)}")
    return names


def _orient(phi: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sign = np.sign(phi[np.argmax(np.abs(phi), axis=0), np.arange(phi.shape[1])])
    sign[sign == 0] = 1.0
    return phi * sign, gamma * sign


def _fill(values: np.ndarray, keep: np.ndarray, size: int) -> np.ndarray:
    out = np.full((size, *values.shape[1:]), np.nan)
    out[keep] = values
    return out


def image_map(
    table: np.ndarray,
    row_names: Sequence[str] | None = None,
    column_names: Sequence[str] | None = None,
    *,
    n: int = 0,
    n_eff: float = float("nan"),
) -> ImageMap:
    """Correspondence analysis of a (weighted) contingency table of non-negative numbers (R: ``ca::ca(table)``)."""
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"table: expected a 2-d table of finite non-negative numbers, got shape {t.shape}")
    rows = _names(row_names, t.shape[0], "row")
    cols = _names(column_names, t.shape[1], "column")
    keep_r, keep_c = t.sum(axis=1) > 0, t.sum(axis=0) > 0
    warnings = [
        f"{what} {', '.join(names[j] for j in np.flatnonzero(~keep))} have no associations and are not placed"
        for what, names, keep in (("row(s)", rows, keep_r), ("column(s)", cols, keep_c))
        if not keep.all()
    ]
    sub = t[np.ix_(keep_r, keep_c)]
    if min(sub.shape) < 2:
        raise ValueError(f"table: needs at least 2 rows and 2 columns with associations, got {sub.shape}")
    p = sub / sub.sum()
    r, c = p.sum(axis=1), p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sv, vt = np.linalg.svd(s, full_matrices=False)
    dims = min(sub.shape) - 1
    u, sv, v = u[:, :dims], sv[:dims], vt[:dims].T
    if sv.size and sv[-1] < _RANK_TOL * max(sv[0], _RANK_TOL):
        warnings.append("the table has fewer independent dimensions than min(rows, columns) − 1")
    phi, gamma = _orient(u / np.sqrt(r)[:, None], v / np.sqrt(c)[:, None])
    f, g = phi * sv, gamma * sv
    inertia = sv * sv
    total = float(np.sum(s * s))
    row_inertia = (s * s).sum(axis=1)
    col_inertia = (s * s).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        row_quality = r[:, None] * f * f / row_inertia[:, None]
        col_quality = c[:, None] * g * g / col_inertia[:, None]
    nr, nc = t.shape
    return ImageMap(
        row_names=rows,
        column_names=cols,
        table=t,
        row_mass=_fill(r, keep_r, nr),
        column_mass=_fill(c, keep_c, nc),
        row_standard=_fill(phi, keep_r, nr),
        column_standard=_fill(gamma, keep_c, nc),
        row_principal=_fill(f, keep_r, nr),
        column_principal=_fill(g, keep_c, nc),
        inertia=inertia,
        share=inertia / total if total > 0 else np.full_like(inertia, np.nan),
        total_inertia=total,
        row_inertia=_fill(row_inertia, keep_r, nr),
        column_inertia=_fill(col_inertia, keep_c, nc),
        row_contribution=_fill(r[:, None] * phi * phi, keep_r, nr),
        column_contribution=_fill(c[:, None] * gamma * gamma, keep_c, nc),
        row_quality=_fill(row_quality, keep_r, nr),
        column_quality=_fill(col_quality, keep_c, nc),
        n=n,
        n_eff=n_eff,
        warnings=tuple(warnings),
    )


def image_map_from_indicators(
    associations: np.ndarray,
    design: CalibrationDesign,
    *,
    domain: np.ndarray | None = None,
    brand_names: Sequence[str] | None = None,
    attribute_names: Sequence[str] | None = None,
) -> ImageMap:
    """The image map of one wave: ``associations`` (n × brands × attributes, 0/1), weighted with ``design.w``,
    over the respondents in ``domain`` (None: all)."""
    table = association_table(associations, design.w, domain)
    mask = np.ones(design.n, dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    wb = design.w[mask]
    n_eff = float(wb.sum() ** 2 / np.dot(wb, wb)) if wb.size else float("nan")
    return image_map(table, brand_names, attribute_names, n=int(mask.sum()), n_eff=n_eff)
