"""审计 → 站点状况: every node's chain as the county hub holds it, silent ones marked."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from station.hubops.audit import HubAudit, HubDatabase, audit_hub
from station.hubops.report import health_label, tier_label
from station.i18n import _
from station.outbox import local_time
from station.ui.context import AppContext
from station.ui.table import List

SILENT_DAYS = 7


class StationHealthView(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext,
                 database: Callable[[], HubDatabase | None]) -> None:
        super().__init__(parent, padding=8)
        self.app = app
        self.database = database
        self.audit: HubAudit | None = None
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X)
        ttk.Label(bar, text=_("超过")).pack(side=tk.LEFT)
        self.days = ttk.Spinbox(bar, from_=1, to=365, width=5, command=self.reload)
        self.days.set(SILENT_DAYS)
        self.days.bind("<Return>", lambda _e: self.reload())
        self.days.pack(side=tk.LEFT, padx=4)
        ttk.Label(bar, text=_("天未同步的村站标为失联")).pack(side=tk.LEFT)
        self.summary = ttk.Label(self, text="", wraplength=1000, justify=tk.LEFT)
        self.summary.pack(anchor="w", pady=(8, 0))
        columns = (("code", _("站点编码"), 120), ("name", _("名称"), 220), ("tier", _("层级"), 50),
                   ("last", _("最近同步"), 160), ("events", _("事件"), 60),
                   ("high_water", _("高水位"), 65), ("forks", _("分叉"), 50),
                   ("gaps", _("缺口"), 50), ("bad", _("签名无效"), 85),
                   ("lost", _("途中丢失"), 85), ("flagged", _("不合流程"), 85),
                   ("health", _("状况"), 100))
        self.tree = List(self, columns=[c[0] for c in columns], show="headings")
        for key, label, width in columns:
            self.tree.heading(key, text=label)
            self.tree.column(key, width=width, stretch=key == "name",
                             anchor="w" if key in ("code", "name", "last", "health") else "center")
        self.tree.tag_configure("problem", foreground="#ffffff", background="#b02a37")
        self.tree.tag_configure("silent", background="#ffe69c")
        self.tree.pack(fill=tk.BOTH, expand=True, pady=6)

    def silent_days(self) -> int:
        try:
            return max(1, int(self.days.get()))
        except ValueError:
            self.days.set(SILENT_DAYS)
            return SILENT_DAYS

    def reload(self) -> None:
        db = self.database()
        if db is None:
            return
        days = self.silent_days()
        self.app.dispatcher.submit(lambda: audit_hub(db, days), on_done=self.show)

    def show(self, audit: HubAudit) -> None:
        if not self.winfo_exists():
            return
        self.audit = audit
        self.tree.delete(*self.tree.get_children())
        for row in audit.stations:
            tags = ("problem",) if not row.ok else ("silent",) if row.silent else ()
            self.tree.insert("", tk.END, iid=row.code, tags=tags, values=(
                row.code, row.name or "—", tier_label(row.tier),
                local_time(row.last_seen) if row.last_seen else _("从未"), row.events,
                row.high_water, row.problems.get("forks", 0), row.problems.get("gaps", 0),
                row.problems.get("bad_signatures", 0), row.problems.get("lost_in_transit", 0),
                row.problems.get("flagged", 0), health_label(row)))
        value = audit.summary()
        verdict = _("核验通过") if audit.report.ok else _("发现问题")
        self.summary.configure(
            bootstyle="success" if audit.report.ok else "danger",
            text=_("{verdict}：{nodes} 个站点，{events} 条事件；分叉 {forks}，缺口 {gaps}，"
                   "签名无效 {bad}，途中丢失 {lost}，不合流程 {flagged}，"
                   "失联站点 {silent}。").format(
                verdict=verdict, nodes=value["nodes"], events=value["events"],
                forks=value["forks"], gaps=value["gaps"], bad=value["bad_signatures"],
                lost=value["lost_in_transit"], flagged=value["flagged"],
                silent=value["silent_stations"]))
