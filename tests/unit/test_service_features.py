"""Service features in the questionnaire: a poll that names them gets, per feature, a screen asking whether the
respondent expects it as standard, would pay extra or does not need it, then its price ladder from the highest
price down, one screen per price, asked of those who would pay until their first yes (Gabor–Granger), worded in
the poll's language. The answers become the ``service_feature.<id>.*`` indicators the service analysis reads,
never a published figure. A poll without them keeps the questionnaire (and version) it had before."""

from __future__ import annotations

import math
import random
import statistics
from typing import Any

import numpy as np
import pytest

from panels.simulated.respondents import SimulatedRespondent
from panels.simulated.taker import PageForm
from panels.simulated.walkers import (
    SERVICE_EXPECTATION,
    WTP_SIGMA,
    Walker,
    answer_page,
    service_wtp_median,
)
from recognition.figures import StatisticsOptions
from recognition.questionnaire import QuestionnaireConfig, QuestionnaireError, derive_indicators
from recognition.questionnaire.flow import next_screen
from recognition.questionnaire.versions import comparability_changes, version_key
from recognition.waves.compute import estimate_figures, weigh
from recognition.waves.inputs import build_input
from recognition.waves.insight import compute_insight
from recognition.waves.service import features_asked
from tests.unit.poll_support import KEY_WITHOUT_MODULES, VALUES, built, config_data, respondents

FEATURES = [
    {
        "id": "install",
        "wording": {"en": "home installation", "de": "Aufbau zu Hause"},
        "cost": 30.0,
        "prices": [10, 20, 49.5],
        "currency": "EUR",
    },
    {
        "id": "evening",
        "wording": {"en": "phone support in the evening", "de": "Abendberatung"},
        "cost": 2.0,
        "prices": [1, 2, 5],
        "currency": "EUR",
    },
]


def test_a_poll_without_service_features_keeps_its_questionnaire_and_version() -> None:
    questionnaire = built(VALUES)
    assert version_key(questionnaire) == KEY_WITHOUT_MODULES
    assert "service_features" not in questionnaire.config.to_dict()
    assert version_key(built({**VALUES, "service_features": None})) == KEY_WITHOUT_MODULES


def test_one_expectation_screen_then_the_ladder_from_the_top_price_in_the_polls_language() -> None:
    questionnaire = built({**VALUES, "service_features": FEATURES})
    ids = [s.id for s in questionnaire.screens]
    start = ids.index("competitor_reason") + 1
    assert ids[start : start + 4] == [
        "service.install",
        "service.install.at.49.5",
        "service.install.at.20",
        "service.install.at.10",
    ]
    assert ids[start + 4] == "service.evening" and ids[start + 8] == "comment"
    question = questionnaire.question("service.install")
    assert question.type == "single" and [o.code for o in question.options] == [
        "standard",
        "pay",
        "not_needed",
    ]
    assert question.prompt == (
        "Wenn Sie Sportbekleidung bei Acme kaufen würden: Wie sehen Sie diesen Service: Aufbau zu Hause?"
    )
    assert questionnaire.question("service.install.at.49.5").prompt == (
        "Würden Sie Aufbau zu Hause bei Acme für 49,50 EUR dazukaufen?"
    )
    english = built(
        {**VALUES, "language": "en", "category_wording": {"en": "sportswear"}, "service_features": FEATURES}
    )
    assert english.question("service.install.at.49.5").prompt == (
        "Would you buy home installation from Acme for EUR 49.50?"
    )
    assert english.question("service.install").options[0].label == "I would expect it as standard"
    assert version_key(questionnaire) != KEY_WITHOUT_MODULES
    assert "question 'service.install.at.20' added" in comparability_changes(built(VALUES), questionnaire)
    stored = questionnaire.config.to_dict()
    assert stored["service_features"][0] == {
        "id": "install",
        "label": "Aufbau zu Hause",
        "prices": [10.0, 20.0, 49.5],
        "currency": "EUR",
    }
    assert QuestionnaireConfig.from_dict(stored) == questionnaire.config


def test_a_feature_not_worded_in_the_polls_language_is_named() -> None:
    english_only = [FEATURES[0], {**FEATURES[1], "wording": {"en": "phone support in the evening"}}]
    with pytest.raises(QuestionnaireError) as caught:
        built({**VALUES, "service_features": english_only})
    assert caught.value.field == "service_features[1].wording" and "German" in caught.value.reason


def test_the_ladder_is_asked_of_payers_only_and_stops_at_the_first_yes() -> None:
    questionnaire = built({**VALUES, "service_features": FEATURES[:1]})
    ids = [q.id for s in questionnaire.screens for q in s.questions]
    done = {q: "x" for q in ids[: ids.index("service.install")]}
    answers: dict[str, Any] = {**done, "service.install": "standard"}
    screen = next_screen(questionnaire, answers)
    assert screen is not None and screen.id == "comment"  # no price asked of one who expects it as standard
    answers["service.install"] = "pay"
    assert next_screen(questionnaire, answers).id == "service.install.at.49.5"  # type: ignore[union-attr]
    answers["service.install.at.49.5"] = "no"
    assert next_screen(questionnaire, answers).id == "service.install.at.20"  # type: ignore[union-attr]
    answers["service.install.at.20"] = "yes"
    assert next_screen(questionnaire, answers).id == "comment"  # type: ignore[union-attr]
    derived = derive_indicators(questionnaire, {**answers, "unaided": "dont_know", "aided": ["acme"]}, [])
    assert derived["service_feature.install.pay"] == {"acme": 1}
    assert derived["service_feature.install.standard"] == {"acme": 0}
    assert derived["service_feature.install.wtp"] == {"acme": 20.0}
    declined = {**answers, "service.install.at.20": "no", "service.install.at.10": "no"}
    derived = derive_indicators(questionnaire, {**declined, "unaided": "dont_know", "aided": ["acme"]}, [])
    assert derived["service_feature.install.wtp"] == {"acme": 0.0}


@pytest.mark.parametrize(
    ("features", "field", "words"),
    [
        (
            [{"id": "a", "label": "a", "prices": [1, 2], "currency": "EUR"}],
            "service_features[0].prices",
            "3 to 8",
        ),
        (
            [{"id": "a", "label": "a", "prices": [1, 3, 2], "currency": "EUR"}],
            "service_features[0].prices",
            "rise",
        ),
        (
            [{"id": "a", "label": "a", "prices": [0, 1, 2], "currency": "EUR"}],
            "service_features[0].prices",
            "above 0",
        ),
        (
            [{"id": "a", "label": "a", "prices": [1, 2, 3], "currency": "euro"}],
            "service_features[0].currency",
            "EUR",
        ),
        ([{"id": "a", "label": "a", "prices": [1, 2, 3]}], "service_features[0]", "currency"),
        ([], "service_features", "1 to 10"),
    ],
)
def test_the_questionnaire_refuses_bad_service_features(features: Any, field: str, words: str) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        QuestionnaireConfig.from_dict(config_data(service_features=features))
    assert caught.value.field == field and words in caught.value.reason


def test_answers_are_read_by_the_service_analysis_but_are_no_figure() -> None:
    questionnaire = built({**VALUES, "service_features": FEATURES[:1]})
    base = {"unaided": "dont_know", "aided": ["acme"], "screener.age": "18-29"}
    people = [
        {**base, "service.install": "pay", "service.install.at.49.5": "yes"},
        {**base, "service.install": "not_needed"},
    ]
    inp = build_input(respondents(people), ["acme", "stride", "velo"], ["age"], questionnaire)
    assert list(inp.indicators[("service_feature.install.wtp", "acme")]) == [49.5, 0.0]
    options = StatisticsOptions()
    figures = estimate_figures(inp, weigh(inp, {"age": {"18-29": 1.0}}, options), options)
    assert figures and not [f for f in figures if f.metric.startswith("service_feature.")]


def test_simulated_respondents_answer_with_a_known_willingness_to_pay() -> None:
    feature = "install"
    median = service_wtp_median(feature)
    ladder = [median / 2, median, median * 2]
    said: dict[str, int] = {"standard": 0, "pay": 0, "not_needed": 0}
    yes = {p: 0 for p in ladder}
    n = 4000
    for i in range(n):
        person = SimulatedRespondent(f"p{i}", {}, {})
        walker = Walker(f"p{i}", "", person, {"acme": "Acme"}, "acme", "normal", 300.0, 0, False)
        rng = random.Random(i)
        fields = answer_page(
            PageForm(radios={"service.install": ["standard", "pay", "not_needed"]}), walker, rng
        )
        said[fields[0][1]] += 1
        for price in ladder:
            name = f"service.install.at.{price:g}"
            (answer,) = answer_page(PageForm(radios={name: ["yes", "no"]}), walker, rng)
            yes[price] += answer[1] == "yes"
            # the same person answers the same way every time
            assert answer_page(PageForm(radios={name: ["yes", "no"]}), walker, rng) == [answer]
    for code, chance in SERVICE_EXPECTATION.items():
        assert said[code] / n == pytest.approx(chance, abs=0.03)
    normal = statistics.NormalDist()
    for price in ladder:  # P(WTP ≥ p) of the lognormal
        truth = 1 - normal.cdf(math.log(price / median) / WTP_SIGMA)
        assert yes[price] / n == pytest.approx(truth, abs=0.03)


def _ladder_answers(feature: str, prices: list[float], wtp: float, expectation: str) -> dict[str, Any]:
    answers: dict[str, Any] = {f"service.{feature}": expectation}
    if expectation == "pay":
        for price in prices[::-1]:
            key = f"service.{feature}.at.{price:g}"
            answers[key] = "yes" if wtp >= price else "no"
            if wtp >= price:
                break
    return answers


def test_the_wave_insight_analyses_each_feature_among_customers_and_potential_customers() -> None:
    prices = [10.0, 20.0, 40.0, 80.0]
    features = [
        {"id": "install", "wording": "home installation", "cost": 12.0, "prices": prices, "currency": "EUR"},
        {"id": "evening", "wording": "evening support", "cost": 200.0, "prices": prices, "currency": "EUR"},
    ]
    values = {
        **VALUES,
        "language": "en",
        "category_wording": {"en": "sportswear"},
        "service_features": features,
    }
    questionnaire = built(values)
    rng = np.random.default_rng(4)
    ages = ["18-29", "30-44"]

    def answers(i: int) -> dict[str, Any]:
        status = "current" if i % 3 == 0 else "never"
        said: dict[str, Any] = {
            "unaided": "dont_know",
            "aided": ["acme"],
            "usage": {"acme": status},
            "screener.age": ages[i % 2],
        }
        for f in ("install", "evening"):
            expectation = str(rng.choice(["standard", "pay", "not_needed"], p=[0.2, 0.6, 0.2]))
            said |= _ladder_answers(f, prices, 30 * float(np.exp(rng.normal(0, 0.5))), expectation)
        return said

    people = respondents([answers(i) for i in range(300)], ages)
    inp = build_input(people, ["acme", "stride", "velo"], ["age"], questionnaire)
    asked = features_asked(features, questionnaire.config.to_dict())
    assert [f["cost"] for f in asked] == [12.0, 200.0] and asked[0]["prices"] == prices
    margins = {"age": {"18-29": 0.5, "30-44": 0.5}}
    insight = compute_insight(inp, ["acme", "stride", "velo"], margins, StatisticsOptions(), "acme", asked)
    found = insight["service"]
    assert insight["service_note"] is None and found["level"] == 0.95 and "Gabor–Granger" in found["method"]
    install, evening = found["features"]
    assert [b["base"] for b in install["bases"]] == ["all", "customer=current", "customer=non"]
    everyone = install["bases"][0]
    assert everyone["n"] == 300 and install["bases"][1]["n"] == 100 and install["bases"][2]["n"] == 200
    shares = [d["share"] for d in everyone["demand"]]
    assert shares == sorted(shares, reverse=True) and 0.4 < shares[0] < 0.65
    assert everyone["best_price_low"] <= everyone["best_price"] <= everyone["best_price_high"]
    assert everyone["best_price"] in (20.0, 40.0) and everyone["recommendation"] == "paid_add_on"
    assert evening["bases"][0]["recommendation"] == "do_not_promise"  # costs more than any buyer pays
    assert evening["bases"][0]["flip_probability"] == 0.0
    # a poll without service features: no analysis, said so
    plain = compute_insight(inp, ["acme", "stride", "velo"], margins, StatisticsOptions(), "acme", [])
    assert plain["service"] is None and plain["service_note"] == "the poll asks about no service features"
    # a version that asked none: the poll's features are not read into it
    assert features_asked(features, {"brands": []}) == []
