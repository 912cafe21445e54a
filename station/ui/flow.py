"""A row of buttons that wraps onto a second line instead of squeezing them.

Six buttons side by side fit a wide panel in normal font; in large-font mode, or in
a narrow pane, Tk's packer would shrink the last ones until "退件" reads "退".  A
``Flow`` places its widgets left to right and starts a new line when the next one no
longer fits, so every button keeps its whole text.
"""

from __future__ import annotations

import tkinter as tk
from typing import Any

import ttkbootstrap as ttk


class Flow(ttk.Frame):
    def __init__(self, parent: tk.Misc, gap: int = 6, line_gap: int = 4, **options: Any) -> None:
        super().__init__(parent, **options)
        self.gap, self.line_gap = gap, line_gap
        self.items: list[tuple[tk.Widget, int]] = []
        self.bind("<Configure>", lambda _e: self.arrange())

    def add(self, widget: tk.Widget, space_before: int = 0) -> tk.Widget:
        """Put ``widget`` (a child of this frame) after the others."""
        self.items.append((widget, space_before))
        widget.bind("<Configure>", lambda _e: self.after_idle(self.arrange), add="+")
        self.after_idle(self.arrange)
        return widget

    def arrange(self) -> None:
        if not self.winfo_exists():
            return
        width = self.winfo_width()
        if width <= 1:  # not drawn yet: ask for one line
            width = sum(w.winfo_reqwidth() + self.gap + s for w, s in self.items)
        x = y = line = 0
        widest = 0
        for widget, space in self.items:
            if isinstance(widget, ttk.Label) and widget.winfo_reqwidth() > width > 1:
                widget.configure(wraplength=width - 8)  # wider than a whole line: wrap it
            w, h = widget.winfo_reqwidth(), widget.winfo_reqheight()
            if x and x + space + w > width:
                x, y, line = 0, y + line + self.line_gap, 0
            x += space if x else 0
            widget.place(in_=self, x=x, y=y)
            x += w + self.gap
            line = max(line, h)
            widest = max(widest, w)
        height = y + line
        if (self.winfo_reqheight(), self.winfo_reqwidth()) != (height, widest):
            self.configure(height=height, width=widest)


def wrapping(label: ttk.Label, margin: int = 4) -> ttk.Label:
    """Make ``label`` wrap its text at the width it is given (a line that would run off a
    narrow pane, or off the screen in large font, continues on the next line)."""

    def fit(event: tk.Event) -> None:
        wanted = max(event.width - margin, 1)
        if int(str(label.cget("wraplength")) or 0) != wanted:
            label.configure(wraplength=wanted)

    label.bind("<Configure>", fit, add="+")
    return label
