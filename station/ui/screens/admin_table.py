"""A list for the 管理 tabs: columns given as a heading and how many characters their
values usually take, in either font size (measured from the font, never fixed
pixels); like every list, a column widens to its longest value."""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont

from station.ui.table import List

# (key, heading, widest value expected, in characters of the heading font)
WIDE_CHARACTER = chr(0x4E2D)  # a CJK character: the widest a column's text has
Column = tuple[str, str, int]


class Table(List):
    def __init__(self, parent: tk.Misc, columns: tuple[Column, ...], height: int = 8) -> None:
        super().__init__(parent, columns=[c[0] for c in columns], show="headings",
                         height=height, selectmode="browse")
        self.specs = columns
        self.fit()

    def fit(self) -> None:
        """Width from the heading font: the heading, or ``chars`` wide characters."""
        font = tkfont.nametofont("TkHeadingFont", root=self)
        for key, heading, chars in self.specs:
            self.heading(key, text=heading)
            width = max(font.measure(heading), font.measure(WIDE_CHARACTER * chars)) + 16
            self.column(key, width=width, minwidth=width, stretch=False, anchor="w")

    def fill(self, rows: list[tuple[str, tuple[object, ...]]]) -> None:
        """Replace the rows: (row id, values); the selection stays if its row does.
        A column widens to its longest value (a seal's serial number is long)."""
        chosen = self.selection()
        self.delete(*self.get_children())
        for iid, values in rows:
            self.insert("", tk.END, iid=iid, values=values)
        kept = [iid for iid in chosen if self.exists(iid)]
        if kept:
            self.selection_set(kept)

    def chosen(self) -> str | None:
        selected = self.selection()
        return selected[0] if selected else None
