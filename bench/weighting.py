"""Raking speed and accuracy: recognition against weightipy and balance, measured in one run.

    python bench/weighting.py --rows 1000000 [--json]

The sample is ``--rows`` respondents drawn from the skewed panel of the synthetic US population
(``panels.simulated.population``): four weighting variables with 6/2/4/3 levels (age, gender, region,
education), raked to the US margins of ``config/populations/us.toml`` until the max relative margin error
``max |Σ_level w / Σ w − target| / target`` is at most 1e-10. Each tool is timed from label columns to weights
(recognition and weightipy from the same prepared pandas categorical columns, balance from a pandas frame of
string columns, as their users call them), best of ``--repeat`` runs. recognition is also timed from plain
string arrays, label coding included (``recognition_strings_s``). The achieved margin error is
computed here, identically for every tool, from the weights each returns.

weightipy and balance are optional (``pip install weightipy balance``); a tool that cannot be imported or
fails is reported with the reason and the others still run. Prints one JSON line, then (without ``--json``)
a human summary with the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from panels.simulated.population import SyntheticPopulation
from recognition.populations import load_margins
from recognition.stats.weighting import rake

TOL = 1e-10
Targets = Mapping[str, Mapping[str, float]]


def max_margin_error(data: Mapping[str, np.ndarray], targets: Targets, weights: np.ndarray) -> float:
    """``max over variables and levels of |Σ_level w / Σ w − target| / target``."""
    # Sums in extended precision, so the figure is the weights' own error, not this function's rounding.
    w = np.asarray(weights, dtype=np.longdouble)
    total = w.sum()
    worst = 0.0
    for var, levels in targets.items():
        labels = np.asarray(data[var])
        shares = np.fromiter(levels.values(), dtype=np.longdouble)
        sums = np.array([w[labels == level].sum() for level in levels], dtype=np.longdouble) / total
        worst = max(worst, float(np.max(np.abs(sums - shares) / shares)))
    return worst


def run_recognition(data: Mapping[str, Any], targets: Targets) -> np.ndarray:
    result = rake(data, targets, tol=TOL)
    if not result.converged:
        raise RuntimeError(f"did not converge: {result.warnings}")
    return np.asarray(result.weights)


def prepare_recognition(data: Mapping[str, np.ndarray], targets: Targets) -> Callable[[], np.ndarray]:
    """The same categorical columns weightipy is given (built once, outside the timing, for both)."""
    import pandas as pd

    frame = {k: pd.Categorical(v) for k, v in data.items()}
    return lambda: run_recognition(frame, targets)


def prepare_weightipy(data: Mapping[str, np.ndarray], targets: Targets) -> Callable[[], np.ndarray]:
    import pandas as pd
    import weightipy

    df = pd.DataFrame({k: pd.Categorical(v) for k, v in data.items()})
    # weightipy takes percentages; it stops when an iteration no longer shrinks the total weight change by
    # the fraction ``convcrit``, so a tiny convcrit runs it to the floating-point floor.
    scheme = weightipy.scheme_from_dict(
        {var: {lvl: 100 * s for lvl, s in levels.items()} for var, levels in targets.items()},
        rim_params={"convcrit": 1e-12, "max_iterations": 1000},
    )

    def run() -> np.ndarray:
        return np.asarray(weightipy.weight(df, scheme), dtype=float)

    return run


def prepare_balance(data: Mapping[str, np.ndarray], targets: Targets) -> Callable[[], np.ndarray]:
    import pandas as pd

    with contextlib.redirect_stdout(sys.stderr):  # balance prints a banner on import
        from balance.weighting_methods.rake import rake as balance_rake
    logging.getLogger("balance").setLevel(logging.ERROR)

    sample = pd.DataFrame(dict(data))
    weights = pd.Series(np.ones(len(sample)))
    # The population as its cross-classification, with exact product-of-margins weights, so the margins
    # balance sees are the targets themselves (no rounding into a synthetic target frame).
    names = list(targets)
    cells = list(itertools.product(*(list(targets[v]) for v in names)))
    target_df = pd.DataFrame(cells, columns=names)
    target_w = pd.Series(
        [float(np.prod([targets[v][c] for v, c in zip(names, cell, strict=True)])) for cell in cells]
    )

    def run() -> np.ndarray:
        out = balance_rake(
            sample,
            weights,
            target_df,
            target_w,
            transformations=None,
            convergence_rate=TOL / 10,
            rate_tolerance=0.0,
            max_iteration=1000,
        )
        return np.asarray(out["weight"], dtype=float)

    return run


def measure(
    name: str, setup: Callable[[], Callable[[], np.ndarray]], data: Any, targets: Targets, repeat: int
) -> dict[str, Any]:
    """Best of ``repeat`` timed runs (the machine is shared; the minimum is the least disturbed)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run = setup()
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                weights = run()
                times.append(time.perf_counter() - start)
            seconds = min(times)
    except ImportError as exc:
        return {"name": name, "error": f"not installed ({exc.name or exc})"}
    except Exception as exc:  # a peer failing must not stop the others
        return {"name": name, "error": f"{type(exc).__name__}: {exc}"}
    return {"name": name, "seconds": seconds, "max_margin_error": max_margin_error(data, targets, weights)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool; the best is reported")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)

    targets = load_margins("us")
    population = SyntheticPopulation.from_margins(targets, ["x"], seed=args.seed)
    rng = np.random.default_rng(args.seed)
    data = population.demographics(population.draw_cells(args.rows, rng))
    data = {k: np.asarray(v.astype(str)) for k, v in data.items()}  # plain string labels

    results = [
        measure("recognition", lambda: prepare_recognition(data, targets), data, targets, args.repeat),
        measure("weightipy", lambda: prepare_weightipy(data, targets), data, targets, args.repeat),
        measure("balance", lambda: prepare_balance(data, targets), data, targets, args.repeat),
    ]
    # Also from plain string arrays, label coding included (how `recognition weight` reads a CSV).
    strings = measure(
        "recognition_strings", lambda: lambda: run_recognition(data, targets), data, targets, args.repeat
    )
    own = results[0].get("seconds")
    line: dict[str, Any] = {"rows": args.rows, "recognition_strings_s": strings.get("seconds")}
    for r in results:
        key = r["name"]
        line[f"{key}_s"] = r.get("seconds")
        line[f"{key}_max_margin_error"] = r.get("max_margin_error")
        if key != "recognition":
            line[f"{key}_ratio"] = (r["seconds"] / own) if own and "seconds" in r else None
        if "error" in r:
            line[f"{key}_error"] = r["error"]
    print(json.dumps(line))
    if not args.json:
        print(_summary(args.rows, results))
    return 0 if own is not None else 1


def _summary(rows: int, results: list[dict[str, Any]]) -> str:
    own = results[0]
    lines = [
        f"raking {rows:,} respondents on 4 margins (6/2/4/3 levels) to max relative margin error {TOL:g}"
    ]
    for r in results:
        if "error" in r:
            lines.append(f"  {r['name']:<12} skipped: {r['error']}")
            continue
        ratio = ""
        if r is not own and "seconds" in own:
            ratio = f"  ({r['seconds'] / own['seconds']:.1f}× recognition's time)"
        met = "meets" if r["max_margin_error"] <= TOL else "MISSES"
        lines.append(
            f"  {r['name']:<12} {r['seconds']:8.3f} s   max margin error {r['max_margin_error']:.2e} "
            f"({met} {TOL:g}){ratio}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
