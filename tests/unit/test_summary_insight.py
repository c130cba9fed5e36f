"""The written summary tells the wave's stored insight only where it changes the story: the attribute going most with
consideration with the own brand against the leading competitor on it, a significant move of mental availability,
a mental market share far below the awareness share; nothing when the insight is missing, low-based or
uninformative."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from recognition.figures import Figure
from recognition.reports.model import PollData, WaveInfo
from recognition.reports.summary import summarise

T0 = datetime(2026, 1, 5, tzinfo=UTC)
BRANDS = (("acme", "Acme"), ("cafe", "Café Y"), ("other", "Other"))


def _fig(
    metric: str, brand: str, est: float, *, wave: int = 2, se: float = 0.015, status: str = "ok"
) -> Figure:
    return Figure(
        metric=metric,
        brand=brand,
        segment="all",
        base="total",
        kind="proportion",
        estimate=est,
        se=se,
        ci_low=est - 1.96 * se,
        ci_high=est + 1.96 * se,
        ci_method="logit",
        level=0.95,
        n=1000,
        n_eff=800.0,
        deff=1.25,
        base_status=status,  # type: ignore[arg-type]
    )


def _data(trust: dict[str, float], aided: dict[str, float] | None = None, window: int = 1) -> PollData:
    """Two waves; wave 2 has consideration (Café Y leads the competitors), trust and aided awareness."""
    aided = aided or {"acme": 0.30, "cafe": 0.60, "other": 0.60}  # Acme holds 20% of aided awareness
    cells: dict[tuple[int, str, str, str], Figure] = {}
    for brand, value in {"acme": 0.30, "cafe": 0.45, "other": 0.20}.items():
        cells[(2, "consider", brand, "all")] = _fig("consider", brand, value)
    for brand, value in trust.items():
        cells[(2, "image.trust", brand, "all")] = _fig("image.trust", brand, value)
    for brand, value in aided.items():
        cells[(2, "aided", brand, "all")] = _fig("aided", brand, value)
    waves = tuple(WaveInfo(i, T0 + timedelta(days=7 * (i - 1)), None, None, 1) for i in (1, 2))
    return PollData(1, "t", "acme", BRANDS, waves, cells, window)


def _drivers(
    top_low: float = 0.42,
    status: str = "ok",
    r2_low: float = 0.05,
    outcome: str = "consider",
    top: str = "image.trust",
) -> dict[str, Any]:
    shares = [
        (top, 0.55, top_low, 0.66),
        ("image.fun" if top != "image.fun" else "image.trust", 0.25, 0.15, 0.35),
        ("image.cheap", 0.20, 0.1, 0.3),
    ]
    return {
        "outcome": outcome,
        "base": "all",
        "r_squared": 0.12,
        "r_squared_low": r2_low,
        "r_squared_high": 0.18,
        "n": 1000,
        "n_eff": 800.0,
        "level": 0.95,
        "base_status": status,
        "attributes": [
            {"attribute": a, "share": s, "share_low": lo, "share_high": hi, "share_se": 0.03}
            for a, s, lo, hi in shares
        ],
    }


def _measure(est: float, se: float = 0.01, status: str = "ok") -> dict[str, Any]:
    return {
        "estimate": est,
        "se": se,
        "ci_low": est - 1.96 * se,
        "ci_high": est + 1.96 * se,
        "n": 1000,
        "n_eff": 800.0,
        "base_status": status,
    }


def _mental(mms: float, penetration: float, status: str = "ok") -> dict[str, Any]:
    return {
        "level": 0.95,
        "brands": [
            {
                "brand": "acme",
                "mental_market_share": _measure(mms, status=status),
                "mental_penetration": _measure(penetration, status=status),
                "network_size": _measure(2.0),
            },
            {
                "brand": "cafe",
                "mental_market_share": _measure(0.5),
                "mental_penetration": _measure(0.6),
                "network_size": _measure(3.0),
            },
        ],
    }


def _insight(
    drivers: list[dict[str, Any]] | None = None, mental: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"drivers": drivers or [], "image_map": None, "mental_availability": mental}


def _texts(data: PollData, insight: Any = None, previous: Any = None, segment: str = "all") -> list[str]:
    summary = summarise(data, 2, segment, insight=insight, previous_insight=previous)
    return [p.text for p in summary.points if p.kind == "insight"]


def test_top_driver_with_the_own_brand_rated_below_the_leading_competitor() -> None:
    data = _data({"acme": 0.30, "cafe": 0.52, "other": 0.60})
    (text,) = _texts(data, _insight([_drivers()]))
    # Café Y leads consideration among the competitors, so it is the one compared, not Other (higher on trust).
    assert text == (
        "Trust goes with consideration most (55% of the explained variance); Acme is rated below Café Y on it "
        "(30% against 52%)."
    )
    summary = summarise(data, 2, "all", insight=_insight([_drivers()]))
    (point,) = summary.of_kind("insight")
    assert point.figure is not None and point.figure.metric == "image.trust" and point.brand == "acme"
    assert point.test and "bootstrap" in point.test


def test_top_driver_rated_not_differently_or_above() -> None:
    (alike,) = _texts(_data({"acme": 0.51, "cafe": 0.52}), _insight([_drivers()]))
    assert alike.endswith(
        "; Acme's rating on it does not differ significantly from Café Y's (51% against 52%)."
    )
    (above,) = _texts(_data({"acme": 0.70, "cafe": 0.52}), _insight([_drivers()]))
    assert "Acme is rated above Café Y on it" in above


def test_no_driver_sentence_when_missing_low_based_or_uninformative() -> None:
    data = _data({"acme": 0.30, "cafe": 0.52})
    assert _texts(data, None) == []
    assert _texts(data, _insight([])) == []
    assert _texts(data, _insight([_drivers(status="low")])) == []
    # the top share's interval reaches down to an even split (1/3 of three attributes): not clear enough
    assert _texts(data, _insight([_drivers(top_low=0.30)])) == []
    assert _texts(data, _insight([_drivers(r2_low=0.0)])) == []
    # drivers among everybody are not told in a segment's summary
    assert _texts(data, _insight([_drivers()]), segment="customer=non") == []
    # rolling windows: the insight is one wave's
    assert _texts(_data({"acme": 0.30, "cafe": 0.52}, window=2), _insight([_drivers()])) == []


def test_driver_without_brand_ratings_names_only_the_driver() -> None:
    (text,) = _texts(_data({}), _insight([_drivers()]))
    assert text == "Trust goes with consideration most (55% of the explained variance)."


def test_mental_availability_moves_are_told_only_when_significant() -> None:
    data = _data({})
    now, before = _insight(mental=_mental(0.20, 0.40)), _insight(mental=_mental(0.26, 0.41))
    (text,) = _texts(data, now, before)
    assert (
        text
        == "The mental market share of Acme (the category's buying situations) fell 6\u00a0points to 20%."
    )
    assert _texts(data, now, _insight(mental=_mental(0.205, 0.405))) == []  # within noise
    assert _texts(data, now, None) == []  # no previous wave's insight
    assert _texts(data, now, _insight(mental=_mental(0.26, 0.41, status="low"))) == []
    rising = _texts(data, _insight(mental=_mental(0.20, 0.50)), before)
    assert any(
        "mental penetration of Acme (the category's buying situations) rose 9\u00a0points" in t
        for t in rising
    )


def test_mental_market_share_far_below_the_awareness_share() -> None:
    aided = {"acme": 0.90, "cafe": 0.30, "other": 0.30}  # Acme holds 60% of aided awareness
    (text,) = _texts(_data({}, aided), _insight(mental=_mental(0.20, 0.40)))
    assert text == (
        "Acme's mental market share (20%) is far below its share of aided awareness (60%): the brand is known "
        "but comes to mind in few buying situations."
    )
    assert _texts(_data({}), _insight(mental=_mental(0.20, 0.40))) == []  # 20% awareness share: not far below
    low = _insight(mental=_mental(0.20, 0.40, status="low"))
    assert _texts(_data({}, aided), low) == []


def test_insight_points_come_after_the_moves_and_before_the_steady_line() -> None:
    data = _data({"acme": 0.30, "cafe": 0.52})
    cells = dict(data.cells)
    moved = _fig("aided", "acme", 0.60)
    cells[(2, "aided", "acme", "all")] = replace(
        moved, change=0.06, p_value=0.001, q_value=0.002, significant=True
    )
    cells[(2, "consider", "acme", "all")] = replace(
        cells[(2, "consider", "acme", "all")], change=0.0, p_value=0.9, q_value=0.9, significant=False
    )
    data = PollData(1, "t", "acme", BRANDS, data.waves, cells)
    kinds = [p.kind for p in summarise(data, 2, "all", insight=_insight([_drivers()])).points]
    assert kinds == ["change", "insight", "no_change"]


def test_one_sentence_when_the_same_attribute_leads_consideration_and_preference() -> None:
    data = _data({"acme": 0.30, "cafe": 0.52})
    both = _insight([_drivers(), _drivers(outcome="prefer")])
    (text,) = _texts(data, both)
    assert text.startswith(
        "Trust goes with consideration and preference most (55% and 55% of the explained variance)"
    )
    apart = _insight([_drivers(), _drivers(outcome="prefer", top="image.fun")])
    texts = _texts(data, apart)
    assert len(texts) == 2 and texts[1].startswith(
        "Fun goes with preference most (55% of the explained variance)"
    )
