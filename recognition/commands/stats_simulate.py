"""``recognition simulate``: weighting and intervals checked against a synthetic population whose truth is known.

Each wave draws ``n`` panel members from :class:`panels.simulated.population.SyntheticPopulation` as a named
scenario selects them (:data:`panels.simulated.population.SCENARIOS`): ``demographic`` (joining depends on the
weighting variables only), ``engagement`` (also on a latent engagement that goes with awareness), ``outcome`` (on
awareness of the own brand itself) and ``benchmarked`` (on being a category buyer, a variable with an external
benchmark). Every wave is estimated three ways, each with the service's weight bounds and interval method:

- ``unweighted``: the panel's own proportions, simple-random-sampling intervals;
- ``margins``: raked to the population margins (what the service does);
- ``margins_and_benchmarks``: raked to the margins and the population file's ``[benchmarks.*]`` as well
  (``category_buyer`` is measured in every simulated wave).

Against the model truth ``Σ_c P(c)·p(c)`` of every brand × metric, overall and in every segment (each level of
each weighting variable), the report gives coverage of the intervals and bias, each with its Monte Carlo standard
error (:mod:`recognition.stats.montecarlo`). Wave ``i`` of the run is wave ``i mod 12`` of the population (a year
of monthly waves, repeated), so the brands with the fastest drift stay away from 0 and 1 however long the run.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from panels.simulated.population import BUYER, METRICS_WITH_TRUTH, SCENARIOS, Scenario, SyntheticPopulation
from recognition.commands.stats_io import json_number, parse_cap
from recognition.errors import UserError
from recognition.settings import load_settings
from recognition.stats import montecarlo
from recognition.stats._intervals import CI_METHODS
from recognition.stats.benchmarks import targets_with_benchmarks
from recognition.stats.estimation import estimate_matrix
from recognition.stats.weighting import CalibrationDesign, rake

DEFAULT_BRANDS = ("own", "rival_a", "rival_b", "rival_c", "rival_d")
WAVE_CYCLE = 12
WEIGHTINGS = ("unweighted", "margins", "margins_and_benchmarks")


@dataclass(frozen=True)
class Figure:
    """A simulation result with its Monte Carlo standard error."""

    value: float
    mc_se: float

    def json(self) -> dict[str, float | None]:
        return {"value": json_number(self.value), "mc_se": json_number(self.mc_se)}


@dataclass(frozen=True)
class OutcomeResult:
    metric: str
    brand: str
    truth: float  # mean over the waves of the run
    coverage: Figure
    bias: Figure
    waves: int  # waves in which the estimate was shown (its base not suppressed)


@dataclass(frozen=True)
class SegmentResult:
    segment: str  # "all" or "variable=level"
    coverage: Figure  # pooled over outcomes
    mean_abs_bias: Figure  # mean over outcomes of |bias|
    max_abs_bias: float
    waves: int  # waves in which the segment was shown (its base not suppressed)


@dataclass(frozen=True)
class WeightingResult:
    name: str
    coverage: Figure
    mean_abs_bias: Figure
    signed_bias: Figure
    not_converged: int
    mean_n_eff: float
    outcomes: tuple[OutcomeResult, ...]  # whole population
    segments: tuple[SegmentResult, ...]  # "all" first


@dataclass(frozen=True)
class SimulationReport:
    """What ``recognition simulate`` found; biases are in proportion points (0.01 = one percentage point)."""

    scenario: Scenario
    country: str
    waves: int
    n: int
    seed: int
    bounds: tuple[float, float] | None
    ci: str
    level: float
    benchmarks: dict[str, dict[str, float]]
    weightings: tuple[WeightingResult, ...]


def _figure(mc: montecarlo.MonteCarlo, index: Any = ()) -> Figure:
    return Figure(float(np.asarray(mc.value)[index]), float(np.asarray(mc.mc_se)[index]))


def _segment_labels(
    sample_demographics: dict[str, np.ndarray], segments: list[tuple[str, str]]
) -> np.ndarray:
    cols = [np.ones(len(next(iter(sample_demographics.values()))), dtype=bool)]
    cols += [sample_demographics[var] == level for var, level in segments]
    return np.column_stack(cols)


def _summarise(
    name: str,
    hits: np.ndarray,
    errors: np.ndarray,
    truth_mean: np.ndarray,
    keys: list[tuple[str, str]],
    segment_names: list[str],
    not_converged: int,
    n_eff: list[float],
) -> WeightingResult:
    """hits, errors: (waves, segments, outcomes); segment 0 is the whole population."""
    cov, bias = montecarlo.coverage(hits[:, 0, :]), montecarlo.bias(errors[:, 0, :])
    outcomes = tuple(
        OutcomeResult(
            m, b, float(truth_mean[0, k]), _figure(cov, k), _figure(bias, k), int(cov.replications[k])
        )
        for k, (m, b) in enumerate(keys)
    )
    segments = []
    for g, seg in enumerate(segment_names):
        biases = np.abs(montecarlo.bias(errors[:, g, :]).value)
        biases = biases[np.isfinite(biases)]
        pooled = montecarlo.pooled(hits[:, g, :])
        segments.append(
            SegmentResult(
                segment=seg,
                coverage=_figure(pooled),
                mean_abs_bias=_figure(montecarlo.mean_abs_bias(errors[:, g, :])),
                max_abs_bias=float(biases.max()) if biases.size else float("nan"),
                waves=int(np.isfinite(hits[:, g, :]).any(axis=1).sum()),
            )
        )
    return WeightingResult(
        name=name,
        coverage=segments[0].coverage,
        mean_abs_bias=segments[0].mean_abs_bias,
        signed_bias=_figure(montecarlo.pooled(errors[:, 0, :])),
        not_converged=not_converged,
        mean_n_eff=float(np.mean(n_eff)),
        outcomes=outcomes,
        segments=tuple(segments),
    )


def simulate(
    *,
    waves: int,
    n: int,
    seed: int,
    scenario: str = "demographic",
    country: str = "us",
    bounds: tuple[float, float] | None = (0.2, 5.0),
    ci: str = "logit",
    level: float = 0.95,
    brands: tuple[str, ...] = DEFAULT_BRANDS,
) -> SimulationReport:
    """Draw ``waves`` panel samples of ``n`` under ``scenario``, weight and estimate each three ways, and score
    them against the truth (see the module docstring)."""
    if scenario not in SCENARIOS:
        raise UserError(f"--scenario {scenario}: unknown; use one of {', '.join(SCENARIOS)}")
    try:
        population = SyntheticPopulation.from_country(country, brands, seed=seed)
    except ValueError as exc:
        raise UserError(f"--country {country}: {exc}") from exc
    chosen = SCENARIOS[scenario]
    benchmarks = {BUYER: population.benchmarks[BUYER]} if BUYER in population.benchmarks else {}
    plans: dict[str, dict[str, dict[str, float]] | None] = {"unweighted": None, "margins": population.margins}
    if benchmarks:
        plans["margins_and_benchmarks"] = targets_with_benchmarks(
            population.margins, benchmarks, list(benchmarks), f"population {country}"
        )
    keys = [(metric, brand) for brand in brands for metric in METRICS_WITH_TRUTH]
    segments = population.segments()
    truth = np.stack([population.truth_table(keys, w) for w in range(min(waves, WAVE_CYCLE))])
    rng = np.random.default_rng(seed)
    shape = (waves, 1 + len(segments), len(keys))
    hits = {name: np.full(shape, np.nan) for name in plans}
    errors = {name: np.full(shape, np.nan) for name in plans}
    not_converged = dict.fromkeys(plans, 0)
    n_eff: dict[str, list[float]] = {name: [] for name in plans}
    for i in range(waves):
        wave = i % WAVE_CYCLE
        sample = population.draw(n, rng, wave, chosen)
        y = np.column_stack([sample.outcomes[key] for key in keys]).astype(float)
        domains = _segment_labels(sample.demographics, segments)
        for name, targets in plans.items():
            if targets is None:
                design = CalibrationDesign.from_weights(np.ones(n))
                n_eff[name].append(float(n))
            else:
                result = rake({**sample.demographics, **sample.measured}, targets, bounds=bounds)
                not_converged[name] += not result.converged
                design = result.design
                n_eff[name].append(result.n_eff)
            est = estimate_matrix(y, design, domains, ci=ci, level=level)
            shown = est.base_status != "suppressed"
            inside = (est.ci_low <= truth[wave]) & (truth[wave] <= est.ci_high)
            hits[name][i] = np.where(shown, inside, np.nan)
            errors[name][i] = np.where(shown, est.estimate - truth[wave], np.nan)
    truth_mean = truth[np.arange(waves) % WAVE_CYCLE].mean(axis=0)
    names = ["all", *(f"{var}={level}" for var, level in segments)]
    return SimulationReport(
        scenario=chosen,
        country=country,
        waves=waves,
        n=n,
        seed=seed,
        bounds=bounds,
        ci=ci,
        level=level,
        benchmarks={name: dict(b.shares) for name, b in benchmarks.items()},
        weightings=tuple(
            _summarise(
                name, hits[name], errors[name], truth_mean, keys, names, not_converged[name], n_eff[name]
            )
            for name in plans
        ),
    )


# --- the command ---------------------------------------------------------------------------------------------


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    summary = "check weighting and intervals against a synthetic population"
    p = subparsers.add_parser("simulate", parents=[common], help=summary, description=summary)
    p.add_argument("--waves", type=int, required=True, metavar="N", help="number of panel samples to draw")
    p.add_argument("--scenario", default="demographic", choices=list(SCENARIOS), help="how the panel selects")
    p.add_argument("--seed", type=int, default=1, metavar="S")
    p.add_argument(
        "--n", type=int, default=1000, metavar="PER_WAVE", help="respondents per wave (default 1000)"
    )
    p.add_argument("--country", default="us", help="population file under config/populations (default us)")
    p.add_argument(
        "--cap",
        metavar="LO,HI",
        help="relative weight bounds (default: the setting statistics.weight_bounds)",
    )
    p.add_argument(
        "--ci", choices=CI_METHODS, help="interval method (default: the setting statistics.ci_method)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_simulate)


def report_json(report: SimulationReport) -> dict[str, Any]:
    """The JSON object printed by ``simulate --json``."""
    return {
        "scenario": report.scenario.name,
        "selection": report.scenario.summary,
        "country": report.country,
        "waves": report.waves,
        "n": report.n,
        "seed": report.seed,
        "weight_bounds": None if report.bounds is None else list(report.bounds),
        "ci": report.ci,
        "level": report.level,
        "benchmarks": report.benchmarks,
        "weightings": {
            w.name: {
                "coverage": w.coverage.json(),
                "mean_abs_bias": w.mean_abs_bias.json(),
                "signed_bias": w.signed_bias.json(),
                "not_converged": w.not_converged,
                "mean_n_eff": json_number(w.mean_n_eff),
                "outcomes": [
                    {
                        "metric": o.metric,
                        "brand": o.brand,
                        "truth": json_number(o.truth),
                        "coverage": o.coverage.json(),
                        "bias": o.bias.json(),
                        "waves": o.waves,
                    }
                    for o in w.outcomes
                ],
                "segments": [
                    {
                        "segment": s.segment,
                        "coverage": s.coverage.json(),
                        "mean_abs_bias": s.mean_abs_bias.json(),
                        "max_abs_bias": json_number(s.max_abs_bias),
                        "waves": s.waves,
                    }
                    for s in w.segments
                ],
            }
            for w in report.weightings
        },
    }


def _human(report: SimulationReport) -> str:
    lines = [
        f"scenario {report.scenario.name} ({report.scenario.summary}): {report.waves} waves of n={report.n}, "
        f"{report.country}, {report.ci} intervals at {report.level:g}, weight bounds "
        + ("none" if report.bounds is None else f"{report.bounds[0]:g}-{report.bounds[1]:g}"),
        f"{'weighting':<24} {'coverage':>16} {'mean |bias|':>18} {'worst segment coverage':>24}",
    ]
    for w in report.weightings:
        worst = min(w.segments, key=lambda s: s.coverage.value)
        lines.append(
            f"{w.name:<24} {w.coverage.value:>8.3f} ± {w.coverage.mc_se:.3f}  "
            f"{w.mean_abs_bias.value:>9.4f} ± {w.mean_abs_bias.mc_se:.4f}  "
            f"{worst.coverage.value:>8.3f} ({worst.segment})"
        )
    return "\n".join(lines) + "\n(± one Monte Carlo standard error)"


def cmd_simulate(args: argparse.Namespace) -> int:
    if args.waves < 2:
        raise UserError(f"--waves {args.waves}: must be at least 2")
    if args.n < 50:
        raise UserError(f"--n {args.n}: use at least 50 respondents per wave")
    settings = load_settings(config_file=args.config)
    bounds = parse_cap(args.cap) if args.cap else settings.statistics_weight_bounds
    ci = args.ci or settings.statistics_ci_method
    report = simulate(
        waves=args.waves,
        n=args.n,
        seed=args.seed,
        scenario=args.scenario,
        country=args.country,
        bounds=bounds,
        ci=ci,
        level=settings.statistics_confidence_level,
    )
    for w in report.weightings:
        if w.not_converged:
            print(
                f"recognition: warning: {w.name}: {w.not_converged} of {report.waves} waves did not meet both the "
                "margins and the weight bounds",
                file=sys.stderr,
            )
    if args.json:
        print(json.dumps(report_json(report), indent=2, allow_nan=False))
    else:
        print(_human(report))
    return 0
