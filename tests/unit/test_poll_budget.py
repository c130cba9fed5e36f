"""A poll's budget is per wave: one rule (``budget_problem``) for the plan, validation and the launch, and the
wave's project is described once (``wave_spec``) for the launch and for a quote. Expected costs are worked by
hand in each test (target × price per complete)."""

from __future__ import annotations

import pytest

from recognition.polls.checks import check_poll
from recognition.polls.model import Price
from recognition.polls.plan import budget_problem, make_plan
from recognition.populations import load_margins
from recognition.waves.pricing import quote_reference, wave_spec

CINT = Price(2.49, "provider", "USD")
POLL = {
    "name": "t",
    "category": "sportswear",
    "own_brand": "acme",
    "brands": [{"id": "acme", "name": "Acme"}, {"id": "velo", "name": "Velo"}],
    "population": "us",
    "sample_size": 40,
    "cost_per_complete": 1.5,
    "schedule": {},
}


def test_a_wave_over_the_budget_is_named_by_price_target_and_budget() -> None:
    # 40 × 2.49 = 99.60 > 80
    assert budget_problem(40, CINT, 80.0) == (
        "one wave of 40 completes at 2.49 USD a complete costs 99.60 USD, above the budget of 80.00 USD a wave"
    )


def test_a_wave_costing_exactly_the_budget_fits_and_no_budget_means_no_limit() -> None:
    assert budget_problem(40, CINT, 99.60) is None  # 40 × 2.49 = 99.60 (a float product, 99.600000000001)
    assert budget_problem(40, CINT, 99.59) is not None
    assert budget_problem(10**6, CINT, None) is None


def test_the_polls_own_price_has_no_currency_and_prolific_prices_keep_four_decimals() -> None:
    own = Price(1.5, "poll", None, "no quote")
    assert budget_problem(40, own, 50.0) == (
        "one wave of 40 completes at 1.50 a complete costs 60.00, above the budget of 50.00 a wave"
    )
    prolific = Price(1.3333, "provider", "GBP")  # 40 × 1.3333 = 53.332
    assert budget_problem(40, prolific, 50.0) == (
        "one wave of 40 completes at 1.3333 GBP a complete costs 53.3320 GBP, above the budget of 50.00 GBP "
        "a wave"
    )


def test_validation_checks_the_budget_at_the_quoted_price_only_when_given_one() -> None:
    poll = {**POLL, "budget": 80.0}
    assert check_poll(poll) == []  # no price: the budget is not judged
    (error,) = check_poll(poll, CINT)
    assert error.field == "budget" and "99.60 USD" in error.message
    assert check_poll(poll, Price(1.5, "poll")) == []  # 40 × 1.50 = 60 ≤ 80


def test_the_plan_costs_a_wave_at_the_price_given_and_says_whose_it_is() -> None:
    plan = make_plan({**POLL, "budget": 80.0}, CINT)
    assert plan["cost_per_wave"] == pytest.approx(99.6) and plan["within_budget"] is False
    assert (plan["cost_per_complete"], plan["price_source"], plan["currency"], plan["price_note"]) == (
        2.49,
        "provider",
        "USD",
        None,
    )
    plan = make_plan({**POLL, "budget": 80.0}, Price(1.5, "poll", None, "why"), n=50)
    assert plan["cost_per_wave"] == 75.0 and plan["within_budget"] is True and plan["price_note"] == "why"


def test_one_wave_spec_for_launch_and_quote_country_quotas_target() -> None:
    spec = wave_spec("us", 1000)
    margins = load_margins("us")
    assert spec.country == "us" and spec.target_n == 1000
    assert {(q.variable, q.level) for q in spec.quotas} == {(v, lv) for v, ls in margins.items() for lv in ls}
    # a quote's reference depends on what is priced only, never on the wave's identity
    named = wave_spec("us", 1000, reference="rw1", name="x", survey_url="http://s/1/start")
    assert quote_reference(spec) == quote_reference(named) != quote_reference(wave_spec("us", 999))
    with pytest.raises(ValueError):
        wave_spec("zz", 10)
