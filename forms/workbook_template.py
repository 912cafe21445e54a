"""The Excel 事项清单 template: one sheet per table, headers styled, and 填写说明.

Every sheet's row 1 holds the headers of ``forms.workbook_columns`` (bold, on a
tint, frozen with the matter's code); enumerations get drop-down lists and day
counts a whole-number check, so Excel itself stops most typing mistakes.  The
import checks everything again: a workbook need not come from this template
(the columns are found by their headers, in any order).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from forms.workbook_columns import (
    CHOICE,
    CONDITION,
    GUIDE,
    INTEGER,
    KIND_TEXT,
    LINES,
    NO,
    NUMBER,
    SHEETS,
    TEXT,
    YES,
    YES_NO,
    Column,
    Sheet,
    column_letter,
)
from forms.workbook_errors import WorkbookOutputFailed

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ROWS = 2000  # how far down drop-downs and checks reach
WRAPPED = (LINES, CONDITION)


def new_workbook() -> Workbook:
    """The empty template: the data sheets, then 填写说明."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for sheet in SHEETS:
        _data_sheet(workbook.create_sheet(sheet.title), sheet)
    _guide(workbook.create_sheet(GUIDE))
    return workbook


def _data_sheet(ws: Worksheet, sheet: Sheet) -> None:
    for number, column in enumerate(sheet.columns, 1):
        letter = column_letter(number)
        cell = ws.cell(row=1, column=number, value=column.header)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[letter].width = max(column.width, 2 * len(column.header) + 2)
        if column.kind in (TEXT, *WRAPPED):
            ws.column_dimensions[letter].number_format = "@"  # 000723006000 keeps its zeros
        validation = _validation(column)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{ROWS}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "B2" if sheet.toml is None else "C2"
    ws.row_dimensions[1].height = 30


def _validation(column: Column) -> DataValidation | None:
    """A drop-down for a choice, a whole-number check for a day count."""
    if column.kind in (CHOICE, YES_NO):
        labels = column.labels if column.kind == CHOICE else (YES, NO)
        made = DataValidation(type="list", formula1='"' + ",".join(labels) + '"',
                              allow_blank=True)
        made.error = "请从下拉列表中选择：" + "、".join(labels)
    elif column.kind == INTEGER:
        made = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True)
        made.error = "请填写不小于 0 的整数"
    elif column.kind == NUMBER:
        made = DataValidation(type="decimal", allow_blank=True, operator="between",
                              formula1="-1E+15", formula2="1E+15")
        made.error = "请填写数字"
    else:
        return None
    made.errorTitle = column.header
    made.showErrorMessage = True
    return made


GUIDE_HEADERS = ("工作表", "列名", "是否必填", "含义", "填写方式", "可选的值", "示例")
GUIDE_WIDTHS = (12, 16, 10, 60, 22, 40, 30)
GENERAL = (
    "每张工作表的第 1 行是列名，不要改名或删除必填的列（橙色）；列的先后可以调整。",
    "“事项”表每行一个事项；“申请材料”“表单字段”“办理流程”每行一项，用“事项编码”对应到事项，"
    "同一事项的行按先后排列。",
    "时限都是工作日数（法定节假日除外），填整数。不要合并单元格，不要用公式。",
    "多个值用“、”隔开；“每行一个值”的列在单元格内按 Alt+Enter 换行。",
    "导入时检查全部内容，列出每一处错误（工作表、行、列和应填的内容）；有错时不写入任何文件。",
)


def _guide(ws: Worksheet) -> None:
    row = 1
    for line in GENERAL:
        ws.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    for number, header in enumerate(GUIDE_HEADERS, 1):
        cell = ws.cell(row=row, column=number, value=header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        ws.column_dimensions[column_letter(number)].width = GUIDE_WIDTHS[number - 1]
    for sheet in SHEETS:
        row += 1
        ws.cell(row=row, column=1, value=sheet.title).font = HEADER_FONT
        ws.cell(row=row, column=4, value=sheet.about)
        for column in sheet.columns:
            row += 1
            values = (sheet.title, column.header, "必填" if column.required else "可留空",
                      column.meaning, KIND_TEXT[column.kind],
                      "、".join(column.labels) if column.kind == CHOICE else
                      "是、否" if column.kind == YES_NO else "", column.example)
            for number, value in enumerate(values, 1):
                cell = ws.cell(row=row, column=number, value=value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.data_type = "s"  # an example is text, never a formula
    ws.freeze_panes = ws.cell(row=len(GENERAL) + 3, column=1).coordinate


def save(workbook: Workbook, out: Path) -> None:
    """Write ``out`` whole or not at all (a temporary file renamed into place)."""
    try:
        out.absolute().parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.absolute().parent)
        os.close(handle)
    except OSError as error:
        raise WorkbookOutputFailed(file=str(out), detail=error.strerror or str(error)) from None
    try:
        workbook.save(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise WorkbookOutputFailed(file=str(out), detail=error.strerror or str(error)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_template(out: Path) -> None:
    save(new_workbook(), out)
