"""Catalogue → Excel 事项清单: the template, filled with every matter.

Each matter becomes its ``[[matter]]`` data (``forms.catalogue_write``) and each
value the cell its column reads back (``forms.workbook_columns``), so an
exported workbook imports as the same catalogue: every ``Matter.to_json()``
equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from forms.catalogue_write import matter_data
from forms.matter import Matter
from forms.workbook_columns import (
    CHOICE,
    CODE,
    CONDITION,
    CONDITION_SIGN,
    LINES,
    LIST,
    LIST_SEPARATOR,
    NO,
    SHEETS,
    YES,
    YES_NO,
    Column,
    Sheet,
)
from forms.workbook_errors import ValueControlCharacter, ValueNotExpressible
from forms.workbook_template import new_workbook, save

WRAPPED = Alignment(wrap_text=True, vertical="top")
# What an .xlsx cannot hold (openpyxl refuses it), and a carriage return, which the
# import reads as a line break: either would change the value on the way back.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]")


class Inexpressible(ValueError):
    """A value its cell cannot hold: it contains the cell's separator."""

    def __init__(self, value: str, separator: str) -> None:
        super().__init__(value)
        self.value, self.separator = value, separator


def cell_value(column: Column, value: object) -> object:
    """What a cell of ``column`` holds for the TOML ``value`` (None: left blank)."""
    if value is None:
        return None
    if column.kind == YES_NO:
        return YES if value else NO
    if column.kind == CHOICE:
        return column.label_of(value)
    if column.kind == LIST:
        return LIST_SEPARATOR.join(_texts(value, LIST_SEPARATOR))
    if column.kind == LINES:
        return "\n".join(_texts(value, "\n"))
    if column.kind == CONDITION:
        assert isinstance(value, Mapping)
        return "\n".join(f"{name}{CONDITION_SIGN}"
                         f"{LIST_SEPARATOR.join(_texts(values, LIST_SEPARATOR))}"
                         for name, values in value.items())
    if _too_precise(value):
        return repr(value)  # as text it keeps all its digits
    return value


def _too_precise(value: object) -> bool:
    """A number Excel would round: it keeps 15 significant digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return abs(value) >= 10**15
    return float(f"{value:.15g}") != value


def _texts(value: object, separator: str) -> list[str]:
    """The items of a list cell, none of which may hold the separator."""
    assert isinstance(value, (list, tuple))
    for item in value:
        if separator in str(item):
            raise Inexpressible(str(item), "换行" if separator == "\n" else separator)
    return [str(v) for v in value]


def _flat(data: Mapping[str, object]) -> dict[str, object]:
    """``templates.approve`` style keys for the sub-table of templates."""
    flat = {k: v for k, v in data.items() if k != "templates"}
    templates = data.get("templates")
    if isinstance(templates, Mapping):
        flat.update({f"templates.{kind}": name for kind, name in templates.items()})
    return flat


def _append(ws: Worksheet, sheet: Sheet, values: Mapping[str, object], row: int) -> None:
    for number, column in enumerate(sheet.columns, 1):
        try:
            value = cell_value(column, values.get(column.key))
        except Inexpressible as error:
            raise ValueNotExpressible(matter=values.get(CODE), header=column.header,
                                      value=error.value, separator=error.separator) from None
        if value is None:
            continue
        if isinstance(value, str) and CONTROL.search(value):
            raise ValueControlCharacter(matter=values.get(CODE), header=column.header)
        cell = ws.cell(row=row, column=number, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text that looks like a formula stays text
        if "\n" in str(value):
            cell.alignment = WRAPPED


def export_workbook(matters: Iterable[Matter], out: Path) -> int:
    """Write every matter into a new workbook at ``out``; the number of matters."""
    workbook = new_workbook()
    rows = {sheet.title: 2 for sheet in SHEETS}  # the next free row (openpyxl's max_row
    count = 0                                    # is counted afresh at every call)
    for matter in matters:
        data = matter_data(matter)
        for sheet in SHEETS:
            items = [_flat(data)] if sheet.toml is None else data.get(sheet.toml) or []
            assert isinstance(items, list)
            for item in items:
                _append(workbook[sheet.title], sheet, {CODE: matter.code, **item},
                        rows[sheet.title])
                rows[sheet.title] += 1
        count += 1
    save(workbook, out)
    return count
