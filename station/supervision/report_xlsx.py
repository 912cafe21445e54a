"""月通报 as an Excel workbook, for a clerk to paste into a 通报 or sort further.

One sheet per table: 汇总, 乡镇, 站点, 科室, 事项, 月度趋势.  Each opens with the
report's title and period, then a bold shaded header row that stays in view while
scrolling.  Figures are real numbers: a rate is a share shown in Excel's percentage
format (0.933 → 93.3%), a duration one decimal; "—" where there was nothing to divide.
No formulas: the values are the report's.  Written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from station.documents.layout import format_date
from station.fileio import write_atomically
from station.i18n import N_, _, translate
from station.supervision import columns as col
from station.supervision.columns import (
    COUNT,
    DAYS,
    DEFINITIONS,
    NONE,
    RATE,
    Column,
    month_label,
    report_title,
)
from station.supervision.figures import Figures, MonthlyReport, Row

__all__ = ["SHEETS", "write_monthly_xlsx"]

# Sheet names (Excel allows 31 characters and no []:*?/\).
SHEETS = {"summary": N_("汇总"), "townships": N_("乡镇"), "stations": N_("站点"),
          "offices": N_("科室"), "matters": N_("事项"), "trend": N_("月度趋势")}
FORMATS = {COUNT: "0", RATE: "0.0%", DAYS: "0.0"}
HEADER_FILL = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
THIN = Side(style="thin", color="A6A6A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ROW = 3  # title, period, header


def write_monthly_xlsx(report: MonthlyReport, path: Path) -> Path:
    """Write ``report`` to ``path`` (.xlsx, atomically); return ``path``."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    _summary(book.create_sheet(translate(SHEETS["summary"])), report)
    for table in ("townships", "stations", "offices", "matters"):
        sheet = book.create_sheet(translate(SHEETS[table]))
        rows: list[Row] = getattr(report, table)
        _table(sheet, report, translate(col.TABLE_NAMES[table]),
               [translate(col.KEY_NAMES[table]), _("名称")],
               [([row.key, row.name], row.figures) for row in rows])
    _table(book.create_sheet(translate(SHEETS["trend"])), report, _("月度趋势"), [_("月份")],
           [([month_label(month)], figures) for month, figures in report.trend], col.TREND)
    book.properties.title = report_title(report)
    book.properties.creator = _("便民站")
    return write_atomically(path, book.save)


def _heading(sheet: Worksheet, report: MonthlyReport, what: str, width: int) -> None:
    sheet.cell(1, 1, f"{report_title(report)}　{what}").font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    period = _("统计期间：{first}至{last}　统计截至：{as_of}").format(
        first=format_date(report.first_day), last=format_date(report.last_day),
        as_of=format_date(report.as_of))
    if report.provisional:
        period += "　" + _("（数字暂定：部分到期日所在年份的调休安排尚未公布）")
    sheet.cell(2, 1, period)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))


def _header(sheet: Worksheet, labels: Sequence[str]) -> None:
    for index, label in enumerate(labels, 1):
        cell = sheet.cell(HEADER_ROW, index, label)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _put(sheet: Worksheet, row: int, column: int, value: Any, kind: str | None) -> None:
    cell = sheet.cell(row, column, NONE if value is None else value)
    cell.border = GRID
    if value is None:
        cell.alignment = Alignment(horizontal="center")
    elif kind is not None:
        cell.number_format = FORMATS[kind]


def _table(sheet: Worksheet, report: MonthlyReport, what: str, leading: Sequence[str],
           lines: Sequence[tuple[Sequence[str], Figures]],
           shown: Sequence[Column] = col.ALL) -> None:
    labels = [*leading, *[c.title for c in shown]]
    _heading(sheet, report, what, len(labels))
    _header(sheet, labels)
    for number, (names, figures) in enumerate(lines, HEADER_ROW + 1):
        for index, name in enumerate(names, 1):
            _put(sheet, number, index, name, None)
        for index, column in enumerate(shown, len(names) + 1):
            _put(sheet, number, index, column.value(figures), column.kind)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, len(leading) + 1)
    _widths(sheet, labels, lines)


def _summary(sheet: Worksheet, report: MonthlyReport) -> None:
    labels = [_("指标"), _("数值")]
    _heading(sheet, report, _("汇总"), len(labels))
    _header(sheet, labels)
    for number, column in enumerate(col.ALL, HEADER_ROW + 1):
        _put(sheet, number, 1, column.title, None)
        _put(sheet, number, 2, column.value(report.total), column.kind)
    below = HEADER_ROW + len(col.ALL) + 2
    sheet.cell(below, 1, _("指标说明")).font = Font(bold=True)
    for offset, line in enumerate(DEFINITIONS, 1):
        sheet.cell(below + offset, 1, translate(line))
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 14


def _display_width(text: str) -> int:
    """Excel's column width in characters: a Chinese character takes two."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _widths(sheet: Worksheet, labels: Sequence[str],
            lines: Sequence[tuple[Sequence[str], Figures]]) -> None:
    for index, label in enumerate(labels, 1):
        widest = max([_display_width(label) // 2 + 2, 8,
                      *[_display_width(str(names[index - 1])) + 2 for names, _f in lines
                        if index <= len(names)]])
        sheet.column_dimensions[get_column_letter(index)].width = min(widest, 48)
