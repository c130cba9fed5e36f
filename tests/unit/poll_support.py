"""The German sportswear poll the unit tests of the questionnaire's optional modules (entry points, service features,
service satisfaction) build on: its definition, its questionnaire built as a wave asks it, and respondents
answering it as estimation reads them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recognition.polls.questionnaire import definition_config, screener_levels
from recognition.populations import load_margins
from recognition.questionnaire import Questionnaire, build
from recognition.store.responses import StoredRespondent

BRANDS = [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}, {"id": "velo", "name": "Velo"}]
VALUES: dict[str, Any] = {
    "population": "de",
    "language": "de",
    "category": "Sportbekleidung",
    "category_wording": {"de": "Sportbekleidung"},
    "own_brand": "acme",
    "brands": BRANDS,
    "attributes": None,
    "modules": None,
}
#: The version key of VALUES' questionnaire as it was before any optional module existed: it must never move.
KEY_WITHOUT_MODULES = "29279a9cca0bd83e7232794aa959b4892e82511ca8ec0f4fe46717c793cd4c2e"


def built(values: Mapping[str, Any]) -> Questionnaire:
    """The questionnaire a poll definition (VALUES with changes) is asked with."""
    return build(definition_config(values), screener_levels("de", load_margins("de")))


def config_data(**module: Any) -> dict[str, Any]:
    """The plain data of a questionnaire (as :meth:`QuestionnaireConfig.from_dict` reads it) with one module."""
    return {"brands": [{**BRANDS[0], "own": True}, *BRANDS[1:]], "category": "x", **module}


def respondents(
    answers: Sequence[dict[str, Any]], ages: Sequence[str] = ("18-29",)
) -> list[StoredRespondent]:
    """Completes with these answers, each of the age group of its turn in ``ages``."""
    return [
        StoredRespondent(i, "complete", [], {"age": ages[i % len(ages)]}, a) for i, a in enumerate(answers)
    ]
