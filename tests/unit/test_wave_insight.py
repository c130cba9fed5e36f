"""A wave's stored insight on synthetic respondents: mental availability when the wave has entry points (the
statistics' own numbers on the wave's design), and a plain note — never an exception — for what a wave lacks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recognition.figures import StatisticsOptions
from recognition.stats import mental_availability
from recognition.waves.compute import weigh
from recognition.waves.inputs import WaveInput
from recognition.waves.insight import compute_insight

MARGINS = {"gender": {"female": 0.5, "male": 0.5}, "age": {"young": 0.4, "old": 0.6}}
BRANDS = ["a", "b", "c"]


def _wave(n: int, *, image: bool, entry_points: int, seed: int = 3) -> WaveInput:
    rng = np.random.default_rng(seed)
    indicators: dict[tuple[str, str], np.ndarray] = {}
    for j, b in enumerate(BRANDS):
        aware = (rng.random(n) < 0.9 - 0.2 * j).astype(float)
        consider = aware * (rng.random(n) < 0.5)
        indicators[("total_awareness", b)] = aware
        indicators[("consider", b)] = consider
        indicators[("prefer", b)] = consider * (rng.random(n) < 0.4)
        if image:
            for k in range(3):
                indicators[(f"image.attr{k}", b)] = aware * (rng.random(n) < 0.2 + 0.3 * consider * k / 2)
        for c in range(entry_points):
            indicators[(f"entry_point.cep{c}", b)] = aware * (rng.random(n) < 0.3 - 0.05 * j)
    return WaveInput(
        respondent_ids=list(range(n)),
        demographics={
            "gender": list(rng.choice(["female", "male"], n, p=[0.6, 0.4])),
            "age": list(rng.choice(["young", "old"], n, p=[0.3, 0.7])),
        },
        indicators=indicators,
        customer=list(rng.choice(["current", "lapsed", "never"], n)),
    )


def test_mental_availability_is_the_statistic_on_the_waves_design() -> None:
    inp = _wave(300, image=True, entry_points=4)
    options = StatisticsOptions()
    stored = compute_insight(inp, BRANDS, MARGINS, options)
    assert json.loads(json.dumps(stored, allow_nan=False)) == stored  # plain JSON, as the store keeps it
    got = stored["mental_availability"]
    design = weigh(inp, MARGINS, options).design
    links = np.stack(
        [np.column_stack([inp.indicators[(f"entry_point.cep{c}", b)] for b in BRANDS]) for c in range(4)],
        axis=1,
    )
    expected = mental_availability(links.astype(int), design, brand_names=BRANDS)
    assert got["entry_points"] == 4 and got["buyers"] == 300
    for j, row in enumerate(got["brands"]):
        assert row["brand"] == BRANDS[j]
        assert row["mental_market_share"]["estimate"] == pytest.approx(
            expected.mental_market_share.estimate[j]
        )
        assert row["mental_penetration"]["ci_low"] == pytest.approx(expected.mental_penetration.ci_low[j])
        assert row["network_size"]["n_eff"] == pytest.approx(expected.network_size.n_eff[j])
    assert sum(r["mental_market_share"]["estimate"] for r in got["brands"]) == pytest.approx(1.0)


def test_what_a_wave_lacks_is_a_note() -> None:
    options = StatisticsOptions()
    plain = compute_insight(_wave(200, image=False, entry_points=0), BRANDS, MARGINS, options)
    assert plain["drivers"] == [] and "no image attributes" in plain["drivers_note"]
    assert plain["image_map"] is None and "no image attributes" in plain["image_map_note"]
    assert plain["mental_availability"] is None and "entry points" in plain["mental_availability_note"]
    tiny = compute_insight(_wave(1, image=True, entry_points=2), BRANDS, MARGINS, options)
    assert tiny["drivers"] == [] and "too few" in tiny["drivers_note"]
    full = compute_insight(_wave(300, image=True, entry_points=0), BRANDS, MARGINS, options)
    assert len(full["drivers"]) == 4 and full["image_map"]["inertia_explained"] > 0
