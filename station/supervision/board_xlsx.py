"""The 监察 board's export (导出Excel): the case list as shown (filtered) and the office
table, one sheet each, written atomically (``station.fileio``): a half-written
workbook is never left under its name.

Dates are Excel dates and day counts numbers, so the sheet sorts and sums; the words
are the screen's (``board_labels``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from station.fileio import write_atomically
from station.i18n import N_, translate
from station.supervision.board_labels import GROUP_COLUMNS, light_name
from station.supervision.board_shapes import RED, BoardCase, BoardGroup

CASE_HEADINGS = (N_("亮牌"), N_("办件编号"), N_("事项"), N_("站点"), N_("科室"), N_("收件日期"),
                 N_("应办结日期"), N_("已用工作日"), N_("时限工作日"), N_("超期工作日"))
FILLS = {RED: PatternFill("solid", fgColor="F8D7DA"), "yellow": PatternFill("solid",
                                                                             fgColor="FFF3CD")}
BOLD = Font(bold=True)


def export_name(made_at: datetime) -> str:
    """电子监察-20261206-1130.xlsx"""
    return f"电子监察-{made_at:%Y%m%d-%H%M}.xlsx"


def write_board_xlsx(path: Path, made_at: datetime, today: date, cases: Sequence[BoardCase],
                     offices: Sequence[BoardGroup], narrowed: str = "") -> Path:
    """Write the cases (as filtered; ``narrowed`` says how) and the office table."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = translate(N_("红黄牌办件"))
    _title(sheet, translate(N_("电子监察：红黄牌办件")), made_at, today, narrowed)
    _heading(sheet, [translate(h) for h in CASE_HEADINGS])
    for case in cases:
        sheet.append([light_name(case.light), case.case_no, case.matter_name or case.matter,
                      case.station_name or case.station, case.office_name or "",
                      case.received_on, case.due, case.used, case.allowed, case.overdue_days])
        fill = FILLS.get(case.light)
        if fill is not None:
            sheet.cell(sheet.max_row, 1).fill = fill
        for column in (6, 7):
            sheet.cell(sheet.max_row, column).number_format = "yyyy-mm-dd"
    table = book.create_sheet(translate(N_("科室")))
    _title(table, translate(N_("电子监察：各科室红黄牌")), made_at, today, "")
    _heading(table, [translate(label) for _key, label in GROUP_COLUMNS])
    for group in offices:
        table.append([group.name, group.red, group.yellow, group.red_cards, group.yellow_cards,
                      group.points])
    for each in (sheet, table):
        _widths(each)
    return write_atomically(path, lambda out: _save(book, out))


def _title(sheet: Worksheet, title: str, made_at: datetime, today: date, narrowed: str) -> None:
    sheet.append([title])
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.append([translate(N_("日期：{today}，更新于 {time}")).format(
        today=today.isoformat(), time=f"{made_at:%H:%M}")])
    if narrowed:
        sheet.append([narrowed])
    sheet.append([])


def _heading(sheet: Worksheet, labels: list[str]) -> None:
    sheet.append(labels)
    for column in range(1, len(labels) + 1):
        sheet.cell(sheet.max_row, column).font = BOLD
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def _widths(sheet: Worksheet) -> None:
    """Each column as wide as its longest value (a CJK character counts twice)."""
    widest: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if cell.value is not None:
                widest[cell.column] = max(widest.get(cell.column, 0), _width(cell.value))
    for column, width in widest.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, 60)


def _width(value: Any) -> int:
    if isinstance(value, date):
        return 10
    return sum(2 if ord(c) > 0x2E80 else 1 for c in str(value))


def _save(book: Workbook, out: BinaryIO) -> None:
    book.save(out)
