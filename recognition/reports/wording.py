"""The written summary's wording (:mod:`recognition.reports.summary`, :mod:`recognition.reports.summary_insight`),
in English and German with the same keys and placeholders: the sentence templates, the words filled into them and
the names of the tests the points were judged by. The figures' names come from :mod:`recognition.labels`, their
numbers from :mod:`recognition.reports.numbers`. Pure: no I/O.

German reads in neutral report style: a metric in a sentence takes its article ("die gestützte Bekanntheit",
"der NPS"); a metric with no known article (an image attribute, a service dimension, a marketer's own) is quoted
as "der Wert „…“".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from recognition.alerts.objectives import STATUS_NAMES
from recognition.labels import among, metric_name, phrase
from recognition.reports.numbers import Numbers

_EN: dict[str, str] = {
    "change": "{Metric} of {brand}{among} {verb} {size} to {value}{label}.",
    "since": "Since {start}, {metric} of {brand}{among} {verb} {size} to {value}{label}.",
    "trend": "Over the last {waves} waves, {metric} of {brand}{among} has been {verb}: {size} in all, to {value}.",
    "no_change": "No significant change in {metrics} of {brand}{among}.",
    "rose": "rose",
    "fell": "fell",
    "rising": "rising",
    "falling": "falling",
    "exploratory": " (exploratory)",
    "or": " or ",
    "and": " and ",
    "objective.name": "{Metric} of {brand}{among} {limit}",
    "at_least": "at least",
    "at_most": "at most",
    "below": "below",
    "above": "above",
    "objective.breached": "Objective breached: {name}. Now {now}, clearly {side} the limit of {limit}.",
    "objective.at_risk": "Objective at risk: {name}. Now {now}; the interval {interval} includes the limit of "
    "{limit}.",
    "objective.other": "Objective {status}: {name}.",
    "objective.others": "Other objectives: {listed}.",
    "objective.listed": "{name} ({status})",
    **{f"status.{status}": name for status, name in STATUS_NAMES.items()},
    "low.name": "{Metric} of {brand}{among} ({n})",
    "low.low": "Low base, read with care",
    "low.hidden": "Not shown, base too small",
    "low.group": "{lead} (effective n): {named}{more}.",
    "low.more": " and {count} more",
    "driver": "{Attribute} goes with {outcomes}{among} most ({shares} of the explained variance)",
    "driver.values": "({own} against {theirs})",
    "driver.same": "; {mine}'s rating on it does not differ significantly from {rival}'s {values}",
    "driver.differs": "; {mine} is rated {side} {rival} on it {values}",
    "rated.above": "above",
    "rated.below": "below",
    "mental.move": "{Measure} of {brand} (the category's buying situations) {verb} {size} to {value}.",
    "mental.mental_market_share.opening": "The mental market share",
    "mental.mental_penetration.opening": "The mental penetration",
    "mental.far_below": "{brand}'s mental market share ({share}) is far below its share of aided awareness "
    "({aware}): the brand is known but comes to mind in few buying situations.",
    "test.change": "two-sample z test of independent estimates, Benjamini–Hochberg adjusted within its family",
    "test.wave": "wave-on-wave {test}",
    "test.window": "rolling {window}-wave {test}",
    "test.since": "change since the baseline wave: two-sample z test, Benjamini–Hochberg adjusted within its "
    "family",
    "test.trend": "trend over the last waves: random-effects weighted least squares, t test on waves − 2 degrees "
    "of freedom, Benjamini–Hochberg adjusted over the own brand's metrics",
    "test.objective": "confidence interval against the limit",
    "test.drivers": "key drivers: relative weights with bootstrap percentile intervals, the top share's interval "
    "above an even split; the brands' ratings compared by a two-sample z test",
    "test.mental": "mental availability against the previous wave: two-sample z test, Benjamini–Hochberg "
    "adjusted over mental market share and mental penetration",
    "test.share": "mental market share's confidence interval against the share of aided awareness",
    "family": "{family} family",
    "empty": "No published figures for this wave and segment.",
    "trace.name": "{Metric} of {brand}{among}",
    "trace.n_eff": "effective n",
    "trace.change": "change",
    "trace.over": "over waves",
    "judged": "How these were judged, and a short glossary",
    "glossary.significant.term": "Significant change (▲▼)",
    "glossary.significant": "Unlikely to be sampling noise: q below {alpha} after false-discovery-rate control, and "
    "at least {size} (NPS: {nps}).",
    "glossary.families.term": "Headline and exploratory reads",
    "glossary.families": "Changes of the headline metrics in the total sample are tested as one family, so their "
    "flags can be acted on. Segments and secondary metrics (image, familiarity) are separate, exploratory "
    "families: a flag there is a lead to follow up, not a finding.",
    "glossary.q.term": "q-value",
    "glossary.q": "The p-value adjusted for the number of changes tested together in the family "
    "(Benjamini–Hochberg).",
    "glossary.ci.term": "Confidence interval (CI)",
    "glossary.ci": "The range the true figure very likely lies in (95%).",
    "glossary.n_eff.term": "Effective n",
    "glossary.n_eff": "The sample size after weighting, as precise as a simple random sample of that size.",
    "glossary.low.term": "Low base",
    "glossary.low": "An effective n below {flag}: read with care. Below {suppress} the figure is not shown.",
    "glossary.status.term": "Objective statuses",
    "glossary.status": "On track: the interval is clear of the limit; at risk: the interval includes it; "
    "breached: the figure is clearly past it.",
    "print.title": "{poll}: summary",
    "print.page": "page",
    "print.lede": "Wave of {wave} · fieldwork {fieldwork} · questionnaire v{version} · {segment}{window}",
    "print.window": " · rolling {window} waves",
    "print.none": "No wave of this poll has been published yet.",
    "print.changed": "What changed",
    "print.objectives": "Objectives",
    "print.objective": "{name}: {limit} — now {now}, {status}.",
    "print.judged": "How these were judged",
    "print.method": "Changes are two-sample z tests of independent estimates against the previous wave (or window), "
    "with Benjamini–Hochberg false-discovery-rate control within each family: the headline family (total sample "
    "× headline metrics × every brand) on its own; secondary metrics and each segment as separate, exploratory "
    "families. A change is significant only when q < {alpha} and it is at least {size}. Intervals are 95% "
    "confidence intervals.",
}

_DE: dict[str, str] = {
    "change": "{Metric} von {brand}{among} {verb} um {size} auf {value}{label}.",
    "since": "Seit {start} {verb} {metric} von {brand}{among} um {size} auf {value}{label}.",
    "trend": "Über die letzten {waves} Wellen ist {metric} von {brand}{among} {verb}: insgesamt um {size} auf "
    "{value}.",
    "no_change": "Keine signifikante Veränderung für {brand}{among}: {metrics}.",
    "rose": "stieg",
    "fell": "sank",
    "rising": "gestiegen",
    "falling": "gesunken",
    "exploratory": " (explorativ)",
    "or": " und ",
    "and": " und ",
    "objective.name": "{Metric} von {brand}{among} {limit}",
    "at_least": "mindestens",
    "at_most": "höchstens",
    "below": "unter",
    "above": "über",
    "objective.breached": "Ziel verfehlt: {name}. Aktuell {now}, deutlich {side} der Grenze von {limit}.",
    "objective.at_risk": "Ziel gefährdet: {name}. Aktuell {now}; das Intervall {interval} schließt die Grenze "
    "von {limit} ein.",
    "objective.other": "Ziel {status}: {name}.",
    "objective.others": "Weitere Ziele: {listed}.",
    "objective.listed": "{name} ({status})",
    "status.on_track": "auf Kurs",
    "status.at_risk": "gefährdet",
    "status.breached": "verfehlt",
    "status.suppressed": "Basis zu klein",
    "status.no_data": "keine Daten",
    "low.name": "{Metric} von {brand}{among} ({n})",
    "low.low": "Geringe Basis, mit Vorsicht zu lesen",
    "low.hidden": "Nicht ausgewiesen, Basis zu klein",
    "low.group": "{lead} (effektives n): {named}{more}.",
    "low.more": " und {count} weitere",
    "driver": "{Attribute} hängt{among} am stärksten mit {outcomes} zusammen ({shares} der erklärten Varianz)",
    "driver.values": "({own} gegenüber {theirs})",
    "driver.same": "; die Bewertung von {mine} darauf unterscheidet sich nicht signifikant von der von {rival} "
    "{values}",
    "driver.differs": "; {mine} wird darauf {side} bewertet als {rival} {values}",
    "rated.above": "besser",
    "rated.below": "schlechter",
    "mental.move": "{Measure} von {brand} (Kaufsituationen der Kategorie) {verb} um {size} auf {value}.",
    "mental.mental_market_share.opening": "Der mentale Marktanteil",
    "mental.mental_penetration.opening": "Die mentale Penetration",
    "mental.far_below": "Der mentale Marktanteil von {brand} ({share}) liegt weit unter dem Anteil der Marke an "
    "der gestützten Bekanntheit ({aware}): Die Marke ist bekannt, kommt aber in wenigen Kaufsituationen in den "
    "Sinn.",
    "test.change": "Zwei-Stichproben-z-Test unabhängiger Schätzungen, Benjamini-Hochberg-Korrektur innerhalb "
    "der Familie",
    "test.wave": "Vergleich mit der Vorwelle: {test}",
    "test.window": "Vergleich gleitender {window}-Wellen-Fenster: {test}",
    "test.since": "Veränderung seit der Basiswelle: Zwei-Stichproben-z-Test, Benjamini-Hochberg-Korrektur "
    "innerhalb der Familie",
    "test.trend": "Trend über die letzten Wellen: gewichtete Kleinste-Quadrate-Schätzung mit zufälligen "
    "Effekten, t-Test mit Wellenzahl − 2 Freiheitsgraden, Benjamini-Hochberg-Korrektur über die Kennzahlen der "
    "eigenen Marke",
    "test.objective": "Konfidenzintervall im Vergleich zur Grenze",
    "test.drivers": "Treiberanalyse: relative Gewichte mit Bootstrap-Perzentilintervallen, das Intervall des "
    "größten Anteils über einer Gleichverteilung; die Bewertungen der Marken verglichen mit einem "
    "Zwei-Stichproben-z-Test",
    "test.mental": "mentale Verfügbarkeit im Vergleich zur Vorwelle: Zwei-Stichproben-z-Test, "
    "Benjamini-Hochberg-Korrektur über mentalen Marktanteil und mentale Penetration",
    "test.share": "Konfidenzintervall des mentalen Marktanteils im Vergleich zum Anteil an der gestützten "
    "Bekanntheit",
    "family": "Familie {family}",
    "empty": "Keine veröffentlichten Zahlen für diese Welle und dieses Segment.",
    "trace.name": "{Metric} von {brand}{among}",
    "trace.n_eff": "effektives n",
    "trace.change": "Veränderung",
    "trace.over": "über die Wellen",
    "judged": "Wie diese Aussagen geprüft wurden, und ein kurzes Glossar",
    "glossary.significant.term": "Signifikante Veränderung (▲▼)",
    "glossary.significant": "Wahrscheinlich kein Stichprobenrauschen: q unter {alpha} nach Kontrolle der False "
    "Discovery Rate und mindestens {size} (NPS: {nps}).",
    "glossary.families.term": "Kernzahlen und explorative Aussagen",
    "glossary.families": "Veränderungen der Kernkennzahlen in der Gesamtstichprobe werden als eine Familie "
    "getestet, sodass sich auf ihre Markierungen handeln lässt. Segmente und weitere Kennzahlen (Image, "
    "Vertrautheit) bilden eigene, explorative Familien: Eine Markierung dort ist ein Hinweis, dem nachzugehen ist, "
    "kein Befund.",
    "glossary.q.term": "q-Wert",
    "glossary.q": "Der p-Wert, korrigiert für die Zahl der in der Familie gemeinsam getesteten Veränderungen "
    "(Benjamini-Hochberg).",
    "glossary.ci.term": "Konfidenzintervall (KI)",
    "glossary.ci": "Der Bereich, in dem der wahre Wert sehr wahrscheinlich liegt (95 %).",
    "glossary.n_eff.term": "Effektives n",
    "glossary.n_eff": "Die Stichprobengröße nach der Gewichtung: so genau wie eine einfache Zufallsstichprobe "
    "dieser Größe.",
    "glossary.low.term": "Geringe Basis",
    "glossary.low": "Ein effektives n unter {flag}: mit Vorsicht zu lesen. Unter {suppress} wird der Wert nicht "
    "ausgewiesen.",
    "glossary.status.term": "Status der Ziele",
    "glossary.status": "Auf Kurs: Das Intervall liegt klar diesseits der Grenze; gefährdet: Das Intervall "
    "schließt sie ein; verfehlt: Der Wert liegt klar jenseits der Grenze.",
    "print.title": "{poll}: Zusammenfassung",
    "print.page": "Seite",
    "print.lede": "Welle vom {wave} · Feldzeit {fieldwork} · Fragebogen v{version} · {segment}{window}",
    "print.window": " · gleitend über {window} Wellen",
    "print.none": "Von dieser Umfrage wurde noch keine Welle veröffentlicht.",
    "print.changed": "Was sich verändert hat",
    "print.objectives": "Ziele",
    "print.objective": "{name}: {limit} — aktuell {now}, {status}.",
    "print.judged": "Wie diese Aussagen geprüft wurden",
    "print.method": "Veränderungen werden mit Zwei-Stichproben-z-Tests unabhängiger Schätzungen gegen die Vorwelle "
    "(bzw. das vorige Fenster) geprüft, mit Benjamini-Hochberg-Kontrolle der False Discovery Rate innerhalb jeder "
    "Familie: die Familie der Kernzahlen (Gesamtstichprobe × Kernkennzahlen × alle Marken) für sich; weitere "
    "Kennzahlen und jedes Segment als eigene, explorative Familien. Eine Veränderung gilt nur dann als signifikant, "
    "wenn q < {alpha} ist und sie mindestens {size} beträgt. Intervalle sind 95-%-Konfidenzintervalle.",
}

SENTENCES: dict[str, dict[str, str]] = {"en": _EN, "de": _DE}
#: The glossary under the summary, in order (``glossary.<term>.term`` and ``glossary.<term>``).
GLOSSARY = ("significant", "families", "q", "ci", "n_eff", "low", "status")

#: German metrics with their article, as the subject of a sentence.
_SUBJECTS_DE = {
    "unaided": "die ungestützte Bekanntheit",
    "aided": "die gestützte Bekanntheit",
    "total_awareness": "die Gesamtbekanntheit",
    "top_of_mind": "der Top-of-Mind-Anteil",
    "familiar": "die Vertrautheit",
    "consider": "die Kaufbereitschaft",
    "prefer": "die Präferenz",
    "nps": "der NPS",
}


def s(locale: str, key: str, **params: object) -> str:
    """The summary wording ``key`` in ``locale`` (English when the locale is unknown), filled with ``params``."""
    return phrase(SENTENCES, locale, key, **params)


def in_sentence(metric: str, name: str, locale: str) -> str:
    """A metric named inside a sentence: "aided awareness", "NPS"; German with its article ("die gestützte
    Bekanntheit", "der NPS", "der Wert „Image: trust“")."""
    if locale == "de":
        return _SUBJECTS_DE.get(metric) or f"der Wert „{name}“"
    return name if name.isupper() else name[0].lower() + name[1:]


def first(text: str) -> str:
    """``text`` to open a sentence: its first letter upper case."""
    return text[:1].upper() + text[1:]


def day(when: datetime, locale: str = "en") -> str:
    """A wave's date: ``06 Jan 2025``, German ``06.01.2025``."""
    return f"{when:%d.%m.%Y}" if locale == "de" else f"{when:%d %b %Y}"


def span(start: datetime | None, end: datetime | None, scheduled: datetime, locale: str = "en") -> str:
    """A wave's fieldwork: ``06 Jan – 12 Jan 2025`` (German ``06.01. – 12.01.2025``); its date without one."""
    if start is None or end is None:
        return day(scheduled, locale)
    return f"{start:%d.%m.} – {end:%d.%m.%Y}" if locale == "de" else f"{start:%d %b} – {end:%d %b %Y}"


def test_name(window: int, locale: str = "en") -> str:
    """How a stored change was tested: against the previous wave, or the previous non-overlapping window."""
    test = s(locale, "test.change")
    return (
        s(locale, "test.wave", test=test)
        if window <= 1
        else s(locale, "test.window", window=window, test=test)
    )


@dataclass(frozen=True)
class Voice:
    """How one summary speaks: its numbers (and so its language) and how it names metrics (the page's
    :func:`recognition.labels.metric_namer`, so a marketer's own service dimension reads in her words)."""

    fmt: Numbers = Numbers()
    name: Callable[[str], str] = metric_name

    @property
    def locale(self) -> str:
        return "de" if self.fmt.german else "en"

    def s(self, key: str, **params: object) -> str:
        return s(self.locale, key, **params)

    def among(self, segment: str) -> str:
        return among(segment, self.locale)

    def inside(self, metric: str) -> str:
        """The metric inside a sentence (:func:`in_sentence`)."""
        return in_sentence(metric, self.name(metric), self.locale)

    def opening(self, metric: str) -> str:
        """The metric opening a sentence: "Aided awareness", German "Die gestützte Bekanntheit"."""
        return first(self.inside(metric)) if self.locale == "de" else self.name(metric)
