"""Which questionnaire and code frame a poll uses. Pure: no I/O.

A wave is asked the questionnaire of its ``questionnaire_version``: the stored definition of that version
(``questionnaire_versions.definition``, the plain data of :meth:`QuestionnaireConfig.to_dict`) when there is one,
else the poll's own questionnaire (:func:`definition_config`): its brands (aliases included, the poll's own brand
marked), the category's wording in the poll's language, that language (by default the population's), the poll's
image attributes (METHODS.md's defaults when it names none), its modules (all when it names none), its category
entry points (buying situations, each worded in the poll's language; none: not asked), its service features
(worded likewise, with their price ladders; the cost is the analysis's, not asked), and the
population's weighting variables, except those derived from another (the German region follows from the Land,
so only the Land is asked). The screener offers each variable's levels plus the population's extra answers
(:func:`recognition.populations.extra_answers`).

A poll definition names the category either as one text (its wording in the poll's language) or as wording per
language (``{"en": "coffee shop chains", "de": "Kaffeehausketten"}``); :func:`normalise` turns both into the
stored pair ``category`` (the wording in the poll's language) and ``category_wording`` (language → wording).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recognition.mentions.coding import Brand as FrameBrand
from recognition.mentions.coding import CodeFrame
from recognition.polls.model import Poll
from recognition.populations import derived_variables, extra_answers, load_margins, population_language
from recognition.questionnaire import Questionnaire, QuestionnaireConfig, build
from recognition.questionnaire.config import KNOWN_WEIGHTING_VARIABLES, QuestionnaireError
from recognition.questionnaire.texts import LANGUAGE_NAMES

Margins = Mapping[str, Mapping[str, float]]


def normalise(stored: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """A poll definition as stored, from the ``stored`` one (empty for a new poll) and the fields sent in
    ``body``: ``language`` filled in (a new poll's is its population's unless it names one) and the category as
    ``category`` (the wording in the poll's language) + ``category_wording`` (language → wording)."""
    out = {**stored, **body}
    language = out.get("language")
    if not language:
        try:
            language = population_language(str(out.get("population", "")))
        except ValueError:
            language = "en"
    out["language"] = language
    category = body.get("category", stored.get("category"))
    if isinstance(category, Mapping):
        wording = {str(k): str(v) for k, v in category.items()}
    elif "category" in body:  # one text: the wording in the poll's language; the others' are kept
        wording = {**(stored.get("category_wording") or {}), str(language): str(category)} if category else {}
    elif stored.get("category_wording"):
        wording = dict(stored["category_wording"])
    else:  # stored before wording per language: the category is in the poll's stored language
        wording = {str(stored.get("language") or language): str(category)} if category else {}
    out["category_wording"] = wording
    out["category"] = wording.get(str(language)) or next(iter(wording.values()), "")
    return out


def _wording(value: Any, language: str) -> str | None:
    """Text in ``language`` from a text or a language → text table (None: the table lacks the language)."""
    if isinstance(value, Mapping):
        return None if not value.get(language) else str(value[language])
    return None if value is None else str(value)


def _need(language: str) -> str:
    return f"give the wording in {LANGUAGE_NAMES[language]}, the language the questionnaire is asked in"


def _worded(value: Any, language: str, where: str) -> str:
    """The text of ``value`` (a text or a language → text table) in ``language``; a :class:`QuestionnaireError`
    names ``where`` when it has none."""
    label = _wording(value, language)
    if label is None:
        raise QuestionnaireError(where, _need(language))
    return label


def _worded_items(items: Any, language: str, field: str) -> list[tuple[Mapping[str, Any], str]]:
    """Each item of the definition's ``field`` with its ``wording`` in ``language``; a :class:`QuestionnaireError`
    names the first item that is not worded in it."""
    out: list[tuple[Mapping[str, Any], str]] = []
    for i, item in enumerate(items):
        wording = item.get("wording") if isinstance(item, Mapping) else None
        out.append((item, _worded(wording, language, f"{field}[{i}].wording")))
    return out


def _attributes(items: Any, language: str, field: str = "attributes") -> list[Any] | None:
    if items is None:
        return None
    out: list[Any] = []
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and "label" in item:
            out.append(
                {"id": item.get("id"), "label": _worded(item["label"], language, f"{field}[{i}].label")}
            )
        elif isinstance(item, Mapping):
            out.append(item.get("id"))
        else:
            out.append(item)
    return out


def _entry_points(items: Any, language: str) -> list[dict[str, Any]] | None:
    if not items:
        return None
    return [
        {"id": item.get("id"), "label": label}
        for item, label in _worded_items(items, language, "entry_points")
    ]


def _service_features(items: Any, language: str) -> list[dict[str, Any]] | None:
    if not items:
        return None
    return [
        {
            "id": item.get("id"),
            "label": label,
            "prices": item.get("prices"),
            "currency": item.get("currency", "EUR"),
        }
        for item, label in _worded_items(items, language, "service_features")
    ]


def screener_levels(population: str, margins: Margins) -> dict[str, dict[str, float]]:
    """The levels the screener offers per variable: the margins' levels, then the population's extra answers
    (share 0: they are not margins; they are weighted by the rule in METHODS.md)."""
    extra = extra_answers(population)
    return {var: {**levels, **dict.fromkeys(extra.get(var, ()), 0.0)} for var, levels in margins.items()}


def definition_config(values: Mapping[str, Any]) -> QuestionnaireConfig:
    """The questionnaire a poll definition (stored or about to be) implies; :class:`QuestionnaireError` names the
    field at fault, ``ValueError`` an unknown population."""
    population = str(values.get("population", ""))
    margins = load_margins(population)
    language = str(values.get("language") or "en")
    if language not in LANGUAGE_NAMES:
        raise QuestionnaireError("language", f"choose one of {', '.join(LANGUAGE_NAMES.values())}")
    wording = values.get("category_wording") or {}
    category = wording.get(language) if isinstance(wording, Mapping) else None
    if not category:
        if wording:
            raise QuestionnaireError("category", _need(language))
        category = values.get("category")
    own = values.get("own_brand")
    brands = []
    for b in values.get("brands") or []:
        item: dict[str, Any] = {"id": b.get("id"), "name": b.get("name", b.get("id"))}
        if b.get("aliases"):
            item["aliases"] = list(b["aliases"])
        if b.get("logo_url"):
            item["logo_url"] = b["logo_url"]
        if b.get("id") == own:
            item["own"] = True
        brands.append(item)
    derived = derived_variables(population)
    data: dict[str, Any] = {
        "brands": brands,
        "category": category,
        "language": language,
        "weighting_variables": [v for v in margins if v in KNOWN_WEIGHTING_VARIABLES and v not in derived],
    }
    attributes = _attributes(values.get("attributes"), language)
    if attributes is not None:
        data["attributes"] = attributes
    if values.get("modules") is not None:
        data["modules"] = list(values["modules"])
    entry_points = _entry_points(values.get("entry_points"), language)
    if entry_points is not None:
        data["entry_points"] = entry_points
    satisfaction = _attributes(values.get("service_satisfaction"), language, "service_satisfaction")
    if satisfaction:
        data["service_satisfaction"] = satisfaction
    features = _service_features(values.get("service_features"), language)
    if features is not None:
        data["service_features"] = features
    return QuestionnaireConfig.from_dict(data)


def poll_values(poll: Poll) -> dict[str, Any]:
    """The definition fields of a stored poll, as :func:`definition_config` reads them."""
    return {
        "population": poll.population,
        "language": poll.language,
        "category": poll.category,
        "category_wording": poll.category_wording,
        "own_brand": poll.own_brand,
        "brands": poll.brands,
        "attributes": poll.attributes,
        "modules": poll.modules,
        "entry_points": poll.entry_points,
        "service_features": poll.service_features,
        "service_satisfaction": poll.service_satisfaction,
    }


def poll_config(poll: Poll, definition: Mapping[str, Any] | None = None) -> QuestionnaireConfig:
    """The questionnaire settings of ``poll`` (``definition`` when stored, else the poll's own)."""
    if definition is not None:
        return QuestionnaireConfig.from_dict(definition)
    return definition_config(poll_values(poll))


def poll_questionnaire(
    poll: Poll, margins: Margins, definition: Mapping[str, Any] | None = None
) -> Questionnaire:
    """The questionnaire a wave of ``poll`` is asked (``definition``: its version's stored settings)."""
    return build(poll_config(poll, definition), screener_levels(poll.population, margins))


def default_frame(poll: Poll) -> CodeFrame:
    """Version 1 of a poll's code frame: its brands with their names and aliases."""
    return CodeFrame(
        tuple(
            FrameBrand(str(b["id"]), str(b.get("name", b["id"])), tuple(b.get("aliases") or ()))
            for b in poll.brands
        )
    )
