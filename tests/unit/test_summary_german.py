"""The written summary speaks the page's language: a German page's summary is German throughout (its sentences,
the tests its points were judged by), with German numbers and names; and it names a marketer's own service
dimension in her words, in either language."""

from __future__ import annotations

import re
from dataclasses import replace

from recognition.alerts.objectives import evaluate
from recognition.figures import StatisticsOptions
from recognition.labels import metric_namer
from recognition.reports.model import since_changes, tiles
from recognition.reports.numbers import Numbers
from recognition.reports.summary import summarise
from recognition.reports.wording import SENTENCES
from tests.unit.test_reports_model import _cell, _objective, _poll, _wave
from tests.unit.test_summary_insight import _data, _drivers, _insight, _mental

DE = Numbers("de")
#: Words of the English templates that a German summary must never contain.
ENGLISH = re.compile(
    r"\b(of|rose|fell|since|over|waves|has been|rising|falling|to|no significant|objective|now|clearly|limit|"
    r"interval|includes|other|low base|read with care|not shown|effective|goes with|most|explained|rated|"
    r"against|buying|known|two-sample|family|adjusted|wave-on-wave|confidence)\b",
    re.IGNORECASE,
)


def _english_free(text: str) -> None:
    found = ENGLISH.findall(text)
    assert not found, (found, text)


def test_the_catalogue_has_the_same_keys_and_placeholders_in_both_languages() -> None:
    en, de = SENTENCES["en"], SENTENCES["de"]
    assert en.keys() == de.keys()
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", de[key])), key


def test_german_summary_leads_with_the_news_in_german() -> None:
    waves = [_wave(1), _wave(2)]
    cells = [
        _cell(0.58, 0.55, 0.61, wave=1),
        _cell(0.62, 0.59, 0.65, wave=2, change=0.04, p_value=0.004, q_value=0.01, significant=True),
        _cell(0.30, 0.27, 0.33, wave=2, metric="consider", change=0.01, p_value=0.5, q_value=0.6),
        _cell(-35, -50, -19, wave=2, metric="nps", change=-4.0, p_value=0.5, q_value=0.7, significant=False),
        _cell(0.20, 0.1, 0.3, wave=2, brand="rival", metric="prefer", status="low"),
    ]
    statuses = [
        evaluate(_objective(10, metric="nps"), cells[3][1], 2),
        evaluate(_objective(0.6), cells[1][1], 2),
        evaluate(_objective(0.5, "at_most", metric="consider"), cells[2][1], 2),
    ]
    summary = summarise(_poll(waves, cells), 2, "all", statuses, fmt=DE)
    texts = [p.text for p in summary.points]
    assert [p.kind for p in summary.points] == [
        "objective",
        "objective",
        "change",
        "no_change",
        "objective",
        "low_base",
    ]
    assert texts[0] == (
        "Ziel verfehlt: NPS von Acme mindestens 10. Aktuell \u221235, deutlich unter der Grenze von 10."
    )
    assert texts[1] == (
        "Ziel gefährdet: Gestützte Bekanntheit von Acme mindestens 60\u00a0%. Aktuell 62\u00a0%; das Intervall "
        "59\u00a0bis\u00a065\u00a0% schließt die Grenze von 60\u00a0% ein."
    )
    assert texts[2] == "Die gestützte Bekanntheit von Acme stieg um 4\u00a0Punkte auf 62\u00a0%."
    assert texts[3] == "Keine signifikante Veränderung für Acme: Kaufbereitschaft und NPS."
    assert texts[4] == "Weitere Ziele: Kaufbereitschaft von Acme höchstens 50\u00a0% (auf Kurs)."
    assert texts[5] == "Geringe Basis, mit Vorsicht zu lesen (effektives n): Präferenz von Rival (800)."
    for p in summary.points:
        _english_free(p.text)
        if p.test:
            _english_free(p.test)
    assert summary.points[2].test is not None and summary.points[2].test.startswith(
        "Vergleich mit der Vorwelle: Zwei-Stichproben-z-Test"
    )
    assert summary.points[0].test == "Konfidenzintervall im Vergleich zur Grenze"


def test_german_moves_since_the_baseline_and_trends() -> None:
    waves = [_wave(i) for i in (1, 2, 3, 4)]
    cells = [
        _cell(0.50, 0.47, 0.53, wave=1),
        _cell(0.58, 0.55, 0.61, wave=4, change=0.02, p_value=0.35, q_value=0.5, significant=False),
    ]
    data = _poll(waves, cells)
    moves = since_changes(data, 4, "all", StatisticsOptions())
    (since,) = summarise(data, 4, "all", fmt=DE, moves=moves, start=data.waves[0]).of_kind("since")
    assert (
        since.text
        == "Seit 06.01.2025 stieg die gestützte Bekanntheit von Acme um 8\u00a0Punkte auf 58\u00a0%."
    )
    assert since.test is not None and since.test.startswith("Veränderung seit der Basiswelle")
    rising = _poll(
        [_wave(i) for i in range(1, 6)], [_cell(0.50 + 0.02 * (i - 1), 0, 1, wave=i) for i in range(1, 6)]
    )
    cards = tiles(rising, 5, "all", StatisticsOptions())
    (trend,) = summarise(
        rising, 5, "all", fmt=DE, trends={t.metric: t.trend for t in cards if t.trend}
    ).of_kind("trend")
    assert trend.text == (
        "Über die letzten 5 Wellen ist die gestützte Bekanntheit von Acme gestiegen: insgesamt um 8\u00a0Punkte "
        "auf 58\u00a0%."
    )
    for p in (since, trend):
        _english_free(p.text)
        _english_free(p.test or "")


def test_german_insight_sentences() -> None:
    data = _data({"acme": 0.30, "cafe": 0.52, "other": 0.60})
    (driver,) = summarise(data, 2, "all", insight=_insight([_drivers()]), fmt=DE).of_kind("insight")
    assert driver.text == (
        "Trust hängt am stärksten mit Kaufbereitschaft zusammen (55\u00a0% der erklärten Varianz); Acme wird "
        "darauf schlechter bewertet als Café Y (30\u00a0% gegenüber 52\u00a0%)."
    )
    now, before = _insight(mental=_mental(0.20, 0.40)), _insight(mental=_mental(0.26, 0.41))
    aided = {"acme": 0.90, "cafe": 0.30, "other": 0.30}
    moved, far = summarise(_data({}, aided), 2, "all", insight=now, previous_insight=before, fmt=DE).of_kind(
        "insight"
    )
    assert moved.text == (
        "Der mentale Marktanteil von Acme (Kaufsituationen der Kategorie) sank um 6\u00a0Punkte auf 20\u00a0%."
    )
    assert far.text.startswith("Der mentale Marktanteil von Acme (20\u00a0%) liegt weit unter dem Anteil")
    for p in (driver, moved, far):
        _english_free(p.text.replace("Trust", ""))  # the attribute is named by its id
        _english_free(p.test or "")


def test_a_marketers_own_dimension_is_named_in_her_words() -> None:
    """A dimension the marketer added reads as she worded it in every sentence naming it, not as its id."""
    metric = "service.dissatisfied.delivery_speed"
    cells = [
        _cell(0.20, 0.17, 0.23, wave=1, metric=metric),
        _cell(
            0.12,
            0.10,
            0.14,
            wave=2,
            metric=metric,
            change=-0.08,
            p_value=0.001,
            q_value=0.002,
            significant=True,
        ),
        _cell(0.20, 0.1, 0.3, wave=2, brand="rival", metric=metric, status="low"),
    ]
    data = _poll([_wave(1), _wave(2)], cells)
    wording = [{"id": "delivery_speed", "label": {"en": "Speed of delivery", "de": "Liefergeschwindigkeit"}}]
    english = summarise(data, 2, "all", name=metric_namer("en", wording))
    (change,) = english.of_kind("change")
    assert change.text == (
        "Dissatisfied with the service: Speed of delivery of Acme fell 8\u00a0points to 12% (exploratory)."
    )
    (low,) = english.of_kind("low_base")
    assert "Dissatisfied with the service: Speed of delivery of Rival (800)" in low.text
    german = summarise(data, 2, "all", fmt=DE, name=metric_namer("de", wording))
    assert german.of_kind("change")[0].text == (
        "Der Wert „Unzufrieden mit dem Service: Liefergeschwindigkeit“ von Acme sank um 8\u00a0Punkte auf "
        "12\u00a0% (explorativ)."
    )
    for summary in (english, german):
        assert not any("delivery_speed" in p.text or "delivery speed" in p.text for p in summary.points)


def test_german_segment_reads_in_the_dative() -> None:
    moved = replace(
        _cell(0.62, 0.59, 0.65, wave=2, change=0.04, p_value=0.004, q_value=0.01, significant=True)[1],
        segment="customer=non",
    )
    data = _poll([_wave(1), _wave(2)], [(2, moved)])
    (point,) = summarise(data, 2, "customer=non", fmt=DE).of_kind("change")
    assert point.text == (
        "Die gestützte Bekanntheit von Acme bei potenziellen Kunden stieg um 4\u00a0Punkte auf 62\u00a0% (explorativ)."
    )
    assert point.family == "segment"
