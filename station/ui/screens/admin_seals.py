"""管理 → 科室与印章: this station's office seals (电子印章) with their state and
validity; make an office's seal, or a new one when it expired or was revoked;
and set up an office's key for its reviewers (``station office create``).

A seal that is still valid cannot be replaced by accident: the domain
(``station.trust.seals``) refuses, and says until when it is valid.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from keys.ca import shown_time
from station.i18n import _, translate
from station.trust import offices, seals
from station.trust.seals import STATE_LABELS, SealInfo
from station.ui.context import AppContext
from station.ui.screens.admin_panel import Panel
from station.ui.screens.admin_table import Table


def seal_table(parent: tk.Misc, height: int = 8) -> Table:
    return Table(parent, (("office", _("科室"), 5), ("state", _("状态"), 3),
                          ("serial", _("序列号"), 14), ("from", _("有效期自"), 5),
                          ("until", _("有效至"), 5)), height=height)


def fill_seals(table: Table, found: list[SealInfo]) -> None:
    """One row per office; validity as dates in local time (the hour is in the CLI)."""
    table.fill([(info.office, (info.office, translate(STATE_LABELS[info.state]), info.serial,
                               info.not_before.astimezone().date().isoformat(),
                               info.not_after.astimezone().date().isoformat()))
                for info in found])


class SealsPanel(Panel):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, app)
        self.found: dict[str, SealInfo] = {}
        self.table = seal_table(self)
        self.table.grid(row=0, column=0, columnspan=2, sticky="nsw")
        self.table.bind("<<TreeviewSelect>>", lambda _e: self.pick())
        form = ttk.Frame(self)
        form.grid(row=1, column=0, sticky="w", pady=(10, 0))
        ttk.Label(form, text=_("科室")).pack(side=tk.LEFT, padx=(0, 8))
        self.office = ttk.Entry(form, width=14)
        self.office.pack(side=tk.LEFT)
        self.button(form, _("制作印章"), self.create).pack(side=tk.LEFT, padx=(12, 6))
        self.button(form, _("建立科室密钥"), self.create_office,
                    "secondary").pack(side=tk.LEFT, padx=6)
        ttk.Label(self, text=_("印章过期或被吊销后，选中它再点“制作印章”即可换发新印章；"
                               "有效的印章不能重复制作。科室密钥供本科室审核员阅办件，"
                               "管理员本人看不到。"),
                  bootstyle="secondary", wraplength=900, justify=tk.LEFT,
                  ).grid(row=2, column=0, columnspan=2, sticky="w", pady=(6, 0))
        self.message.grid(row=3, column=0, columnspan=2, sticky="w", pady=(8, 0))
        self.rowconfigure(0, weight=1)
        self.reload()

    def reload(self) -> None:
        self.load(seals.list_seals, self.show)

    def show(self, found: list[SealInfo]) -> None:
        self.found = {info.office: info for info in found}
        fill_seals(self.table, found)
        if not found:
            self.say(_("本站还没有科室印章。"))

    def pick(self) -> None:
        chosen = self.table.chosen()
        if chosen:
            self.office.delete(0, tk.END)
            self.office.insert(0, chosen)

    def create(self) -> None:
        office = self.office.get().strip()
        self.run(lambda s: seals.create_seal(s, office),
                 lambda made: _("已制作“{office}”的印章（序列号 {serial}，有效至 {not_after}）。")
                 .format(office=made.office, serial=made.serial,
                         not_after=shown_time(made.certificate.not_valid_after_utc)),
                 self.reload)

    def create_office(self) -> None:
        office = self.office.get().strip()
        self.run(lambda s: offices.create_office(s, office),
                 lambda _v: _("科室“{office}”的密钥已建立。").format(office=office))
