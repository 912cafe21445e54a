"""审计 → 材料缺项受理: every 受理 that overrode missing or unclear materials, with the
reviewer, the materials and the reason (``casework.override_audit``: read from this
node's store, which holds every case event sealed to the county archive)."""

from __future__ import annotations

import tkinter as tk
from typing import Any

import ttkbootstrap as ttk

from station.casework.override_audit import overrides
from station.i18n import _
from station.outbox import local_time
from station.ui.context import AppContext
from station.ui.table import List

COLUMNS = (("at", 150), ("case_no", 210), ("who", 220), ("materials", 220), ("reason", 320))


class OverrideList(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=8)
        self.app = app
        self.rows: list[dict[str, Any]] = []
        self.loaded = 0  # loads shown (tests wait on it)
        self.count = ttk.Label(self, text="", bootstyle="secondary")
        self.count.pack(anchor="w")
        heads = {"at": _("受理时间"), "case_no": _("办件编号"), "who": _("受理人"),
                 "materials": _("缺少或不清晰的材料"), "reason": _("受理理由")}
        self.tree = List(self, columns=[c for c, _w in COLUMNS], show="headings")
        for key, width in COLUMNS:
            self.tree.heading(key, text=heads[key])
            self.tree.column(key, width=width, stretch=key == "reason")
        self.tree.pack(fill=tk.BOTH, expand=True, pady=(4, 0))

    def reload(self) -> None:
        station = self.app.opened
        self.app.dispatcher.submit(lambda: overrides(station), on_done=self.show,
                                   on_error=self.app.show_error)

    def show(self, found: dict[str, Any]) -> None:
        if not self.winfo_exists():
            return
        self.rows = list(found["overrides"])
        self.tree.delete(*self.tree.get_children())
        for item in self.rows:
            who = f"{item['node']}/{item['author']}（{item['office'] or '—'}）"
            self.tree.insert("", tk.END, values=(
                local_time(item["at"]), item["case_no"], who,
                "、".join(m["name"] for m in item["materials"]), item["reason"]))
        self.count.configure(text=_("共 {count} 件材料缺少或不清晰仍予受理。").format(
            count=len(self.rows)))
        self.loaded += 1
