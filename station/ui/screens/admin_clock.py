"""管理 → 时限规则: this station's clock policy (``station clock policy``): when a case
turns yellow, and the working days for calling back and fixing after a bad rating.
Red is always "overdue".  Checked and saved by ``station.casework.clock_policy``."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station.app import Station
from station.casework.clock_policy import changed_policy, policy_from_settings, save_policy
from station.clock.deadlines import ClockPolicy
from station.i18n import _
from station.ui.context import AppContext
from station.ui.screens.admin_panel import Panel


class ClockPanel(Panel):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, app)
        self.fields: dict[str, ttk.Entry] = {}
        rows = (("yellow", _("用去时限的多大比例亮黄牌"), _("大于 0、不超过 1，如 0.8 或 80%")),
                ("callback", _("差评后几个工作日内回访"), _("0 或正整数")),
                ("fix", _("差评后几个工作日内整改完毕"), _("0 或正整数")))
        for row, (key, label, hint) in enumerate(rows):
            ttk.Label(self, text=label).grid(row=row, column=0, sticky="w", padx=(0, 10), pady=4)
            entry = ttk.Entry(self, width=10)
            entry.grid(row=row, column=1, sticky="w", pady=4)
            ttk.Label(self, text=hint, bootstyle="secondary").grid(row=row, column=2, sticky="w",
                                                                   padx=10)
            self.fields[key] = entry
        ttk.Label(self, text=_("超过办结时限即亮红牌。")).grid(row=3, column=0, columnspan=3,
                                                               sticky="w", pady=(6, 0))
        self.button(self, _("保存时限规则"), self.save).grid(row=4, column=0, sticky="w",
                                                          pady=(10, 0))
        self.message.grid(row=5, column=0, columnspan=3, sticky="w", pady=(8, 0))
        self.load(lambda _s: policy_from_settings(), self.show)

    def show(self, policy: ClockPolicy) -> None:
        for key, value in (("yellow", f"{policy.yellow_share:g}"),
                           ("callback", str(policy.followup_callback_days)),
                           ("fix", str(policy.followup_fix_days))):
            self.fields[key].delete(0, tk.END)
            self.fields[key].insert(0, value)

    def save(self) -> None:
        typed = {key: entry.get() for key, entry in self.fields.items()}

        def work(station: Station) -> ClockPolicy:
            policy = changed_policy(policy_from_settings(), typed["yellow"], typed["callback"],
                                    typed["fix"])
            return save_policy(station, policy)

        def saved(policy: ClockPolicy) -> str:
            return _("已保存：用去 {percent}% 时亮黄牌，差评 {callback} 个工作日内回访、"
                     "{fix} 个工作日内整改。").format(
                percent=f"{policy.yellow_share * 100:g}",
                callback=policy.followup_callback_days, fix=policy.followup_fix_days)

        self.run(work, saved, self.show_saved)

    def show_saved(self) -> None:
        self.load(lambda _s: policy_from_settings(), self.show)
