"""Rolling windows: pooled respondents weighted as one sample, changes against the previous non-overlapping
window (independent z test), BH q over the window's family."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from recognition.settings import Settings, load_settings
from recognition.stats import benjamini_hochberg
from recognition.store.estimates import EstimateRow
from recognition.waves.processing import WaveInput
from recognition.waves.windows import compute_windows, pool_inputs, window_ends

MARGINS = {"gender": {"f": 0.5, "m": 0.5}}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(env={}, overrides={"data_dir": str(tmp_path)})


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


def test_window_ends_start_at_the_nth_wave() -> None:
    assert window_ends(5, 2) == [1, 2, 3, 4]
    assert window_ends(5, 3) == [2, 3, 4]
    assert window_ends(2, 3) == []


def test_windows_pool_and_test_against_the_previous_non_overlapping_window(settings: Settings) -> None:
    rng = np.random.default_rng(7)
    rates = (0.2, 0.3, 0.5, 0.6)
    inputs = {}
    for k, rate in enumerate(rates, start=1):
        draws = (rng.random(200) < rate).astype(int).tolist()
        inputs[k] = _wave(1000 * k, draws)
    results = compute_windows([1, 2, 3, 4], inputs, [1, 2, 3], 2, MARGINS, settings, {1: 1, 2: 1, 3: 2, 4: 2})
    assert [r.wave_ids for r in results] == [(1, 2), (2, 3), (3, 4)]
    assert [r.previous_wave_ids for r in results] == [(), (), (1, 2)]

    def total(result_index: int) -> EstimateRow:
        (row,) = [
            e
            for e in results[result_index].output.estimates
            if (e.metric, e.brand, e.segment) == ("aided", "acme", "all")
        ]
        return row

    first, straddling, last = total(0), total(1), total(2)
    # equal weights: the pooled estimate is the plain share of the 400 pooled respondents
    pooled = np.concatenate(
        [inputs[1].indicators[("aided", "acme")], inputs[2].indicators[("aided", "acme")]]
    )
    assert first.n == 400 and first.estimate == pytest.approx(pooled.mean())
    assert first.change is None and straddling.change is None
    assert straddling.warnings == ["the window pools questionnaire versions 1, 2"] and last.warnings == []
    # the change of (3, 4) against (1, 2): independent z test
    se = math.hypot(first.se, last.se)
    assert last.change is not None
    assert last.change == pytest.approx(last.estimate - first.estimate)
    assert last.change_se == pytest.approx(se)
    assert last.p_value == pytest.approx(2 * sps.norm.sf(abs(last.change) / se))
    assert last.significant is True and last.change > 0.2
    # BH over the window's whole family of tests (every segment)
    tested = [e for e in results[2].output.estimates if e.p_value is not None]
    assert len(tested) > 1
    q = benjamini_hochberg(np.array([e.p_value for e in tested]))
    assert [e.q_value for e in tested] == pytest.approx(q.tolist())
