"""A banner table (:class:`recognition.exports.banner.BannerTable`) as files.

* **XLSX** (``openpyxl``): the crosstab as researchers read it — a title, the banner (variable over its
  columns, each column's letter), the bases (n, effective n), then per metric × brand a row of percentages
  (NPS as a mean) with the letters in the row beneath; low bases marked ``*``, suppressed cells ``–``; the notes
  at the foot.
* **CSV**: one row per cell (metric, brand, column), with the estimate, base and letters: the same numbers in a
  form a program reads.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from recognition.exports.banner import BannerTable

BANNER_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def banner_csv(table: BannerTable) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "metric",
            "brand",
            "kind",
            "group",
            "segment",
            "column",
            "estimate",
            "n",
            "n_eff",
            "base_status",
            "letters",
        ]
    )
    for row in table.rows:
        for column, cell in zip(table.columns, row.cells, strict=True):
            writer.writerow(
                [
                    row.metric,
                    row.brand,
                    row.kind,
                    column.group,
                    column.segment,
                    column.letter,
                    "" if cell.estimate is None else repr(cell.estimate),
                    cell.n,
                    "" if cell.n_eff is None else repr(cell.n_eff),
                    cell.base_status,
                    cell.letters,
                ]
            )
    return buffer.getvalue().encode("utf-8")


def banner_xlsx(table: BannerTable) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Banner"
    bold, small = Font(bold=True), Font(size=8, color="555555")
    sheet.cell(1, 1, table.title).font = Font(bold=True, size=12)
    first = 3  # the first column of figures
    groups, letters = 3, 4
    for k, column in enumerate(table.columns):
        c = first + k
        sheet.cell(groups, c, column.group.replace("_", " ").capitalize() if column.group else "").font = bold
        sheet.cell(letters - 1 + 1, c, column.label).alignment = Alignment(
            wrap_text=True, horizontal="center"
        )
        sheet.cell(letters + 1, c, f"({column.letter})" if column.letter else "").alignment = Alignment(
            horizontal="center"
        )
        sheet.column_dimensions[get_column_letter(c)].width = 12
    sheet.column_dimensions["A"].width = 34
    base_row = letters + 2
    sheet.cell(base_row, 1, "Base: respondents (n)").font = bold
    sheet.cell(base_row + 1, 1, "Base: effective n").font = bold
    for k, base in enumerate(table.bases):
        mark = "*" if base.base_status == "low" else ""
        sheet.cell(base_row, first + k, base.n)
        eff = sheet.cell(base_row + 1, first + k, None if base.n_eff is None else round(base.n_eff, 1))
        if mark:
            sheet.cell(base_row, first + k).number_format = '0"*"'
            eff.number_format = '0.0"*"'
    r = base_row + 3
    current = None
    for row in table.rows:
        if row.metric != current:
            current = row.metric
            sheet.cell(r, 1, row.label.split(":")[0]).font = bold
            r += 1
        sheet.cell(r, 1, row.label)
        sheet.cell(r, 2, "mean" if row.kind == "mean" else "%")
        for k, cell in enumerate(row.cells):
            target = sheet.cell(r, first + k)
            if cell.estimate is None:
                target.value = "–"
                target.alignment = Alignment(horizontal="right")
            else:
                target.value = cell.estimate
                star = '"*"' if cell.base_status == "low" else ""
                target.number_format = ("0.0" if row.kind == "mean" else "0.0%") + star
            if cell.letters:
                note = sheet.cell(r + 1, first + k, cell.letters)
                note.font = small
                note.alignment = Alignment(horizontal="right")
        r += 2
    for note in table.notes:
        r += 1
        sheet.cell(r, 1, note).font = small
    sheet.freeze_panes = sheet.cell(base_row, first)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_banner(table: BannerTable, fmt: str) -> bytes:
    if fmt == "xlsx":
        return banner_xlsx(table)
    if fmt == "csv":
        return banner_csv(table)
    raise ValueError(f"format: {fmt!r} is not one of {', '.join(BANNER_FORMATS)}")
