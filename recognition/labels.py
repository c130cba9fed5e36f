"""Names people read: metrics, segments and significance families in plain words, in English or German — the one
place for every output (dashboard, summary, charts, PDF, alerts, CSV headers). Pure: no I/O.

Service dimensions (``service.dissatisfied.<dimension>``) read as the questionnaire words them: a built-in
dimension (``delivery_times``) in the catalogue's words of the page's language (the questionnaire's own
``attr.<id>`` texts, en/de), a marketer's own dimension in her wording (:func:`own_wording`).

Segment codes are ``variable=level`` (``education=some_college_associate``); known variables and levels have
names here, anything else is spelt out from its code (underscores become spaces).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from recognition.figures import DISSATISFIED_PREFIX, IMAGE_PREFIX, is_dissatisfaction_metric, is_image_metric
from recognition.questionnaire.texts import TEXTS

LOCALES = ("en", "de")

METRIC_NAMES = {
    "en": {
        "unaided": "Unaided awareness",
        "top_of_mind": "Top of mind",
        "aided": "Aided awareness",
        "total_awareness": "Total awareness",
        "familiar": "Familiarity",
        "consider": "Consideration",
        "prefer": "Preference",
        "nps": "NPS",
    },
    "de": {
        "unaided": "Ungestützte Bekanntheit",
        "top_of_mind": "Top of Mind",
        "aided": "Gestützte Bekanntheit",
        "total_awareness": "Gesamtbekanntheit",
        "familiar": "Vertrautheit",
        "consider": "Kaufbereitschaft",
        "prefer": "Präferenz",
        "nps": "NPS",
    },
}
IMAGE_NAME = {"en": "Image", "de": "Image"}
DISSATISFIED_NAME = {"en": "Dissatisfied with the service", "de": "Unzufrieden mit dem Service"}
EVERYBODY = {"en": "Everybody", "de": "Alle"}
VARIABLE_NAMES = {
    "en": {"age": "Age", "gender": "Gender", "region": "Region", "education": "Education", "land": "State"},
    "de": {
        "age": "Alter",
        "gender": "Geschlecht",
        "region": "Region",
        "education": "Bildung",
        "land": "Land",
    },
}
LEVEL_NAMES = {
    "en": {
        ("customer", "current"): "Customers",
        ("customer", "lapsed"): "Lapsed customers",
        ("customer", "never"): "Never customers",
        ("customer", "non"): "Potential customers",
        ("gender", "female"): "Women",
        ("gender", "male"): "Men",
        ("gender", "diverse"): "Gender diverse",
        ("education", "hs_or_less"): "High school or less",
        ("education", "some_college_associate"): "Some college or associate degree",
        ("education", "bachelors_plus"): "Bachelor's degree or higher",
        ("education", "isced_0_2"): "Lower secondary or less",
        ("education", "isced_3_4"): "Upper secondary",
        ("education", "isced_5_8"): "Tertiary",
    },
    "de": {
        ("customer", "current"): "Kunden",
        ("customer", "lapsed"): "Ehemalige Kunden",
        ("customer", "never"): "Nie Kunden",
        ("customer", "non"): "Potenzielle Kunden",
        ("gender", "female"): "Frauen",
        ("gender", "male"): "Männer",
        ("gender", "diverse"): "Geschlecht divers",
        ("education", "hs_or_less"): "High School oder weniger",
        ("education", "some_college_associate"): "College ohne Bachelor",
        ("education", "bachelors_plus"): "Bachelor oder höher",
        ("education", "isced_0_2"): "Niedrige Bildung",
        ("education", "isced_3_4"): "Mittlere Bildung",
        ("education", "isced_5_8"): "Hohe Bildung",
    },
}
#: German levels read on their own after "bei" (dative): "bei potenziellen Kunden", "bei Männern".
LEVEL_DATIVE_DE = {
    ("customer", "lapsed"): "ehemaligen Kunden",
    ("customer", "never"): "Nie-Kunden",
    ("customer", "non"): "potenziellen Kunden",
    ("gender", "male"): "Männern",
    ("gender", "diverse"): "Personen mit diversem Geschlecht",
}
#: The optional questionnaire modules, as an editor choosing them reads them.
MODULE_NAMES = {
    "familiarity": "Familiarity: how well respondents know each brand",
    "image": "Image: which brands respondents link with each attribute",
    "consideration": "Consideration: brands they would consider buying",
    "preference": "Preference: the one brand they prefer",
    "recommendation": "Recommendation (NPS) of the brands they know",
    "competitor_reason": "Why they chose a competitor (open answer)",
    "comment": "A closing comment (open answer)",
    "attention_check": "An attention check that screens out careless answers",
}
#: Segment variables whose levels read on their own (no "Variable:" before them).
SELF_NAMED = ("customer", "gender")
FAMILY_NAMES = {
    "en": {
        "headline": "headline",
        "secondary": "secondary (exploratory)",
        "segment": "segment (exploratory)",
    },
    "de": {"headline": "Kernzahlen", "secondary": "weitere (explorativ)", "segment": "Segment (explorativ)"},
}


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "en"


def phrase(catalogue: Mapping[str, Mapping[str, str]], locale: str, key: str, **params: object) -> str:
    """``key`` of a catalogue of wording per locale (English when the locale has none), filled with ``params``:
    the survey's pages and the written summary keep their words this way."""
    template = catalogue.get(locale, catalogue["en"])[key]
    return template.format(**params) if params else template


def own_wording(items: Sequence[Any] | None, locale: str = "en") -> dict[str, str]:
    """The marketer's own wording of the dimensions a poll lists (its ``service_satisfaction``: ids of built-in
    dimensions, or ``{id, label}`` with a text or a language → text table): ``{id: label}`` in ``locale`` when she
    gave it, else in the first language she gave."""
    out: dict[str, str] = {}
    for item in items or ():
        if isinstance(item, Mapping) and item.get("label"):
            label = item["label"]
            if isinstance(label, Mapping):
                label = label.get(_locale(locale)) or next(iter(label.values()), item["id"])
            out[str(item["id"])] = str(label)
    return out


def dimension_name(dimension: str, locale: str = "en", wording: Mapping[str, str] | None = None) -> str:
    """``delivery_times`` → "Delivery times" / "Lieferzeiten"; a dimension in ``wording`` (:func:`own_wording`)
    reads as the marketer worded it; anything else is spelt out from its id."""
    if wording and dimension in wording:
        return wording[dimension]
    return TEXTS[_locale(locale)].get(f"attr.{dimension}", dimension.replace("_", " "))


def metric_name(metric: str, locale: str = "en", wording: Mapping[str, str] | None = None) -> str:
    """``aided`` → "Aided awareness"; ``image.value_for_money`` → "Image: value for money";
    ``service.dissatisfied.delivery_times`` → "Dissatisfied with the service: Delivery times" (German:
    "Unzufrieden mit dem Service: Lieferzeiten"; ``wording``: the poll's own dimensions, :func:`own_wording`)."""
    loc = _locale(locale)
    if metric in METRIC_NAMES[loc]:
        return METRIC_NAMES[loc][metric]
    if is_image_metric(metric):
        return f"{IMAGE_NAME[loc]}: " + attribute_name(metric)
    if is_dissatisfaction_metric(metric):
        return f"{DISSATISFIED_NAME[loc]}: " + dimension_name(
            metric.removeprefix(DISSATISFIED_PREFIX), loc, wording
        )
    return metric.replace("_", " ").capitalize()


def metric_namer(locale: str, satisfaction: Sequence[Any] | None) -> Callable[[str], str]:
    """:func:`metric_name` for one page: its language and the poll's own service dimensions."""
    wording = own_wording(satisfaction, locale)
    return lambda metric: metric_name(metric, locale, wording)


def attribute_name(metric: str) -> str:
    """``image.value_for_money`` → "value for money" (the attribute alone, for an image map's columns)."""
    return metric.removeprefix(IMAGE_PREFIX).replace("_", " ")


def segment_name(segment: str, locale: str = "en") -> str:
    """``all`` → "Everybody"; ``customer=non`` → "Potential customers"; ``age=18-24`` → "Age 18–24";
    ``education=some_college_associate`` → "Education: some college or associate degree"."""
    loc = _locale(locale)
    if segment == "all":
        return EVERYBODY[loc]
    variable, _, level = segment.partition("=")
    known = LEVEL_NAMES[loc].get((variable, level))
    if known is not None and variable in SELF_NAMED:
        return known
    level_text = known[0].lower() + known[1:] if known else level.replace("_", " ")
    name = VARIABLE_NAMES[loc].get(variable, variable.replace("_", " ").capitalize())
    if variable == "age":
        return f"{name} {level.replace('-', '–')}"
    return f"{name}: {level_text}"


def among(segment: str, locale: str = "en") -> str:
    """`` among potential customers`` (empty for everybody), to follow a figure's name in a sentence."""
    if segment == "all":
        return ""
    loc = _locale(locale)
    name = segment_name(segment, loc)
    variable, _, level = segment.partition("=")
    word = "among" if loc == "en" else "bei"
    if variable in SELF_NAMED:
        if loc == "de":
            return f" bei {LEVEL_DATIVE_DE.get((variable, level), name)}"
        return f" {word} {name[0].lower() + name[1:]}"
    if variable == "age":
        ages = level.replace("-", "–")
        return f" among people aged {ages}" if loc == "en" else f" bei {ages}-Jährigen"
    return f" ({name})"


def family_label(family: str, locale: str = "en") -> str:
    """``headline`` → "headline"; ``segment`` → "segment (exploratory)"."""
    return FAMILY_NAMES[_locale(locale)].get(family, family)
