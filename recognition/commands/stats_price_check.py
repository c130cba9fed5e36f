"""``recognition price-check``: simulate waves with a known willingness to pay and report how often the interval
the service analysis gives for the revenue-maximising price holds the true one, how well the demand intervals
cover, and how often the recommendation agrees with the truth (:mod:`recognition.stats.pricing_check`)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from recognition.errors import UserError
from recognition.settings import load_settings
from recognition.stats import check_price_ladder


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    summary = "check the service analysis' price intervals against waves with a known willingness to pay"
    p = subparsers.add_parser("price-check", parents=[common], help=summary, description=summary)
    p.add_argument("--waves", type=int, default=200, metavar="N", help="simulated waves (default 200)")
    p.add_argument(
        "--n", type=int, default=600, metavar="PER_WAVE", help="respondents per wave (default 600)"
    )
    p.add_argument(
        "--replicates", type=int, default=100, metavar="R", help="bootstrap replicates (default 100)"
    )
    p.add_argument("--seed", type=int, default=20240620, metavar="S")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_price_check)


def cmd_price_check(args: argparse.Namespace) -> int:
    if args.waves < 5 or args.n < 50 or args.replicates < 20:
        raise UserError("use at least --waves 5, --n 50 and --replicates 20")
    level = load_settings(config_file=args.config).statistics_confidence_level
    check = check_price_ladder(
        waves=args.waves, n=args.n, replicates=args.replicates, level=level, seed=args.seed
    )
    if args.json:
        print(json.dumps(asdict(check)))
        return 0
    print(
        f"{check.waves} waves of {check.n}: the true revenue-maximising price {check.true_best_price:g} lies in the "
        f"reported {check.level:.0%} interval in {check.best_price_coverage:.1%} "
        f"(± {check.best_price_coverage_mc_se:.1%}) of waves; the interval spans {check.mean_interval_prices:.1f} "
        f"ladder prices on average\n"
        f"demand intervals cover the true share who would buy {check.demand_coverage:.1%} of the time\n"
        f"cost {check.low_cost:g}: truth '{check.low_cost_truth}', agreed in {check.low_cost_agreement:.1%} of waves\n"
        f"cost {check.high_cost:g}: truth '{check.high_cost_truth}', agreed in {check.high_cost_agreement:.1%} of waves"
    )
    return 0
