"""A list (ttk.Treeview) whose columns always show their whole text.

Every list of the window is one of these.  A column is never narrower than its
heading or the widest value put in it, measured in the fonts of the moment, so large-
font mode widens columns instead of cutting "450981104201-20261205-0001" to
"450981104201-20261205-0".  The width a screen gives a column is only its least.
When the columns together are wider than the list, a sideways scroll bar appears
under it (and goes away when they fit again).

The list lives in a frame of its own (``box``) that holds the scroll bar; packing,
gridding or forgetting the list moves that frame, so screens place it as before.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
from typing import Any, Literal

import ttkbootstrap as ttk

PADDING = 12  # pixels around a cell's text, both sides together (Treeview pads 4 + 4)
KERNING = 2  # pixels a line may differ from the sum of its characters' widths


# Each character's width in pixels, per font (family, size, weight…), for the whole
# session: a list of a new screen measures only characters it has not seen before.
_WIDTHS: dict[tuple[tuple[str, object], ...], dict[str, int]] = {}
_FONT_KEYS: dict[str, tuple[tuple[str, object], ...]] = {}


# And each line measured whole, per font: a list whose rows repeat the widest text (an
# office's name on every row) measures it once, not once a row.
_LINES: dict[tuple[tuple[str, object], ...], dict[str, int]] = {}
LINES_KEPT = 20_000


def _font_key(font: tkfont.Font) -> tuple[tuple[str, object], ...]:
    key = _FONT_KEYS.get(str(font))
    if key is None:
        key = _FONT_KEYS[str(font)] = tuple(sorted(font.actual().items()))
    return key


def _char_widths(font: tkfont.Font) -> dict[str, int]:
    return _WIDTHS.setdefault(_font_key(font), {})


def _line_width(font: tkfont.Font, line: str) -> int:
    lines = _LINES.setdefault(_font_key(font), {})
    width = lines.get(line)
    if width is None:
        if len(lines) >= LINES_KEPT:
            lines.clear()
        width = lines[line] = font.measure(line)
    return width


def _font(widget: tk.Misc, style: str, fallback: str) -> tkfont.Font:
    named = ttk.Style().lookup(style, "font")
    try:
        return tkfont.Font(root=widget, font=named) if named else \
            tkfont.nametofont(fallback, root=widget)
    except tk.TclError:
        return tkfont.nametofont(fallback, root=widget)


class List(ttk.Treeview):
    def __init__(self, parent: tk.Misc, **options: Any) -> None:
        self.box = ttk.Frame(parent)
        super().__init__(self.box, **options)
        self.box.rowconfigure(0, weight=1)
        self.box.columnconfigure(0, weight=1)
        self.xbar = ttk.Scrollbar(self.box, orient=tk.HORIZONTAL, command=self.xview)
        super().configure(xscrollcommand=self._scrolled)
        super().grid_configure(row=0, column=0, sticky="nsew")
        style = str(self.cget("style")) or "Treeview"
        self._columns = [str(c) for c in self["columns"]]
        self._least: dict[str, int] = {}  # each column's least width, as Tk has it
        # Per column and font, the largest character sum of a line measured and found to
        # fit: a line summing no more fits too (off by kerning at most, which the cell's
        # padding holds), so rows of equal width (case numbers, dates) measure once.
        self._fit_sum: dict[tuple[str, str], int] = {}
        self.row_font = _font(self, style, "TkDefaultFont")
        self.heading_font = _font(self, f"{style}.Heading", "TkHeadingFont")

    # -- the columns follow their text -------------------------------------------
    def needs(self, column: str, text: object, font: tkfont.Font | None = None) -> None:
        """Make ``column`` at least as wide as ``text`` (each of its lines)."""
        font = font or self.row_font
        widths = _char_widths(font)
        least = self._least.get(column)
        if least is None:
            least = self._least[column] = int(super().column(column, "minwidth"))
        for line in str(text).splitlines() or [""]:
            # Summed from each character's width (measured once per font): a fill of 50
            # rows measures only the texts that may widen their column.
            for c in line:
                if c not in widths:
                    widths[c] = font.measure(c)
            summed = sum(widths[c] for c in line)
            fitted = (column, str(font))
            if summed + PADDING + KERNING <= least or summed <= self._fit_sum.get(fitted, -1):
                continue
            needed = _line_width(font, line) + PADDING
            if needed > least:
                least = self._least[column] = needed
                super().column(column, minwidth=needed)
                if int(super().column(column, "width")) < needed:
                    super().column(column, width=needed)
            self._fit_sum[fitted] = max(self._fit_sum.get(fitted, -1), summed)

    def _values(self, values: Any) -> None:
        if not values:
            return
        for column, value in zip(self._columns, values, strict=False):
            self.needs(column, value)

    def insert(self, parent: str, index: int | Literal["end"], iid: str | int | None = None,
               **kw: Any) -> str:
        made = super().insert(parent, index, iid, **kw)
        self._values(kw.get("values"))
        if kw.get("text"):
            self.needs("#0", kw["text"])
        return made

    def item(self, item: str | int, option: str | None = None, **kw: Any) -> Any:
        answer = super().item(item, option, **kw)
        self._values(kw.get("values"))
        return answer

    def set(self, item: str | int, column: str | int | None = None,
            value: Any = None) -> Any:
        answer = super().set(item, column, value)
        if column is not None and value is not None:
            self.needs(str(column), value)
        return answer

    def heading(self, column: str | int, option: str | None = None, **kw: Any) -> Any:
        answer = super().heading(column, option, **kw)
        if "text" in kw:
            self.needs(str(column), kw["text"], self.heading_font)
        return answer

    def column(self, column: str | int, option: str | None = None, **kw: Any) -> Any:
        """As Treeview's, but a width given is a least width: the heading and the values
        already in the column keep it at least as wide as they are."""
        answer = super().column(column, option, **kw)
        if "width" in kw or "minwidth" in kw:
            key = str(column)
            self._least.pop(key, None)  # as given now; the text below may widen it again
            for fitted in [f for f in self._fit_sum if f[0] == key]:
                del self._fit_sum[fitted]
            least = max(int(super().column(column, "minwidth")), int(kw.get("width", 0)))
            super().column(column, minwidth=least)  # never narrower than the screen asked
            if int(super().column(column, "width")) < least:
                super().column(column, width=least)
            self.needs(key, super().heading(column, "text"), self.heading_font)
            index = None if key == "#0" else [str(c) for c in self["columns"]].index(key)
            for row in self._rows():
                values = super().item(row, "values")
                if index is None:
                    self.needs(key, super().item(row, "text"))
                elif index < len(values):
                    self.needs(key, values[index])
        return answer

    def _rows(self) -> list[str]:
        rows, stack = [], list(self.get_children())
        while stack:
            row = stack.pop()
            rows.append(row)
            stack.extend(self.get_children(row))
        return rows

    # -- the sideways scroll bar -------------------------------------------------
    def _scrolled(self, first: str, last: str) -> None:
        self.xbar.set(first, last)
        if float(first) <= 0.0 and float(last) >= 1.0:
            self.xbar.grid_remove()
        else:
            self.xbar.grid(row=1, column=0, sticky="ew")

    # -- placing the list places its frame ---------------------------------------
    def pack(self, **kw: Any) -> None:  # type: ignore[override]
        self.box.pack(**kw)

    pack_configure = pack  # type: ignore[assignment]

    def pack_forget(self) -> None:
        self.box.pack_forget()

    def grid(self, **kw: Any) -> None:  # type: ignore[override]
        self.box.grid(**kw)

    grid_configure = grid  # type: ignore[assignment]

    def grid_remove(self) -> None:
        self.box.grid_remove()

    def grid_forget(self) -> None:
        self.box.grid_forget()
