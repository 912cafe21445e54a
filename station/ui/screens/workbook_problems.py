"""The mistakes of an Excel 事项清单, one per line: 工作表, 行, 列, 列名 and what
the cell should hold, so the county's clerk fixes them all in one pass."""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont

import ttkbootstrap as ttk

from forms.errors import FormsError
from forms.workbook_errors import CellError
from station import i18n
from station.i18n import _
from station.ui.screens.admin_table import Table


class WorkbookProblems(ttk.Frame):
    """Sized by its holder (``fit``), not by its columns: a long line scrolls sideways
    inside the list instead of pushing the tab wider than the window.  The list is
    made at the first ``show``: until a workbook has mistakes there is none."""

    LINES = 6  # the least rows of text it asks for; its holder may give it more

    def __init__(self, parent: tk.Misc) -> None:
        super().__init__(parent)
        self.pack_propagate(False)
        self.table: Table | None = None
        self.shown: list[tuple[object, ...]] = []

    def _made(self) -> Table:
        if self.table is None:
            self.table = Table(self, (("sheet", _("工作表"), 5), ("row", _("行"), 3),
                                      ("column", _("列"), 2), ("header", _("列名"), 7),
                                      ("problem", _("应当怎样填写"), 24)), height=7)
            bar = ttk.Scrollbar(self.table.box, orient=tk.VERTICAL, command=self.table.yview)
            self.table.configure(yscrollcommand=bar.set)
            bar.grid(row=0, column=1, sticky="ns")
            self.table.pack(fill=tk.BOTH, expand=True)
        return self.table

    def fit(self, width: int) -> None:
        """As wide as ``width``, at least ``LINES`` rows of the list's font high."""
        line = tkfont.nametofont("TkDefaultFont", root=self).metrics("linespace")
        self.configure(width=max(300, width), height=self.LINES * (line + 6))

    def show(self, problems: list[FormsError]) -> None:
        self.shown = [self.line(p) for p in problems]
        self._made().fill([(str(i), values) for i, values in enumerate(self.shown)])

    @staticmethod
    def line(problem: FormsError) -> tuple[object, ...]:
        """(sheet, row, column, header, what is expected) of one mistake."""
        params = problem.params
        if isinstance(problem, CellError):
            inner = params["problem"]
            return (params["sheet"], params["row"], params["column"], params["header"],
                    i18n.render(inner) if isinstance(inner, BaseException) else str(inner))
        return (params.get("sheet", ""), "", "", params.get("header", ""), i18n.render(problem))
