"""``recognition weight | estimate | compare | simulate``: the statistics engine on CSV files, from the shell.

- ``weight`` rakes a sample to population margins (and, with ``--benchmark``, to external benchmarks) and writes
  it back with a new weights column (mean 1).
- ``estimate`` weights a sample and estimates outcomes (``--kind proportion`` of 0/1 columns, or ``mean``) in
  total and by a grouping column, with linearised standard errors and confidence intervals, plus paired
  contrasts between two outcomes measured on the same respondents.
- ``compare`` weights two independent samples separately and tests the change ``B − A``.
- ``simulate`` checks the whole chain against a synthetic population with known truth
  (:mod:`recognition.commands.stats_simulate`).

Methods are those of :mod:`recognition.stats` (see docs in METHODS): raking to max relative margin error
1e-10, calibration-residual variance, ``df = n − 1``. Low bases follow the settings ``statistics.suppress_below``
and ``statistics.flag_below``: a suppressed estimate is printed without numbers, its base still shown.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, cast

import numpy as np

from recognition.commands import stats_price_check, stats_simulate
from recognition.commands.stats_io import (
    SampleTable,
    Targets,
    check_new_column,
    emit_estimates,
    fmt,
    human_weighting,
    json_number,
    load_targets,
    parse_cap,
    parse_contrast,
    print_json,
    read_sample,
    weighting_data,
    write_with_weights,
)
from recognition.errors import UserError
from recognition.settings import load_settings
from recognition.stats._base import base_status
from recognition.stats.estimation import BaseThresholds, Estimate, Kind, contrast, estimate
from recognition.stats.testing import compare_independent
from recognition.stats.weighting import RakeResult, TargetError, rake

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
KINDS = ("proportion", "mean")
#: The numbers of an estimate row; all null when its base is suppressed.
NUMBERS = ("estimate", "se", "ci_low", "ci_high", "deff")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    _add_weight(subparsers, common)
    _add_estimate(subparsers, common)
    _add_compare(subparsers, common)
    stats_simulate.add_parser(subparsers, common)
    stats_price_check.add_parser(subparsers, common)


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
    parser.add_argument("--targets", required=True, metavar="T", help=_TARGETS_HELP)
    parser.add_argument(
        "--benchmark",
        action="append",
        default=[],
        metavar="VAR",
        help="also rake to this [benchmarks.VAR] of the population file (the sample needs a column VAR)",
    )
    parser.add_argument(
        "--base-weight", metavar="COL", help="design (base) weights to start from: a column of numbers > 0"
    )
    parser.add_argument(
        "--cap", metavar="LO,HI", help="relative weight bounds, e.g. 0.2,5 (trim and re-rake)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _add_weight(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = _parser(subparsers, common, "weight", "rake a sample CSV to population margins")
    p.add_argument(
        "sample", metavar="SAMPLE.csv", help="one row per respondent; a column per target variable"
    )
    p.add_argument("--out", metavar="OUT.csv", help="write the sample with a new weights column (mean 1)")
    p.add_argument(
        "--weight-column", default="weight", metavar="NAME", help="name of the new column (default weight)"
    )
    p.set_defaults(func=cmd_weight)


def _add_kind(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        metavar="proportion|mean",
        help="proportion (0/1 values, the default) or mean; once for every outcome, or once per --outcome",
    )


def _add_estimate(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = _parser(
        subparsers, common, "estimate", "weight a sample and estimate outcomes with their uncertainty"
    )
    p.add_argument("sample", metavar="SAMPLE.csv")
    p.add_argument("--outcome", action="append", required=True, metavar="COL", help="an outcome column")
    _add_kind(p)
    p.add_argument("--by", metavar="COL", help="also estimate within each level of this column")
    p.add_argument(
        "--contrast", action="append", default=[], metavar="COL_A-COL_B", help="paired difference A − B"
    )
    p.add_argument(
        "--ci", choices=CI_METHODS, default="logit", help="interval for proportions (default logit)"
    )
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.set_defaults(func=cmd_estimate)


def _add_compare(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = _parser(
        subparsers, common, "compare", "test the change in an outcome between two independent samples"
    )
    p.add_argument("sample_a", metavar="A.csv", help="the earlier sample")
    p.add_argument("sample_b", metavar="B.csv", help="the later sample; the difference is B − A")
    p.add_argument("--outcome", required=True, metavar="COL")
    _add_kind(p)
    p.set_defaults(func=cmd_compare)


# --- shared steps ------------------------------------------------------------------------------------------


def weigh(
    table: SampleTable,
    targets: Targets,
    source: str,
    bounds: tuple[float, float] | None,
    base_weight: str | None = None,
) -> RakeResult:
    """Rake ``table`` to ``targets`` (from the ``base_weight`` column's design weights, if given); bad targets
    become a :class:`UserError` naming ``source``."""
    data = weighting_data(table, targets, source)
    base = table.base_weights(base_weight) if base_weight else None
    try:
        return rake(data, targets, base_weights=base, bounds=bounds)
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


def _bounds(args: argparse.Namespace) -> tuple[float, float] | None:
    return parse_cap(args.cap) if args.cap else None


def _thresholds(args: argparse.Namespace) -> BaseThresholds:
    settings = load_settings(config_file=args.config)
    return BaseThresholds(
        suppress_below=settings.statistics_suppress_below, flag_below=settings.statistics_flag_below
    )


def _kinds(args: argparse.Namespace, outcomes: list[str]) -> list[Kind]:
    """One kind per outcome: ``--kind`` given never (proportion), once (all) or once per ``--outcome``."""
    kinds: list[Kind] = [cast(Kind, k) for k in args.kind or ["proportion"]]
    if len(kinds) == 1:
        return kinds * len(outcomes)
    if len(kinds) != len(outcomes):
        raise UserError(
            f"--kind given {len(kinds)} times for {len(outcomes)} --outcome columns: give it once for all, "
            "or once per --outcome in the same order"
        )
    return kinds


# --- weight ------------------------------------------------------------------------------------------------


def cmd_weight(args: argparse.Namespace) -> int:
    targets, source = load_targets(args.targets, args.benchmark)
    bounds = _bounds(args)
    table = read_sample(args.sample)
    if args.out:
        check_new_column(table, args.weight_column)
    result = weigh(table, targets, source, bounds, args.base_weight)
    summary = weighting_summary(result)
    if args.json:
        print_json(summary)
    else:
        print(human_weighting(result, table.path, len(targets)))
    if not result.converged:
        print(_not_converged(result, table.path), file=sys.stderr)
        if args.out:
            print(f"recognition: {args.out} not written", file=sys.stderr)
        return 1
    if args.out:
        write_with_weights(table, np.asarray(result.weights), args.out, args.weight_column)
        if not args.json:
            print(f"wrote {args.out} ({table.n} rows, column {args.weight_column!r})")
    return 0


# --- estimate ----------------------------------------------------------------------------------------------


def _estimate_row(outcome: str, group: str, est: Estimate) -> dict[str, Any]:
    """One row of ``estimate --json``; a suppressed base shows its n and effective n, and no numbers."""
    shown = est.base_status != "suppressed"
    return {
        "outcome": outcome,
        "group": group,
        "kind": est.kind,
        "base_status": est.base_status,
        **{name: json_number(getattr(est, name)) if shown else None for name in NUMBERS},
        "n": int(est.n),
        "n_eff": json_number(est.n_eff),
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
    targets, source = load_targets(args.targets, args.benchmark)
    bounds = _bounds(args)
    thresholds = _thresholds(args)
    table = read_sample(args.sample)
    kind_of = dict(zip(args.outcome, _kinds(args, args.outcome), strict=True))
    outcomes = {col: (kind, table.outcome(col, kind)) for col, kind in kind_of.items()}
    pairs = [(text, *parse_contrast(text, table.header)) for text in args.contrast]
    groups = _group_levels(table, args.by, targets) if args.by else None
    result = weigh(table, targets, source, bounds, args.base_weight)
    payload: dict[str, Any] = {"weighting": weighting_summary(result), "estimates": [], "contrasts": []}
    if not result.converged:
        emit_estimates(payload, json_output=args.json, level=args.level)
        print(_not_converged(result, table.path), file=sys.stderr)
        return 1
    design = result.design
    domains: list[tuple[str, np.ndarray | None]] = [("all", None)]
    if groups is not None:
        labels, levels = groups
        domains += [(level, labels == level) for level in levels]
    for col, (kind, y) in outcomes.items():
        ci = args.ci if kind == "proportion" else "t"  # means always use estimate ± t·se
        for group, domain in domains:
            est = estimate(
                y, design, domain=domain, kind=kind, ci=ci, level=args.level, thresholds=thresholds
            )
            payload["estimates"].append(_estimate_row(col, group, est))
            for warning in est.warnings:
                print(f"recognition: warning: {col}, {group}: {warning}", file=sys.stderr)
    status = base_status(result.n_eff, thresholds)
    for name, col_a, col_b in pairs:
        c = contrast(table.numbers(col_a), table.numbers(col_b), design)
        shown = status != "suppressed"
        payload["contrasts"].append(
            {
                "name": name,
                "base_status": status,
                **{
                    key: json_number(getattr(c, key)) if shown else None
                    for key in ("estimate", "se", "statistic", "p_value")
                },
            }
        )
    emit_estimates(payload, json_output=args.json, level=args.level)
    return 0


# --- compare -----------------------------------------------------------------------------------------------


def cmd_compare(args: argparse.Namespace) -> int:
    targets, source = load_targets(args.targets, args.benchmark)
    bounds = _bounds(args)
    thresholds = _thresholds(args)
    (kind,) = _kinds(args, [args.outcome])
    tables = [read_sample(args.sample_a), read_sample(args.sample_b)]
    ys = [t.outcome(args.outcome, kind) for t in tables]
    results = [weigh(t, targets, source, bounds, args.base_weight) for t in tables]
    for t, r in zip(tables, results, strict=True):
        if not r.converged:
            print(_not_converged(r, t.path), file=sys.stderr)
            return 1
    ci = "logit" if kind == "proportion" else "t"
    est_a, est_b = (
        estimate(y, r.design, kind=kind, ci=ci, thresholds=thresholds)
        for y, r in zip(ys, results, strict=True)
    )
    test = compare_independent(est_a, est_b)
    for warning in (*est_a.warnings, *est_b.warnings, *test.warnings):
        print(f"recognition: warning: {warning}", file=sys.stderr)
    shown = test.tested
    payload: dict[str, Any] = {
        "kind": kind,
        "base_status_a": est_a.base_status,
        "base_status_b": est_b.base_status,
        "tested": bool(test.tested),
        "estimate_a": json_number(est_a.estimate) if est_a.base_status != "suppressed" else None,
        "estimate_b": json_number(est_b.estimate) if est_b.base_status != "suppressed" else None,
        **{key: json_number(getattr(test, key)) if shown else None for key in ("difference", "se")},
        "statistic": json_number(test.statistic) if shown else None,
        "p_value": json_number(test.p_value) if shown else None,
    }
    if args.json:
        print_json(payload)
    elif not shown:
        print(
            f"{args.outcome}: not compared: a base is suppressed (A {est_a.base_status}, "
            f"B {est_b.base_status}; effective n {est_a.n_eff:.1f} and {est_b.n_eff:.1f})"
        )
    else:
        print(
            f"{args.outcome}: A {fmt(payload['estimate_a'], '.4f')} → B {fmt(payload['estimate_b'], '.4f')}; "
            f"change {fmt(payload['difference'], '+.4f')} (se {fmt(payload['se'], '.4f')}, "
            f"z {fmt(payload['statistic'], '.2f')}, p {fmt(payload['p_value'], '.3g')})"
        )
    return 0
