"""Benchmarks in a population file: validated with messages naming the file, variable and level."""

from __future__ import annotations

import tomllib

import pytest

from recognition.populations import populations_dir
from recognition.stats.benchmarks import parse_benchmarks, targets_with_benchmarks

MARGINS = {"gender": {"female": 0.5, "male": 0.5}}


def test_the_shipped_population_files_declare_a_sourced_category_buyer_benchmark() -> None:
    for code in ("us", "uk", "de"):
        path = populations_dir() / f"{code}.toml"
        with path.open("rb") as fh:
            bench = parse_benchmarks(tomllib.load(fh), str(path))["category_buyer"]
        assert dict(bench.shares) == {"buyer": 0.40, "non_buyer": 0.60}
        assert "not an official statistic" in bench.source  # says plainly what the figure is
        assert bench.question


def test_percentages_are_scaled_and_targets_gain_the_benchmark() -> None:
    doc = {"margins": MARGINS, "benchmarks": {"buyer": {"source": "a panel", "yes": 25, "no": 75}}}
    declared = parse_benchmarks(doc, "pop.toml")
    assert dict(declared["buyer"].shares) == {"yes": 0.25, "no": 0.75}
    targets = targets_with_benchmarks(MARGINS, declared, ["buyer"], "pop.toml")
    assert targets == {**MARGINS, "buyer": {"yes": 0.25, "no": 0.75}}
    assert targets_with_benchmarks(MARGINS, declared, [], "pop.toml") == MARGINS


@pytest.mark.parametrize(
    ("table", "needles"),
    [
        ({"yes": 0.4, "no": 0.6}, ["pop.toml", "[benchmarks.buyer]", "source"]),
        ({"source": "x", "yes": 0.4, "no": 0.5}, ["sum to 0.9"]),
        ({"source": "x", "yes": "many", "no": 0.6}, ["level 'yes'", "not a number"]),
        ({"source": "x", "yes": 1.0}, ["at least two levels"]),
        ({"source": 3, "yes": 0.4, "no": 0.6}, ["source must be text"]),
    ],
)
def test_bad_benchmarks_name_the_problem(table: dict, needles: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        parse_benchmarks({"margins": MARGINS, "benchmarks": {"buyer": table}}, "pop.toml")
    for needle in needles:
        assert needle in str(info.value), str(info.value)


def test_a_benchmark_cannot_also_be_a_margin_or_unknown() -> None:
    doc = {"margins": MARGINS, "benchmarks": {"gender": {"source": "x", "female": 0.5, "male": 0.5}}}
    with pytest.raises(ValueError, match="both a margin and a benchmark"):
        parse_benchmarks(doc, "pop.toml")
    with pytest.raises(ValueError, match="no benchmark 'buyer' \\(declared: none\\)"):
        targets_with_benchmarks(MARGINS, {}, ["buyer"], "pop.toml")
