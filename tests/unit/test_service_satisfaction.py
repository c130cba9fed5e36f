"""Service satisfaction: a poll that names service dimensions asks, per dimension, how satisfied the respondent is
with each brand they have used (customers of the own brand and potential customers who dealt with a competitor);
the share dissatisfied, ``service.dissatisfied.<dimension>``, is a published figure whose base is the brand's
raters, and an objective "at most 10% dissatisfied with delivery times" is judged on it like any other."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from panels.simulated.respondents import SimulatedRespondent
from panels.simulated.taker import PageForm
from panels.simulated.walkers import Walker, answer_page, dissatisfied_chance
from recognition.alerts.objectives import evaluate, figure_of
from recognition.figures import StatisticsOptions
from recognition.labels import metric_name, metric_namer
from recognition.polls.checks import check_objective
from recognition.polls.model import Objective, Poll
from recognition.questionnaire import QuestionnaireError, derive_indicators
from recognition.questionnaire.versions import version_key
from recognition.store.responses import StoredRespondent
from recognition.waves.compute import estimate_figures, weigh
from recognition.waves.inputs import build_input
from tests.unit.poll_support import BRANDS, KEY_WITHOUT_MODULES, VALUES, built, respondents

DIMENSIONS = ["delivery_times", "staff", {"id": "returns", "label": {"de": "Rückgabe", "en": "returns"}}]


def test_one_grid_per_dimension_over_the_brands_used() -> None:
    assert version_key(built({**VALUES, "service_satisfaction": None})) == KEY_WITHOUT_MODULES
    questionnaire = built({**VALUES, "service_satisfaction": DIMENSIONS})
    ids = [s.id for s in questionnaire.screens]
    start = ids.index("competitor_reason") + 1
    assert ids[start : start + 3] == [
        "satisfaction.delivery_times",
        "satisfaction.staff",
        "satisfaction.returns",
    ]
    question = questionnaire.question("satisfaction.delivery_times")
    assert question.prompt == "Wie zufrieden sind Sie mit diesen Marken in Bezug auf: Lieferzeiten?"
    assert question.brand_filter is not None and question.brand_filter.name == "used_brands"
    assert [o.code for o in question.options][-2:] == ["dissatisfied", "very_dissatisfied"]
    assert questionnaire.question("satisfaction.returns").prompt.endswith("Rückgabe?")
    english = built(
        {**VALUES, "language": "en", "category_wording": {"en": "x"}, "service_satisfaction": DIMENSIONS}
    )
    assert english.question("satisfaction.staff").prompt == (
        "How satisfied are you with these brands on: Helpful and courteous staff?"
    )
    with pytest.raises(QuestionnaireError) as caught:
        built({**VALUES, "service_satisfaction": ["speed"]})
    assert caught.value.field == "service_satisfaction[0]" and "give it a label" in caught.value.reason
    with pytest.raises(QuestionnaireError) as caught:
        built({**VALUES, "service_satisfaction": ["staff", {"id": "returns", "label": {"en": "returns"}}]})
    assert caught.value.field == "service_satisfaction[1].label" and "German" in caught.value.reason


def _rows(n: int, rng: np.random.Generator) -> list[StoredRespondent]:
    def answers(i: int) -> dict[str, Any]:
        used = ["acme"] if i % 2 == 0 else ["stride"]
        grid = {b: ("dissatisfied" if rng.random() < 0.3 else "satisfied") for b in used}
        return {
            "unaided": "dont_know",
            "aided": ["acme", "stride"],
            "screener.age": "18-29",
            "usage": {b: "current" for b in used},
            "satisfaction.delivery_times": grid,
        }

    return respondents([answers(i) for i in range(n)])


def test_the_share_dissatisfied_is_a_figure_among_the_raters_and_objectives_judge_it() -> None:
    questionnaire = built({**VALUES, "service_satisfaction": ["delivery_times"]})
    derived = derive_indicators(
        questionnaire,
        {
            "unaided": "dont_know",
            "aided": ["acme"],
            "satisfaction.delivery_times": {"acme": "very_dissatisfied"},
        },
        [],
    )
    assert derived["service.dissatisfied.delivery_times"] == {"acme": 1}
    rows = _rows(400, np.random.default_rng(2))
    inp = build_input(rows, ["acme", "stride", "velo"], ["age"], questionnaire)
    options = StatisticsOptions()
    figures = estimate_figures(inp, weigh(inp, {"age": {"18-29": 1.0}}, options), options)
    by_key = {(f.metric, f.brand, f.segment, f.base): f for f in figures}
    acme = by_key[("service.dissatisfied.delivery_times", "acme", "all", "total")]
    raters = [r for r in rows if "acme" in r.answers["satisfaction.delivery_times"]]
    share = np.mean([r.answers["satisfaction.delivery_times"]["acme"] == "dissatisfied" for r in raters])
    assert acme.n == len(raters) == 200 and acme.estimate == pytest.approx(share)
    assert acme.ci_low is not None and acme.ci_low < share < acme.ci_high  # type: ignore[operator]
    assert ("service.dissatisfied.delivery_times", "velo", "all", "total") not in by_key  # nobody used it
    assert metric_name(acme.metric) == "Dissatisfied with the service: Delivery times"
    assert metric_name(acme.metric, "de") == "Unzufrieden mit dem Service: Lieferzeiten"
    # "no more than 10% dissatisfied with delivery times": breached at about 30%; a 60% limit is on track
    limit = Objective(1, 1, acme.metric, "acme", "all", 0.1, "at_most", "delivery", datetime.now(UTC))
    assert evaluate(limit, figure_of(limit, by_key), 7).status == "breached"
    loose = Objective(2, 1, acme.metric, "acme", "all", 0.6, "at_most", "delivery", datetime.now(UTC))
    assert evaluate(loose, figure_of(loose, by_key), 7).status == "on_track"


def test_an_objective_names_a_dimension_the_poll_asks() -> None:
    poll = Poll(
        id=1,
        organisation_id=1,
        name="p",
        category="sportswear",
        own_brand="acme",
        brands=BRANDS,
        population="us",
        sample_size=100,
        cost_per_complete=1.0,
        budget=None,
        schedule={},
        provider="simulated",
        questionnaire_version=1,
        status="active",
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
        service_satisfaction=["delivery_times"],
    )
    good = {
        "metric": "service.dissatisfied.delivery_times",
        "brand": "acme",
        "threshold": 0.1,
        "direction": "at_most",
    }
    assert check_objective(poll, good) == []
    errors = check_objective(poll, {**good, "metric": "service.dissatisfied.staff"})
    assert [e.field for e in errors] == ["metric"] and "asks: delivery_times" in errors[0].message


def test_simulated_customers_are_dissatisfied_at_a_known_rate() -> None:
    person = SimulatedRespondent("p1", {}, {})
    walker = Walker("p1", "", person, {"acme": "Acme"}, "acme", "normal", 300.0, 0, False)
    form = PageForm(
        radios={
            "satisfaction.delivery_times:acme": [
                "very_satisfied",
                "satisfied",
                "neutral",
                "dissatisfied",
                "very_dissatisfied",
            ]
        }
    )
    rng = random.Random(3)
    said = [answer_page(form, walker, rng)[0][1] for _ in range(4000)]
    share = np.mean([s in ("dissatisfied", "very_dissatisfied") for s in said])
    assert share == pytest.approx(dissatisfied_chance("delivery_times", "acme"), abs=0.02)


def test_dimensions_read_in_the_pages_language_and_the_marketers_own_in_her_words() -> None:
    satisfaction = [
        "ease_of_purchase",
        "staff",
        {"id": "returns", "label": {"en": "easy returns", "de": "einfache Rückgabe"}},
        {"id": "hotline", "label": "Hotline-Erreichbarkeit"},
    ]
    en, de = metric_namer("en", satisfaction), metric_namer("de", satisfaction)
    prefix = "service.dissatisfied."
    assert en(prefix + "ease_of_purchase") == "Dissatisfied with the service: Ease of purchase"
    assert de(prefix + "ease_of_purchase") == "Unzufrieden mit dem Service: Einfacher Kauf"
    assert de(prefix + "staff") == "Unzufrieden mit dem Service: Hilfsbereites und freundliches Personal"
    assert en(prefix + "returns") == "Dissatisfied with the service: easy returns"
    assert de(prefix + "returns") == "Unzufrieden mit dem Service: einfache Rückgabe"
    assert en(prefix + "hotline") == "Dissatisfied with the service: Hotline-Erreichbarkeit"  # worded once
    assert (
        de(prefix + "no_such_thing") == "Unzufrieden mit dem Service: no such thing"
    )  # spelt out, never lost
    assert de("aided") == "Gestützte Bekanntheit"
