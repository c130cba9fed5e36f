"""Trends of published figures (recognition.figures.trends), checked against textbook least squares.

With equal standard errors and points exactly on a line there is no excess dispersion, so the random-effects fit
is ordinary least squares with known variance: slope = Σ(t − t̄)(y − ȳ)/Σ(t − t̄)², se = σ/√Σ(t − t̄)²
(e.g. Draper & Smith, Applied Regression Analysis, 3rd ed., §1.4), tested with t on k − 2 degrees of freedom.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

from recognition.figures import Figure, StatisticsOptions, trends


def fig(estimate: float | None, se: float = 0.01, status: str = "ok") -> Figure:
    return Figure(
        metric="aided",
        brand="acme",
        segment="all",
        base="total",
        kind="proportion",
        estimate=estimate,
        se=se,
        ci_low=None,
        ci_high=None,
        ci_method="logit",
        level=0.95,
        n=1000,
        n_eff=800.0,
        deff=1.25,
        base_status=status,  # type: ignore[arg-type]
    )


OPTIONS = StatisticsOptions()


def test_a_straight_line_gives_the_least_squares_slope_and_its_t_test() -> None:
    (trend,) = trends([[(w, fig(0.30 + 0.02 * i)) for i, w in enumerate((11, 12, 13, 14))]], OPTIONS)
    sxx = sum((t - 1.5) ** 2 for t in range(4))  # 5
    se = 0.01 / math.sqrt(sxx)
    assert trend.wave_ids == (11, 12, 13, 14) and trend.df == 2
    assert trend.slope == pytest.approx(0.02, abs=1e-12)
    assert trend.se == pytest.approx(se, rel=1e-9)
    assert trend.p_value == pytest.approx(2 * stats.t.sf(0.02 / se, 2), rel=1e-9)
    assert trend.change == pytest.approx(0.06, abs=1e-12)
    assert trend.significant  # q = p = 0.047 < 0.05 and a 6-point move


def test_noise_beyond_sampling_error_widens_the_interval() -> None:
    zigzag = [0.30, 0.36, 0.31, 0.37, 0.32, 0.38]  # slope 0.0126 per wave, swings far beyond se = 0.005
    (trend,) = trends([[(i, fig(y, se=0.005)) for i, y in enumerate(zigzag)]], OPTIONS)
    n = len(zigzag)
    t_bar, y_bar = (n - 1) / 2, sum(zigzag) / n
    sxx = sum((t - t_bar) ** 2 for t in range(n))
    slope = sum((t - t_bar) * (y - y_bar) for t, y in enumerate(zigzag)) / sxx
    assert trend.slope == pytest.approx(slope, rel=1e-9)  # equal weights: still the OLS slope
    assert trend.se is not None and trend.se > 3 * 0.005 / math.sqrt(sxx)  # not the sampling error alone
    assert not trend.significant


def test_the_last_waves_only_never_across_a_break_and_without_suppressed_waves() -> None:
    points = [(w, fig(0.2 + 0.01 * w)) for w in range(1, 13)]
    (last8,) = trends([points], OPTIONS)
    assert last8.wave_ids == tuple(range(5, 13))
    (after_break,) = trends([points], OPTIONS, breaks={10})
    assert after_break.wave_ids == (10, 11, 12) and after_break.df == 1
    gap = [(1, fig(0.30)), (2, fig(None, status="suppressed")), (3, fig(0.34)), (4, fig(0.36))]
    (gapped,) = trends([gap], OPTIONS)
    # waves at t = 0, 2, 3 with y = 0.30, 0.34, 0.36: OLS slope 0.06 / (14/3) ... computed directly
    t, y = [0.0, 2.0, 3.0], [0.30, 0.34, 0.36]
    tb, yb = sum(t) / 3, sum(y) / 3
    slope = sum((a - tb) * (b - yb) for a, b in zip(t, y, strict=True)) / sum((a - tb) ** 2 for a in t)
    assert gapped.slope == pytest.approx(slope, rel=1e-9) and gapped.df == 1
    (short,) = trends([[(1, fig(0.3)), (2, fig(0.4))]], OPTIONS)
    assert short.slope is None and short.df == 0 and not short.significant


def test_series_tested_together_share_one_bh_family() -> None:
    rising = [(i, fig(0.30 + 0.02 * i)) for i in range(4)]
    flat = [(i, fig(0.30 + 0.001 * (-1) ** i)) for i in range(4)]
    a, b = trends([rising, flat], OPTIONS)
    assert a.p_value is not None and b.p_value is not None
    # BH over two: q(smaller) = min(2·p_min, p_max), q(larger) = p_max
    assert a.q_value == pytest.approx(min(2 * a.p_value, b.p_value), rel=1e-9)
    assert b.q_value == pytest.approx(b.p_value, rel=1e-9)
