"""The written summary as a PDF, with its charts: built in Python with fpdf2, so it works wherever ``pip install``
did (no browser, no system libraries), and the same on every machine.

The document is made from the page's own parts — the summary points, the charts' SVG (fpdf2 draws SVG as
vectors), the objectives and the method note — with the DejaVu Sans font shipped in ``recognition/static/fonts``
(every character the pages use, true minus sign included). It holds no address at all, so no share token.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from recognition.figures import StatisticsOptions
from recognition.labels import among, family_label, segment_name
from recognition.reports.views import Page
from recognition.reports.wording import s

FONTS = Path(__file__).resolve().parents[1] / "static" / "fonts"
FAMILY = "DejaVu Sans"  # the name the charts' SVG asks for
INK = (29, 35, 41)
MUTED = (91, 102, 112)
STATUS_COLOURS = {"breached": (197, 54, 44), "at_risk": (224, 168, 0), "on_track": (47, 158, 85)}
CHARTS = ("kpi_trend", "nps_trend", "brand_trend", "comparison", "funnel", "image_map")


class Document(FPDF):
    def __init__(self, title: str, page_word: str = "page") -> None:
        super().__init__(format="A4")
        self.add_font(FAMILY, fname=str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, style="B", fname=str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=16)
        self.set_title(title)
        self.set_creator("recognition")
        self.doc_title = title
        self.page_word = page_word

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, f"{self.doc_title} · {self.page_word} {self.page_no()}", align="C")

    def text_block(
        self, text: str, size: float = 10, style: str = "", colour: tuple[int, int, int] = INK
    ) -> None:
        self.set_font(FAMILY, style=style, size=size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.text_block(text, 13, "B")
        self.ln(1)

    def svg(self, svg: str, width_units: float) -> None:
        width = self.epw
        height = width * _height(svg) / width_units
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        self.image(io.BytesIO(svg.encode()), x=self.l_margin, w=width)
        self.ln(3)


def _height(svg: str) -> float:
    start = svg.index('viewBox="') + len('viewBox="')
    return float(svg[start : svg.index('"', start)].split()[3])


def summary_pdf(page: Page, stats: StatisticsOptions) -> bytes:
    """The summary of ``page`` (its wave, segment and window) as PDF bytes."""
    fmt = page.numbers
    loc = fmt.locale
    title = s(loc, "print.title", poll=page.poll.name)
    doc = Document(title, s(loc, "print.page"))
    doc.add_page()
    doc.text_block(title, 17, "B")
    if page.wave is None or page.summary is None:
        doc.text_block(s(loc, "print.none"))
        return bytes(doc.output())
    f = page.filters
    lede = s(
        loc,
        "print.lede",
        wave=page.wave.dated(loc),
        fieldwork=page.wave.fielded(loc),
        version=page.wave.questionnaire_version,
        segment=segment_name(f.segment, loc),
        window=s(loc, "print.window", window=f.window) if f.window > 1 else "",
    )
    doc.text_block(lede, 9, colour=MUTED)
    doc.heading(s(loc, "print.changed"))
    for p in page.summary.points:
        mark = ""
        if p.kind == "change" and p.change is not None:
            mark = "▲ " if p.change > 0 else "▼ "
        if p.kind == "since" and p.since is not None:
            mark = "▲ " if p.since[1].difference > 0 else "▼ "
        colour = STATUS_COLOURS.get(p.status or "", INK) if p.kind == "objective" else INK
        doc.text_block(f"{mark}{p.text}", 10.5, "B" if p.status == "breached" else "", colour)
        doc.ln(1.5)
    for name in CHARTS:
        chart = page.charts.get(name)
        if chart is not None:
            doc.svg(chart.wide, 720)
    if page.objectives:
        doc.heading(s(loc, "print.objectives"))
        for o, history in page.objectives:
            last = history[-1] if history else None
            kind = "mean" if o.metric == "nps" else "proportion"
            name = o.label or s(
                loc,
                "trace.name",
                Metric=page.name(o.metric),
                brand=page.data.brand_name(o.brand),
                among=among(o.segment, loc),
            )
            none = s(loc, "status.no_data")
            now = none if last is None or last.estimate is None else fmt.value(last.estimate, kind)
            status = s(loc, f"status.{last.status}") if last else none
            limit = f"{s(loc, o.direction)} {fmt.value(o.threshold, kind)}"
            doc.text_block(s(loc, "print.objective", name=name, limit=limit, now=now, status=status), 10)
    doc.heading(s(loc, "print.judged"))
    for p in page.summary.points:
        if p.figure is None or p.kind not in ("change", "since", "objective"):
            continue
        kind = p.figure.kind
        tested = f"; p = {fmt.stat(p.p_value)}, q = {fmt.stat(p.q_value)}" if p.p_value is not None else ""
        if p.since is not None:
            ch = p.since[1]
            tested = (
                f"; {s(loc, 'trace.change')} {fmt.change(ch.difference, kind)}, p = {fmt.stat(ch.p_value)}, "
                f"q = {fmt.stat(ch.q_value)}"
            )
        family = f" ({s(loc, 'family', family=family_label(p.family, loc))})" if p.family else ""
        name = s(
            loc,
            "trace.name",
            Metric=page.name(p.metric),
            brand=page.data.brand_name(p.brand),
            among=among(p.segment, loc),
        )
        doc.text_block(
            f"{name}: {fmt.value(p.estimate, kind)}, {fmt.ci(p.ci_low, p.ci_high, kind, p.level or 0.95)}; "
            f"n = {fmt.count(p.n)}, {s(loc, 'trace.n_eff')} = {fmt.count(p.n_eff)}; {p.test}{family}{tested}.",
            8.5,
            colour=MUTED,
        )
    doc.ln(2)
    doc.text_block(
        s(loc, "print.method", alpha=fmt.stat(stats.alpha), size=fmt.size(stats.practical_threshold)),
        8.5,
        colour=MUTED,
    )
    return bytes(doc.output())
