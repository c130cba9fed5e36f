"""Questionnaire model: config validation, languages, order, conditions, versions, randomisation, answers,
indicators."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import string
import subprocess
import sys
import tomllib
from typing import Any

import pytest

from recognition.errors import UserError
from recognition.questionnaire import (
    DEFAULT_ATTRIBUTES,
    OPTIONAL_MODULES,
    TEXTS,
    AnswerError,
    Brand,
    Question,
    Questionnaire,
    QuestionnaireConfig,
    QuestionnaireError,
    build,
    can_revisit,
    comparability_changes,
    customer_status,
    derive_indicators,
    indicator_names,
    is_shown,
    next_screen,
    nps_score,
    randomise,
    screens_remaining,
    shown_questions,
    validate_answer,
    version_key,
    visible_options,
    visible_rows,
)
from recognition.resources import resource_dir


def margins(country: str) -> dict[str, dict[str, float]]:
    with open(resource_dir("config") / "populations" / f"{country}.toml", "rb") as fh:
        return tomllib.load(fh)["margins"]


US = margins("us")

BASE: dict[str, Any] = {
    "brands": [
        {
            "id": "acme",
            "name": "Acmeflex",
            "aliases": ["acme flex"],
            "own": True,
            "logo_url": "https://x.test/a.png",
        },
        {"id": "bolt", "name": "Boltwerk", "aliases": ["bolt werk"]},
        {"id": "cirrus", "name": "Cirrusoles"},
        {"id": "dyna", "name": "Dynamorun"},
    ],
    "category": "running shoes",
    "language": "en",
    "unaided_boxes": 3,
}


def config(**changes: Any) -> QuestionnaireConfig:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return QuestionnaireConfig.from_dict(data)


def questionnaire(**changes: Any) -> Questionnaire:
    return build(config(**changes), US)


# --- configuration ------------------------------------------------------------------------------------------


def _brands_with(index: int, **fields: Any) -> list[dict[str, Any]]:
    brands = copy.deepcopy(BASE["brands"])
    brands[index].update(fields)
    return brands


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"brands": _brands_with(2, id="acme")}, "brands[2].id: 'acme' is listed twice"),
        ({"brands": _brands_with(3, name="acmeflex")}, "brands[3].name: 'acmeflex' is listed twice"),
        ({"brands": _brands_with(0, own=False)}, "brands: no own brand"),
        ({"brands": _brands_with(1, own=True)}, "brands[1].own: only one brand can be the own brand"),
        ({"brands": _brands_with(1, id="Bolt!")}, "brands[1].id: 'Bolt!' is not an id"),
        ({"brands": _brands_with(1, id="none")}, "brands[1].id: 'none' is reserved"),
        ({"brands": _brands_with(1, name="  ")}, "brands[1].name: required"),
        ({"brands": _brands_with(1, logo_url="ftp://x")}, "brands[1].logo_url:"),
        ({"brands": _brands_with(1, colour="red")}, "brands[1].colour: unknown field"),
        ({"brands": BASE["brands"][:1]}, "brands: 1 given"),
        (
            {"brands": [{"id": f"b{i}", "name": f"B{i}", "own": i == 0} for i in range(31)]},
            "brands: 31 given",
        ),
        ({"modules": ["image", "poll"]}, "modules[1]: unknown module 'poll'"),
        ({"language": "fr"}, "language: unknown language 'fr'"),
        ({"category": ""}, "category: required"),
        ({"unaided_boxes": 0}, "unaided_boxes: must be a whole number"),
        ({"unaided_boxes": True}, "unaided_boxes: must be a whole number"),
        ({"attributes": ["product_quality", "fit"]}, "attributes[1]: 'fit' is not a default attribute"),
        (
            {"attributes": ["staff", {"id": "staff", "label": "Staff"}]},
            "attributes[1]: 'staff' is listed twice",
        ),
        (
            {"weighting_variables": ["age", "income"]},
            "weighting_variables[1]: no screener question for 'income'",
        ),
        ({"colour": "red"}, "colour: unknown field"),
    ],
)
def test_config_errors_name_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(QuestionnaireError) as info:
        config(**changes)
    assert str(info.value).startswith(message), str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, UserError)


def test_config_round_trip_and_defaults() -> None:
    cfg = config(attributes=["staff", {"id": "fit", "label": "Good fit"}], modules=["image", "comment"])
    assert QuestionnaireConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.modules == ("image", "comment")
    assert cfg.module_on("aided") and not cfg.module_on("familiarity")
    assert cfg.own_brand.id == "acme"
    default = config()
    assert [a.id for a in default.attributes] == list(DEFAULT_ATTRIBUTES)
    assert default.modules == OPTIONAL_MODULES


def test_direct_construction_is_validated() -> None:
    with pytest.raises(QuestionnaireError, match="no own brand"):
        QuestionnaireConfig(brands=(Brand("a", "A"), Brand("b", "B")), category="tea")


# --- languages ----------------------------------------------------------------------------------------------


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_fixed_string_exists_in_english_and_german() -> None:
    en, de = TEXTS["en"], TEXTS["de"]
    assert set(en) - set(de) == set(), "missing in German"
    assert set(de) - set(en) == set(), "missing in English"
    for key in en:
        assert en[key].strip() and de[key].strip(), key
        assert _placeholders(en[key]) == _placeholders(de[key]), key


@pytest.mark.parametrize("country", ["us", "de", "uk"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_builds_in_both_languages_for_every_population(country: str, language: str) -> None:
    variables = ["age", "gender", "region", "education"] + (["land"] if country == "de" else [])
    q = build(config(language=language, weighting_variables=variables), margins(country))
    texts = [t for qu in q.questions for t in (qu.prompt, qu.note, *(o.label for o in qu.options + qu.rows))]
    assert all("{" not in t for t in texts), "unfilled placeholder"
    catalogue = set(TEXTS[language].values())
    assert q.question("attention_check").options[0].label in catalogue
    for variable in ("age", "gender", "education"):
        for option in q.question(f"screener.{variable}").options:
            assert option.label in catalogue, (variable, option.code)


def test_german_questionnaire_is_german() -> None:
    en, de = questionnaire(), questionnaire(language="de")
    assert de.question("aided").prompt.startswith("Welche dieser Marken im Bereich running shoes")
    assert de.question("aided").options[-1].label == "Keine davon"
    assert all(a.prompt != b.prompt for a, b in zip(en.questions, de.questions, strict=True))


# --- structure and order ------------------------------------------------------------------------------------


def test_modules_in_methods_order() -> None:
    q = questionnaire()
    assert [s.id for s in q.screens] == [
        "screener",
        "unaided",
        "aided",
        "usage",
        "familiarity",
        *(f"image.{a}" for a in DEFAULT_ATTRIBUTES),
        "consideration",
        "preference",
        "recommendation",
        "competitor_reason",
        "comment",
        "attention_check",
    ]
    assert [qu.id for qu in q.screens[0].questions] == [
        "screener.age",
        "screener.gender",
        "screener.region",
        "screener.education",
        "screener.category_use",
    ]
    assert q.attention_check == ("attention_check", "disagree")
    assert "Disagree" in q.question("attention_check").prompt


def _screen_texts(screen: Any) -> str:
    parts = []
    for qu in screen.questions:
        parts += [qu.prompt, qu.note, *(o.label for o in qu.options + qu.rows), *(o.code for o in qu.options)]
    return " ".join(parts).casefold()


@pytest.mark.parametrize("language", ["en", "de"])
def test_nothing_brand_specific_before_unaided(language: str) -> None:
    q = questionnaire(language=language)
    words = [w.casefold() for b in BASE["brands"] for w in (b["id"], b["name"], *b.get("aliases", []))]
    unaided_at = [s.id for s in q.screens].index("unaided")
    for screen in q.screens[: unaided_at + 1]:
        assert not screen.shows_brands
        assert not any(w in _screen_texts(screen) for w in words), screen.id
    # the scan can fail: brand names are on the aided screen, which is the first screen flagged as naming brands
    assert "acmeflex" in _screen_texts(q.screen("aided"))
    assert [s.shows_brands for s in q.screens].index(True) == unaided_at + 1
    assert "Acmeflex" in q.question("competitor_reason").prompt


@pytest.mark.parametrize("country", ["us", "de", "uk"])
def test_screener_codes_are_the_raking_target_labels(country: str) -> None:
    population = margins(country)
    q = build(config(), population)
    for variable in ("age", "gender", "region", "education"):
        assert [o.code for o in q.question(f"screener.{variable}").options] == list(population[variable])


def test_missing_margin_is_an_error() -> None:
    partial = {k: v for k, v in US.items() if k != "education"}
    with pytest.raises(QuestionnaireError, match=r"^population_margins\.education: missing"):
        build(config(), partial)


def test_optional_modules_can_be_switched_off_but_core_stays() -> None:
    q = questionnaire(modules=["screener", "preference"])
    assert [s.module for s in q.screens] == ["screener", "unaided", "aided", "screener", "preference"]
    assert q.attention_check is None
    custom = questionnaire(attributes=["staff", {"id": "fit", "label": "Good fit"}], modules=["image"])
    assert [s.id for s in custom.screens if s.module == "image"] == ["image.staff", "image.fit"]
    assert "“Good fit”" in custom.question("image.fit").prompt


def test_unaided_has_the_configured_boxes_and_dont_know() -> None:
    unaided = questionnaire(unaided_boxes=4).question("unaided")
    assert unaided.type == "text-list" and unaided.boxes == 4
    assert [(o.code, o.exclusive) for o in unaided.options] == [("dont_know", True)]


# --- conditions and flow ------------------------------------------------------------------------------------

SCREENER = {
    "screener.age": "25-34",
    "screener.gender": "female",
    "screener.region": "West",
    "screener.education": "bachelors_plus",
    "screener.category_use": "recent",
}


def test_brand_filters_follow_earlier_answers() -> None:
    q = questionnaire()
    answers: dict[str, Any] = {**SCREENER, "unaided": ["acme"], "aided": ["acme", "cirrus"]}
    image = q.question("image.staff")
    assert [r.code for r in visible_rows(image, answers)] == ["acme", "cirrus"]
    assert [o.code for o in visible_options(q.question("consideration"), answers)] == [
        "acme",
        "cirrus",
        "none",
    ]
    answers["usage"] = {"acme": "never", "cirrus": "lapsed"}
    assert [r.code for r in visible_rows(q.question("recommendation"), answers)] == ["cirrus"]
    assert not is_shown(
        q.question("recommendation"), {**answers, "usage": {"acme": "never", "cirrus": "never"}}
    )
    none = {**SCREENER, "unaided": "dont_know", "aided": ["none"]}
    assert not any(
        is_shown(q.question(i), none) for i in ("usage", "familiarity", "image.staff", "preference")
    )


@pytest.mark.parametrize(
    ("category_use", "own_status", "shown"),
    [
        ("recent", "current", False),
        ("recent", "lapsed", True),
        ("recent", "never", True),
        ("recent", None, True),  # not aware of the own brand: never asked, a non-customer
        ("earlier", "lapsed", False),
        ("never", None, False),
    ],
)
def test_competitor_reason_only_for_category_users_who_are_not_customers(
    category_use: str, own_status: str | None, shown: bool
) -> None:
    q = questionnaire()
    usage = {"bolt": "current"} | ({"acme": own_status} if own_status else {})
    answers = {**SCREENER, "screener.category_use": category_use, "aided": ["acme", "bolt"], "usage": usage}
    reason = q.question("competitor_reason")
    assert {c.name for c in reason.conditions} == {"category_user", "non_customer"}
    assert is_shown(reason, answers) is shown


def _answer_screen(q: Questionnaire, screen_id: str, answers: dict[str, Any], script: dict[str, Any]) -> None:
    for question in shown_questions(q.screen(screen_id), answers):
        answers[question.id] = validate_answer(question, script[question.id], answers)


def test_walk_through_with_progress() -> None:
    q = questionnaire()
    script: dict[str, Any] = {
        **SCREENER,
        "unaided": ["Acme flex", "", "something else"],
        "aided": ["bolt", "acme"],
        "usage": {"acme": "lapsed", "bolt": "current"},
        "familiarity": {"acme": "very_well", "bolt": "a_little"},
        **{f"image.{a}": {"acme": "yes", "bolt": "no"} for a in DEFAULT_ATTRIBUTES},
        "consideration": ["acme"],
        "preference": "bolt",
        "recommendation": {"acme": "3", "bolt": "9"},
        "competitor_reason": ["price", "other"],
        "comment": "",
        "attention_check": "disagree",
    }
    answers: dict[str, Any] = {}
    seen, remaining = [], []
    while (screen := next_screen(q, answers)) is not None:
        seen.append(screen.id)
        remaining.append(screens_remaining(q, answers))
        _answer_screen(q, screen.id, answers, script)
    assert seen == [s.id for s in q.screens]
    assert remaining == list(range(len(q.screens), 0, -1))
    assert screens_remaining(q, answers) == 0
    assert answers["unaided"] == ["Acme flex", "something else"]
    assert answers["recommendation"] == {"acme": 3, "bolt": 9}
    assert answers["comment"] == []


def test_progress_drops_when_respondent_knows_no_brand() -> None:
    q = questionnaire()
    answers: dict[str, Any] = {**SCREENER, "unaided": "dont_know"}
    before = screens_remaining(q, answers)
    assert before == len(q.screens) - 2
    answers["aided"] = ["none"]
    # usage, familiarity, 6 image screens, consideration, preference and recommendation fall away
    assert screens_remaining(q, answers) == before - 1 - 11
    assert next_screen(q, answers).id == "competitor_reason"  # type: ignore[union-attr]


def test_unaided_is_locked_once_brands_were_shown() -> None:
    q = questionnaire()
    assert not can_revisit(q, "unaided", ["screener"])  # not shown yet: nothing to revisit
    assert can_revisit(q, "unaided", ["screener", "unaided"])
    assert not can_revisit(q, "unaided", ["screener", "unaided", "aided"])
    assert can_revisit(q, "screener", ["screener", "unaided", "aided"])
    assert can_revisit(q, "aided", ["screener", "unaided", "aided", "usage"])
    answers = {**SCREENER, "unaided": ["x"], "aided": ["acme"]}
    assert not can_revisit(q, "unaided", answers)
    assert can_revisit(q, "unaided", {**SCREENER, "unaided": ["x"]})
    # an unaided answer that is missing after the brand list was shown is never asked late
    assert next_screen(q, {**SCREENER, "aided": ["acme"]}).id == "usage"  # type: ignore[union-attr]


# --- versions -----------------------------------------------------------------------------------------------


def test_version_key_stable_under_cosmetic_change() -> None:
    q = questionnaire()
    assert version_key(q) == version_key(questionnaire())
    assert len(version_key(q)) == 64
    brands = _brands_with(0, logo_url="https://cdn.test/new.svg")
    brands[1]["aliases"] = ["bolt", "boltwerk shoes"]
    brands.reverse()
    cosmetic = questionnaire(brands=brands)
    assert version_key(cosmetic) == version_key(q)
    assert comparability_changes(q, cosmetic) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"category": "trail shoes"}, ["category wording changed: 'running shoes' → 'trail shoes'"]),
        (
            {"brands": _brands_with(1, name="Boltwerk Pro")},
            ["brand 'bolt' renamed: 'Boltwerk' → 'Boltwerk Pro'"],
        ),
        ({"brands": [*BASE["brands"], {"id": "eon", "name": "Eon"}]}, ["brand added: 'eon'"]),
        ({"brands": BASE["brands"][:3]}, ["brand removed: 'dyna'"]),
        (
            {"brands": [{**b, "own": b["id"] == "bolt"} for b in BASE["brands"]]},
            ["own brand changed: 'acme' → 'bolt'"],
        ),
        (
            {"attributes": [*DEFAULT_ATTRIBUTES[:5], {"id": "trustworthiness", "label": "Reliability"}]},
            ["attribute 'trustworthiness' relabelled: 'Trustworthiness' → 'Reliability'"],
        ),
        ({"attributes": list(DEFAULT_ATTRIBUTES[:5])}, ["attribute removed: 'trustworthiness'"]),
        ({"attributes": list(reversed(DEFAULT_ATTRIBUTES))}, ["attribute order changed"]),
        ({"modules": [m for m in OPTIONAL_MODULES if m != "image"]}, ["module 'image' switched off"]),
        ({"language": "de"}, ["language changed: en → de"]),
        ({"unaided_boxes": 5}, ["unaided boxes changed: 3 → 5"]),
    ],
)
def test_comparability_changes(changes: dict[str, Any], expected: list[str]) -> None:
    old, new = questionnaire(), questionnaire(**changes)
    assert version_key(old) != version_key(new)
    assert comparability_changes(old, new) == expected


def test_changed_population_levels_change_the_version() -> None:
    old = questionnaire()
    regions = {"North": 0.5, "South": 0.5}
    new = build(config(), {**US, "region": regions})
    assert version_key(old) != version_key(new)
    assert comparability_changes(old, new) == ["question 'screener.region': options changed"]


# --- randomisation ------------------------------------------------------------------------------------------


def test_randomisation_is_reproducible_and_a_permutation() -> None:
    q = questionnaire()
    first = randomise(q, "respondent-17")
    assert first == randomise(q, "respondent-17")
    assert set(first) == {qu.id for qu in q.questions if qu.randomise}
    assert {"aided", "consideration", "image.staff", "recommendation"} <= set(first)
    for qid, order in first.items():
        question = q.question(qid)
        items = question.rows or question.options
        assert sorted(order) == sorted(o.code for o in items), qid
    aided_orders = [tuple(randomise(q, seed)["aided"]) for seed in range(60)]
    assert all(order[-1] == "none" for order in aided_orders)
    assert len(set(aided_orders)) > 10
    assert all(randomise(q, s)["competitor_reason"][-2:] == ["other", "dont_know"] for s in range(20))
    answers = {"aided": ["acme", "bolt", "cirrus", "dyna"]}
    shown = [o.code for o in visible_options(q.question("aided"), answers, first["aided"])]
    assert shown == first["aided"]


def test_randomisation_does_not_depend_on_the_process() -> None:
    code = (
        "import tomllib, json, sys\n"
        "from recognition.questionnaire import build, randomise, QuestionnaireConfig\n"
        "cfg = QuestionnaireConfig.from_dict(json.loads(sys.argv[1]))\n"
        "m = tomllib.load(open(sys.argv[2], 'rb'))['margins']\n"
        "print(json.dumps(randomise(build(cfg, m), 'seed-1')))\n"
    )
    path = str(resource_dir("config") / "populations" / "us.toml")
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", code, json.dumps(BASE), path],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.add(run.stdout)
    assert outputs == {json.dumps(randomise(questionnaire(), "seed-1")) + "\n"}


# --- answers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "qid", "value", "message"),
    [
        ("en", "preference", "", "Please choose one option."),
        ("de", "preference", "", "Bitte wählen Sie eine Antwort aus."),
        ("en", "screener.age", "17", "Please choose one of the options shown."),
        ("en", "aided", [], "Please choose at least one option."),
        ("en", "aided", ["acme", "none"], "“None of these” cannot be combined with other answers."),
        (
            "de",
            "aided",
            ["acme", "none"],
            "„Keine davon“ kann nicht mit anderen Antworten kombiniert werden.",
        ),
        ("en", "unaided", ["", " "], "Please enter at least one answer or choose “Don't know”."),
        ("en", "unaided", ["a", "b", "c", "d"], "Please use at most 3 boxes."),
        ("en", "unaided", ["x" * 201], "Please keep each answer under 200 characters."),
        ("en", "recommendation", {"acme": "11"}, "Please enter a number from 0 to 10."),
        ("de", "recommendation", {"acme": "gut"}, "Bitte geben Sie eine Zahl von 0 bis 10 ein."),
        ("en", "image.staff", {"acme": "maybe"}, "Please choose one of the options shown."),
        ("en", "image.staff", {"zzz": "yes"}, "Please choose one of the options shown."),
        ("en", "image.staff", {}, "Please give an answer on every line."),
    ],
)
def test_answer_errors_in_the_respondents_language(language: str, qid: str, value: Any, message: str) -> None:
    question = questionnaire(language=language).question(qid)
    with pytest.raises(AnswerError) as info:
        validate_answer(question, value)
    assert info.value.reason == message
    assert info.value.field == qid


def test_answers_are_cleaned() -> None:
    q = questionnaire()
    assert validate_answer(q.question("aided"), ["dyna", "acme", "dyna"]) == ["acme", "dyna"]
    assert validate_answer(q.question("aided"), "none") == ["none"]
    assert validate_answer(q.question("unaided"), [" ", " Acme ", "bolt "]) == ["Acme", "bolt"]
    assert validate_answer(q.question("unaided"), "dont_know") == "dont_know"
    assert validate_answer(q.question("image.staff"), {"acme": True, "bolt": "no"}) == {
        "acme": "yes",
        "bolt": "no",
    }
    assert validate_answer(q.question("screener.age"), " 65+ ") == "65+"
    assert validate_answer(q.question("comment"), ["  "]) == []
    assert validate_answer(q.question("comment"), "Great shoes") == ["Great shoes"]
    number = Question("household", "number", "How many?", "en", minimum=1, maximum=12)
    assert validate_answer(number, "4") == 4
    with pytest.raises(AnswerError, match="from 1 to 12"):
        validate_answer(number, 13)
    with pytest.raises(AnswerError, match="from 1 to 12"):
        validate_answer(number, True)


def test_answers_limited_to_what_was_shown() -> None:
    q = questionnaire()
    answers = {**SCREENER, "aided": ["acme", "bolt"]}
    with pytest.raises(AnswerError, match="options shown"):
        validate_answer(q.question("preference"), "dyna", answers)
    assert validate_answer(q.question("preference"), "bolt", answers) == "bolt"
    with pytest.raises(AnswerError, match="every line"):
        validate_answer(q.question("image.staff"), {"acme": "yes"}, answers)
    with pytest.raises(AnswerError, match="every line"):
        validate_answer(q.question("image.staff"), {"acme": "yes", "bolt": ""}, answers)
    assert validate_answer(q.question("image.staff"), {"acme": "yes", "bolt": "no"}, answers) == {
        "acme": "yes",
        "bolt": "no",
    }


# --- indicators ---------------------------------------------------------------------------------------------

BRANDS = ("acme", "bolt", "cirrus", "dyna")


def flags(*on: str) -> dict[str, int]:
    return {b: int(b in on) for b in BRANDS}


def test_indicators_of_an_engaged_respondent() -> None:
    q = questionnaire()
    answers = {
        **SCREENER,
        "unaided": ["bolt werk", "acme", "some other brand"],
        "aided": ["acme", "bolt", "cirrus"],
        "usage": {"acme": "current", "bolt": "lapsed", "cirrus": "never"},
        "familiarity": {"acme": "very_well", "bolt": "quite_well", "cirrus": "a_little"},
        **{f"image.{a}": {"acme": "yes", "bolt": "no", "cirrus": "no"} for a in DEFAULT_ATTRIBUTES},
        "image.value_for_money": {"acme": "no", "bolt": "yes", "cirrus": "yes"},
        "consideration": ["acme", "cirrus"],
        "preference": "acme",
        "recommendation": {"acme": 10, "bolt": 6},
        "attention_check": "disagree",
    }
    ind = derive_indicators(q, answers, [["bolt"], ["acme"], []])
    assert ind["unaided"] == flags("acme", "bolt")
    assert ind["top_of_mind"] == flags("bolt")
    assert ind["aided"] == flags("acme", "bolt", "cirrus")
    assert ind["total_awareness"] == flags("acme", "bolt", "cirrus")
    assert ind["familiar"] == flags("acme", "bolt")
    assert ind["image.product_quality"] == flags("acme")
    assert ind["image.value_for_money"] == flags("bolt", "cirrus")
    assert ind["consider"] == flags("acme", "cirrus")
    assert ind["prefer"] == flags("acme")
    assert ind["nps"] == {"acme": 100, "bolt": -100}
    assert ind["current_customer"] == flags("acme")
    assert ind["lapsed_customer"] == flags("bolt")
    assert ind["never_customer"] == flags("cirrus", "dyna")
    assert customer_status(q, answers) == "current"
    assert customer_status(q, answers, "bolt") == "lapsed"
    assert tuple(ind) == indicator_names(q)


def test_indicators_of_a_respondent_who_knows_nothing() -> None:
    q = questionnaire()
    answers = {**SCREENER, "unaided": "dont_know", "aided": ["none"], "preference": None}
    ind = derive_indicators(q, answers, [])
    for name in (
        "unaided",
        "top_of_mind",
        "aided",
        "total_awareness",
        "familiar",
        "consider",
        "prefer",
    ):
        assert ind[name] == flags(), name
    assert ind["nps"] == {}
    assert ind["never_customer"] == flags(*BRANDS)
    assert customer_status(q, answers) == "never"


def test_top_of_mind_is_the_first_box_even_if_it_is_an_untracked_brand() -> None:
    q = questionnaire()
    answers = {**SCREENER, "unaided": ["Zappo", "dynamo"], "aided": ["acme"]}
    ind = derive_indicators(q, answers, [[], ["dyna"]])
    assert ind["top_of_mind"] == flags()
    assert ind["unaided"] == flags("dyna")
    assert ind["aided"] == flags("acme")
    assert ind["total_awareness"] == flags("acme", "dyna")


@pytest.mark.parametrize(
    ("rating", "score"), [(0, -100), (3, -100), (6, -100), (7, 0), (8, 0), (9, 100), (10, 100)]
)
def test_nps_mapping(rating: int, score: int) -> None:
    assert nps_score(rating) == score
    q = questionnaire()
    answers = {**SCREENER, "unaided": ["a"], "aided": ["bolt"], "recommendation": {"bolt": rating}}
    assert derive_indicators(q, answers, [[]])["nps"] == {"bolt": score}


def test_indicator_errors() -> None:
    q = questionnaire()
    answers = {**SCREENER, "unaided": ["a"], "aided": ["bolt"]}
    with pytest.raises(QuestionnaireError, match=r"^coded_unaided\[0\]: unknown brand 'nike'"):
        derive_indicators(q, answers, [["nike"]])
    with pytest.raises(QuestionnaireError, match="2 boxes coded but the respondent filled 1"):
        derive_indicators(q, answers, [["bolt"], []])
    with pytest.raises(QuestionnaireError, match=r"^answers\.aided: missing"):
        derive_indicators(q, {"unaided": ["a"]}, [[]])
    with pytest.raises(QuestionnaireError):
        nps_score(11)


def test_indicators_follow_the_modules() -> None:
    q = questionnaire(modules=["consideration"])
    ind = derive_indicators(q, {"unaided": "dont_know", "aided": ["acme"], "consideration": ["acme"]}, [])
    assert tuple(ind) == indicator_names(q)
    assert "familiar" not in ind and "nps" not in ind and "image.staff" not in ind
    assert ind["consider"] == flags("acme")


def test_replacing_a_field_is_validated_too() -> None:
    cfg = config()
    assert dataclasses.replace(cfg, category="trail shoes").category == "trail shoes"
    with pytest.raises(QuestionnaireError, match="^language: unknown language 'fr'"):
        dataclasses.replace(cfg, language="fr")
