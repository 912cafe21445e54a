"""管理 → 时限规则: this station's clock policy (``station clock policy``): when a case
turns yellow, the working days for calling back and fixing after a bad rating, and the
points the 监察 board deducts per red and per yellow card.  Red is always "overdue".
Checked and saved by ``station.casework.clock_policy``; every field is checked before
anything is saved, so a bad value changes nothing."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station.app import Station
from station.casework.clock_policy import (
    card_rule_from_settings,
    changed_card_rule,
    changed_policy,
    policy_from_settings,
    save_card_rule,
    save_policy,
)
from station.clock.cards import CardRule
from station.clock.deadlines import ClockPolicy
from station.i18n import _
from station.ui.context import AppContext
from station.ui.screens.admin_panel import Panel

Rules = tuple[ClockPolicy, CardRule]


def read_rules(station: Station) -> Rules:
    return policy_from_settings(), card_rule_from_settings(station)


class ClockPanel(Panel):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, app)
        self.fields: dict[str, ttk.Entry] = {}
        points = _("0 或正数，如 2 或 0.5")
        rows = (("yellow", _("用去时限的多大比例亮黄牌"), _("大于 0、不超过 1，如 0.8 或 80%")),
                ("callback", _("差评后几个工作日内回访"), _("0 或正整数")),
                ("fix", _("差评后几个工作日内整改完毕"), _("0 或正整数")),
                ("red_points", _("红牌扣分（每张）"), points),
                ("yellow_points", _("黄牌扣分（每张）"), points))
        for row, (key, label, hint) in enumerate(rows):
            ttk.Label(self, text=label).grid(row=row, column=0, sticky="w", padx=(0, 10), pady=4)
            entry = ttk.Entry(self, width=10)
            entry.grid(row=row, column=1, sticky="w", pady=4)
            ttk.Label(self, text=hint, bootstyle="secondary").grid(row=row, column=2, sticky="w",
                                                                   padx=10)
            self.fields[key] = entry
        below = len(rows)
        ttk.Label(self, text=_("超过办结时限即亮红牌。")).grid(row=below, column=0, columnspan=3,
                                                               sticky="w", pady=(6, 0))
        self.button(self, _("保存时限规则"), self.save).grid(row=below + 1, column=0, sticky="w",
                                                          pady=(10, 0))
        self.message.grid(row=below + 2, column=0, columnspan=3, sticky="w", pady=(8, 0))
        self.load(read_rules, self.show)

    def show(self, rules: Rules) -> None:
        policy, rule = rules
        for key, value in (("yellow", f"{policy.yellow_share:g}"),
                           ("callback", str(policy.followup_callback_days)),
                           ("fix", str(policy.followup_fix_days)),
                           ("red_points", f"{rule.red_points:g}"),
                           ("yellow_points", f"{rule.yellow_points:g}")):
            self.fields[key].delete(0, tk.END)
            self.fields[key].insert(0, value)

    def save(self) -> None:
        typed = {key: entry.get() for key, entry in self.fields.items()}

        def work(station: Station) -> Rules:
            policy, rule = read_rules(station)
            policy = changed_policy(policy, typed["yellow"], typed["callback"], typed["fix"])
            rule = changed_card_rule(rule, typed["red_points"], typed["yellow_points"])
            return save_policy(station, policy), save_card_rule(station, rule)

        def saved(rules: Rules) -> str:
            policy, rule = rules
            return _("已保存：用去 {percent}% 时亮黄牌，差评 {callback} 个工作日内回访、"
                     "{fix} 个工作日内整改。").format(
                percent=f"{policy.yellow_share * 100:g}",
                callback=policy.followup_callback_days, fix=policy.followup_fix_days) + \
                _("每张红牌扣 {red} 分，每张黄牌扣 {yellow} 分。").format(
                    red=f"{rule.red_points:g}", yellow=f"{rule.yellow_points:g}")

        self.run(work, saved, self.show_saved)

    def show_saved(self) -> None:
        self.load(read_rules, self.show)
