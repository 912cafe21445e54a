"""Step 1 选择事项: find the matter by Chinese, pinyin or initials (dbsq → 低保申请).

Recently used matters come first; the details (deciding level, offices, time
limits, required materials) are shown before the agent goes on.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from forms.catalogue import Matter
from station.filing.material_text import condition
from station.filing.matter_search import MatterIndex
from station.i18n import N_, _, translate
from station.ui.style import chars_wide
from station.ui.table import List
from station.ui.wizard.step import StepFrame, Wizard

TIERS = {"village": N_("村"), "township": N_("乡镇"), "county": N_("县")}


class MatterStep(StepFrame):
    title = N_("选择事项")

    def __init__(self, parent: tk.Misc, wizard: Wizard) -> None:
        super().__init__(parent, wizard)
        self.index = MatterIndex(wizard.app.opened.catalogue)
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X)
        ttk.Label(bar, text=_("输入事项名称、拼音或首字母（如 dbsq）")).pack(side=tk.LEFT)
        self.query = ttk.Entry(bar, width=30)
        self.query.pack(side=tk.LEFT, padx=8)
        self.query.bind("<KeyRelease>", lambda _e: self.refresh())
        self.query.bind("<Down>", self.focus_results)
        self.query.bind("<Return>", lambda _e: self.accept())
        body = ttk.Frame(self)
        body.pack(fill=tk.BOTH, expand=True, pady=8)
        # The details keep a fixed share on the right (wider in large font); the list
        # takes the rest and scrolls sideways if the longest name needs it.
        self.details = ttk.Label(body, text="", justify="left", wraplength=chars_wide(self, 24),
                                 padding=(12, 0), anchor="nw")
        self.details.pack(side=tk.RIGHT, fill=tk.Y)
        self.results = List(body, columns=("name", "tier", "days"), show="headings",
                            selectmode="browse", height=12)
        for key, label, width in (("name", _("事项名称"), 330), ("tier", _("决定层级"), 80),
                                  ("days", _("承诺时限"), 110)):
            self.results.heading(key, text=label)
            self.results.column(key, width=width, stretch=key == "name")
        self.results.pack(side=tk.LEFT, fill=tk.BOTH, expand=True)
        self.results.bind("<<TreeviewSelect>>", lambda _e: self.describe())
        self.results.bind("<Return>", lambda _e: self.accept())
        self.refresh()

    def accept(self) -> None:
        """Enter (as the button says): the selected matter, else the first found."""
        found = self.results.get_children()
        if found and not self.results.selection():
            self.results.selection_set(found[0])
            self.describe()
        self.wizard.next()

    def focus_results(self, _event: tk.Event) -> None:
        self.results.focus_set()

    def enter(self) -> None:
        self.query.focus_set()

    def refresh(self) -> None:
        recent = self.wizard.app.config.recent_matters
        found = self.index.search(self.query.get(), recent=recent)
        self.results.delete(*self.results.get_children())
        for matter in found:
            self.results.insert("", tk.END, iid=matter.code, values=(
                matter.name, translate(TIERS.get(matter.tier, matter.tier)),
                _("{days} 个工作日").format(days=matter.promised_days)))
        chosen = self.wizard.draft.matter
        first = chosen.code if chosen and chosen.code in {m.code for m in found} else (
            found[0].code if found else None)
        if first:
            self.results.selection_set(first)
            self.results.see(first)
        self.describe()

    def selected(self) -> Matter | None:
        selection = self.results.selection()
        return self.wizard.app.opened.catalogue.get(selection[0]) if selection else None

    def describe(self) -> None:
        matter = self.selected()
        if matter is None:
            self.details.configure(text=_("没有找到匹配的事项。"))
            return
        required = [m.name for m in matter.required_materials({})]
        conditional = [_("{name}（{when}时）").format(name=m.name, when=condition(m, matter))
                       for m in matter.materials if m.conditional]
        optional = [m.name for m in matter.materials if not m.required and not m.conditional]
        lines = [
            matter.name,
            _("决定层级：{tier}　办理部门：{offices}").format(
                tier=translate(TIERS.get(matter.tier, matter.tier)),
                offices="、".join(matter.offices)),
            (_("即办件：当场办结（法定 {legal} 个工作日）").format(legal=matter.legal_days)
             if matter.is_instant else
             _("承诺 {promised} 个工作日（法定 {legal} 个工作日）").format(
                 promised=matter.promised_days, legal=matter.legal_days)),
            _("必需材料：{items}").format(items="、".join(required) or "—"),
            _("可选材料：{items}").format(items="、".join(optional) or "—"),
        ]
        if conditional:
            lines.insert(-1, _("视情况必需：{items}").format(items="；".join(conditional)))
        if matter.is_sequential:
            lines.insert(2, _("办理顺序：{offices}（依次办理）").format(
                offices=" → ".join(matter.offices)))
        for label, value in ((_("办理地点：{value}"), matter.place),
                             (_("办理时间：{value}"), matter.hours),
                             (_("咨询电话：{value}"), matter.phone)):
            if value:
                lines.append(label.format(value=value))
        self.details.configure(text="\n".join(lines))

    def leave(self) -> bool:
        matter = self.selected()
        if matter is None:
            return False
        self.wizard.draft.choose(matter)
        return True
