"""Does every text on a screen show whole?  Compares what each widget needs with what it got.

For a person at a 1366×768 screen, a text is cut when:
- a label or button got less room than its text needs (its requested size, or for a
  widget given a fixed width in characters, its text measured in its own font);
- a list's column is narrower than its heading or one of its values, or the list's
  columns together are wider than the list (the last ones fall off the right edge)
  and the list cannot be scrolled sideways;
- a list's rows are lower than its font;
- a widget lies, wholly or in part, outside one of the frames that hold it (Tk clips
  a child to its parent) or outside the screen, unless it sits in a scrolled area
  that has a scroll bar.

``cut(root)`` lists every such text, described so the failing test reads as a list of
what a person could not read.
"""

from __future__ import annotations

import contextlib
import tkinter as tk
import tkinter.font as tkfont
import tkinter.ttk
from dataclasses import dataclass

import ttkbootstrap as ttk

SCREEN_WIDTH, SCREEN_HEIGHT = 1366, 768
TEXT_WIDGETS = (ttk.Label, ttk.Button, ttk.Checkbutton, ttk.Radiobutton, ttk.Menubutton,
                tk.Label, tk.Button, tk.Checkbutton, tk.Radiobutton)
CELL_PADDING = 8  # pixels a Treeview cell keeps around its text, left and right together
SLACK = 1  # rounding
TAB_PADDING = 24  # pixels a notebook tab adds around its label


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    def holds(self, other: Box) -> bool:
        return (other.left >= self.left - SLACK and other.top >= self.top - SLACK
                and other.right <= self.right + SLACK and other.bottom <= self.bottom + SLACK)


def box(widget: tk.Misc) -> Box:
    x, y = widget.winfo_rootx(), widget.winfo_rooty()
    return Box(x, y, x + widget.winfo_width(), y + widget.winfo_height())


def shown(root: tk.Misc) -> list[tk.Misc]:
    """Every widget under ``root`` that is on the screen now (itself included)."""
    found, stack = [], [root]
    while stack:
        widget = stack.pop()
        try:
            if not widget.winfo_viewable():
                continue
        except tk.TclError:
            continue
        found.append(widget)
        stack.extend(widget.winfo_children())
    return found


def text_of(widget: tk.Misc) -> str:
    try:
        return str(widget.cget("text"))
    except tk.TclError:
        return ""


def font_of(widget: tk.Misc) -> tkfont.Font:
    """The font a widget draws its text in (its own, its style's, or Tk's default)."""
    named = ""
    with contextlib.suppress(tk.TclError):
        named = str(widget.cget("font"))
    if not named and isinstance(widget, tkinter.ttk.Widget):
        style = str(widget.cget("style")) or widget.winfo_class()
        named = str(ttk.Style().lookup(style, "font")) or \
            str(ttk.Style().lookup(widget.winfo_class(), "font"))
    try:
        return tkfont.Font(root=widget, font=named or "TkDefaultFont")
    except tk.TclError:
        return tkfont.nametofont("TkDefaultFont", root=widget)


def _label_cut(widget: tk.Misc) -> str | None:
    text = text_of(widget)
    if not text.strip():
        return None
    if widget.winfo_reqwidth() > widget.winfo_width() + SLACK:
        return f"{text!r}: needs {widget.winfo_reqwidth()} px wide, has {widget.winfo_width()}"
    if widget.winfo_reqheight() > widget.winfo_height() + SLACK:
        return f"{text!r}: needs {widget.winfo_reqheight()} px high, has " \
            f"{widget.winfo_height()}"
    try:
        fixed = str(widget.cget("width"))
        wrap = str(widget.cget("wraplength"))
    except tk.TclError:
        fixed, wrap = "", ""
    if fixed not in ("", "0") and wrap in ("", "0"):
        # A width in characters is what Tk asks for, whatever the text: measure the text.
        needed = max(font_of(widget).measure(line) for line in text.splitlines())
        if needed > widget.winfo_width():
            return f"{text!r}: its text needs {needed} px, the widget is " \
                f"{widget.winfo_width()} px (fixed width {fixed})"
    return None


def _tree_cut(tree: ttk.Treeview) -> list[str]:
    style = str(tree.cget("style")) or "Treeview"
    row_font = tkfont.Font(root=tree, font=ttk.Style().lookup(style, "font") or
                           "TkDefaultFont")
    heading_font = tkfont.Font(root=tree, font=ttk.Style().lookup(
        f"{style}.Heading", "font") or "TkHeadingFont")
    found: list[str] = []
    rowheight = ttk.Style().lookup(style, "rowheight")
    if rowheight and int(float(rowheight)) < row_font.metrics("linespace"):
        found.append(f"list rows {rowheight} px high, their font needs "
                     f"{row_font.metrics('linespace')} px")
    columns = list(tree["columns"])
    shown_columns = [str(c) for c in tree["displaycolumns"]]
    if shown_columns == ["#all"]:
        shown_columns = [str(c) for c in columns]
    if "tree" in str(tree.cget("show")):
        shown_columns = ["#0", *shown_columns]
    total = 0
    for key in shown_columns:
        width = int(tree.column(key, "width"))
        total += width
        heading = str(tree.heading(key, "text"))
        if heading_font.measure(heading) + CELL_PADDING > width:
            found.append(f"column heading {heading!r}: needs "
                         f"{heading_font.measure(heading) + CELL_PADDING} px, has {width}")
        index = None if key == "#0" else columns.index(key)
        widest, longest = 0, ""
        for item in _all_items(tree):
            values = tree.item(item, "values")
            value = str(tree.item(item, "text")) if index is None else (
                str(values[index]) if index < len(values) else "")
            for line in value.splitlines() or [""]:
                if row_font.measure(line) > widest:
                    widest, longest = row_font.measure(line), line
        if widest + CELL_PADDING > width:
            found.append(f"column {heading!r} value {longest!r}: needs "
                         f"{widest + CELL_PADDING} px, has {width}")
    scrolls_sideways = bool(str(tree.cget("xscrollcommand")))
    if total > tree.winfo_width() + SLACK and not scrolls_sideways:
        found.append(f"list with columns {[tree.heading(k, 'text') for k in shown_columns]}: "
                     f"columns are {total} px wide, the list {tree.winfo_width()} px, "
                     "and it has no sideways scroll bar")
    return found


def _all_items(tree: ttk.Treeview) -> list[str]:
    items, stack = [], list(tree.get_children())
    while stack:
        item = stack.pop(0)
        items.append(item)
        stack.extend(tree.get_children(item))
    return items


def _notebook_cut(notebook: ttk.Notebook) -> str | None:
    """The tabs' labels side by side (each with its padding) wider than the notebook."""
    font = font_of(notebook)
    tabs = [str(notebook.tab(t, "text")) for t in notebook.tabs()]
    needed = sum(font.measure(text) + TAB_PADDING for text in tabs)
    if needed > notebook.winfo_width() + SLACK:
        return f"tabs {tabs}: need {needed} px, have {notebook.winfo_width()}"
    return None


def _clipped(widget: tk.Misc, screen: Box) -> str | None:
    """Outside a frame that holds it, or outside the screen (and no scroll bar helps)."""
    own = box(widget)
    if own.right - own.left <= 1 or own.bottom - own.top <= 1:
        return None
    parent = widget.master
    while parent is not None:
        if isinstance(parent, tk.Canvas):
            scrolls = bool(str(parent.cget("yscrollcommand"))) or \
                bool(str(parent.cget("xscrollcommand")))
            if scrolls:
                return None  # a scrolled area: what is out of view is a scroll away
        if not box(parent).holds(own):
            return f"lies outside the {parent.winfo_class()} that holds it " \
                f"({own} in {box(parent)})"
        if isinstance(parent, (tk.Tk, tk.Toplevel)):
            break
        parent = parent.master
    if not screen.holds(own):
        return f"lies outside the {SCREEN_WIDTH}×{SCREEN_HEIGHT} screen ({own})"
    return None


def cut(root: tk.Misc) -> list[str]:
    """What a person could not read whole, on the part of the window under ``root``."""
    root.update_idletasks()
    top = root.winfo_toplevel()
    screen = Box(top.winfo_rootx(), top.winfo_rooty(),
                 top.winfo_rootx() + SCREEN_WIDTH, top.winfo_rooty() + SCREEN_HEIGHT)
    found: list[str] = []
    for widget in shown(root):
        name = f"{widget.winfo_class()} {widget}"
        problems: list[str] = []
        if isinstance(widget, TEXT_WIDGETS):
            label = _label_cut(widget)
            problems += [label] if label else []
        elif isinstance(widget, ttk.Treeview):
            problems += _tree_cut(widget)
        elif isinstance(widget, ttk.Notebook):
            tabs = _notebook_cut(widget)
            problems += [tabs] if tabs else []
        if isinstance(widget, (*TEXT_WIDGETS, ttk.Treeview, ttk.Entry, ttk.Combobox,
                               tk.Text)):
            clipped = _clipped(widget, screen)
            if clipped:
                problems.append(f"{text_of(widget)!r} {clipped}")
        found += [f"{name}: {p}" for p in problems]
    return found
