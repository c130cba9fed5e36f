"""What a population file says about its screener: the language asked in, variables derived from another (the
German region from the Land), and answers beyond the margins (gender "diverse"); and the questionnaire a German
poll gets from it."""

from __future__ import annotations

from recognition.polls.questionnaire import definition_config, normalise, screener_levels
from recognition.populations import (
    derived_variables,
    extra_answers,
    load_margins,
    population_language,
    with_derived,
)
from recognition.questionnaire import build, version_key

# Destatis: North = SH, HH, NI, HB; West = NW, HE, RP, SL; South = BW, BY; East = BE, BB, MV, SN, ST, TH
REGIONS = {
    "north": {"Schleswig-Holstein", "Hamburg", "Niedersachsen", "Bremen"},
    "west": {"Nordrhein-Westfalen", "Hessen", "Rheinland-Pfalz", "Saarland"},
    "south": {"Baden-Württemberg", "Bayern"},
    "east": {"Berlin", "Brandenburg", "Mecklenburg-Vorpommern", "Sachsen", "Sachsen-Anhalt", "Thüringen"},
}


def test_german_region_follows_from_the_land() -> None:
    source, levels = derived_variables("de")["region"]
    assert source == "land"
    assert {r: {land for land, rr in levels.items() if rr == r} for r in REGIONS} == REGIONS
    assert with_derived("de", {"land": "Bayern", "age": "65+"}) == {
        "land": "Bayern",
        "age": "65+",
        "region": "south",
    }
    assert with_derived("de", {"age": "65+"}) == {"age": "65+"}  # no Land, no region
    margins = load_margins("de")  # the derived margin is the sum of its Länder's shares
    for region, lands in REGIONS.items():
        assert abs(sum(margins["land"][land] for land in lands) - margins["region"][region]) < 0.0015
    assert derived_variables("us") == {} and with_derived("us", {"region": "West"}) == {"region": "West"}


def test_languages_and_extra_answers() -> None:
    assert (population_language("de"), population_language("us"), population_language("uk")) == (
        "de",
        "en",
        "en",
    )
    assert extra_answers("de") == {"gender": ["diverse"]} and extra_answers("us") == {}
    assert list(screener_levels("de", load_margins("de"))["gender"]) == ["female", "male", "diverse"]


def test_a_german_poll_is_asked_in_german_once_about_where_people_live() -> None:
    values = normalise(
        {},
        {
            "population": "de",
            "category": {"en": "coffee shop chains", "de": "Kaffeehausketten"},
            "own_brand": "a",
            "brands": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        },
    )
    assert values["language"] == "de" and values["category"] == "Kaffeehausketten"
    config = definition_config(values)
    assert config.weighting_variables == ("age", "gender", "land", "education")
    q = build(config, screener_levels("de", load_margins("de")))
    assert q.question("screener.category_use").prompt == (
        "Wann haben Sie zuletzt im Bereich Kaffeehausketten etwas gekauft oder genutzt?"
    )
    assert [o.label for o in q.question("screener.gender").options] == ["Weiblich", "Männlich", "Divers"]


def test_category_wording_follows_the_language() -> None:
    stored = normalise({}, {"population": "de", "category": {"en": "coffee shops", "de": "Cafés"}})
    switched = normalise(stored, {"language": "en"})
    assert switched["category"] == "coffee shops" and switched["category_wording"] == {
        "en": "coffee shops",
        "de": "Cafés",
    }
    renamed = normalise(
        switched, {"category": "coffee chains"}
    )  # one text: the wording in the poll's language
    assert renamed["category_wording"] == {"en": "coffee chains", "de": "Cafés"}
    old = normalise({"population": "us", "language": "en", "category": "shoes", "category_wording": {}}, {})
    assert old["category_wording"] == {"en": "shoes"}  # a poll stored before wording per language


def test_the_version_changes_with_language_wording_attributes_and_modules() -> None:
    base = normalise(
        {},
        {
            "population": "de",
            "category": {"en": "coffee shop chains", "de": "Kaffeehausketten"},
            "own_brand": "a",
            "brands": [{"id": "a", "name": "A", "aliases": ["AA"]}, {"id": "b", "name": "B"}],
            "attributes": ["staff", {"id": "taste", "label": {"en": "Tastes good", "de": "Guter Geschmack"}}],
        },
    )

    def key(values: dict[str, object]) -> str:
        return version_key(build(definition_config(values), screener_levels("de", load_margins("de"))))

    changed = [
        normalise(base, {"language": "en"}),
        normalise(base, {"category": {"en": "coffee shop chains", "de": "Cafés"}}),
        normalise(base, {"attributes": ["staff", {"id": "taste", "label": {"de": "Toller Geschmack"}}]}),
        normalise(base, {"attributes": ["staff"]}),
        normalise(base, {"modules": ["image", "consideration"]}),
    ]
    keys = [key(base), *(key(v) for v in changed)]
    assert len(set(keys)) == len(keys)
    # aliases feed the code frame, which is versioned on its own: the questionnaire stays the same
    same = normalise(
        base, {"brands": [{"id": "a", "name": "A", "aliases": ["AA", "Ah"]}, {"id": "b", "name": "B"}]}
    )
    assert key(same) == keys[0]
