"""Category entry points in the questionnaire: a poll that names buying situations gets one pick-any screen per
situation after the image screens (the brands the respondent knows, or none), worded in the poll's language; its
answers become the ``entry_point.<id>`` indicators mental availability reads, never a published figure. A poll
without them keeps exactly the questionnaire (and version) it had before the module existed."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from panels.simulated.respondents import SimulatedRespondent
from panels.simulated.taker import PageForm
from panels.simulated.walkers import Walker, answer_page
from recognition.figures import StatisticsOptions
from recognition.questionnaire import QuestionnaireConfig, QuestionnaireError, derive_indicators
from recognition.questionnaire.versions import comparability_changes, version_key
from recognition.waves.compute import estimate_figures, weigh
from recognition.waves.inputs import build_input
from recognition.waves.insight import mental
from tests.unit.poll_support import KEY_WITHOUT_MODULES, VALUES, built, config_data, respondents

ENTRY_POINTS = [
    {"id": "run", "wording": {"en": "for a run", "de": "für einen Lauf"}},
    {"id": "commute", "wording": {"en": "on the way to work", "de": "auf dem Weg zur Arbeit"}},
]


def test_a_poll_without_entry_points_keeps_its_questionnaire_and_version() -> None:
    questionnaire = built(VALUES)
    assert version_key(questionnaire) == KEY_WITHOUT_MODULES
    assert "entry_points" not in questionnaire.config.to_dict()
    assert not [s for s in questionnaire.screens if s.module == "entry_points"]
    assert version_key(built({**VALUES, "entry_points": None})) == KEY_WITHOUT_MODULES


def test_one_pick_any_screen_per_situation_after_image_in_the_polls_language() -> None:
    questionnaire = built({**VALUES, "entry_points": ENTRY_POINTS})
    ids = [s.id for s in questionnaire.screens]
    assert ids.index("entry_point.run") > max(i for i, s in enumerate(ids) if s.startswith("image."))
    assert ids.index("entry_point.commute") == ids.index("entry_point.run") + 1
    assert ids.index("consideration") == ids.index("entry_point.commute") + 1
    question = questionnaire.question("entry_point.commute")
    assert question.type == "multi" and question.randomise
    assert question.prompt == (
        "Wenn Sie an Sportbekleidung auf dem Weg zur Arbeit denken: Welche dieser Marken fallen Ihnen ein?"
    )
    assert question.brand_filter is not None and question.brand_filter.question_id == "aided"
    assert [o.code for o in question.options] == ["acme", "stride", "velo", "none"]
    assert question.options[-1].exclusive and question.options[-1].label == "Keine davon"
    english = built(
        {**VALUES, "language": "en", "category_wording": {"en": "sportswear"}, "entry_points": ENTRY_POINTS}
    )
    assert english.question("entry_point.run").prompt == (
        "Thinking of sportswear for a run: which of these brands come to mind?"
    )
    # part of the version: adding the situations is a change, named as such
    assert version_key(questionnaire) != KEY_WITHOUT_MODULES
    assert sorted(comparability_changes(built(VALUES), questionnaire)) == [
        "question 'entry_point.commute' added",
        "question 'entry_point.run' added",
    ]
    # the stored definition carries them and reads back the same
    stored = questionnaire.config.to_dict()
    assert stored["entry_points"][1] == {"id": "commute", "label": "auf dem Weg zur Arbeit"}
    assert QuestionnaireConfig.from_dict(stored) == questionnaire.config


@pytest.mark.parametrize(
    ("entry_points", "field", "words"),
    [
        ([{"id": "run", "label": "for a run"}], "entry_points", "1 given"),
        ([{"id": "Run!", "label": "a"}, {"id": "b", "label": "b"}], "entry_points[0].id", "not an id"),
        ([{"id": "a", "label": "a"}, {"id": "a", "label": "b"}], "entry_points[1].id", "listed twice"),
        ([{"id": "a", "label": "a"}, {"id": "b", "label": "x" * 201}], "entry_points[1].label", "too long"),
        ([{"id": "a", "label": " "}, {"id": "b", "label": "b"}], "entry_points[0].label", "non-empty"),
        ([{"id": f"e{i}", "label": "x"} for i in range(16)], "entry_points", "2 to 15"),
    ],
)
def test_the_questionnaire_refuses_bad_entry_points(entry_points: Any, field: str, words: str) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        QuestionnaireConfig.from_dict(config_data(entry_points=entry_points))
    assert caught.value.field == field and words in caught.value.reason


def test_a_situation_not_worded_in_the_polls_language_is_named() -> None:
    english_only = [{"id": "run", "wording": {"en": "for a run"}}, ENTRY_POINTS[1]]
    with pytest.raises(QuestionnaireError) as caught:
        built({**VALUES, "entry_points": english_only})
    assert caught.value.field == "entry_points[0].wording" and "German" in caught.value.reason


def test_answers_become_indicators_for_mental_availability_but_no_figure() -> None:
    questionnaire = built({**VALUES, "entry_points": ENTRY_POINTS})
    base = {"unaided": "dont_know", "aided": ["acme", "stride"], "screener.age": "18-29"}
    people = [
        {**base, "entry_point.run": ["acme", "stride"], "entry_point.commute": ["none"]},
        {**base, "entry_point.run": ["acme"], "entry_point.commute": ["stride"]},
        {**base, "aided": ["none"]},  # aware of no brand: never asked, links nothing
    ]
    derived = derive_indicators(questionnaire, people[0], [])
    assert derived["entry_point.run"] == {"acme": 1, "stride": 1, "velo": 0}
    assert derived["entry_point.commute"] == {"acme": 0, "stride": 0, "velo": 0}
    inp = build_input(respondents(people), ["acme", "stride", "velo"], ["age"], questionnaire)
    assert np.array_equal(inp.indicators[("entry_point.commute", "stride")], [0, 1, 0])
    options = StatisticsOptions()
    result = weigh(inp, {"age": {"18-29": 1.0}}, options)
    assert not [f for f in estimate_figures(inp, result, options) if f.metric.startswith("entry_point.")]
    assert any(f.metric == "aided" for f in estimate_figures(inp, result, options))
    found, note = mental(inp, ["acme", "stride", "velo"], result.design, 0.95)
    assert note is None and found is not None and found["entry_points"] == 2
    shares = {b["brand"]: b["mental_market_share"]["estimate"] for b in found["brands"]}
    assert shares == pytest.approx({"acme": 0.5, "stride": 0.5, "velo": 0.0})


def test_simulated_respondents_link_the_brands_they_know_and_like_more_often() -> None:
    person = SimulatedRespondent(
        "p1", {}, {"aided": ["acme", "stride"], "consider": ["acme"], "preference": "acme"}
    )
    walker = Walker("p1", "", person, {"acme": "Acme", "stride": "Stride"}, "acme", "normal", 300.0, 0, False)
    form = PageForm(
        checkboxes={"entry_point.run": ["stride", "acme", "none"]}
    )  # the brands offered: those known
    rng = random.Random(5)
    picks = [dict.fromkeys(v for _, v in answer_page(form, walker, rng)) for _ in range(2000)]
    share = {code: sum(code in p for p in picks) / len(picks) for code in ("acme", "stride", "none")}
    assert share["acme"] > share["stride"] + 0.3 and share["stride"] > 0.05 and share["none"] > 0.05
    assert all(("none" in p) == (len(p) == 1 and "none" in p) for p in picks)  # "none" only on its own
