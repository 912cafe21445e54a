"""资料共享 in a case's details: each material reused from an earlier case or verified by
an office already, with where it came from and 已核验（民政办，2026-11-05）.

The lines come with the case's details (``show_case`` gives each page its
material's source, ``station.cases.material_checks``) and are shown one line a
material, the window's whole width above the lists, only when some material has one.
"""

from __future__ import annotations

import tkinter as tk
from typing import Any

import ttkbootstrap as ttk

from station.i18n import _
from station.ui.flow import wrapping

WRAP = 900  # a first wrap width, before the line knows its own


class SourcesLine(ttk.Label):
    def __init__(self, parent: tk.Misc, materials: list[dict[str, Any]],
                 before: tk.Misc) -> None:
        """Shown in ``parent`` (packed) above ``before``; ``materials``: the details' pages."""
        super().__init__(parent, text="", bootstyle="info", justify=tk.LEFT, wraplength=WRAP)
        wrapping(self)
        sources = {m["name"]: m["source"] for m in materials if m["source"]}
        if sources:
            self.configure(text="\n".join(_("{name}：{source}").format(name=name, source=source)
                                          for name, source in sources.items()))
            self.pack(fill=tk.X, pady=(0, 6), before=before)
