"""Significance families: the headline family (total sample × headline metrics × brands) is adjusted on its own,
secondary and segment reads in separate families — checked against R's ``p.adjust`` on the worked example of
Benjamini & Hochberg (1995) and by simulation on the synthetic population, whose true changes are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from recognition.commands.significance import run_study
from recognition.errors import UserError
from recognition.figures import (
    HEADLINE_METRICS,
    Figure,
    StatisticsOptions,
    compare_figures,
    family_name,
    is_exploratory,
    one_family,
    significance_family,
)

# Benjamini & Hochberg (1995), section 4.2: the 15 p-values of a study, and R's
# p.adjust(c(0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
#            0.6528, 0.7590, 1.000), method = "BH")
P_BH = (0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719)
P_BH += (0.6528, 0.7590, 1.000)
Q_R = (0.0015, 0.0030, 0.0095, 0.035625, 0.0603, 0.06385714, 0.06385714, 0.0645, 0.0765, 0.486, 0.5811818)
Q_R += (0.714875, 0.7532308, 0.8132143, 1.0)


def _fig(metric: str, brand: str, segment: str, estimate: float, se: float = 0.01) -> Figure:
    return Figure(
        metric=metric,
        brand=brand,
        segment=segment,
        base="total",
        kind="proportion",
        estimate=estimate,
        se=se,
        ci_low=None,
        ci_high=None,
        ci_method="logit",
        level=0.95,
        n=1000,
        n_eff=600.0,
        deff=1.6,
        base_status="ok",
    )


def _pair(metric: str, brand: str, segment: str, p: float) -> tuple[Figure, Figure]:
    """Two independent figures whose z test has two-sided p-value ``p``: Δ = z·√2·se."""
    z = 0.0 if p >= 1 else float(norm.isf(p / 2))
    return _fig(metric, brand, segment, 0.3), _fig(metric, brand, segment, 0.3 + z * math.sqrt(2) * 0.01)


def test_families_of_figures() -> None:
    assert family_name(_fig("aided", "acme", "all", 0.5)) == "headline"
    assert significance_family(_fig("nps", "acme", "all", 0.5)) == "headline"
    assert significance_family(_fig("image.staff", "acme", "all", 0.5)) == "secondary"
    assert significance_family(_fig("familiar", "acme", "all", 0.5)) == "secondary"
    assert significance_family(_fig("aided", "acme", "age=18-24", 0.5)) == "segment:age=18-24"
    assert is_exploratory(_fig("aided", "acme", "customer=non", 0.5))
    assert not is_exploratory(_fig("prefer", "acme", "all", 0.5))


def test_headline_family_is_adjusted_on_its_own() -> None:
    brands = ("a", "b", "c")
    headline = [
        _pair(HEADLINE_METRICS[i % len(HEADLINE_METRICS)], brands[i // len(HEADLINE_METRICS)], "all", p)
        for i, p in enumerate(P_BH)
    ]
    # 120 segment reads and 30 secondary reads with no change at all
    others = [_pair("aided", f"b{i}", f"age=a{i % 6}", 0.9) for i in range(120)]
    others += [_pair(f"image.x{i}", "a", "all", 0.9) for i in range(30)]
    options = StatisticsOptions()
    changes = compare_figures(headline + others, options)
    q = [c.q_value for c in changes[: len(P_BH)] if c is not None]
    assert np.allclose(q, Q_R, rtol=1e-6, atol=1e-7)
    flagged = [c.significant for c in changes[: len(P_BH)] if c is not None]
    assert flagged[:4] == [True, True, True, True] and not any(flagged[4:])
    # One family over every test of the wave (the old rule) drowns the same evidence.
    old = compare_figures(headline + others, options, family=one_family)
    assert sum(bool(c and c.significant) for c in old[: len(P_BH)]) == 2
    assert all(c is not None and c.q_value is not None and c.q_value > 0.05 for c in old[2 : len(P_BH)])


def test_no_flags_when_nothing_changed() -> None:
    """A complete null on the synthetic population: BH then holds the chance of any headline flag at α (5%),
    and the practical threshold only removes flags, so at most a few of 40 pairs of waves may show one."""
    report = run_study(600, 40, seed=3, p_move=0.0)
    headline = report.result("families", "headline")
    assert headline.false_flags.count <= 6  # P(Binomial(40, 0.05) ≥ 7) ≈ 0.003
    assert headline.flags_per_wave <= 0.15


@pytest.mark.slow
def test_families_keep_power_and_few_false_flags() -> None:
    """Half the brands move: families flag more of the true changes than one family does, large headline
    changes are nearly always caught, and few flags are false."""
    report = run_study(1000, 40, seed=5)
    new, old = report.result("families", "headline"), report.result("one_family", "headline")
    assert new.power_3_plus.value is not None and old.power_3_plus.value is not None
    assert new.power_3_plus.value > old.power_3_plus.value + 0.1
    big = new.power_by_size[-1]  # true change of 8 points or more
    assert big.value is not None and big.value >= 0.6
    assert new.false_flags.value is not None and new.false_flags.value <= 0.1


@pytest.mark.slow
def test_pooled_windows_catch_more_of_the_same_changes() -> None:
    """Rolling windows pool waves as the service does: over the same replicates' draws of moves, 4-wave windows
    flag more of the true changes of 3 points or more than single waves do, and no more flags are false."""
    single = run_study(1000, 16, seed=7).result("families", "headline")
    pooled = run_study(1000, 16, seed=7, window=4).result("families", "headline")
    assert single.power_3_plus.value is not None and pooled.power_3_plus.value is not None
    assert pooled.power_3_plus.value > single.power_3_plus.value + 0.2
    assert pooled.false_flags.value is not None and pooled.false_flags.value <= 0.1
    with pytest.raises(UserError, match="window: must be at least 1"):
        run_study(1000, 1, window=0)
