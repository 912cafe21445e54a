"""Reading an Excel 事项清单: the file, its sheets, their headers and every cell.

``read_sheets`` returns each data sheet's rows with their cells typed as the
column says (``forms.workbook_columns``), and the mistakes of every cell it met
in a ``Problems`` list; it never stops at the first.  A cell that is wrong is
left out of its row's ``values`` and named in ``bad``, so that the checks across
rows (``forms.workbook_check``) do not report it again in other words.
"""

from __future__ import annotations

import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from forms.errors import FormsError
from forms.workbook_columns import (
    CHOICE,
    CONDITION,
    CONDITION_SIGN,
    INTEGER,
    LINES,
    LIST,
    LIST_SEPARATOR,
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
from forms.workbook_errors import (
    CellError,
    CellFormula,
    CellMerged,
    CellNegative,
    CellNotChoice,
    CellNotInteger,
    CellNotNumber,
    CellNotText,
    CellNotYesNo,
    CellProblem,
    CellRequired,
    ColumnMissing,
    ConditionSyntax,
    HeaderRepeated,
    HeaderUnknown,
    ItemBlank,
    ItemRepeated,
    SheetMissing,
    WorkbookDamaged,
    WorkbookEncrypted,
    WorkbookNotFound,
    WorkbookNotXlsx,
    WorkbookUnreadable,
)

# An OLE compound file: an old .xls, or an .xlsx that Office encrypted with a password.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Layout:
    """Where each column of a sheet is in this workbook (the clerk may reorder them)."""

    sheet: Sheet
    letters: dict[str, str] = field(default_factory=dict)  # key → column letter

    def letter(self, key: str) -> str:
        return self.letters.get(key) or self.sheet.letter(key)


@dataclass
class Row:
    layout: Layout
    number: int
    values: dict[str, object] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)

    def get(self, key: str) -> object:
        return self.values.get(key)

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None


class Problems:
    """Every mistake found, each naming its sheet, row and column."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple[int, int, int], FormsError]] = []

    def add(self, error: FormsError, order: tuple[int, int, int] = (99, 0, 0)) -> None:
        self.items.append((order, error))

    def cell(self, row: Row, key: str, problem: FormsError) -> None:
        """A mistake in ``row``'s ``key`` cell; the cell is not reported twice."""
        if key in row.bad:
            return
        row.bad.add(key)
        row.values.pop(key, None)
        self.at(row.layout, row.number, row.layout.letter(key),
                row.layout.sheet.column(key).header, problem)

    def at(self, layout: Layout, number: int, letter: str, header: str,
           problem: FormsError) -> None:
        self.add(CellError(sheet=layout.sheet.title, row=number, column=letter, header=header,
                           problem=problem),
                 (SHEETS.index(layout.sheet), number, _column_number(letter)))

    def sorted(self) -> list[FormsError]:
        return [error for _, error in sorted(self.items, key=lambda item: item[0])]

    def __bool__(self) -> bool:
        return bool(self.items)


def _column_number(letter: str) -> int:
    number = 0
    for char in letter:
        number = number * 26 + ord(char) - ord("A") + 1
    return number


# --- the file ------------------------------------------------------------------------


def open_workbook(path: Path) -> Workbook:
    """The workbook, or a clear error for a missing, foreign, locked or broken file."""
    shown = str(path)
    if not path.is_file():
        raise WorkbookNotFound(file=shown)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise WorkbookUnreadable(file=shown, detail=error.strerror or str(error)) from None
    if data.startswith(OLE_MAGIC):
        raise (WorkbookEncrypted if ENCRYPTED_STREAM in data else WorkbookNotXlsx)(file=shown)
    if not data.startswith(b"PK") or len(data) > MAX_BYTES:
        raise WorkbookNotXlsx(file=shown)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        raise WorkbookDamaged(file=shown) from None
    if broken is not None:
        raise WorkbookDamaged(file=shown)
    if "xl/workbook.xml" not in names:
        raise WorkbookNotXlsx(file=shown)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of extensions it does not read
            return openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception:
        raise WorkbookDamaged(file=shown) from None


# --- sheets and rows -------------------------------------------------------------------


def read_sheets(workbook: Workbook, problems: Problems) -> dict[str, list[Row]]:
    """Each data sheet's non-blank rows (by sheet title); a missing sheet is a problem."""
    found: dict[str, list[Row]] = {}
    for sheet in SHEETS:
        if sheet.title not in workbook.sheetnames:
            problems.add(SheetMissing(sheet=sheet.title), (SHEETS.index(sheet), 0, 0))
            found[sheet.title] = []
            continue
        found[sheet.title] = list(_rows(workbook[sheet.title], sheet, problems))
    return found


def _rows(ws: Worksheet, sheet: Sheet, problems: Problems) -> Iterator[Row]:
    layout = _layout(ws, sheet, problems)
    merged = _merged(ws, layout, problems)
    by_letter = {letter: sheet.column(key) for key, letter in layout.letters.items()}
    for number in range(2, ws.max_row + 1):
        row = Row(layout, number)
        blank = True
        for letter, column in by_letter.items():
            cell = ws[f"{letter}{number}"]
            if (letter, number) in merged:
                row.bad.add(column.key)
                blank = False
                continue
            if cell.data_type == "f":
                blank = False
                problems.cell(row, column.key, CellFormula())
                continue
            try:
                value = read_cell(column, cell.value)
            except CellProblem as problem:
                blank = False
                problems.cell(row, column.key, problem)
                continue
            if value is not None:
                blank = False
                row.values[column.key] = value
        if blank:
            continue
        for column in sheet.columns:
            if column.required and column.key not in row.values and column.key not in row.bad \
                    and column.key in layout.letters:
                problems.cell(row, column.key, CellRequired())
        yield row


def _layout(ws: Worksheet, sheet: Sheet, problems: Problems) -> Layout:
    layout = Layout(sheet)
    by_header = {column.header: column for column in sheet.columns}
    for number in range(1, ws.max_column + 1):
        letter = column_letter(number)
        raw = ws.cell(row=1, column=number).value
        text = str(raw).strip() if raw is not None else ""
        if not text:
            continue
        column = by_header.get(text)
        if column is None:
            problems.at(layout, 1, letter, text, HeaderUnknown(
                value=text, valid=LIST_SEPARATOR.join(by_header)))
        elif column.key in layout.letters:
            problems.at(layout, 1, letter, text, HeaderRepeated(value=text))
        else:
            layout.letters[column.key] = letter
    for column in sheet.columns:
        if column.required and column.key not in layout.letters:
            problems.add(ColumnMissing(sheet=sheet.title, header=column.header),
                         (SHEETS.index(sheet), 1, 0))
    return layout


def _merged(ws: Worksheet, layout: Layout, problems: Problems) -> set[tuple[str, int]]:
    """Cells of merged ranges, each range reported once at its first cell."""
    inside: set[tuple[str, int]] = set()
    headers = {letter: layout.sheet.column(key).header for key, letter in layout.letters.items()}
    for cells in ws.merged_cells.ranges:
        first = column_letter(cells.min_col)
        problems.at(layout, cells.min_row, first, headers.get(first, "—"),
                    CellMerged(cells=cells.coord))
        for col in range(cells.min_col, cells.max_col + 1):
            for number in range(cells.min_row, cells.max_row + 1):
                inside.add((column_letter(col), number))
    return inside


# --- one cell ------------------------------------------------------------------------------


def read_cell(column: Column, raw: object) -> object:
    """The TOML value of a cell (None when blank); CellProblem when it is wrong."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, (datetime, date, time, timedelta)):
        raise _wrong_type(column)
    kind = column.kind
    if kind == INTEGER:
        return _integer(column, raw)
    if kind == NUMBER:
        return _number(column, raw)
    if kind == YES_NO:
        return _yes_no(raw)
    text = _text(raw)
    if kind == TEXT:
        return text
    if kind == CHOICE:
        for label, value in column.choices:
            if text == label:
                return value
        raise CellNotChoice(value=text, valid=LIST_SEPARATOR.join(column.labels))
    if kind == LIST:
        return _items(text.split(LIST_SEPARATOR))
    if kind == LINES:
        return _items(line for line in text.split("\n") if line.strip())
    if kind == CONDITION:
        return _condition(text)
    raise AssertionError(kind)


def _wrong_type(column: Column) -> CellProblem:
    if column.kind == INTEGER:
        return CellNotInteger(example=column.example)
    if column.kind == NUMBER:
        return CellNotNumber(example=column.example)
    return CellNotText()


def _text(raw: object) -> str:
    if isinstance(raw, bool):
        raise CellNotText()
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise CellNotText()
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()


_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _integer(column: Column, raw: object) -> int:
    value: object = raw
    if isinstance(raw, str) and _WHOLE.fullmatch(raw.strip()):
        value = int(raw.strip())
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CellNotInteger(example=column.example)
    if value < 0:
        raise CellNegative()
    return value


def _number(column: Column, raw: object) -> int | float:
    value: object = raw
    if isinstance(raw, str) and _DECIMAL.fullmatch(raw.strip()):
        text = raw.strip()
        value = int(text) if _WHOLE.fullmatch(text) else float(text)
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and not math.isfinite(value)):
        raise CellNotNumber(example=column.example)
    return value


def _yes_no(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip()
    if text in (YES, NO):
        return text == YES
    raise CellNotYesNo()


def _items(parts: Iterable[str]) -> list[str]:
    items: list[str] = []
    for index, part in enumerate(parts, 1):
        item = part.strip()
        if not item:
            raise ItemBlank(index=index)
        if item in items:
            raise ItemRepeated(value=item)
        items.append(item)
    return items


def _condition(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        name, sign, values = line.replace("＝", CONDITION_SIGN).partition(CONDITION_SIGN)
        name = name.strip()
        if not sign or not name or not values.strip():
            raise ConditionSyntax(line=number)
        if name in found:
            raise ItemRepeated(value=name)
        found[name] = _items(values.split(LIST_SEPARATOR))
    return found
