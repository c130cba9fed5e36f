"""Planning: minimum detectable change and required n against hand-computed normal approximations."""

from __future__ import annotations

import math

import pytest

from recognition.stats import minimum_detectable_change, plan, required_n


def test_mdc_matches_hand_computation() -> None:
    # z(0.975) = 1.959964, z(0.8) = 0.841621; n = 1000, p = 0.3, deff = 1.5:
    # (1.959964 + 0.841621) * sqrt(2 * 1.5 * 0.21 / 1000) = 2.801585 * 0.0250998 = 0.0703194
    assert minimum_detectable_change(1000, 0.3, deff=1.5) == pytest.approx(0.0703194, rel=1e-5)
    assert minimum_detectable_change(1000, 0.3) < minimum_detectable_change(1000, 0.3, deff=1.5)


def test_required_n_inverts_mdc() -> None:
    n = required_n(0.05, 0.3, deff=1.5, alpha=0.05, power=0.8)
    # (2.801585)^2 * 2 * 1.5 * 0.21 / 0.05^2 = 1977.9 -> 1978
    assert n == 1978
    assert (
        minimum_detectable_change(n, 0.3, deff=1.5) <= 0.05 < minimum_detectable_change(n - 1, 0.3, deff=1.5)
    )


def test_plan_reports_cost() -> None:
    result = plan(1000, 0.3, deff=1.5, alpha=0.05, power=0.8, cost_per_complete=2.5)
    assert result.cost == 2500.0 and result.n == 1000
    assert result.mdc == pytest.approx(minimum_detectable_change(1000, 0.3, deff=1.5))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: minimum_detectable_change(1000, 0.0), "p"),
        (lambda: minimum_detectable_change(1000, 1.2), "p"),
        (lambda: minimum_detectable_change(1, 0.3), "n"),
        (lambda: minimum_detectable_change(1000, 0.3, alpha=0.0), "alpha"),
        (lambda: minimum_detectable_change(1000, 0.3, power=1.0), "power"),
        (lambda: minimum_detectable_change(1000, 0.3, deff=0.0), "deff"),
        (lambda: required_n(0.0, 0.3), "change"),
        (lambda: required_n(0.05, math.nan), "p"),
        (lambda: plan(1000, 0.3, cost_per_complete=-1.0), "cost_per_complete"),
    ],
)
def test_bad_inputs_name_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()
