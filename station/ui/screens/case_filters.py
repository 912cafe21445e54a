"""The case list's filter row: state, matter, deadline, filing dates."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from datetime import date

import ttkbootstrap as ttk

from station import i18n
from station.cases.register import CaseFilter
from station.cases.status import LABELS as STATUS_LABELS
from station.clock.calendar import parse_date
from station.errors import StationError
from station.i18n import N_, _, translate
from station.ui.context import AppContext

DEADLINE_LABELS = {
    "overdue": N_("已超期"),
    "due_soon": N_("3 日内到期"),
    "on_track": N_("未到期"),
    "not_started": N_("未计时（待补正）"),
}


class FilterBar(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext, on_change: Callable[[], None]) -> None:
        super().__init__(parent)
        self.on_change = on_change
        everything = _("全部")
        self.statuses = {everything: None} | {translate(v): k for k, v in STATUS_LABELS.items()}
        self.matters = {everything: None} | {m.name: m.code for m in app.opened.catalogue}
        self.deadlines = {everything: None} | {translate(v): k
                                               for k, v in DEADLINE_LABELS.items()}
        self.choices: dict[str, ttk.Combobox] = {}
        for key, label, values, width in (
            ("status", _("状态"), self.statuses, 14),
            ("matter", _("事项"), self.matters, 26),
            ("deadline", _("期限"), self.deadlines, 14),
        ):
            ttk.Label(self, text=label).pack(side=tk.LEFT, padx=(0, 4))
            box = ttk.Combobox(self, values=list(values), state="readonly", width=width)
            box.set(everything)
            box.bind("<<ComboboxSelected>>", lambda _e: self.on_change())
            box.pack(side=tk.LEFT, padx=(0, 10))
            self.choices[key] = box
        ttk.Label(self, text=_("收件日期")).pack(side=tk.LEFT, padx=(0, 4))
        self.since = ttk.Entry(self, width=11)
        self.since.pack(side=tk.LEFT)
        ttk.Label(self, text="–").pack(side=tk.LEFT, padx=2)
        self.until = ttk.Entry(self, width=11)
        self.until.pack(side=tk.LEFT)
        for entry in (self.since, self.until):
            entry.bind("<Return>", lambda _e: self.on_change())
        ttk.Button(self, text=_("清除筛选"), bootstyle="secondary-link",
                   command=self.clear).pack(side=tk.LEFT, padx=8)
        self.error = ttk.Label(self, text="", bootstyle="danger")
        self.error.pack(side=tk.LEFT)

    def _date(self, entry: ttk.Entry) -> date | None:
        text = entry.get().strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except StationError as error:
            self.error.configure(text=i18n.render(error))
            return None

    def value(self) -> CaseFilter:
        self.error.configure(text="")
        return CaseFilter(
            status=self.statuses[self.choices["status"].get()],
            matter=self.matters[self.choices["matter"].get()],
            deadline=self.deadlines[self.choices["deadline"].get()],
            filed_from=self._date(self.since),
            filed_to=self._date(self.until),
        )

    def clear(self) -> None:
        for box in self.choices.values():
            box.set(_("全部"))
        for entry in (self.since, self.until):
            entry.delete(0, tk.END)
        self.on_change()
