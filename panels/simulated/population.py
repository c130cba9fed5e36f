"""A synthetic population with known truth, and a panel that over-represents some groups.

The population is the cross of the weighting variables of a country file (``config/populations/<cc>.toml``):
its cells have the product of the official margins as their shares. Each respondent's brand answers follow a
per-cell response model, so every metric has a known population value (the *truth*) that estimates can be
checked against.

Response model, per brand *b* and cell *c* (independent across brands), at wave *t*:

- aided awareness ``A ~ Bernoulli(pa(b, c, t))`` with ``logit pa = α_b + Σ_v β_b,v[level_v(c)] + δ_b·t``
- unaided awareness ``U = A · Bernoulli(ρ_b)`` (a brand recalled unprompted is also recognised)
- familiarity ``F = A · Bernoulli(φ_b)``
- consideration ``C = A · Bernoulli(κ_b(c))`` with ``logit κ = γ_b + Σ_v η_v[level_v(c)]``

so, with ``P(c)`` the population share of cell *c*, the truth is ``Σ_c P(c)·pa(b, c, t)`` for aided awareness,
times ``ρ_b`` for unaided, and ``Σ_c P(c)·pa·κ`` for consideration.

Panel selection depends only on the weighting variables: a cell's chance of joining the panel is
``Π_v s_v[level_v(c)]``. Raking to the margins therefore removes the selection bias in expectation, which is
what makes the truth a fair yardstick for the weighting.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from recognition.populations import load_margins

METRICS_WITH_TRUTH = ("aided", "unaided", "familiar", "consider")

#: How strongly the panel over- or under-represents each level, by variable and level position. Young,
#: female and more educated people join online panels more readily; the oldest group is hard to reach.
_DEFAULT_SKEW: dict[str, Sequence[float]] = {
    "age": (2.2, 1.8, 1.3, 1.0, 0.7, 0.45),
    "gender": (1.35, 0.75),
    "region": (1.0, 1.25, 0.8, 1.1),
    "education": (0.6, 1.0, 1.8),
}


@dataclass(frozen=True)
class BrandProfile:
    """The response-model parameters of one brand (see the module docstring)."""

    id: str
    alpha: float  # aided awareness intercept (logit)
    effects: dict[str, np.ndarray]  # variable → per-level logit effect on aided awareness
    drift: float  # logit change per wave
    recall: float  # ρ: P(unaided | aided)
    familiar: float  # φ: P(familiar | aided)
    consider_intercept: float  # γ
    salience: float  # weight for top-of-mind and preference choices


@dataclass(frozen=True)
class Sample:
    """One panel draw: weighting variables as label arrays, brand indicators as 0/1 arrays of shape (n,)."""

    demographics: dict[str, np.ndarray]
    cells: np.ndarray  # cell index per respondent
    outcomes: dict[tuple[str, str], np.ndarray]  # (metric, brand) → 0/1


@dataclass(frozen=True)
class SyntheticPopulation:
    margins: dict[str, dict[str, float]]
    brands: tuple[BrandProfile, ...]
    skew: dict[str, np.ndarray]
    consider_effects: dict[str, np.ndarray]
    _cells: np.ndarray = field(repr=False)  # (n_cells, n_vars) level index per variable
    _cell_share: np.ndarray = field(repr=False)  # population share per cell
    _panel_share: np.ndarray = field(repr=False)  # panel share per cell

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(self.margins)

    @classmethod
    def from_margins(
        cls,
        margins: Mapping[str, Mapping[str, float]],
        brands: Sequence[str],
        *,
        seed: int = 7,
        skew: Mapping[str, Sequence[float]] | None = None,
    ) -> SyntheticPopulation:
        """Build a population over ``margins`` with response parameters drawn from ``seed``.

        The first brand is the strongest (an established own brand); later ones are progressively less known,
        so the demo shows a realistic spread from ~90% down to ~20% aided awareness.
        """
        if len(brands) < 1 or len(set(brands)) != len(brands):
            raise ValueError("brands must be a non-empty list of distinct ids")
        norm = {
            v: {k: float(s) / sum(levels.values()) for k, s in levels.items()}
            for v, levels in margins.items()
        }
        rng = np.random.default_rng(_stable_seed(seed, "population"))
        skew_src = dict(_DEFAULT_SKEW if skew is None else skew)
        skew_arrays = {}
        for var, levels in norm.items():
            default = skew_src.get(var, ())
            k = len(levels)
            values = [float(default[i]) if i < len(default) else 1.0 for i in range(k)]
            skew_arrays[var] = np.asarray(values)
        profiles = []
        for i, brand in enumerate(brands):
            brng = np.random.default_rng(_stable_seed(seed, f"brand:{brand}"))
            base = 2.2 - 0.75 * i + brng.normal(0, 0.15)
            effects = {
                var: np.sort(brng.normal(0, 0.35, len(levels)))[:: 1 if (i + j) % 2 else -1]
                for j, (var, levels) in enumerate(norm.items())
            }
            profiles.append(
                BrandProfile(
                    id=brand,
                    alpha=float(base),
                    effects=effects,
                    drift=float(abs(brng.normal(0.0, 0.03)) + 0.04)
                    if i == 0
                    else float(brng.normal(0.0, 0.04)),
                    recall=float(np.clip(0.75 - 0.1 * i + brng.normal(0, 0.05), 0.15, 0.9)),
                    familiar=float(np.clip(0.8 - 0.05 * i, 0.3, 0.95)),
                    consider_intercept=float(0.3 - 0.2 * i + brng.normal(0, 0.1)),
                    salience=float(np.exp(-0.5 * i)),
                )
            )
        consider_effects = {var: rng.normal(0, 0.2, len(levels)) for var, levels in norm.items()}
        level_lists = [range(len(levels)) for levels in norm.values()]
        cells = np.array(list(itertools.product(*level_lists)), dtype=np.int64)
        share = np.ones(len(cells))
        panel = np.ones(len(cells))
        for j, (var, levels) in enumerate(norm.items()):
            shares = np.asarray(list(levels.values()))
            share *= shares[cells[:, j]]
            panel *= shares[cells[:, j]] * skew_arrays[var][cells[:, j]]
        return cls(
            margins=norm,
            brands=tuple(profiles),
            skew=skew_arrays,
            consider_effects=consider_effects,
            _cells=cells,
            _cell_share=share / share.sum(),
            _panel_share=panel / panel.sum(),
        )

    @classmethod
    def from_country(cls, country: str, brands: Sequence[str], *, seed: int = 7) -> SyntheticPopulation:
        return cls.from_margins(load_margins(country), brands, seed=seed)

    # --- per-cell probabilities -------------------------------------------------------------------------

    def _brand(self, brand: str) -> BrandProfile:
        for b in self.brands:
            if b.id == brand:
                return b
        raise KeyError(f"unknown brand {brand!r}")

    def cell_probability(self, metric: str, brand: str, wave: int) -> np.ndarray:
        """P(indicator = 1) in every cell for ``metric`` of ``brand`` at wave index ``wave``."""
        b = self._brand(brand)
        eta = np.full(len(self._cells), b.alpha + b.drift * wave)
        for j, var in enumerate(self.variables):
            eta += b.effects[var][self._cells[:, j]]
        aided = 1.0 / (1.0 + np.exp(-eta))
        if metric == "aided":
            return aided
        if metric == "unaided":
            return aided * b.recall
        if metric == "familiar":
            return aided * b.familiar
        if metric == "consider":
            return aided * self._consider_given_aware(b)
        raise KeyError(f"metric {metric!r} has no closed-form truth; known: {', '.join(METRICS_WITH_TRUTH)}")

    def _consider_given_aware(self, b: BrandProfile) -> np.ndarray:
        eta = np.full(len(self._cells), b.consider_intercept)
        for j, var in enumerate(self.variables):
            eta += self.consider_effects[var][self._cells[:, j]]
        return 1.0 / (1.0 + np.exp(-eta))

    def truth(self, metric: str, brand: str, wave: int) -> float:
        """The population value of ``metric`` for ``brand`` at ``wave``: Σ_c P(c)·p(c)."""
        return float(self._cell_share @ self.cell_probability(metric, brand, wave))

    # --- drawing ------------------------------------------------------------------------------------------

    def draw_cells(self, n: int, rng: np.random.Generator, *, panel: bool = True) -> np.ndarray:
        """Cell indices of ``n`` respondents from the skewed panel (or from the population itself)."""
        p = self._panel_share if panel else self._cell_share
        return rng.choice(len(p), size=n, p=p)

    def demographics(self, cells: np.ndarray) -> dict[str, np.ndarray]:
        out = {}
        for j, (var, levels) in enumerate(self.margins.items()):
            labels = np.asarray(list(levels), dtype=object)
            out[var] = labels[self._cells[cells, j]]
        return out

    def draw_panel(self, n: int, rng: np.random.Generator, wave: int, *, panel: bool = True) -> Sample:
        """Draw ``n`` respondents at ``wave`` and their brand indicators (all metrics with a known truth)."""
        cells = self.draw_cells(n, rng, panel=panel)
        outcomes: dict[tuple[str, str], np.ndarray] = {}
        for b in self.brands:
            aided_p = self.cell_probability("aided", b.id, wave)[cells]
            aided = (rng.random(n) < aided_p).astype(np.int8)
            outcomes[("aided", b.id)] = aided
            outcomes[("unaided", b.id)] = aided * (rng.random(n) < b.recall)
            outcomes[("familiar", b.id)] = aided * (rng.random(n) < b.familiar)
            consider_p = self._consider_given_aware(b)[cells]
            outcomes[("consider", b.id)] = aided * (rng.random(n) < consider_p)
        return Sample(demographics=self.demographics(cells), cells=cells, outcomes=outcomes)

    def choose(self, candidates: Sequence[str], rng: np.random.Generator) -> str | None:
        """Pick one brand among ``candidates`` with probability ∝ salience (top of mind, preference)."""
        if not candidates:
            return None
        weights = np.array([self._brand(c).salience for c in candidates])
        return str(candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))])


def _stable_seed(seed: int, label: str) -> int:
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:8], "little")
