"""Every fixed string of the questionnaire, in English and German.

Keys are shared by both languages (a unit test checks that neither language misses a key and that both use the same
``{placeholders}``). Answer levels of the screener are looked up as ``level.<variable>.<code>``; a code without an
entry (e.g. a new region in a population file) is shown as the code itself, which for place names is the right
text anyway.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES: tuple[str, ...] = ("en", "de")
#: Each language's name as an editor reads it in a message.
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English (en)", "de": "German (de)"}

_EN: dict[str, str] = {
    # screener
    "q.age": "How old are you?",
    "q.gender": "What is your gender?",
    "q.region": "In which region do you live?",
    "q.land": "In which federal state do you live?",
    "q.education": "What is the highest level of education or training you have completed?",
    "q.category_use": "When did you last buy or use {category}?",
    "opt.category_use.recent": "In the past 12 months",
    "opt.category_use.earlier": "More than 12 months ago",
    "opt.category_use.never": "Never",
    # awareness
    "q.unaided": "Which brands of {category} can you think of, even if only by name?",
    "note.unaided": "Please write one brand per box, starting with the first one that comes to mind.",
    "q.aided": "Which of these brands of {category} have you heard of, even if only by name?",
    "opt.dont_know": "Don't know",
    "opt.none": "None of these",
    "note.select_all": "Select all that apply.",
    "note.select_one": "Select one answer.",
    "note.every_row": "Please give an answer on every line.",
    # customer status / usage
    "q.usage": "Have you bought or used these brands of {category}?",
    "opt.usage.current": "Yes, in the past 12 months",
    "opt.usage.lapsed": "Yes, but longer ago",
    "opt.usage.never": "No, never",
    # familiarity
    "q.familiarity": "How well do you know these brands?",
    "opt.familiarity.name_only": "Only by name",
    "opt.familiarity.a_little": "A little",
    "opt.familiarity.quite_well": "Quite well",
    "opt.familiarity.very_well": "Very well",
    # image
    "q.image": "Which of these brands do you associate with “{attribute}”?",
    "opt.yes": "Yes",
    "opt.no": "No",
    "attr.product_quality": "Product quality",
    "attr.value_for_money": "Value for money",
    "attr.ease_of_purchase": "Ease of purchase",
    "attr.staff": "Helpful and courteous staff",
    "attr.delivery_times": "Delivery times",
    "attr.trustworthiness": "Trustworthiness",
    # category entry points
    "q.entry_point": "Thinking of {category} {entry_point}: which of these brands come to mind?",
    # funnel
    "q.consideration": "Which of these brands would you consider the next time you buy {category}?",
    "q.preference": "Which one of these brands do you prefer most?",
    "q.recommendation": "How likely is it that you would recommend each of these brands to a friend or colleague?",
    "opt.scale.low": "0 – not at all likely",
    "opt.scale.high": "10 – extremely likely",
    "q.competitor_reason": "Why do you buy {category} from other brands rather than from {own_brand}?",
    "opt.reason.price": "Lower prices",
    "opt.reason.quality": "Better quality",
    "opt.reason.availability": "Easier to buy where I shop",
    "opt.reason.service": "Better service",
    "opt.reason.delivery": "Faster delivery",
    "opt.reason.recommended": "It was recommended to me",
    "opt.reason.habit": "Habit",
    "opt.reason.unfamiliar": "I do not know {own_brand} well enough",
    "opt.reason.other": "Another reason",
    # service features (Gabor–Granger price ladder, asked from the highest price down)
    "q.service": "If you bought {category} from {own_brand}: how do you see this service: {feature}?",
    "opt.service.standard": "I would expect it as standard",
    "opt.service.pay": "I would pay extra for it",
    "opt.service.not_needed": "I do not need it",
    "q.service_price": "Would you buy {feature} from {own_brand} for {price}?",
    "q.comment": "Is there anything else you would like to tell us about brands of {category}? (optional)",
    # attention check (instructed response)
    "q.attention": "To show that you are reading carefully, please select “{expected}” here.",
    "opt.agree.strongly_agree": "Strongly agree",
    "opt.agree.agree": "Agree",
    "opt.agree.neutral": "Neither agree nor disagree",
    "opt.agree.disagree": "Disagree",
    "opt.agree.strongly_disagree": "Strongly disagree",
    # answer errors
    "err.required": "Please answer this question.",
    "err.choose_one": "Please choose one option.",
    "err.choose_at_least_one": "Please choose at least one option.",
    "err.unknown_option": "Please choose one of the options shown.",
    "err.exclusive": "“{label}” cannot be combined with other answers.",
    "err.characters": "Please use letters, digits and punctuation only.",
    "err.enter_number": "Please enter a number from {minimum} to {maximum}.",
    "err.every_row": "Please give an answer on every line.",
    "err.text_or_option": "Please enter at least one answer or choose “{label}”.",
    "err.text_required": "Please enter an answer.",
    "err.too_many_texts": "Please use at most {boxes} boxes.",
    "err.text_too_long": "Please keep each answer under {limit} characters.",
    # screener levels
    "level.age.18-24": "18–24 years",
    "level.age.25-34": "25–34 years",
    "level.age.35-44": "35–44 years",
    "level.age.45-54": "45–54 years",
    "level.age.55-64": "55–64 years",
    "level.age.65+": "65 years or older",
    "level.gender.female": "Female",
    "level.gender.male": "Male",
    "level.gender.diverse": "Diverse",
    "level.region.Northeast": "Northeast",
    "level.region.Midwest": "Midwest",
    "level.region.South": "South",
    "level.region.West": "West",
    "level.region.north": "North (Schleswig-Holstein, Hamburg, Lower Saxony, Bremen)",
    "level.region.west": "West (North Rhine-Westphalia, Hesse, Rhineland-Palatinate, Saarland)",
    "level.region.south": "South (Baden-Württemberg, Bavaria)",
    "level.region.east": "East (Berlin, Brandenburg, Mecklenburg-Vorpommern, Saxony, Saxony-Anhalt, Thuringia)",
    "level.region.North East": "North East England",
    "level.region.North West": "North West England",
    "level.region.Yorkshire and The Humber": "Yorkshire and the Humber",
    "level.region.East Midlands": "East Midlands",
    "level.region.West Midlands": "West Midlands",
    "level.region.East of England": "East of England",
    "level.region.London": "London",
    "level.region.South East": "South East England",
    "level.region.South West": "South West England",
    "level.region.Wales": "Wales",
    "level.region.Scotland": "Scotland",
    "level.region.Northern Ireland": "Northern Ireland",
    "level.education.hs_or_less": "High school diploma or less",
    "level.education.some_college_associate": "Some college or associate degree",
    "level.education.bachelors_plus": "Bachelor's degree or higher",
    "level.education.isced_0_2": "No qualifications or lower secondary school only",
    "level.education.isced_3_4": "Upper secondary school or vocational training (e.g. A levels, apprenticeship)",
    "level.education.isced_5_8": "Higher education (university degree, master craftsman or equivalent)",
}

_DE: dict[str, str] = {
    "q.age": "Wie alt sind Sie?",
    "q.gender": "Welches Geschlecht haben Sie?",
    "q.region": "In welcher Region wohnen Sie?",
    "q.land": "In welchem Bundesland wohnen Sie?",
    "q.education": "Was ist Ihr höchster Schul- oder Berufsabschluss?",
    "q.category_use": "Wann haben Sie zuletzt im Bereich {category} etwas gekauft oder genutzt?",
    "opt.category_use.recent": "In den letzten 12 Monaten",
    "opt.category_use.earlier": "Vor mehr als 12 Monaten",
    "opt.category_use.never": "Noch nie",
    "q.unaided": "Welche Marken im Bereich {category} fallen Ihnen ein, auch wenn Sie sie nur dem Namen nach kennen?",
    "note.unaided": "Bitte schreiben Sie eine Marke pro Feld, beginnend mit der, die Ihnen zuerst einfällt.",
    "q.aided": "Welche dieser Marken im Bereich {category} kennen Sie, und sei es nur dem Namen nach?",
    "opt.dont_know": "Weiß nicht",
    "opt.none": "Keine davon",
    "note.select_all": "Mehrfachnennungen möglich.",
    "note.select_one": "Bitte wählen Sie eine Antwort.",
    "note.every_row": "Bitte geben Sie in jeder Zeile eine Antwort.",
    "q.usage": "Haben Sie bei diesen Marken im Bereich {category} schon einmal etwas gekauft oder sie genutzt?",
    "opt.usage.current": "Ja, in den letzten 12 Monaten",
    "opt.usage.lapsed": "Ja, aber länger her",
    "opt.usage.never": "Nein, noch nie",
    "q.familiarity": "Wie gut kennen Sie diese Marken?",
    "opt.familiarity.name_only": "Nur dem Namen nach",
    "opt.familiarity.a_little": "Ein wenig",
    "opt.familiarity.quite_well": "Ziemlich gut",
    "opt.familiarity.very_well": "Sehr gut",
    "q.image": "Welche dieser Marken verbinden Sie mit „{attribute}“?",
    "opt.yes": "Ja",
    "opt.no": "Nein",
    "attr.product_quality": "Produktqualität",
    "attr.value_for_money": "Preis-Leistungs-Verhältnis",
    "attr.ease_of_purchase": "Einfacher Kauf",
    "attr.staff": "Hilfsbereites und freundliches Personal",
    "attr.delivery_times": "Lieferzeiten",
    "attr.trustworthiness": "Vertrauenswürdigkeit",
    "q.entry_point": "Wenn Sie an {category} {entry_point} denken: Welche dieser Marken fallen Ihnen ein?",
    "q.consideration": "Welche dieser Marken würden Sie beim nächsten Kauf im Bereich {category} in Betracht ziehen?",
    "q.preference": "Welche dieser Marken bevorzugen Sie am meisten?",
    "q.recommendation": (
        "Wie wahrscheinlich ist es, dass Sie diese Marken einem Freund oder Kollegen weiterempfehlen würden?"
    ),
    "opt.scale.low": "0 – äußerst unwahrscheinlich",
    "opt.scale.high": "10 – äußerst wahrscheinlich",
    "q.competitor_reason": "Warum kaufen Sie im Bereich {category} eher bei anderen Marken als bei {own_brand}?",
    "opt.reason.price": "Günstigere Preise",
    "opt.reason.quality": "Bessere Qualität",
    "opt.reason.availability": "Dort leichter zu kaufen, wo ich einkaufe",
    "opt.reason.service": "Besserer Service",
    "opt.reason.delivery": "Schnellere Lieferung",
    "opt.reason.recommended": "Wurde mir empfohlen",
    "opt.reason.habit": "Gewohnheit",
    "opt.reason.unfamiliar": "Ich kenne {own_brand} nicht gut genug",
    "opt.reason.other": "Ein anderer Grund",
    "q.service": "Wenn Sie {category} bei {own_brand} kaufen würden: Wie sehen Sie diesen Service: {feature}?",
    "opt.service.standard": "Das erwarte ich ohne Aufpreis",
    "opt.service.pay": "Dafür würde ich extra bezahlen",
    "opt.service.not_needed": "Das brauche ich nicht",
    "q.service_price": "Würden Sie {feature} bei {own_brand} für {price} dazukaufen?",
    "q.comment": "Möchten Sie uns noch etwas zu Marken im Bereich {category} mitteilen? (freiwillig)",
    "q.attention": "Um zu zeigen, dass Sie aufmerksam lesen, wählen Sie hier bitte „{expected}“.",
    "opt.agree.strongly_agree": "Stimme voll und ganz zu",
    "opt.agree.agree": "Stimme eher zu",
    "opt.agree.neutral": "Weder noch",
    "opt.agree.disagree": "Stimme eher nicht zu",
    "opt.agree.strongly_disagree": "Stimme überhaupt nicht zu",
    "err.required": "Bitte beantworten Sie diese Frage.",
    "err.choose_one": "Bitte wählen Sie eine Antwort aus.",
    "err.choose_at_least_one": "Bitte wählen Sie mindestens eine Antwort aus.",
    "err.unknown_option": "Bitte wählen Sie eine der angezeigten Antworten.",
    "err.exclusive": "„{label}“ kann nicht mit anderen Antworten kombiniert werden.",
    "err.characters": "Bitte nur Buchstaben, Ziffern und Satzzeichen verwenden.",
    "err.enter_number": "Bitte geben Sie eine Zahl von {minimum} bis {maximum} ein.",
    "err.every_row": "Bitte geben Sie in jeder Zeile eine Antwort.",
    "err.text_or_option": "Bitte geben Sie mindestens eine Antwort ein oder wählen Sie „{label}“.",
    "err.text_required": "Bitte geben Sie eine Antwort ein.",
    "err.too_many_texts": "Bitte nutzen Sie höchstens {boxes} Felder.",
    "err.text_too_long": "Bitte fassen Sie jede Antwort in weniger als {limit} Zeichen.",
    "level.age.18-24": "18–24 Jahre",
    "level.age.25-34": "25–34 Jahre",
    "level.age.35-44": "35–44 Jahre",
    "level.age.45-54": "45–54 Jahre",
    "level.age.55-64": "55–64 Jahre",
    "level.age.65+": "65 Jahre oder älter",
    "level.gender.female": "Weiblich",
    "level.gender.male": "Männlich",
    "level.gender.diverse": "Divers",
    "level.region.Northeast": "Nordosten",
    "level.region.Midwest": "Mittlerer Westen",
    "level.region.South": "Süden",
    "level.region.West": "Westen",
    "level.region.north": "Norden (Schleswig-Holstein, Hamburg, Niedersachsen, Bremen)",
    "level.region.west": "Westen (Nordrhein-Westfalen, Hessen, Rheinland-Pfalz, Saarland)",
    "level.region.south": "Süden (Baden-Württemberg, Bayern)",
    "level.region.east": "Osten (Berlin, Brandenburg, Mecklenburg-Vorpommern, Sachsen, Sachsen-Anhalt, Thüringen)",
    "level.region.North East": "Nordostengland",
    "level.region.North West": "Nordwestengland",
    "level.region.Yorkshire and The Humber": "Yorkshire und Humber",
    "level.region.East Midlands": "East Midlands",
    "level.region.West Midlands": "West Midlands",
    "level.region.East of England": "Ostengland",
    "level.region.London": "London",
    "level.region.South East": "Südostengland",
    "level.region.South West": "Südwestengland",
    "level.region.Wales": "Wales",
    "level.region.Scotland": "Schottland",
    "level.region.Northern Ireland": "Nordirland",
    "level.education.hs_or_less": "Highschool-Abschluss oder niedriger",
    "level.education.some_college_associate": "College ohne Abschluss oder Associate Degree",
    "level.education.bachelors_plus": "Bachelor oder höher",
    "level.education.isced_0_2": "Kein Berufsabschluss und höchstens Haupt- oder Realschulabschluss",
    "level.education.isced_3_4": "Abitur, Fachhochschulreife oder abgeschlossene Berufsausbildung",
    "level.education.isced_5_8": "Hochschulabschluss, Meister, Techniker oder gleichwertiger Abschluss",
}

TEXTS: Mapping[str, Mapping[str, str]] = {"en": _EN, "de": _DE}


def text(language: str, key: str, **params: object) -> str:
    """The fixed string ``key`` in ``language`` with ``{placeholders}`` filled from ``params``."""
    template = TEXTS[language][key]
    return template.format(**params) if params else template


def level_label(language: str, variable: str, code: str) -> str:
    """Display text of a screener level; the level code itself when the catalogue has no entry for it."""
    return TEXTS[language].get(f"level.{variable}.{code}", code)


def price_label(language: str, amount: float, currency: str) -> str:
    """A price as respondents read it: ``EUR 49`` / ``EUR 49.50`` in English, ``49 EUR`` / ``49,50 EUR`` in
    German."""
    number = f"{amount:.0f}" if float(amount).is_integer() else f"{amount:.2f}"
    return f"{number.replace('.', ',')} {currency}" if language == "de" else f"{currency} {number}"
