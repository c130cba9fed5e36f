"""``recognition weight | estimate | compare | simulate``: the statistics engine on CSV files, from the shell.

- ``weight`` rakes a sample to population margins and writes it back with a ``weight`` column (mean 1).
- ``estimate`` weights a sample and estimates outcomes (0/1 columns → proportions, other numbers → means) in
  total and by a grouping column, with linearised standard errors and confidence intervals, plus paired
  contrasts between two outcomes measured on the same respondents.
- ``compare`` weights two independent samples separately and tests the change ``B − A``.
- ``simulate`` checks the whole chain against a synthetic population with known truth.

Methods are those of :mod:`recognition.stats` (see docs in METHODS): raking to max relative margin error
1e-10, calibration-residual variance, ``df = n − 1``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from recognition.commands.stats_io import (
    SampleTable,
    Targets,
    json_number,
    load_targets,
    parse_cap,
    parse_contrast,
    read_sample,
    weighting_data,
    write_with_weights,
)
from recognition.errors import UserError
from recognition.stats.estimation import Estimate, contrast, estimate
from recognition.stats.testing import compare_independent
from recognition.stats.weighting import RakeResult, TargetError, rake

if TYPE_CHECKING:
    from recognition.commands.stats_simulate import SimulationReport

#: The keys of ``weight --json`` and of the ``weighting`` block of ``estimate --json``, in this order.
WEIGHTING_KEYS = (
    "converged",
    "iterations",
    "n",
    "n_eff",
    "deff_kish",
    "max_margin_error",
    "weight_min",
    "weight_max",
)
CI_METHODS = ("logit", "beta", "wilson")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    _add_weight(subparsers, common)
    _add_estimate(subparsers, common)
    _add_compare(subparsers, common)
    _add_simulate(subparsers, common)


# --- parsers -----------------------------------------------------------------------------------------------

_TARGETS_HELP = (
    "population margins: a JSON or TOML file of {variable: {level: share}}, a config/populations file, "
    "or a country code such as 'us'"
)


def _parser(
    subparsers: Any, common: argparse.ArgumentParser, name: str, summary: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, parents=[common], help=summary, description=summary
    )
    return parser


def _add_weight(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = _parser(subparsers, common, "weight", "rake a sample CSV to population margins")
    p.add_argument(
        "sample", metavar="SAMPLE.csv", help="one row per respondent; a column per target variable"
    )
    p.add_argument("--targets", required=True, metavar="T", help=_TARGETS_HELP)
    p.add_argument("--cap", metavar="LO,HI", help="relative weight bounds, e.g. 0.2,5 (trim and re-rake)")
    p.add_argument("--out", metavar="OUT.csv", help="write the sample with a 'weight' column (mean 1)")
    p.add_argument("--json", action="store_true", help="print the diagnostics as one JSON object")
    p.set_defaults(func=cmd_weight)


def _add_estimate(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = _parser(
        subparsers, common, "estimate", "weight a sample and estimate outcomes with their uncertainty"
    )
    p.add_argument("sample", metavar="SAMPLE.csv")
    p.add_argument("--targets", required=True, metavar="T", help=_TARGETS_HELP)
    p.add_argument(
        "--outcome", action="append", required=True, metavar="COL", help="0/1 → proportion, other → mean"
    )
    p.add_argument("--by", metavar="COL", help="also estimate within each level of this column")
    p.add_argument(
        "--contrast", action="append", default=[], metavar="COL_A-COL_B", help="paired difference A − B"
    )
    p.add_argument(
        "--ci", choices=CI_METHODS, default="logit", help="interval for proportions (default logit)"
    )
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--cap", metavar="LO,HI", help="relative weight bounds, e.g. 0.2,5")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_estimate)


def _add_compare(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = _parser(
        subparsers, common, "compare", "test the change in an outcome between two independent samples"
    )
    p.add_argument("sample_a", metavar="A.csv", help="the earlier sample")
    p.add_argument("sample_b", metavar="B.csv", help="the later sample; the difference is B − A")
    p.add_argument("--targets", required=True, metavar="T", help=_TARGETS_HELP)
    p.add_argument("--outcome", required=True, metavar="COL")
    p.add_argument("--cap", metavar="LO,HI", help="relative weight bounds, e.g. 0.2,5")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_compare)


def _add_simulate(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = _parser(
        subparsers, common, "simulate", "check weighting and intervals against a synthetic population"
    )
    p.add_argument("--waves", type=int, required=True, metavar="N", help="number of panel samples to draw")
    p.add_argument("--seed", type=int, default=1, metavar="S")
    p.add_argument(
        "--n", type=int, default=1000, metavar="PER_WAVE", help="respondents per wave (default 1000)"
    )
    p.add_argument("--country", default="us", help="population file under config/populations (default us)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_simulate)


# --- shared steps ------------------------------------------------------------------------------------------


def weigh(
    table: SampleTable, targets: Targets, source: str, bounds: tuple[float, float] | None
) -> RakeResult:
    """Rake ``table`` to ``targets``; bad targets become a :class:`UserError` naming ``source``."""
    data = weighting_data(table, targets, source)
    try:
        return rake(data, targets, bounds=bounds)
    except TargetError as exc:
        raise UserError(f"{source}: {exc}") from exc


def weighting_summary(result: RakeResult) -> dict[str, Any]:
    """The diagnostics printed by ``weight --json`` (exactly :data:`WEIGHTING_KEYS`)."""
    return {
        "converged": bool(result.converged),
        "iterations": int(result.iterations),
        "n": int(result.n),
        "n_eff": json_number(result.n_eff),
        "deff_kish": json_number(result.deff_kish),
        "max_margin_error": json_number(result.max_margin_error),
        "weight_min": json_number(result.weight_min),
        "weight_max": json_number(result.weight_max),
    }


def _not_converged(result: RakeResult, path: str) -> str:
    why = "; ".join(result.warnings) if result.warnings else "no further detail"
    return (
        f"recognition: error: weighting {path} did not converge after {result.iterations} iterations "
        f"(max margin error {result.max_margin_error:.3g}): {why}"
    )


def _print_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, indent=2, allow_nan=False))


def _bounds(args: argparse.Namespace) -> tuple[float, float] | None:
    return parse_cap(args.cap) if args.cap else None


Kind = Literal["proportion", "mean"]


def outcome_kind(y: np.ndarray) -> Kind:
    """``"proportion"`` for a column of 0s and 1s only, else ``"mean"``."""
    return "proportion" if bool(np.all((y == 0) | (y == 1))) else "mean"


# --- weight ------------------------------------------------------------------------------------------------


def cmd_weight(args: argparse.Namespace) -> int:
    targets, source = load_targets(args.targets)
    bounds = _bounds(args)
    table = read_sample(args.sample)
    result = weigh(table, targets, source, bounds)
    summary = weighting_summary(result)
    if args.json:
        _print_json(summary)
    else:
        print(_human_weighting(result, table.path, len(targets)))
    if not result.converged:
        print(_not_converged(result, table.path), file=sys.stderr)
        if args.out:
            print(f"recognition: {args.out} not written", file=sys.stderr)
        return 1
    if args.out:
        write_with_weights(table, np.asarray(result.weights), args.out)
        if not args.json:
            print(f"wrote {args.out} ({table.n} rows, column 'weight')")
    return 0


def _human_weighting(result: RakeResult, path: str, n_vars: int) -> str:
    state = "converged" if result.converged else "DID NOT CONVERGE"
    lines = [
        f"{path}: {result.n} respondents raked on {n_vars} variables: {state} in {result.iterations} iterations "
        f"(max margin error {result.max_margin_error:.2g})",
        f"effective n {result.n_eff:.1f}, Kish design effect {result.deff_kish:.3f}, "
        f"weights {result.weight_min:.3f} to {result.weight_max:.3f}"
        + (" (clipped to the bounds)" if result.trimmed else ""),
    ]
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines)


# --- estimate ----------------------------------------------------------------------------------------------


def _estimate_row(outcome: str, group: str, est: Estimate) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "group": group,
        "estimate": json_number(est.estimate),
        "se": json_number(est.se),
        "ci_low": json_number(est.ci_low),
        "ci_high": json_number(est.ci_high),
        "n": int(est.n),
        "n_eff": json_number(est.n_eff),
        "deff": json_number(est.deff),
    }


def _group_levels(table: SampleTable, column: str, targets: Targets) -> tuple[np.ndarray, list[str]]:
    labels = table.labels(column, "the --by grouping")
    present = set(labels.tolist())
    if column in targets:  # keep the population file's order
        return labels, [level for level in targets[column] if level in present]
    return labels, sorted(present)


def cmd_estimate(args: argparse.Namespace) -> int:
    if not 0 < args.level < 1:
        raise UserError(f"--level {args.level}: must be between 0 and 1, e.g. 0.95")
    targets, source = load_targets(args.targets)
    bounds = _bounds(args)
    table = read_sample(args.sample)
    outcomes = {col: table.numbers(col) for col in dict.fromkeys(args.outcome)}
    pairs = [(text, *parse_contrast(text, table.header)) for text in args.contrast]
    groups = _group_levels(table, args.by, targets) if args.by else None
    result = weigh(table, targets, source, bounds)
    payload: dict[str, Any] = {"weighting": weighting_summary(result), "estimates": [], "contrasts": []}
    if not result.converged:
        _emit_estimates(args, payload)
        print(_not_converged(result, table.path), file=sys.stderr)
        return 1
    design = result.design
    domains: list[tuple[str, np.ndarray | None]] = [("all", None)]
    if groups is not None:
        labels, levels = groups
        domains += [(level, labels == level) for level in levels]
    for col, y in outcomes.items():
        kind = outcome_kind(y)
        ci = args.ci if kind == "proportion" else "t"  # means always use estimate ± t·se
        for group, domain in domains:
            est = estimate(y, design, domain=domain, kind=kind, ci=ci, level=args.level)
            payload["estimates"].append(_estimate_row(col, group, est))
            for warning in est.warnings:
                print(f"recognition: warning: {col}, {group}: {warning}", file=sys.stderr)
    for name, col_a, col_b in pairs:
        c = contrast(table.numbers(col_a), table.numbers(col_b), design)
        payload["contrasts"].append(
            {
                "name": name,
                "estimate": json_number(c.estimate),
                "se": json_number(c.se),
                "statistic": json_number(c.statistic),
                "p_value": json_number(c.p_value),
            }
        )
    _emit_estimates(args, payload)
    return 0


def _emit_estimates(args: argparse.Namespace, payload: dict[str, Any]) -> None:
    if args.json:
        _print_json(payload)
        return
    w = payload["weighting"]
    print(
        f"weighting: converged={w['converged']} iterations={w['iterations']} n={w['n']} "
        f"n_eff={_fmt(w['n_eff'], '.1f')} deff={_fmt(w['deff_kish'], '.3f')}"
    )
    if payload["estimates"]:
        pct = f"{round(args.level * 100, 6):g}%"
        print(
            f"{'outcome':<20} {'group':<16} {'estimate':>9} {'se':>8}  {pct + ' CI':<19} {'n':>6} {'n_eff':>8}"
        )
    for row in payload["estimates"]:
        ci = f"[{_fmt(row['ci_low'], '.4f')}, {_fmt(row['ci_high'], '.4f')}]"
        print(
            f"{row['outcome']:<20} {row['group']:<16} {_fmt(row['estimate'], '.4f'):>9} "
            f"{_fmt(row['se'], '.4f'):>8}  {ci:<19} {row['n']:>6} {_fmt(row['n_eff'], '.1f'):>8}"
        )
    for c in payload["contrasts"]:
        print(
            f"contrast {c['name']}: {_fmt(c['estimate'], '.4f')} (se {_fmt(c['se'], '.4f')}, "
            f"t {_fmt(c['statistic'], '.2f')}, p {_fmt(c['p_value'], '.3g')})"
        )


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


# --- compare -----------------------------------------------------------------------------------------------


def cmd_compare(args: argparse.Namespace) -> int:
    targets, source = load_targets(args.targets)
    bounds = _bounds(args)
    tables = [read_sample(args.sample_a), read_sample(args.sample_b)]
    ys = [t.numbers(args.outcome) for t in tables]
    kind: Kind = "proportion" if all(outcome_kind(y) == "proportion" for y in ys) else "mean"
    results = [weigh(t, targets, source, bounds) for t in tables]
    for t, r in zip(tables, results, strict=True):
        if not r.converged:
            print(_not_converged(r, t.path), file=sys.stderr)
            return 1
    ci = "logit" if kind == "proportion" else "t"
    est_a, est_b = (estimate(y, r.design, kind=kind, ci=ci) for y, r in zip(ys, results, strict=True))
    test = compare_independent(est_a, est_b)
    for warning in (*est_a.warnings, *est_b.warnings, *test.warnings):
        print(f"recognition: warning: {warning}", file=sys.stderr)
    payload = {
        "estimate_a": json_number(est_a.estimate),
        "estimate_b": json_number(est_b.estimate),
        "difference": json_number(test.difference),
        "se": json_number(test.se),
        "statistic": json_number(test.statistic),
        "p_value": json_number(test.p_value),
    }
    if args.json:
        _print_json(payload)
    else:
        print(
            f"{args.outcome}: A {_fmt(payload['estimate_a'], '.4f')} → B {_fmt(payload['estimate_b'], '.4f')}; "
            f"change {_fmt(payload['difference'], '+.4f')} (se {_fmt(payload['se'], '.4f')}, "
            f"z {_fmt(payload['statistic'], '.2f')}, p {_fmt(payload['p_value'], '.3g')})"
        )
    return 0


# --- simulate ----------------------------------------------------------------------------------------------


def cmd_simulate(args: argparse.Namespace) -> int:
    from recognition.commands.stats_simulate import simulate  # imports the synthetic population lazily

    if args.waves < 1:
        raise UserError(f"--waves {args.waves}: must be at least 1")
    if args.n < 50:
        raise UserError(f"--n {args.n}: use at least 50 respondents per wave")
    report = simulate(waves=args.waves, n=args.n, seed=args.seed, country=args.country)
    payload = {
        "waves": report.waves,
        "coverage": json_number(report.coverage),
        "bias_unweighted": json_number(report.bias_unweighted),
        "bias_weighted": json_number(report.bias_weighted),
    }
    if report.not_converged:
        print(
            f"recognition: {report.not_converged} of {report.waves} waves did not converge", file=sys.stderr
        )
    if args.json:
        _print_json(payload)
    else:
        print(
            f"{report.waves} waves × {report.outcomes} outcomes of n={args.n}: 95% CI coverage "
            f"{report.coverage:.3f}; mean |bias| per outcome {report.bias_unweighted:.4f} unweighted, "
            f"{report.bias_weighted:.4f} weighted ({_removed(report)} removed); signed mean bias "
            f"{report.signed_bias_unweighted:+.4f} unweighted, {report.signed_bias_weighted:+.4f} weighted"
        )
    return 0


def _removed(report: SimulationReport) -> str:
    if report.bias_unweighted <= 0:
        return "n/a"
    return f"{1 - report.bias_weighted / report.bias_unweighted:.0%}"
