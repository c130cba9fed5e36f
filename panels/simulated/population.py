"""A synthetic population with known truth, and panels that select from it in known ways.

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
times ``ρ_b`` for unaided, and ``Σ_c P(c)·pa·κ`` for consideration; a segment's truth is the same sum over its
cells divided by their share.

Two person-level variables outside the margins depend on the answers, with ``k`` the number of brands a person
is aware of and ``a`` awareness of the own (first) brand:

- category buyer: ``logit P(buyer) = τ_t + 1.2·a + 0.5·(k − a)``, with ``τ_t`` solved so the population's share of
  buyers equals the benchmark of the country file (``[benchmarks.category_buyer]``) at every wave;
- engagement (latent, never asked): ``logit P(high) = −2.6 + 0.6·k``.

Writing the joint law as ``P(c)·P(answers | c)·P(buyer, engagement | c, answers)`` leaves every metric's truth
as above. A panel selects people with a probability proportional to ``Π_v s_v[level_v(c)]`` (the demographic
skew) times the factors of a :class:`Scenario`: engaged people, category buyers or people aware of the own brand
may join more readily. Only the demographic part is removed by raking to the margins; the buyer part is removed
by also raking to the benchmark; the rest is bias no weighting on these variables can remove.
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import optimize, special

from recognition.populations import derived_variables, load_margins, populations_dir
from recognition.stats.benchmarks import Benchmark, parse_benchmarks

METRICS_WITH_TRUTH = ("aided", "unaided", "familiar", "consider")
BUYER = "category_buyer"
BUYER_LEVELS = ("buyer", "non_buyer")
ENGAGEMENT_LEVELS = ("low", "high")
#: Share of category buyers when the population declares no ``[benchmarks.category_buyer]``.
DEFAULT_BUYER_SHARE = 0.4
_BUYER_AWARE_OWN, _BUYER_AWARE_OTHER = 1.2, 0.5
_ENGAGED_INTERCEPT, _ENGAGED_PER_BRAND = -2.6, 0.6

#: How strongly the panel over- or under-represents each level, by variable and level position. Young,
#: female and more educated people join online panels more readily; the oldest group is hard to reach.
_DEFAULT_SKEW: dict[str, Sequence[float]] = {
    "age": (2.2, 1.8, 1.3, 1.0, 0.7, 0.45),
    "gender": (1.35, 0.75),
    "region": (1.0, 1.25, 0.8, 1.1),
    "education": (0.6, 1.0, 1.8),
}


@dataclass(frozen=True)
class Scenario:
    """How readily people join the panel beyond the demographic skew: the ratio of joining rates of engaged to
    other people, of category buyers to non-buyers, and of people aware of the own brand to the rest."""

    name: str
    summary: str
    engaged: float = 1.0
    buyer: float = 1.0
    aware_own: float = 1.0

    @property
    def max_factor(self) -> float:
        return max(self.engaged, 1.0) * max(self.buyer, 1.0) * max(self.aware_own, 1.0)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("demographic", "joining depends on the weighting variables only"),
        Scenario("engagement", "engaged people (aware of more brands) join 3x more readily", engaged=3.0),
        Scenario("outcome", "people aware of the own brand join 1.5x more readily", aware_own=1.5),
        Scenario("benchmarked", "category buyers join 2.5x more readily", buyer=2.5),
    )
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
    """One panel draw: weighting variables as label arrays, brand indicators as 0/1 arrays of shape (n,).

    ``measured`` holds variables a survey asks beyond the weighting variables (``category_buyer``) and
    ``latent`` those it never observes (``engagement``); both are filled by :meth:`SyntheticPopulation.draw`.
    """

    demographics: dict[str, np.ndarray]
    cells: np.ndarray  # cell index per respondent
    outcomes: dict[tuple[str, str], np.ndarray]  # (metric, brand) → 0/1
    measured: dict[str, np.ndarray] = field(default_factory=dict)
    latent: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class SyntheticPopulation:
    margins: dict[str, dict[str, float]]
    brands: tuple[BrandProfile, ...]
    skew: dict[str, np.ndarray]
    consider_effects: dict[str, np.ndarray]
    _cells: np.ndarray = field(repr=False)  # (n_cells, n_vars) level index per variable
    _cell_share: np.ndarray = field(repr=False)  # population share per cell
    _panel_share: np.ndarray = field(repr=False)  # panel share per cell
    benchmarks: Mapping[str, Benchmark] = field(default_factory=dict)
    #: Variables that follow from another (the German region from the Land): not drawn, filled in
    derived: Mapping[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(self.margins)

    @property
    def buyer_share(self) -> float:
        """The population's share of category buyers: its ``category_buyer`` benchmark, else a default."""
        bench = self.benchmarks.get(BUYER)
        return DEFAULT_BUYER_SHARE if bench is None else float(bench.shares[BUYER_LEVELS[0]])

    @classmethod
    def from_margins(
        cls,
        margins: Mapping[str, Mapping[str, float]],
        brands: Sequence[str],
        *,
        seed: int = 7,
        skew: Mapping[str, Sequence[float]] | None = None,
        benchmarks: Mapping[str, Benchmark] | None = None,
    ) -> SyntheticPopulation:
        """Build a population over ``margins`` with response parameters drawn from ``seed``.

        The first brand is the strongest (an established own brand); later ones are progressively less known,
        so the demo shows a realistic spread from ~90% down to ~20% aided awareness. ``benchmarks`` (those of
        the country file) set the share of category buyers.
        """
        if len(brands) < 1 or len(set(brands)) != len(brands):
            raise ValueError("brands must be a non-empty list of distinct ids")
        bench = (benchmarks or {}).get(BUYER)
        if bench is not None and (
            set(bench.shares) != set(BUYER_LEVELS) or not 0 < bench.shares[BUYER_LEVELS[0]] < 1
        ):
            raise ValueError(
                f"benchmark {BUYER!r}: needs levels {' and '.join(BUYER_LEVELS)}, each with a share"
            )
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
            benchmarks=dict(benchmarks or {}),
        )

    @classmethod
    def from_country(cls, country: str, brands: Sequence[str], *, seed: int = 7) -> SyntheticPopulation:
        """The population of ``config/populations/<country>.toml``, with the file's ``[benchmarks.*]``."""
        margins = load_margins(country)
        path = populations_dir() / f"{country.lower()}.toml"
        with path.open("rb") as fh:
            benchmarks = parse_benchmarks(tomllib.load(fh), str(path))
        derived = derived_variables(country)  # a person's region is their Land's, as the screener fills it in
        drawn = {v: levels for v, levels in margins.items() if v not in derived}
        return replace(cls.from_margins(drawn, brands, seed=seed, benchmarks=benchmarks), derived=derived)

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

    def segments(self) -> list[tuple[str, str]]:
        """(variable, level) of every level of every weighting variable, in the margins' order."""
        return [(var, level) for var, levels in self.margins.items() for level in levels]

    def truth_table(self, keys: Sequence[tuple[str, str]], wave: int) -> np.ndarray:
        """(1 + segments, outcomes) array: the truth of each (metric, brand) of ``keys`` in the population (row 0)
        and in each segment of :meth:`segments`, ``Σ_{c∈s} P(c)·p(c) / Σ_{c∈s} P(c)``."""
        probs = np.column_stack([self.cell_probability(metric, brand, wave) for metric, brand in keys])
        member = [np.ones(len(self._cells), dtype=bool)]
        for j, levels in enumerate(self.margins.values()):
            member += [self._cells[:, j] == i for i in range(len(levels))]
        mass = np.column_stack(member) * self._cell_share[:, None]
        return np.asarray((mass.T @ probs) / mass.sum(axis=0)[:, None])

    def _awareness_counts(self, wave: int) -> np.ndarray:
        """(cells, 2, brands): P(a, k − a | c), a = aware of the own brand, k − a = other brands aware of."""
        aided = np.stack([self.cell_probability("aided", b.id, wave) for b in self.brands], axis=1)
        others = np.zeros((aided.shape[0], len(self.brands)))
        others[:, 0] = 1.0
        for j in range(1, len(self.brands)):  # Poisson-binomial by convolution, one brand at a time
            p = aided[:, j : j + 1]
            others = others * (1 - p) + np.concatenate([np.zeros((len(p), 1)), others[:, :-1]], axis=1) * p
        own = aided[:, 0:1]
        return np.stack([others * (1 - own), others * own], axis=1)

    def buyer_intercept(self, wave: int) -> float:
        """``τ_t``: the buyer intercept giving the population ``buyer_share`` of category buyers at ``wave``."""
        counts = self._awareness_counts(wave)
        shift = _BUYER_AWARE_OWN * np.arange(2)[:, None] + _BUYER_AWARE_OTHER * np.arange(len(self.brands))
        mass = np.einsum("c,cak->ak", self._cell_share, counts)

        def excess(tau: float) -> float:
            return float(np.sum(mass * special.expit(tau + shift)) - self.buyer_share)

        return float(optimize.brentq(excess, -30.0, 30.0, xtol=1e-13))

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
        for var, (source, grouping) in self.derived.items():
            out[var] = np.asarray([grouping[str(x)] for x in out[source]], dtype=object)
        return out

    def _answers(
        self, cells: np.ndarray, rng: np.random.Generator, wave: int
    ) -> dict[tuple[str, str], np.ndarray]:
        n = len(cells)
        outcomes: dict[tuple[str, str], np.ndarray] = {}
        for b in self.brands:
            aided_p = self.cell_probability("aided", b.id, wave)[cells]
            aided = (rng.random(n) < aided_p).astype(np.int8)
            outcomes[("aided", b.id)] = aided
            outcomes[("unaided", b.id)] = aided * (rng.random(n) < b.recall)
            outcomes[("familiar", b.id)] = aided * (rng.random(n) < b.familiar)
            consider_p = self._consider_given_aware(b)[cells]
            outcomes[("consider", b.id)] = aided * (rng.random(n) < consider_p)
        return outcomes

    def draw_panel(self, n: int, rng: np.random.Generator, wave: int, *, panel: bool = True) -> Sample:
        """Draw ``n`` respondents at ``wave`` and their brand indicators (all metrics with a known truth)."""
        cells = self.draw_cells(n, rng, panel=panel)
        return Sample(
            demographics=self.demographics(cells), cells=cells, outcomes=self._answers(cells, rng, wave)
        )

    def draw(
        self, n: int, rng: np.random.Generator, wave: int, scenario: Scenario, *, panel: bool = True
    ) -> Sample:
        """``n`` panel members at ``wave`` selected as ``scenario`` says, with ``category_buyer`` measured and
        ``engagement`` latent. Candidates come from the demographically skewed panel (``panel=False``: from the
        population) and are accepted with probability (scenario factors) / (their maximum), so members follow
        the scenario's law exactly."""
        tau = self.buyer_intercept(wave)
        own = self.brands[0].id
        parts: list[tuple[np.ndarray, dict[tuple[str, str], np.ndarray], np.ndarray, np.ndarray]] = []
        have, rate = 0, 1.0 / scenario.max_factor
        while have < n:
            m = int(np.ceil((n - have) / rate * 1.1)) + 32
            cells = self.draw_cells(m, rng, panel=panel)
            answers = self._answers(cells, rng, wave)
            aware = answers[("aided", own)].astype(float)
            k = np.sum([answers[("aided", b.id)] for b in self.brands], axis=0, dtype=float)
            engaged = rng.random(m) < special.expit(_ENGAGED_INTERCEPT + _ENGAGED_PER_BRAND * k)
            buyer = rng.random(m) < special.expit(
                tau + _BUYER_AWARE_OWN * aware + _BUYER_AWARE_OTHER * (k - aware)
            )
            factor = (
                np.where(engaged, scenario.engaged, 1.0)
                * np.where(buyer, scenario.buyer, 1.0)
                * np.where(aware > 0, scenario.aware_own, 1.0)
            )
            keep = np.flatnonzero(rng.random(m) * scenario.max_factor < factor)[: n - have]
            rate = max(keep.size / m, 0.05)
            have += keep.size
            parts.append(
                (cells[keep], {key: v[keep] for key, v in answers.items()}, buyer[keep], engaged[keep])
            )
        cells = np.concatenate([p[0] for p in parts])
        outcomes = {key: np.concatenate([p[1][key] for p in parts]) for key in parts[0][1]}
        buyer_labels = np.where(np.concatenate([p[2] for p in parts]), *BUYER_LEVELS).astype(object)
        engaged_labels = np.where(np.concatenate([p[3] for p in parts]), "high", "low").astype(object)
        return Sample(
            demographics=self.demographics(cells),
            cells=cells,
            outcomes=outcomes,
            measured={BUYER: buyer_labels},
            latent={"engagement": engaged_labels},
        )

    def choose(self, candidates: Sequence[str], rng: np.random.Generator) -> str | None:
        """Pick one brand among ``candidates`` with probability ∝ salience (top of mind, preference)."""
        if not candidates:
            return None
        weights = np.array([self._brand(c).salience for c in candidates])
        return str(candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))])


def _stable_seed(seed: int, label: str) -> int:
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:8], "little")
