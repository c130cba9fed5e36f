"""Rolling windows: pooled respondents weighted as one sample, changes against the previous non-overlapping
window (independent z test), BH q over the window's family."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from recognition.figures import Figure, StatisticsOptions, significance_family
from recognition.store.estimates import WindowInfo
from recognition.waves.compute import compute_window
from recognition.waves.inputs import WaveInput, pool_inputs
from recognition.waves.windows import window_at

MARGINS = {"gender": {"f": 0.5, "m": 0.5}}


def _wave(first_id: int, aware: list[int], extra: bool = False) -> WaveInput:
    """A wave balanced on gender (so raking leaves every weight equal): half f, half m."""
    n = len(aware)
    indicators = {("aided", "acme"): np.array(aware, dtype=float)}
    if extra:
        indicators[("aided", "velo")] = np.ones(n)
    return WaveInput(
        respondent_ids=list(range(first_id, first_id + n)),
        demographics={"gender": ["f" if i % 2 == 0 else "m" for i in range(n)]},
        indicators=indicators,
        customer=["never"] * n,
    )


def test_pool_inputs_concatenates_and_fills_missing_indicators() -> None:
    pooled = pool_inputs([_wave(1, [1, 0, 1, 0]), _wave(10, [1, 1], extra=True)])
    assert pooled.respondent_ids == [1, 2, 3, 4, 10, 11]
    assert pooled.demographics["gender"] == ["f", "m", "f", "m", "f", "m"]
    assert pooled.indicators[("aided", "acme")].tolist() == [1, 0, 1, 0, 1, 1]
    velo = pooled.indicators[("aided", "velo")]
    assert np.isnan(velo[:4]).all() and velo[4:].tolist() == [1, 1]


def _bh(p: list[float]) -> list[float]:
    """Benjamini & Hochberg (1995) adjusted p-values, from the textbook step-up formula
    q_(i) = min over j ≥ i of p_(j) · m / j, computed here directly (not with the project's function)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p[i] * m / rank)
        q[i] = running
    return q


def test_window_at_holds_the_last_k_waves_and_the_k_before_them() -> None:
    ids = [11, 12, 13, 14, 15]
    assert window_at(ids, 1, 2) == WindowInfo(12, 2, (11, 12), ())
    assert window_at(ids, 3, 2) == WindowInfo(14, 2, (13, 14), (11, 12))
    assert window_at(ids, 4, 3) == WindowInfo(15, 3, (13, 14, 15), ())
    assert window_at(ids, 4, 2) == WindowInfo(15, 2, (14, 15), (12, 13))


def test_windows_pool_and_test_against_the_previous_non_overlapping_window() -> None:
    rng = np.random.default_rng(7)
    rates = (0.2, 0.3, 0.5, 0.6)
    inputs = []
    for k, rate in enumerate(rates, start=1):
        draws = (rng.random(200) < rate).astype(int).tolist()
        inputs.append(_wave(1000 * k, draws))
    options = StatisticsOptions()
    first = compute_window(inputs[0:2], MARGINS, options, None, [1, 1])
    straddling = compute_window(inputs[1:3], MARGINS, options, None, [1, 2])
    last = compute_window(inputs[2:4], MARGINS, options, {f.key: f for f in first}, [2, 2])

    def total(figures: list[Figure]) -> Figure:
        (row,) = [f for f in figures if (f.metric, f.brand, f.segment) == ("aided", "acme", "all")]
        return row

    a, b, c = total(first), total(straddling), total(last)
    # equal weights: the pooled estimate is the plain share of the 400 pooled respondents
    pooled = np.concatenate(
        [inputs[0].indicators[("aided", "acme")], inputs[1].indicators[("aided", "acme")]]
    )
    assert a.n == 400 and a.estimate == pytest.approx(pooled.mean())
    assert a.change is None and b.change is None
    assert b.warnings == ("the window pools questionnaire versions 1, 2",) and c.warnings == ()
    # the change of (3, 4) against (1, 2): independent z test, se = √(se_a² + se_c²)
    assert a.se is not None and c.se is not None and c.estimate is not None and a.estimate is not None
    se = math.hypot(a.se, c.se)
    assert c.change == pytest.approx(c.estimate - a.estimate)
    assert c.change_se == pytest.approx(se)
    assert c.p_value == pytest.approx(2 * sps.norm.sf(abs(c.estimate - a.estimate) / se))
    assert c.significant is True and c.change is not None and c.change > 0.2
    # BH within each significance family of the window's tests (headline, secondary, each segment)
    tested = [f for f in last if f.p_value is not None]
    families = {significance_family(f) for f in tested}
    assert len(tested) > 1 and len(families) > 1
    for family in families:
        members = [f for f in tested if significance_family(f) == family]
        assert [f.q_value for f in members] == pytest.approx(_bh([f.p_value for f in members]))  # type: ignore[misc]
