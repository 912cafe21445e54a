"""资料共享 in a case's details: each material reused from an earlier case or verified by
an office already, with where it came from and 已核验（民政办，2026-11-05）.

The sources are read on the worker (``station.cases.material_checks``) and shown
one line a material, the window's whole width above the lists, only when some
material has one.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station.cases.material_checks import Source, case_sources
from station.i18n import _
from station.ui.context import AppContext
from station.ui.flow import wrapping

WRAP = 900  # a first wrap width, before the line knows its own


class SourcesLine(ttk.Label):
    def __init__(self, parent: tk.Misc, app: AppContext, case_no: str,
                 before: tk.Misc) -> None:
        """Shown in ``parent`` (packed) above ``before``."""
        super().__init__(parent, text="", bootstyle="info", justify=tk.LEFT, wraplength=WRAP)
        wrapping(self)
        self.before = before
        self.loaded = False
        app.dispatcher.submit(lambda: case_sources(case_no), on_done=self.show)

    def show(self, sources: dict[str, Source]) -> None:
        if not self.winfo_exists():
            return
        self.loaded = True
        lines = [_("{name}：{source}").format(name=name, source=source.text())
                 for name, source in sources.items() if source.reused_from or source.checks]
        if lines:
            self.configure(text="\n".join(lines))
            self.pack(fill=tk.X, pady=(0, 6), before=self.before)
