"""``recognition simulate`` can fail: panels that select on more than the weighting variables leave bias that
raking to the margins cannot remove, and a benchmark measured in the survey removes the part it can see.

Known truth: the synthetic population's value of every brand × metric is closed-form (``Σ_c P(c)·p(c)``); the
coverage of 95% intervals must lie in 0.93–0.97 where the weighting can remove the selection, and below 0.93
where it cannot. Each figure carries its Monte Carlo standard error, checked to be small enough for the bounds
to mean something.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from panels.simulated.population import BUYER, METRICS_WITH_TRUTH, SCENARIOS, SyntheticPopulation
from recognition.cli import main
from recognition.commands.stats_simulate import SimulationReport, WeightingResult, simulate

BRANDS = ("own", "rival_a", "rival_b", "rival_c", "rival_d")


def _weighting(report: SimulationReport, name: str) -> WeightingResult:
    return next(w for w in report.weightings if w.name == name)


def test_the_population_has_the_truth_it_claims() -> None:
    # Drawn from the population itself (no skew, no selection), sample means estimate the closed-form truth
    # and the share of category buyers is the benchmark of config/populations/us.toml.
    population = SyntheticPopulation.from_country("us", BRANDS, seed=3)
    n = 200_000
    draw = population.draw(n, np.random.default_rng(8), 4, SCENARIOS["demographic"], panel=False)
    for brand in BRANDS:
        for metric in METRICS_WITH_TRUTH:
            truth = population.truth(metric, brand, 4)
            mean = draw.outcomes[(metric, brand)].mean()
            assert abs(mean - truth) < 4.5 * np.sqrt(truth * (1 - truth) / n), (metric, brand)
    buyers = (draw.measured[BUYER] == "buyer").mean()
    assert population.buyer_share == 0.40
    assert abs(buyers - 0.40) < 4.5 * np.sqrt(0.24 / n)
    segment = population.truth_table([("aided", "own")], 4)[1 + population.segments().index(("age", "65+"))]
    old = draw.demographics["age"] == "65+"
    assert abs(draw.outcomes[("aided", "own")][old].mean() - segment[0]) < 4.5 * np.sqrt(0.25 / old.sum())


def test_the_panel_for_the_service_is_drawn_as_before() -> None:
    # draw_panel (the simulated provider's respondents) keeps its random stream: same cells, same answers as
    # drawing the cells and then each brand's indicators in order.
    population = SyntheticPopulation.from_country("us", ("own", "rival"), seed=3)
    sample = population.draw_panel(50, np.random.default_rng(1), 2)
    rng = np.random.default_rng(1)
    cells = population.draw_cells(50, rng)
    aided = rng.random(50) < population.cell_probability("aided", "own", 2)[cells]
    assert (sample.cells == cells).all() and (sample.outcomes[("aided", "own")] == aided).all()
    assert sample.measured == {} and sample.latent == {}


@pytest.mark.slow
def test_benchmark_weighting_restores_coverage_when_panels_select_buyers() -> None:
    report = simulate(waves=300, n=1000, seed=11, scenario="benchmarked")
    margins, both = _weighting(report, "margins"), _weighting(report, "margins_and_benchmarks")
    assert both.coverage.mc_se < 0.005  # enough waves for the bounds below to be meaningful
    assert 0.93 <= both.coverage.value <= 0.97, both.coverage
    assert both.mean_abs_bias.value < 0.002
    assert margins.coverage.value < 0.93 - 3 * margins.coverage.mc_se, (
        margins.coverage
    )  # demographics alone fail
    assert margins.mean_abs_bias.value > 5 * both.mean_abs_bias.value
    assert both.mean_n_eff < margins.mean_n_eff  # the price: the extra margin costs effective sample size
    assert margins.not_converged == both.not_converged == 0


@pytest.mark.slow
def test_demographic_selection_is_removed_by_the_margins() -> None:
    report = simulate(waves=150, n=1000, seed=12, scenario="demographic")
    margins, raw = _weighting(report, "margins"), _weighting(report, "unweighted")
    # 0.95 within four Monte Carlo SEs, allowing the logit interval's known half point of undercoverage
    # (0.948 ± 0.002 over 1,000 waves)
    assert abs(margins.coverage.value - 0.95) <= 4 * margins.coverage.mc_se + 0.005, margins.coverage
    assert raw.coverage.value < 0.8
    for segment in margins.segments:
        assert segment.coverage.value > 0.90, segment


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["engagement", "outcome"])
def test_selection_weighting_cannot_see_is_reported_as_a_failure(scenario: str) -> None:
    report = simulate(waves=80, n=1000, seed=13, scenario=scenario)
    for name in ("margins", "margins_and_benchmarks"):
        w = _weighting(report, name)
        worst = max(w.outcomes, key=lambda o: abs(o.bias.value))
        assert abs(worst.bias.value) > 5 * worst.bias.mc_se  # a bias well beyond Monte Carlo noise
        assert worst.coverage.value < 0.93 - 3 * worst.coverage.mc_se, (name, worst)
        if scenario == "engagement":  # engaged people know more brands: nearly every outcome is too high
            assert w.coverage.value < 0.93 - 3 * w.coverage.mc_se, (name, w.coverage)
            assert w.signed_bias.value > 5 * w.signed_bias.mc_se
        else:  # people aware of the own brand join more readily: its outcomes carry the bias
            assert worst.brand == "own" and worst.bias.value > 0


def test_simulate_json_reports_every_weighting_with_its_monte_carlo_error(capsys) -> None:
    argv = ["simulate", "--scenario", "benchmarked", "--waves", "4", "--n", "400", "--seed", "2", "--json"]
    code = main(argv)
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["scenario"] == "benchmarked"
    assert report["weight_bounds"] == [0.2, 5.0] and report["ci"] == "logit"  # the service's settings
    assert report["benchmarks"] == {BUYER: {"buyer": 0.4, "non_buyer": 0.6}}
    assert list(report["weightings"]) == ["unweighted", "margins", "margins_and_benchmarks"]
    for weighting in report["weightings"].values():
        assert set(weighting["coverage"]) == {"value", "mc_se"}
        assert len(weighting["outcomes"]) == len(BRANDS) * len(METRICS_WITH_TRUTH)
        assert weighting["segments"][0]["segment"] == "all"
        assert {s["segment"] for s in weighting["segments"]} >= {"age=65+", "region=South"}
        for segment in weighting["segments"]:  # a segment suppressed in a wave is left out of that wave
            assert 0 <= segment["waves"] <= 4
            if segment["waves"] >= 2:
                assert 0 <= segment["mean_abs_bias"]["value"] <= segment["max_abs_bias"] < 1
            else:
                assert segment["coverage"]["value"] is None and segment["mean_abs_bias"]["value"] is None
        for outcome in weighting["outcomes"]:
            assert set(outcome["bias"]) == {"value", "mc_se"} and 0 < outcome["truth"] < 1
            assert outcome["waves"] == 4
    shown = {s["waves"] for w in report["weightings"].values() for s in w["segments"]}
    assert min(shown) < 4  # with 400 a wave some weighted segment bases are too small to show


def test_simulate_rejects_unknown_scenarios_and_countries(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--waves", "2", "--scenario", "wishful"])
    assert "wishful" in capsys.readouterr().err
    assert main(["simulate", "--waves", "2", "--country", "xx", "--json"]) == 2
    assert "xx" in capsys.readouterr().err
