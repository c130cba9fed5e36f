"""The service promise builder: every feature lands in the list its recommendation (among everybody) says, a
paid add-on at its revenue-maximising price; a marketer's decision moves it, is marked as the marketer's, and
keeps what the analysis said beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from recognition.reports.numbers import numbers_for
from recognition.reports.promise import analysis_words, build_promise
from recognition.store.service import Decision

FEATURES = [
    {"id": "repairs", "wording": "free repairs for a year", "cost": 4.0, "currency": "USD"},
    {"id": "evening", "wording": "phone advice in the evening", "cost": 35.0, "currency": "USD"},
    {"id": "delivery", "wording": "next-day delivery", "cost": 1.0, "currency": "USD"},
    {"id": "wrap", "wording": "gift wrapping", "cost": 0.5, "currency": "USD"},
]


def _base(base: str, recommendation: str, best: float) -> dict[str, Any]:
    return {
        "base": base,
        "n": 400,
        "recommendation": recommendation,
        "best_price": best,
        "best_price_low": best - 1,
        "best_price_high": best + 1,
        "flip_probability": 0.12,
        "uncertain": False,
    }


SERVICE = {
    "features": [
        {
            "id": "repairs",
            "label": "free repairs for a year",
            "currency": "USD",
            "bases": [_base("all", "paid_add_on", 9.0), _base("customer=non", "standard", 5.0)],
        },
        {"id": "evening", "currency": "USD", "bases": [_base("all", "do_not_promise", 35.0)]},
        {"id": "delivery", "currency": "USD", "bases": [_base("all", "standard", 3.0)]},
    ]
}
WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def _ids(promise: dict[str, Any], name: str) -> list[str]:
    return [i["id"] for i in promise[name]]


def test_without_decisions_the_promise_follows_the_analysis_among_everybody() -> None:
    promise = build_promise(FEATURES, SERVICE, [])
    assert _ids(promise, "promised") == ["delivery"]
    assert _ids(promise, "offered") == ["repairs"]
    assert _ids(promise, "not_promised") == ["evening"]
    assert _ids(promise, "undecided") == ["wrap"]  # the analysis did not cover it and nobody decided
    repairs = promise["offered"][0]
    assert repairs["price"] == 9.0 and repairs["source"] == "analysis" and not repairs["overrides"]
    assert repairs["label"] == "free repairs for a year"
    assert promise["promised"][0]["price"] is None
    assert (
        analysis_words(repairs, numbers_for(None, "en"))
        == "the analysis recommends: offer as a paid add-on at 9.00 USD; chance it flips 12%"
    )
    assert analysis_words(repairs, numbers_for(None, "de")).endswith("9,00 USD; chance it flips 12\u00a0%")


def test_a_decision_moves_a_feature_and_is_marked_as_the_marketers() -> None:
    decisions = [
        Decision("evening", "paid_add_on", 20.0, "a premium line", "rk_ab12", WHEN),
        Decision("repairs", "standard", None, "", "rk_ab12", WHEN),
        Decision("wrap", "do_not_promise", None, "", "rk_ab12", WHEN),
    ]
    promise = build_promise(FEATURES, SERVICE, decisions)
    assert _ids(promise, "promised") == ["repairs", "delivery"]
    assert _ids(promise, "offered") == ["evening"]
    assert _ids(promise, "not_promised") == ["wrap"]
    assert promise["undecided"] == []
    evening = promise["offered"][0]
    assert evening["source"] == "marketer" and evening["overrides"] and evening["price"] == 20.0
    assert evening["note"] == "a premium line" and evening["decided_by"] == "rk_ab12"
    assert evening["analysis"]["recommendation"] == "do_not_promise"  # what the analysis said then
    delivery = promise["promised"][1]
    assert delivery["source"] == "analysis"
    wrap = promise["not_promised"][0]
    assert wrap["source"] == "marketer" and wrap["overrides"] and wrap["analysis"] is None


def test_a_decision_agreeing_with_the_analysis_is_the_marketers_but_no_override() -> None:
    same = [Decision("repairs", "paid_add_on", 9.0, "", "rk_ab12", WHEN)]
    item = build_promise(FEATURES, SERVICE, same)["offered"][0]
    assert item["source"] == "marketer" and not item["overrides"]
    cheaper = [Decision("repairs", "paid_add_on", 7.5, "", "rk_ab12", WHEN)]
    assert build_promise(FEATURES, SERVICE, cheaper)["offered"][0]["overrides"]


def test_without_an_analysis_only_decisions_place_features() -> None:
    promise = build_promise(FEATURES, None, [Decision("delivery", "standard", None, "", "rk_ab12", WHEN)])
    assert _ids(promise, "promised") == ["delivery"]
    assert _ids(promise, "undecided") == ["repairs", "evening", "wrap"]
    assert promise["undecided"][0]["label"] == "free repairs for a year"
