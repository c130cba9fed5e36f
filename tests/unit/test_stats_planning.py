"""Planning: hand-checked values of the power.prop.test formula, inversion and argument errors (the grid against
R itself is tests/reference/test_planning_against_r.py)."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from recognition.stats import minimum_detectable_change, plan, power_two_proportions, required_n


def test_required_n_by_hand() -> None:
    # Fleiss, Levin & Paik (2003, ch. 4) without continuity correction, p1 = 0.3, p2 = 0.35, α = 0.05,
    # power 0.8: p̄ = 0.325, n = (1.959964·√(2·0.325·0.675) + 0.841621·√(0.21 + 0.2275))² / 0.05²
    #   = (1.959964·0.662382 + 0.841621·0.661438)² / 0.0025 = (1.298244 + 0.556680)² / 0.0025 = 1376.3 → 1377
    #   (R: power.prop.test(p1 = 0.3, p2 = 0.35, power = 0.8)$n = 1376.299)
    z_a, z_b = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    by_hand = (z_a * math.sqrt(2 * 0.325 * 0.675) + z_b * math.sqrt(0.21 + 0.2275)) ** 2 / 0.05**2
    assert by_hand == pytest.approx(1376.299, abs=0.001)
    assert required_n(0.05, 0.3) == math.ceil(by_hand)
    assert required_n(0.05, 0.3, deff=1.5) == math.ceil(1.5 * by_hand)


def test_a_fall_and_a_rise_differ() -> None:
    # from 0.3 a fall to 0.25 moves away from ½ (less variance) than a rise to 0.35: it needs fewer completes
    assert required_n(-0.05, 0.3) < required_n(0.05, 0.3)
    assert minimum_detectable_change(1000, 0.3, direction="fall") < minimum_detectable_change(1000, 0.3)


def test_required_n_and_mdc_invert_each_other() -> None:
    n = required_n(0.05, 0.3, deff=1.5, power=0.8)
    assert (
        power_two_proportions(n, 0.3, 0.35, deff=1.5)
        >= 0.8
        > power_two_proportions(n - 1, 0.3, 0.35, deff=1.5)
    )
    assert (
        minimum_detectable_change(n, 0.3, deff=1.5) <= 0.05 < minimum_detectable_change(n - 1, 0.3, deff=1.5)
    )


def test_plan_reports_cost_and_both_directions() -> None:
    result = plan(1000, 0.3, deff=1.5, alpha=0.05, power=0.8, cost_per_complete=2.5)
    assert result.cost == 2500.0 and result.n == 1000
    assert result.mdc == result.mdc_rise > result.mdc_fall
    assert power_two_proportions(1000, 0.3, 0.3 + result.mdc, deff=1.5) == pytest.approx(0.8)
    assert power_two_proportions(1000, 0.3, 0.3 - result.mdc_fall, deff=1.5) == pytest.approx(0.8)


def test_a_change_out_of_reach_is_said_so() -> None:
    # from 5% with 200 a wave, even a fall to 0 is detected with power below 0.9:
    # R: power.prop.test(n = 200, p1 = 0.05, p2 = 1e-9)$power = 0.8959564
    assert power_two_proportions(200, 0.05, 1e-9) == pytest.approx(0.8959564, abs=1e-6)
    with pytest.raises(ValueError, match="^n: .* no fall from p = 0.05"):
        minimum_detectable_change(200, 0.05, power=0.9, direction="fall")
    assert math.isnan(plan(200, 0.05, power=0.9).mdc_fall)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: minimum_detectable_change(1000, 0.0), "p"),
        (lambda: minimum_detectable_change(1000, 1.2), "p"),
        (lambda: minimum_detectable_change(1, 0.3), "n"),
        (lambda: minimum_detectable_change(1000, 0.3, alpha=0.0), "alpha"),
        (lambda: minimum_detectable_change(1000, 0.3, power=1.0), "power"),
        (lambda: minimum_detectable_change(1000, 0.3, deff=0.0), "deff"),
        (lambda: minimum_detectable_change(1000, 0.3, direction="up"), "direction"),
        (lambda: required_n(0.0, 0.3), "change"),
        (lambda: required_n(0.8, 0.3), "change"),
        (lambda: required_n(-0.4, 0.3), "change"),
        (lambda: required_n(0.05, math.nan), "p"),
        (lambda: plan(1000, 0.3, cost_per_complete=-1.0), "cost_per_complete"),
    ],
)
def test_bad_inputs_name_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()
