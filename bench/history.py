"""Recomputing a large tracker's history: weights, estimates with SEs, and wave-on-wave tests for every wave.

    python bench/history.py [--waves 104] [--n 2000] [--brands 50] [--metrics 10] [--json] [--no-r]

The work per wave: rake ``--n`` respondents to the four US margins; estimate every brand × metric indicator
(``--brands`` × ``--metrics`` 0/1 columns) in the total and in 20 segments (age 6, gender 2, region 4,
education 3, customer status 3, category user 2) with linearised calibration SEs
(:func:`recognition.stats.estimation.estimate_matrix`); test every estimate against the previous wave
(:func:`recognition.stats.testing.compare_independent_arrays`) and control the false discovery rate over the
wave's tests (Benjamini–Hochberg). Responses are generated before the clock starts (a tracker's history is
stored, not drawn); only the statistics are timed. The target is under 20 s for 104 waves.

Peak memory is the process's maximum resident set size (``resource.getrusage``), which includes the stored
responses. Where ``Rscript`` with the ``survey`` package exists, one wave of the same estimation work is timed in
R (``calibrate(..., calfun = "raking")`` then ``svymean`` and ``svyby(..., svymean)`` per segment variable) and
compared with recognition's time per wave.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from panels.simulated.population import SyntheticPopulation
from recognition.populations import load_margins
from recognition.stats.estimation import estimate_matrix
from recognition.stats.testing import benjamini_hochberg, compare_independent_arrays
from recognition.stats.weighting import rake

EXTRA_SEGMENTS = {"customer": ("current", "lapsed", "never"), "category_user": ("yes", "no")}


@dataclass(frozen=True)
class Wave:
    demographics: dict[str, np.ndarray]
    extra: dict[str, np.ndarray]
    y: np.ndarray  # (n, k) 0/1 indicators
    domains: np.ndarray  # (n, g) bool: total then the 20 segments
    domain_names: tuple[str, ...]


def make_waves(waves: int, n: int, k: int, seed: int) -> list[Wave]:
    """Skewed panel samples whose indicators depend on age and customer status (so segments differ)."""
    margins = load_margins("us")
    population = SyntheticPopulation.from_margins(margins, ["x"], seed=seed)
    rng = np.random.default_rng(seed)
    base = rng.normal(-0.5, 1.2, k)
    age_slope = rng.normal(0, 0.4, k)
    customer_lift = rng.normal(0.5, 0.3, k)
    out = []
    for t in range(waves):
        demo = population.demographics(population.draw_cells(n, rng))
        demo = {var: v.astype(str) for var, v in demo.items()}
        age_idx = np.searchsorted(np.array(sorted(margins["age"])), demo["age"])
        customer = rng.choice(3, size=n, p=[0.2, 0.15, 0.65])
        user = rng.random(n) < 0.7
        logit = (
            base
            + 0.01 * t
            + np.outer((age_idx - 2.5) / 2.5, age_slope)
            + np.outer(customer == 0, customer_lift)
        )
        y = (rng.random((n, k)) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int8)
        extra = {
            "customer": np.array(EXTRA_SEGMENTS["customer"])[customer],
            "category_user": np.where(user, "yes", "no"),
        }
        columns = [np.ones(n, dtype=bool)]
        names = ["total"]
        for var, levels in [*((v, tuple(margins[v])) for v in margins), *EXTRA_SEGMENTS.items()]:
            values = demo[var] if var in demo else extra[var]
            for level in levels:
                columns.append(values == level)
                names.append(f"{var}={level}")
        out.append(Wave(demo, extra, y, np.column_stack(columns), tuple(names)))
    return out


def run_history(waves: list[Wave], targets: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The timed part: every wave weighted, estimated (total + segments) and tested against the previous one."""
    previous = None
    tests = significant = 0
    for wave in waves:
        weights = rake(wave.demographics, targets)
        if not weights.converged:
            raise RuntimeError(f"weighting did not converge: {weights.warnings}")
        est = estimate_matrix(wave.y, weights.design, wave.domains)
        if previous is not None:
            change = compare_independent_arrays(previous.estimate, previous.se, est.estimate, est.se)
            untestable = (previous.base_status == "suppressed") | (est.base_status == "suppressed")
            q = benjamini_hochberg(np.where(untestable, np.nan, change.p_value).ravel())
            tests += int(np.isfinite(q).sum())
            significant += int((q < 0.05).sum())
        previous = est
    return {"tests": tests, "significant": significant}


R_SCRIPT = r"""
suppressMessages(library(survey))
d <- read.csv("{csv}", stringsAsFactors = FALSE)
margins <- {margins}
for (v in names(margins)) d[[v]] <- factor(d[[v]], levels = names(margins[[v]]))
d$customer <- factor(d$customer); d$category_user <- factor(d$category_user)
ycols <- grep("^y[0-9]+$", names(d), value = TRUE)
f <- as.formula(paste("~", paste(ycols, collapse = "+")))
pop <- c(`(Intercept)` = nrow(d))
for (v in names(margins)) {{
  s <- margins[[v]]
  pop <- c(pop, setNames(s[-1] * nrow(d), paste0(v, names(s)[-1])))
}}
des <- svydesign(ids = ~1, weights = ~1, data = d)
elapsed <- system.time({{
  cal <- calibrate(des, ~age + gender + region + education, pop, calfun = "raking", epsilon = 1e-10, maxit = 200)
  total <- svymean(f, cal)
  for (g in c("age", "gender", "region", "education", "customer", "category_user")) {{
    by <- svyby(f, as.formula(paste0("~", g)), cal, svymean)
  }}
}})[["elapsed"]]
se_total <- SE(total)
cat(sprintf('{{"r_s": %.6f, "first_se": %.10f}}\n', elapsed, se_total[[1]]))
"""


def r_one_wave(wave: Wave, targets: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Time one wave of the estimation in R ``survey``, or say why it was not run."""
    if shutil.which("Rscript") is None:
        return {"r_error": "Rscript not found"}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "wave.csv"
        cols = {**wave.demographics, **wave.extra}
        header = [*cols, *(f"y{j}" for j in range(wave.y.shape[1]))]
        with csv_path.open("w", encoding="utf-8") as fh:
            fh.write(",".join(header) + "\n")
            labels = np.column_stack(list(cols.values()))
            for i in range(wave.y.shape[0]):
                fh.write(",".join(labels[i]) + "," + ",".join("1" if v else "0" for v in wave.y[i]) + "\n")
        margins = (
            "list("
            + ", ".join(
                f"{var} = c({', '.join(f'`{lvl}` = {share!r}' for lvl, share in levels.items())})"
                for var, levels in targets.items()
            )
            + ")"
        )
        script = Path(tmp) / "wave.R"
        script.write_text(R_SCRIPT.format(csv=csv_path, margins=margins), encoding="utf-8")
        proc = subprocess.run(
            ["Rscript", str(script)], capture_output=True, text=True, timeout=1800, check=False
        )
    if proc.returncode != 0:
        return {"r_error": (proc.stderr.strip().splitlines() or ["Rscript failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--waves", type=int, default=104)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--brands", type=int, default=50)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)

    targets = load_margins("us")
    k = args.brands * args.metrics
    t0 = time.perf_counter()
    waves = make_waves(args.waves, args.n, k, args.seed)
    generate_s = time.perf_counter() - t0
    start = time.perf_counter()
    counts = run_history(waves, targets)
    total_s = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    segments = waves[0].domains.shape[1] - 1
    line: dict[str, Any] = {
        "waves": args.waves,
        "respondents_per_wave": args.n,
        "indicators": k,
        "segments": segments,
        "estimates": args.waves * (segments + 1) * k,
        "tests": counts["tests"],
        "total_s": total_s,
        "per_wave_s": total_s / args.waves,
        "peak_rss_mib": peak_mib,
        "generate_s": generate_s,
    }
    if not args.no_r:
        line.update(r_one_wave(waves[0], targets))
        if "r_s" in line:
            line["r_ratio_per_wave"] = line["r_s"] / line["per_wave_s"]
            # Same work: the SE of the first indicator in the total of wave 1 must agree with R's.
            first = waves[0]
            mine = estimate_matrix(first.y[:, :1], rake(first.demographics, targets).design, None)
            line["first_se_recognition"] = float(mine.se[0, 0])
            line["first_se_r"] = line.pop("first_se")
    print(json.dumps(line))
    if not args.json:
        print(_summary(line))
    return 0


def _summary(line: dict[str, Any]) -> str:
    lines = [
        f"history: {line['waves']} waves × {line['respondents_per_wave']:,} respondents × {line['indicators']} "
        f"indicators × (total + {line['segments']} segments) = {line['estimates']:,} estimates with SEs, "
        f"{line['tests']:,} wave-on-wave tests",
        f"  recognition  {line['total_s']:.2f} s total ({line['per_wave_s'] * 1000:.0f} ms per wave; target < 20 s "
        f"for 104 waves), peak RSS {line['peak_rss_mib']:.0f} MiB",
    ]
    if "r_s" in line:
        lines.append(
            f"  R survey     {line['r_s']:.2f} s for one wave (calibrate + svymean + svyby × 6): "
            f"{line['r_ratio_per_wave']:.0f}× recognition's time per wave; first SE "
            f"{line['first_se_recognition']:.8f} here, {line['first_se_r']:.8f} in R"
        )
    elif "r_error" in line:
        lines.append(f"  R survey     skipped: {line['r_error']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
