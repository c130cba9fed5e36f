"""The Gabor–Granger analysis of a service feature: demand, revenue, the revenue-maximising price with its interval,
and the recommendation with the chance it flips; checked against a published worked example and, with known truth,
by simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recognition.cli import main
from recognition.stats import bootstrap_weights, check_price_ladder, gabor_granger, rake
from recognition.stats.pricing import price_confidence_set, recommend

#: DART Consulting, "Pricing strategy: find Gabor Granger method and how it works to achieve best price for your
#: products or services" (dartconsulting.co.in), the worked table quoted as published:
#:
#:     Price | Count | Demand | Cumulative Percentage | Revenue
#:     1,000 |  14   |   54   |  98%                  | 54,000
#:     1,500 |  11   |   40   |  73%                  | 60,000
#:     2,000 |   9   |   29   |  53%                  | 58,000
#:     2,500 |  12   |   20   |  36%                  | 50,000
#:     3,000 |   8   |    8   |  15%                  | 24,000
#:     55
#:
#: "Count" is the respondents whose highest accepted price is that price, "Demand" those who would buy at it
#: (accepting it or a higher one), the percentage is of the 55 asked (one accepted no price), revenue = price ×
#: demand, greatest at 1,500.
PUBLISHED_PRICES = (1000.0, 1500.0, 2000.0, 2500.0, 3000.0)
PUBLISHED_COUNTS = (14, 11, 9, 12, 8)
PUBLISHED_DEMAND = (54, 40, 29, 20, 8)
PUBLISHED_PERCENT = (98, 73, 53, 36, 15)
PUBLISHED_REVENUE = (54_000, 60_000, 58_000, 50_000, 24_000)


def _published() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    accepted = np.repeat([*PUBLISHED_PRICES, 0.0], [*PUBLISHED_COUNTS, 1])
    pay = (accepted > 0).astype(float)
    return accepted, np.zeros_like(pay), pay


def _replicates(n: int, seed: int = 1) -> np.ndarray:
    return bootstrap_weights(
        rake({"all": ["x"] * n}, {"all": {"x": 1.0}}).design, replicates=200, seed=seed
    ).weights


def test_the_published_worked_example_is_reproduced() -> None:
    accepted, standard, pay = _published()
    n = accepted.size
    assert n == 55
    result = gabor_granger(accepted, standard, pay, PUBLISHED_PRICES, 500.0, np.ones(n), _replicates(n))
    assert result.demand * n == pytest.approx(PUBLISHED_DEMAND)
    assert np.round(result.demand * 100) == pytest.approx(PUBLISHED_PERCENT)
    assert result.revenue * n == pytest.approx(PUBLISHED_REVENUE)
    assert result.best_price == 1500.0
    # 1,500 and 2,000 earn almost alike (60,000 vs 58,000 of 55 people): both lie in the interval, 3,000 does not
    assert result.best_price_low <= 1500.0 <= result.best_price_high and 2000.0 in result.best_prices
    assert 3000.0 not in result.best_prices
    assert result.expectations["pay"][0] == pytest.approx(54 / 55)
    assert result.recommendation == "paid_add_on" and result.margin == pytest.approx((1500 - 500) * 40 / 55)


def test_weights_count_as_copies_of_a_respondent() -> None:
    accepted = np.array([10.0, 20.0, 0.0, 30.0])
    pay = np.array([1.0, 1.0, 0.0, 1.0])
    standard = np.array([0.0, 0.0, 1.0, 0.0])
    weighted = gabor_granger(
        accepted, standard, pay, (10, 20, 30), 1.0, np.array([1, 3, 1, 1.0]), _replicates(4)
    )
    copied = np.array([10.0, 20.0, 20.0, 20.0, 0.0, 30.0])
    plain = gabor_granger(
        copied,
        np.array([0, 0, 0, 0, 1, 0.0]),
        np.array([1, 1, 1, 1, 0, 1.0]),
        (10, 20, 30),
        1.0,
        np.ones(6),
        _replicates(6),
    )
    assert weighted.demand == pytest.approx(plain.demand) and weighted.demand == pytest.approx(
        [5 / 6, 4 / 6, 1 / 6]
    )
    assert weighted.expectations["standard"][0] == pytest.approx(1 / 6)
    # a respondent with weight 0 is outside the base
    base = gabor_granger(accepted, standard, pay, (10, 20, 30), 1.0, np.array([1, 1, 0, 1.0]), _replicates(4))
    assert base.demand == pytest.approx([1, 2 / 3, 1 / 3]) and base.n == 3


def test_the_recommendation_rule() -> None:
    rule = recommend(
        np.array([20.0, 20.0, 20.0, 20.0]),
        np.array([0.3, 0.3, 0.3, 0.0]),
        np.array([0.6, 0.2, 0.2, 0.2]),
        15.0,
    )
    assert list(rule) == ["standard", "paid_add_on", "paid_add_on", "do_not_promise"]
    assert str(recommend(np.array(20.0), np.array(0.3), np.array(0.6), 20.0)) == "do_not_promise"


def test_a_cost_above_what_buyers_pay_flips_the_recommendation_to_do_not_promise() -> None:
    accepted, standard, pay = _published()
    reps = _replicates(accepted.size)
    cheap = gabor_granger(accepted, standard, pay, PUBLISHED_PRICES, 500.0, np.ones(accepted.size), reps)
    dear = gabor_granger(accepted, standard, pay, PUBLISHED_PRICES, 3500.0, np.ones(accepted.size), reps)
    assert cheap.recommendation == "paid_add_on" and not cheap.uncertain
    assert dear.recommendation == "do_not_promise" and dear.recommendation_shares["do_not_promise"] == 1.0
    # a cost between the prices the best one could be: the recommendation is marked uncertain, and why
    close = gabor_granger(accepted, standard, pay, PUBLISHED_PRICES, 1750.0, np.ones(accepted.size), reps)
    assert close.recommendation == "do_not_promise" and close.uncertain
    assert (
        0.1 <= close.flip_probability < 1
        and close.recommendation_shares["paid_add_on"] == close.flip_probability
    )
    assert close.could_flip == ("the cost lies within the interval of the revenue-maximising price",)


def test_the_confidence_set_keeps_prices_within_sampling_error_of_the_best() -> None:
    revenue = np.array([1.0, 2.0, 1.9, 0.5])
    reps = revenue + np.random.default_rng(3).normal(0, 0.1, (500, 4))
    assert list(price_confidence_set(revenue, reps, 0.95)) == [1, 2]
    assert list(price_confidence_set(revenue, revenue + np.zeros((5, 4)), 0.95)) == [1]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"prices": (10, 5, 20)}, "rising"),
        ({"cost": -1.0}, "cost"),
        ({"accepted": np.array([1.0, -1.0, 0.0])}, "≥ 0"),
        ({"standard": np.array([1.0, 1.0, 0.0])}, "never both"),
        ({"weights": np.zeros(3)}, "not all 0"),
        ({"replicate_weights": np.ones((1, 3))}, "at least 2 replicates"),
    ],
)
def test_bad_input_is_named(change: dict[str, object], words: str) -> None:
    args: dict[str, object] = {
        "accepted": np.array([10.0, 0.0, 5.0]),
        "standard": np.array([0.0, 1.0, 0.0]),
        "pay": np.array([1.0, 0.0, 1.0]),
        "prices": (5, 10, 20),
        "cost": 1.0,
        "weights": np.ones(3),
        "replicate_weights": np.ones((4, 3)),
    } | change
    with pytest.raises(ValueError, match=words):
        gabor_granger(**args)  # type: ignore[arg-type]


def test_simulation_with_known_willingness_to_pay() -> None:
    """The done criterion: in simulated waves with a known WTP distribution, the true revenue-maximising price lies
    in the reported interval in at least 90% of waves; demand intervals cover the true demand; a cost above what
    buyers pay at the best price gives "do not promise"."""
    check = check_price_ladder(waves=40, n=600, replicates=100)
    assert check.best_price_coverage >= 0.9
    assert check.mean_interval_prices < 4  # an interval, not the whole ladder of 6
    assert 0.88 <= check.demand_coverage <= 1.0
    assert check.low_cost_truth == "paid_add_on" and check.low_cost_agreement >= 0.9
    assert check.high_cost_truth == "do_not_promise" and check.high_cost_agreement >= 0.9


def test_the_price_check_command_reports_the_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["price-check", "--waves", "10", "--n", "300", "--replicates", "40", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["waves"] == 10 and report["true_best_price"] == 30.0
    assert report["best_price_coverage"] >= 0.9 and report["high_cost_truth"] == "do_not_promise"
    assert main(["price-check", "--waves", "10", "--n", "300", "--replicates", "40"]) == 0
    assert "lies in the reported 95% interval" in capsys.readouterr().out
    assert main(["price-check", "--waves", "2"]) == 2
    assert "--waves 5" in capsys.readouterr().err
