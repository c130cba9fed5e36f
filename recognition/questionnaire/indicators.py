"""One respondent's answers → the per-brand indicators that estimation averages (METHODS.md, Metrics).

Every proportion indicator is 0/1 for every tracked brand, on the total base: a brand the respondent is not aware
of scores 0 on familiarity, image, consideration and preference. The aware base is obtained by the caller by
restricting to respondents with ``total_awareness == 1`` for that brand. ``nps`` is the exception: it holds
only the brands the respondent rated (brands used), valued +100 (promoter, 9–10), 0 (passive, 7–8) or −100
(detractor, 0–6), so that its weighted mean over raters is the NPS.

========================  ==========================================================================
indicator                 1 when
========================  ==========================================================================
unaided                   the brand is coded in any unaided box
top_of_mind               the brand is coded in the first unaided box
aided                     the brand is ticked in the aided list
total_awareness           unaided or aided
familiar                  known "quite well" or "very well"
image.<attribute>         "yes" for the brand × attribute pair
entry_point.<id>          the brand comes to mind in the buying situation (category entry point); read by
                          mental availability only, never published as a figure
service.dissatisfied.<dimension>
                          (brands the respondent rated: those used) dissatisfied or very dissatisfied with the
                          brand on the service dimension; brands not rated are outside the base
service_feature.<id>.standard / .pay
                          (own brand only) the feature is expected as standard / the respondent would pay extra
service_feature.<id>.wtp  (own brand only) the highest price of the ladder the respondent accepted; 0 for one who
                          would pay but declined every price, or who expects it as standard or does not need it.
                          Service features are read by the service analysis only, never published as figures
consider                  the brand would be considered
prefer                    the brand is the one preferred
nps                       +100 / 0 / −100 for the brands rated (see above)
current_customer          bought/used in the past 12 months (usage grid)
lapsed_customer           bought/used, but longer ago
never_customer            never bought/used, or not aware of the brand
========================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recognition.questionnaire.build import (
    AIDED,
    CURRENT,
    DISSATISFIED_CODES,
    ENTRY_POINT,
    FAMILIAR_CODES,
    LAPSED,
    NEVER,
    SATISFACTION,
    SERVICE,
    SERVICE_PAY,
    UNAIDED,
    USAGE,
    service_price_id,
)
from recognition.questionnaire.config import QuestionnaireError, ServiceFeature
from recognition.questionnaire.model import Questionnaire

Indicators = dict[str, dict[str, int | float]]
#: The metric (indicator) a brand-list module measures, named as estimates name it.
METRIC_OF_MODULE = {"consideration": "consider", "preference": "prefer"}
SERVICE_FEATURE = "service_feature"
DISSATISFIED = "service.dissatisfied"
SERVICE_PARTS = ("standard", "pay", "wtp")


def indicator_names(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The indicators :func:`derive_indicators` produces for this questionnaire, in a stable order."""
    on = questionnaire.config.module_on
    names = ["unaided", "top_of_mind", "aided", "total_awareness"]
    if on("familiarity"):
        names.append("familiar")
    if on("image"):
        names += [f"image.{a.id}" for a in questionnaire.config.attributes]
    names += [f"{ENTRY_POINT}.{e.id}" for e in questionnaire.config.entry_points]
    names += [METRIC_OF_MODULE[m] for m in ("consideration", "preference") if on(m)]
    if on("recommendation"):
        names.append("nps")
    names += [f"{DISSATISFIED}.{a.id}" for a in questionnaire.config.service_satisfaction]
    names += [
        f"{SERVICE_FEATURE}.{f.id}.{p}" for f in questionnaire.config.service_features for p in SERVICE_PARTS
    ]
    return (*names, "current_customer", "lapsed_customer", "never_customer")


def nps_score(rating: int) -> int:
    """+100 for a promoter (9–10), 0 for a passive (7–8), −100 for a detractor (0–6)."""
    if not 0 <= rating <= 10:
        raise QuestionnaireError("recommendation", f"rating {rating} is outside 0–10")
    return 100 if rating >= 9 else 0 if rating >= 7 else -100


def customer_status(
    questionnaire: Questionnaire, answers: Mapping[str, Any], brand_id: str | None = None
) -> str:
    """``current``, ``lapsed`` or ``never`` for ``brand_id`` (default: the own brand); never when not asked."""
    brand = brand_id or questionnaire.config.own_brand.id
    usage = answers.get(USAGE)
    status = usage.get(brand) if isinstance(usage, Mapping) else None
    return status if status in (CURRENT, LAPSED) else NEVER


def _check_coded(
    questionnaire: Questionnaire, answers: Mapping[str, Any], coded: Sequence[Sequence[str]]
) -> None:
    known = {b.id for b in questionnaire.config.brands}
    unaided = answers[UNAIDED]
    boxes = len(unaided) if isinstance(unaided, list | tuple) else 0
    if len(coded) > boxes:
        raise QuestionnaireError(
            "coded_unaided", f"{len(coded)} boxes coded but the respondent filled {boxes}"
        )
    for i, box in enumerate(coded):
        if isinstance(box, str):
            raise QuestionnaireError(f"coded_unaided[{i}]", "expected a list of brand ids")
        for brand in box:
            if brand not in known:
                raise QuestionnaireError(f"coded_unaided[{i}]", f"unknown brand {brand!r}")


def _flags(brands: Sequence[str], chosen: set[str]) -> dict[str, int | float]:
    return {b: int(b in chosen) for b in brands}


def _chosen(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value}
    return set()


def _rows(value: Any, codes: tuple[str, ...]) -> set[str]:
    if not isinstance(value, Mapping):
        return set()
    return {str(row) for row, v in value.items() if v in codes}


def derive_indicators(
    questionnaire: Questionnaire, answers: Mapping[str, Any], coded_unaided: Sequence[Sequence[str]]
) -> Indicators:
    """Indicators of one complete respondent (see the module table). ``coded_unaided[k]`` lists the brand ids
    coded from the k-th filled unaided box (empty for an untracked or unreadable mention); ``[]`` for "don't
    know". Raises :class:`QuestionnaireError` when the unaided or aided answer is missing or the coding does not
    fit the answer."""
    for core in (UNAIDED, AIDED):
        if core not in answers:
            raise QuestionnaireError(
                f"answers.{core}", "missing: the respondent did not complete the questionnaire"
            )
    _check_coded(questionnaire, answers, coded_unaided)
    on = questionnaire.config.module_on
    brands = [b.id for b in questionnaire.config.brands]
    unaided = {b for box in coded_unaided for b in box}
    aided = _chosen(answers[AIDED])
    result: Indicators = {
        "unaided": _flags(brands, unaided),
        "top_of_mind": _flags(brands, set(coded_unaided[0]) if coded_unaided else set()),
        "aided": _flags(brands, aided),
        "total_awareness": _flags(brands, unaided | aided),
    }
    if on("familiarity"):
        result["familiar"] = _flags(brands, _rows(answers.get("familiarity"), FAMILIAR_CODES))
    if on("image"):
        for attribute in questionnaire.config.attributes:
            qid = f"image.{attribute.id}"
            result[qid] = _flags(brands, _rows(answers.get(qid), ("yes",)))
    for entry in questionnaire.config.entry_points:
        qid = f"{ENTRY_POINT}.{entry.id}"
        result[qid] = _flags(brands, _chosen(answers.get(qid)))
    for module in ("consideration", "preference"):
        if on(module):
            result[METRIC_OF_MODULE[module]] = _flags(brands, _chosen(answers.get(module)))
    if on("recommendation"):
        ratings = answers.get("recommendation")
        result["nps"] = (
            {b: nps_score(int(v)) for b, v in ratings.items() if b in brands}
            if isinstance(ratings, Mapping)
            else {}
        )
    for dimension in questionnaire.config.service_satisfaction:
        rated = answers.get(f"{SATISFACTION}.{dimension.id}")
        result[f"{DISSATISFIED}.{dimension.id}"] = (
            {str(b): int(v in DISSATISFIED_CODES) for b, v in rated.items() if b in brands}
            if isinstance(rated, Mapping)
            else {}
        )
    own = questionnaire.config.own_brand.id
    for feature in questionnaire.config.service_features:
        result.update(_service(feature, answers, own))
    current = _rows(answers.get(USAGE), (CURRENT,))
    lapsed = _rows(answers.get(USAGE), (LAPSED,))
    result["current_customer"] = _flags(brands, current)
    result["lapsed_customer"] = _flags(brands, lapsed)
    result["never_customer"] = _flags(brands, set(brands) - current - lapsed)
    return result


def accepted_price(feature: ServiceFeature, answers: Mapping[str, Any]) -> float:
    """The first price said yes to on the way down the ladder (the highest accepted); 0 when none was."""
    for price in feature.prices[::-1]:
        if answers.get(service_price_id(feature.id, price)) == "yes":
            return price
    return 0.0


def _service(feature: ServiceFeature, answers: Mapping[str, Any], own: str) -> Indicators:
    names = [f"{SERVICE_FEATURE}.{feature.id}.{p}" for p in SERVICE_PARTS]
    expectation = answers.get(f"{SERVICE}.{feature.id}")
    if expectation is None:  # not asked (an answer set from before the feature): not in the base
        return {name: {} for name in names}
    pays = expectation == SERVICE_PAY
    values = (int(expectation == "standard"), int(pays), accepted_price(feature, answers) if pays else 0.0)
    return {name: {own: value} for name, value in zip(names, values, strict=True)}
