"""``recognition simulate-changes``: how often true changes are flagged, and how many flags are false, measured on
the synthetic population whose truth is known.

Each replicate draws two waves of ``n`` panel members (the demographically skewed panel of
:class:`panels.simulated.population.SyntheticPopulation`, raked to the margins as the service does) from two
populations: the base one and one in which about half the brands moved — each moving brand's awareness by a
logit step drawn from ±U(0.1, 0.6), and, independently, about half the brands' consideration among the aware by
a step from the same law. Every figure of the later wave is tested against the earlier one exactly as a
published wave is (:func:`recognition.waves.compute.compute_wave`, :func:`recognition.figures.with_changes`),
with the significance families of the service and, on the same p-values, with the old single family over every
test of the wave. The truth of every figure (total sample and each level of each weighting variable) is known
in closed form, so each flag is checked: a flag is **false** when the true change is zero or of the opposite
sign; **power** is the share of true changes of a given size flagged in the right direction.

Only the metrics with a closed-form truth are studied (aided and unaided awareness, familiarity, consideration):
the headline family here is the total sample × aided, unaided, consideration × every brand.

With ``window = W`` (``--window``) each side of a replicate is a rolling window of ``W`` waves of ``n`` instead of
one wave: the waves are pooled and weighted as one sample, exactly as the service computes a rolling window
(:func:`recognition.waves.compute.compute_window`), and the later window is tested against the earlier,
non-overlapping one. The population is the same within a window and moves between the windows, so the study
answers how many pooled waves a tracker needs before changes of a given size are caught.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from panels.simulated.population import METRICS_WITH_TRUTH, SyntheticPopulation
from recognition.errors import UserError
from recognition.figures import (
    Figure,
    StatisticsOptions,
    family_name,
    one_family,
    significance_family,
    with_changes,
)
from recognition.settings import load_settings
from recognition.waves.compute import compute_window
from recognition.waves.inputs import WaveInput

BRANDS = ("own", "rival_a", "rival_b", "rival_c", "rival_d", "rival_e")
#: Bins of the true change's size, in percentage points: [low, high).
BINS: tuple[tuple[float, float], ...] = (
    (0.0, 1.0),
    (1.0, 2.0),
    (2.0, 3.0),
    (3.0, 5.0),
    (5.0, 8.0),
    (8.0, 100.0),
)
RULES = ("families", "one_family")
GROUPS = ("headline", "secondary", "segment")


@dataclass(frozen=True)
class Ratio:
    """A share over replicates with its Monte Carlo SE (ratio of sums; delta method over replicates:
    ``√(Σ_r (a_r − R·b_r)²) / Σ_r b_r``, Morris, White & Crowther 2019)."""

    value: float | None
    mc_se: float | None
    count: int  # the denominator, summed over replicates

    @classmethod
    def of(cls, num: np.ndarray, den: np.ndarray) -> Ratio:
        total = float(den.sum())
        if total == 0:
            return cls(None, None, 0)
        r = float(num.sum()) / total
        return cls(r, float(np.sqrt(np.sum((num - r * den) ** 2)) / total), int(total))

    def json(self) -> dict[str, Any]:
        return {"value": self.value, "mc_se": self.mc_se, "count": self.count}

    def text(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value:.3f} ± {self.mc_se or 0:.3f} ({self.count})"


@dataclass(frozen=True)
class GroupResult:
    """One rule × family group: power by size of the true change, power for changes of 3 points or more, the
    share of flags that are false, and flags per replicate."""

    rule: str
    group: str
    power_by_size: tuple[Ratio, ...]  # one per BINS
    power_3_plus: Ratio
    false_flags: Ratio
    flags_per_wave: float


@dataclass(frozen=True)
class StudyReport:
    n: int
    window: int  # waves pooled on each side
    replicates: int
    seed: int
    brands: tuple[str, ...]
    alpha: float
    practical_threshold: float
    results: tuple[GroupResult, ...]

    def result(self, rule: str, group: str) -> GroupResult:
        return next(r for r in self.results if r.rule == rule and r.group == group)


def moved(
    population: SyntheticPopulation, rng: np.random.Generator, p_move: float = 0.5
) -> SyntheticPopulation:
    """The population after each brand moved in awareness with probability ``p_move`` and, independently, in
    consideration among the aware with probability ``p_move`` (logit steps ±U(0.1, 0.6))."""

    def step() -> float:
        return float(rng.choice((-1.0, 1.0)) * rng.uniform(0.1, 0.6)) if rng.random() < p_move else 0.0

    brands = tuple(
        dataclasses.replace(b, alpha=b.alpha + step(), consider_intercept=b.consider_intercept + step())
        for b in population.brands
    )
    return dataclasses.replace(population, brands=brands)


def wave_input(
    population: SyntheticPopulation, n: int, rng: np.random.Generator, first_id: int = 0
) -> WaveInput:
    """``n`` panel members of ``population`` as the service's statistics read a wave (no customer segments)."""
    sample = population.draw_panel(n, rng, 0)
    return WaveInput(
        respondent_ids=list(range(first_id, first_id + n)),
        demographics={v: [str(x) for x in labels] for v, labels in sample.demographics.items()},
        indicators={k: v.astype(float) for k, v in sample.outcomes.items()},
        customer=["current"] * n,
    )


def truths(population: SyntheticPopulation) -> dict[tuple[str, str, str], float]:
    """(metric, brand, segment) → the population value, for the total and each weighting-variable level."""
    keys = [(m, b.id) for m in METRICS_WITH_TRUTH for b in population.brands]
    table = population.truth_table(keys, 0)
    segments = ["all", *(f"{v}={level}" for v, level in population.segments())]
    return {(m, b, s): float(table[g, k]) for g, s in enumerate(segments) for k, (m, b) in enumerate(keys)}


def _studied(figures: Sequence[Figure]) -> list[Figure]:
    return [f for f in figures if not f.segment.startswith("customer=")]


def replicate(
    base: SyntheticPopulation,
    n: int,
    options: StatisticsOptions,
    margins: dict[str, dict[str, float]],
    rng: np.random.Generator,
    p_move: float = 0.5,
    window: int = 1,
) -> list[tuple[str, float, float, bool, bool]]:
    """One pair of waves (or of ``window``-wave rolling windows): per tested figure (group, true change,
    estimated change, flagged under the families, flagged under one family)."""
    after = moved(base, rng, p_move)

    def figures(population: SyntheticPopulation, side: int) -> list[Figure]:
        waves = [wave_input(population, n, rng, (side * window + w) * n) for w in range(window)]
        return _studied(compute_window(waves, margins, options))

    first = figures(base, 0)
    second = figures(after, 1)
    before = {f.key: f for f in first}
    new = with_changes(second, before, options, family=significance_family)
    old = {f.key: f for f in with_changes(second, before, options, family=one_family)}
    t0, t1 = truths(base), truths(after)
    out = []
    for f in new:
        if f.change is None:
            continue
        truth_key = (f.metric, f.brand, f.segment)
        true_change = 100.0 * (t1[truth_key] - t0[truth_key])
        out.append(
            (family_name(f), true_change, 100.0 * f.change, bool(f.significant), bool(old[f.key].significant))
        )
    return out


def _summarise(rows: list[list[tuple[str, float, float, bool, bool]]], rule: str, group: str) -> GroupResult:
    col = 3 if rule == "families" else 4
    per_bin_hits = np.zeros((len(rows), len(BINS)))
    per_bin_all = np.zeros((len(rows), len(BINS)))
    hits3, all3, false, flags = (np.zeros(len(rows)) for _ in range(4))
    for r, items in enumerate(rows):
        for g, true, est, *flagged in items:
            if g != group:
                continue
            flag = flagged[col - 3]
            right = flag and true != 0 and np.sign(est) == np.sign(true)
            flags[r] += flag
            false[r] += flag and not right
            size = abs(true)
            if true != 0:
                for b, (low, high) in enumerate(BINS):
                    if low <= size < high:
                        per_bin_all[r, b] += 1
                        per_bin_hits[r, b] += right
                if size >= 3.0:
                    all3[r] += 1
                    hits3[r] += right
    return GroupResult(
        rule=rule,
        group=group,
        power_by_size=tuple(Ratio.of(per_bin_hits[:, b], per_bin_all[:, b]) for b in range(len(BINS))),
        power_3_plus=Ratio.of(hits3, all3),
        false_flags=Ratio.of(false, flags),
        flags_per_wave=float(flags.mean()),
    )


def run_study(
    n: int,
    replicates: int,
    seed: int = 1,
    brands: Sequence[str] = BRANDS,
    options: StatisticsOptions | None = None,
    progress: Callable[[int], None] | None = None,
    p_move: float = 0.5,
    window: int = 1,
) -> StudyReport:
    """The study of the module docstring: ``replicates`` pairs of waves (``window`` = 1) or of rolling windows
    of ``window`` waves, each wave of ``n`` respondents."""
    if window < 1:
        raise UserError(f"window: must be at least 1 wave, got {window}")
    if n < 2:
        raise UserError(f"n: must be at least 2 respondents per wave, got {n}")
    options = options or StatisticsOptions()
    base = SyntheticPopulation.from_country("us", list(brands), seed=seed)
    margins = {v: dict(levels) for v, levels in base.margins.items()}
    rows = []
    for r in range(replicates):
        rows.append(replicate(base, n, options, margins, np.random.default_rng([seed, r]), p_move, window))
        if progress is not None:
            progress(r + 1)
    results = tuple(_summarise(rows, rule, group) for rule in RULES for group in GROUPS)
    return StudyReport(
        n, window, replicates, seed, tuple(brands), options.alpha, options.practical_threshold, results
    )


def report_json(report: StudyReport) -> dict[str, Any]:
    return {
        "n": report.n,
        "window": report.window,
        "replicates": report.replicates,
        "seed": report.seed,
        "brands": list(report.brands),
        "alpha": report.alpha,
        "practical_threshold": report.practical_threshold,
        "bins_points": [list(b) for b in BINS],
        "results": [
            {
                "rule": g.rule,
                "family": g.group,
                "power_by_size": [p.json() for p in g.power_by_size],
                "power_3_points_or_more": g.power_3_plus.json(),
                "false_flag_share": g.false_flags.json(),
                "flags_per_wave": g.flags_per_wave,
            }
            for g in report.results
        ],
    }


def report_text(report: StudyReport) -> str:
    pairs = "pairs of waves" if report.window == 1 else f"pairs of {report.window}-wave rolling windows"
    head = (
        f"True changes flagged, n = {report.n:,} per wave, {report.replicates} {pairs}, seed "
        f"{report.seed}; q < {report.alpha:g} and |change| ≥ {100 * report.practical_threshold:g} points "
        "(value ± Monte Carlo SE (count))"
    )
    bins = [f"{low:g}–{high:g}" if high < 100 else f"≥ {low:g}" for low, high in BINS]
    lines = [head, ""]
    for g in report.results:
        rule = "service families" if g.rule == "families" else "one family per wave (old rule)"
        lines.append(f"{g.group} reads, {rule}:")
        lines.append(f"  power, true change ≥ 3 points   {g.power_3_plus.text()}")
        lines.append(f"  share of flags that are false   {g.false_flags.text()}")
        lines.append(f"  flags per wave                  {g.flags_per_wave:.2f}")
        for label, p in zip(bins, g.power_by_size, strict=True):
            lines.append(f"  power, true change {label:>5} points {p.text()}")
        lines.append("")
    return "\n".join(lines)


def cmd_simulate_changes(args: argparse.Namespace) -> int:
    settings = load_settings(config_file=args.config)
    options = StatisticsOptions.from_settings(settings)
    with tqdm(
        total=args.replicates, desc="pairs", unit="pair", file=sys.stderr, disable=not sys.stderr.isatty()
    ) as bar:
        report = run_study(
            args.n,
            args.replicates,
            args.seed,
            options=options,
            window=args.window,
            progress=lambda done: bar.update(done - bar.n),
        )
    if args.json:
        json.dump(report_json(report), sys.stdout, indent=2)
        print()
    else:
        print(report_text(report))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "simulate-changes",
        parents=[common],
        help="power and false flags of the change tests, on a simulated population with known truth",
    )
    p.add_argument("--n", type=int, default=1000, help="respondents per wave (default 1000)")
    p.add_argument("--replicates", type=int, default=400, help="pairs of waves (default 400)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--window",
        type=int,
        default=1,
        help="waves pooled on each side, as a rolling window (default 1: wave on wave)",
    )
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(func=cmd_simulate_changes)
