"""One number format (true minus, intervals "−25 to −11", the same rounding everywhere, German), human labels for
metrics and segments, and charts that escape what they draw and carry value, interval and base on every mark."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from recognition.labels import among, metric_name, segment_name
from recognition.reports import charts, charts_other
from recognition.reports.numbers import MINUS, NBSP, Numbers, numbers_for

EN, DE = Numbers("en"), Numbers("de")


@pytest.mark.parametrize(
    ("value", "kind", "en", "de"),
    [
        (0.62, "proportion", "62%", f"62{NBSP}%"),
        (-35.0, "mean", f"{MINUS}35", f"{MINUS}35"),
        (-0.2, "mean", "0", "0"),  # never "−0"
        (None, "proportion", "—", "—"),
    ],
)
def test_values(value: float | None, kind: str, en: str, de: str) -> None:
    assert EN.value(value, kind) == en and DE.value(value, kind) == de


def test_intervals_use_words_and_true_minus_and_do_not_wrap() -> None:
    assert EN.interval(-25.2, -10.6, "mean") == f"{MINUS}25{NBSP}to{NBSP}{MINUS}11"
    assert EN.interval(0.59, 0.65) == f"59{NBSP}to{NBSP}65%"
    assert DE.interval(0.59, 0.65) == f"59{NBSP}bis{NBSP}65{NBSP}%"
    assert EN.ci(0.59, 0.65, "proportion") == f"95% CI{NBSP}59{NBSP}to{NBSP}65%"
    assert "-" not in EN.interval(-0.3, -0.1, "proportion")


def test_changes_round_the_same_way_on_cards_and_in_sentences() -> None:
    # −4.1 points: "−4 pts" on a card, "4 points" in a sentence; never "−4.1" in one and "−4" in the other
    assert EN.change(-0.041) == f"{MINUS}4{NBSP}pts" and EN.size(-0.041) == f"4{NBSP}points"
    assert EN.change(0.013) == f"+1{NBSP}pt" and EN.size(0.013) == f"1{NBSP}point"
    assert EN.change(0.004) == f"+0.4{NBSP}pts"
    assert EN.change(-6.0, "mean", long=True) == f"{MINUS}6{NBSP}points"
    assert DE.change(0.004) == f"+0,4{NBSP}Pkt." and DE.size(0.05) == f"5{NBSP}Punkte"
    assert EN.change(None) == "—"


def test_counts_and_p_values_and_locale_choice() -> None:
    assert EN.count(12345.4) == "12,345" and DE.count(12345.4) == "12.345"
    assert EN.stat(0.0172) == "0.0172" and DE.stat(0.0172) == "0,0172" and EN.stat(0.0001) == f"<{NBSP}0.001"
    assert numbers_for("de-DE,de;q=0.9,en;q=0.8").locale == "de"
    assert numbers_for("en-GB,de;q=0.5").locale == "en"
    assert numbers_for("fr", "de").locale == "de" and numbers_for(None).locale == "en"


def test_labels_for_metrics_and_segments() -> None:
    assert metric_name("image.value_for_money") == "Image: value for money"
    assert metric_name("consider", "de") == "Kaufbereitschaft"
    assert segment_name("customer=non") == "Potential customers"
    assert segment_name("education=some_college_associate") == "Education: some college or associate degree"
    assert segment_name("age=18-24") == "Age 18–24" and segment_name("gender=female", "de") == "Frauen"
    assert segment_name("region=South") == "Region: South"
    assert among("customer=non") == " among potential customers"
    assert among("age=65+") == " among people aged 65+" and among("all") == ""


def test_charts_escape_text_and_carry_tooltips() -> None:
    name = "$x$ Co <b>&"
    points = [charts.Point(0.5, 0.45, 0.55, 540.0), None, charts.Point(0.55, 0.5, 0.6, 530.0)]
    svg = charts.trend("Aided awareness", ["5 Jan", "12 Jan", "19 Jan"], [charts.Series(name, points)], EN)
    root = ET.fromstring(svg)  # well-formed: the brand's markup is text, not tags
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Aided awareness" in texts
    marks = [m for m in root.iter() if m.get("class") == "mark"]
    assert len(marks) == 2  # the wave without a figure has no mark
    tip = "".join(marks[0].itertext())
    assert tip == f"{name}, 5 Jan: 50% (95% CI{NBSP}45{NBSP}to{NBSP}55%), effective n 540"
    bars = charts_other.bars(
        "Aided", [(name, charts.Point(0.4, 0.35, 0.45, 500.0), True), ("B", None, False)], EN
    )
    root = ET.fromstring(bars)
    assert any(name in "".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "base too small" in bars


def test_narrow_charts_keep_their_text_size() -> None:
    """The narrow drawing is made for a phone: its viewBox is about a phone's width, so 11–12 unit text stays
    11–12 px instead of shrinking with a wide drawing."""
    series = [charts.Series(f"Brand {i}", [charts.Point(0.1 * i)] * 104) for i in range(1, 13)]
    labels = [f"{d:02d} Jan" for d in range(104)]
    svg = charts.trend("t", labels, series, EN, width=charts.NARROW)
    root = ET.fromstring(svg)
    assert root.get("viewBox", "").split()[2] == str(charts.NARROW)
    sizes = {int(t.get("font-size", "0")) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert min(sizes) >= 10
    shown = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text in labels]
    assert 2 <= len(shown) <= 6 and shown[-1].text == labels[-1]  # no crowding; the latest wave labelled
    assert labels[-27] not in svg and labels[-26] in svg  # a phone shows the latest half-year
    # a long trend: one hover column per wave naming every brand, instead of 1,248 marks
    wide = ET.fromstring(charts.trend("t", labels, series, EN))
    columns = [m for m in wide.iter() if m.get("class") == "mark"]
    assert len(columns) == 104 and "Brand 12 " in "".join(columns[-1].itertext())
