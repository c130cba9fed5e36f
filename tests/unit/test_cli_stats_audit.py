"""The analyst commands after the audit: suppressed rows, explicit outcome kinds, base weights, no silent
overwrite, benchmarks as margins, plain messages and a quiet closed pipe."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from panels.simulated.population import BUYER, SCENARIOS, SyntheticPopulation
from recognition.populations import load_margins
from tests.unit.test_cli_stats import FIELDS, _run, _run_json, _sample_rows, _write_csv

US = load_margins("us")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    out = _sample_rows(400, seed=21)
    for i, row in enumerate(out):
        row["city"] = "small" if i < 6 else "big"
    return out


@pytest.fixture
def sample(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    return _write_csv(tmp_path / "sample.csv", rows, [*FIELDS, "city"])


def test_a_suppressed_base_prints_no_numbers(capsys, sample) -> None:
    result = _run_json(
        capsys, "estimate", sample, "--targets", "us", "--outcome", "aware_a", "--by", "city", "--json"
    )
    by_group = {r["group"]: r for r in result["estimates"]}
    small = by_group["small"]
    assert small["base_status"] == "suppressed" and small["n"] == 6 and small["n_eff"] < 30
    assert all(small[key] is None for key in ("estimate", "se", "ci_low", "ci_high", "deff"))
    assert by_group["all"]["base_status"] == "ok" and by_group["all"]["estimate"] is not None
    code, out, _ = _run(capsys, "estimate", sample, "--targets", "us", "--outcome", "aware_a", "--by", "city")
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.split()[1:2] == ["small"]]
    tokens = line.split()  # outcome, group, a note instead of estimate/se/interval, then n and n_eff only
    assert tokens[2:6] == ["suppressed", "(base", "too", "small)"] and tokens[6] == "6"
    assert len(tokens) == 8 and float(tokens[7]) == pytest.approx(small["n_eff"], abs=0.05)


def test_thresholds_follow_the_settings(capsys, tmp_path, sample) -> None:
    config = tmp_path / "recognition.toml"
    config.write_text("[statistics]\nsuppress_below = 1.0\nflag_below = 2.0\n", encoding="utf-8")
    result = _run_json(
        capsys, "estimate", sample, "--targets", "us", "--outcome", "aware_a", "--by", "city", "--json",
        "--config", config,
    )  # fmt: skip
    small = next(r for r in result["estimates"] if r["group"] == "small")
    assert small["base_status"] == "ok" and small["estimate"] is not None


def test_a_stray_value_is_an_error_not_a_mean(capsys, tmp_path, rows) -> None:
    bad = [dict(r) for r in rows[:60]]
    bad[8]["aware_a"] = 2
    path = _write_csv(tmp_path / "stray.csv", bad, [*FIELDS, "city"])
    code, out, err = _run(capsys, "estimate", path, "--targets", "us", "--outcome", "aware_a", "--json")
    assert code == 2 and out == ""
    assert "'aware_a'" in err and "row 9" in err and "'2'" in err and "--kind mean" in err
    mean = _run_json(
        capsys, "estimate", path, "--targets", "us", "--outcome", "aware_a", "--kind", "mean", "--json"
    )
    assert mean["estimates"][0]["kind"] == "mean"
    code, _, err = _run(capsys, "compare", path, path, "--targets", "us", "--outcome", "aware_a", "--json")
    assert code == 2 and "row 9" in err


def test_kinds_must_match_the_outcomes(capsys, sample) -> None:
    code, _, err = _run(
        capsys, "estimate", sample, "--targets", "us", "--outcome", "aware_a", "--outcome", "aware_b",
        "--outcome", "nps", "--kind", "proportion", "--kind", "mean",
    )  # fmt: skip
    assert code == 2 and "--kind" in err and "3 --outcome" in err


def test_weight_never_overwrites_a_column(capsys, tmp_path, rows) -> None:
    with_weight = [{**r, "weight": "2.5"} for r in rows]
    path = _write_csv(tmp_path / "has_weight.csv", with_weight, [*FIELDS, "weight"])
    out = tmp_path / "out.csv"
    code, _, err = _run(capsys, "weight", path, "--targets", "us", "--out", out)
    assert code == 2 and "'weight'" in err and "--weight-column" in err
    assert not out.exists()
    assert _run(capsys, "weight", path, "--targets", "us", "--out", out, "--weight-column", "raked")[0] == 0
    with out.open(newline="") as fh:
        written = list(csv.DictReader(fh))
    assert all(r["weight"] == "2.5" for r in written)  # the old column is untouched
    assert np.mean([float(r["raked"]) for r in written]) == pytest.approx(1.0)


def test_base_weights_must_be_positive_numbers(capsys, tmp_path, rows) -> None:
    bad = [{**r, "design": "1.0"} for r in rows[:80]]
    bad[4]["design"] = "0"
    path = _write_csv(tmp_path / "design.csv", bad, [*FIELDS, "design"])
    code, _, err = _run(capsys, "weight", path, "--targets", "us", "--base-weight", "design")
    assert code == 2 and "'design'" in err and "row 5" in err and "'0'" in err


def test_a_level_without_target_is_named_plainly(capsys, tmp_path, rows) -> None:
    bad = [dict(r) for r in rows[:50]]
    bad[8]["age"] = "17"
    path = _write_csv(tmp_path / "age.csv", bad)
    code, _, err = _run(capsys, "weight", path, "--targets", "us")
    assert code == 2
    assert "row 9: level '17' has no target" in err and "np.str_" not in err


# --- benchmarks as margins ---------------------------------------------------------------------------------


def _buyer_sample(tmp_path: Path, n: int = 1500) -> Path:
    population = SyntheticPopulation.from_country("us", ["own", "rival"], seed=2)
    draw = population.draw(n, np.random.default_rng(5), 0, SCENARIOS["benchmarked"])
    fields = [*US, BUYER, "aware_own"]
    rows = [
        {
            **{var: str(draw.demographics[var][i]) for var in US},
            BUYER: str(draw.measured[BUYER][i]),
            "aware_own": int(draw.outcomes[("aided", "own")][i]),
        }
        for i in range(n)
    ]
    return _write_csv(tmp_path / "buyers.csv", rows, fields)


def test_a_benchmark_is_raked_to_like_a_margin(capsys, tmp_path) -> None:
    path = _buyer_sample(tmp_path)
    out = tmp_path / "w.csv"
    code, _, err = _run(capsys, "weight", path, "--targets", "us", "--benchmark", BUYER, "--out", out)
    assert code == 0, err
    with out.open(newline="") as fh:
        written = list(csv.DictReader(fh))
    w = np.array([float(r["weight"]) for r in written])
    buyer = np.array([r[BUYER] == "buyer" for r in written])
    assert buyer.mean() > 0.5  # the panel over-represents buyers ...
    assert w[buyer].sum() / w.sum() == pytest.approx(0.40, rel=1e-9)  # ... weighting meets the benchmark
    age = np.array([r["age"] for r in written])
    assert w[age == "65+"].sum() / w.sum() == pytest.approx(US["age"]["65+"], rel=1e-9)  # and the margins


@pytest.mark.parametrize(
    ("targets", "benchmark", "needles"),
    [
        ("us", "category_byer", ["no benchmark 'category_byer'", "declared: category_buyer"]),
        ("json", BUYER, ["--benchmark category_buyer", "not a population file"]),
    ],
)
def test_benchmark_errors_name_the_problem(capsys, tmp_path, targets, benchmark, needles) -> None:
    path = _buyer_sample(tmp_path, 200)
    if targets == "json":
        targets = tmp_path / "t.json"
        targets.write_text(json.dumps(US), encoding="utf-8")
    code, _, err = _run(capsys, "weight", path, "--targets", targets, "--benchmark", benchmark)
    assert code == 2
    for needle in needles:
        assert needle in err, err


def test_a_benchmark_needs_its_column(capsys, sample) -> None:
    code, _, err = _run(capsys, "weight", sample, "--targets", "us", "--benchmark", BUYER)
    assert code == 2 and f"no column '{BUYER}'" in err


# --- a closed pipe -----------------------------------------------------------------------------------------


def test_output_into_a_closed_pipe_is_quiet(sample) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # like `| head` that has already exited: every write fails with EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "recognition", "estimate", str(sample), "--targets", "us",
             "--outcome", "aware_a", "--json"],
            stdout=writer, stderr=subprocess.PIPE, cwd=ROOT, timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(writer)
    assert proc.stderr.decode() == ""  # no BrokenPipeError traceback
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports a process stopped by a closed pipe
