"""The service promise (:mod:`recognition.reports.promise`) as a PDF, with the summary's document machinery
(:class:`recognition.reports.pdf.Document`: fpdf2, the shipped DejaVu Sans font, no address in it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recognition.reports.numbers import Numbers
from recognition.reports.pdf import MUTED, Document
from recognition.reports.promise import HEADINGS, LISTS, analysis_words


def _source(item: Mapping[str, Any], fmt: Numbers) -> str:
    if item["source"] == "marketer":
        said = "Decided by the marketer" + (" (overriding the analysis)" if item["overrides"] else "")
        return f"{said}; {analysis_words(item, fmt)}" + (
            f". Note: {item['note']}" if item.get("note") else ""
        )
    if item["source"] == "analysis":
        return f"Follows the analysis; {analysis_words(item, fmt)}"
    return "Neither analysed nor decided"


def promise_pdf(promise: Mapping[str, Any], fmt: Numbers) -> bytes:
    """The promise's three lists (and the undecided, when any) as PDF bytes."""
    title = f"{promise['poll']['name']}: our service promise"
    doc = Document(title)
    doc.add_page()
    doc.text_block(title, 17, "B")
    when = promise.get("scheduled_at")
    doc.text_block(
        f"From the service analysis of the wave of {when[:10]} and the marketer's decisions."
        if when
        else "No wave of this poll has been published yet: the promise holds only the marketer's decisions.",
        9,
        colour=MUTED,
    )
    for name in LISTS:
        items = promise[name]
        if name == "undecided" and not items:
            continue
        doc.heading(HEADINGS[name])
        if not items:
            doc.text_block("Nothing.", 10, colour=MUTED)
        for item in items:
            price = (
                f" — {fmt.decimal(item['price'], 2)} {item['currency']}"
                if item["choice"] == "paid_add_on"
                else ""
            )
            doc.text_block(f"{item['label']}{price}", 10.5, "B")
            doc.text_block(_source(item, fmt), 8.5, colour=MUTED)
            doc.ln(1.5)
    return bytes(doc.output())
