"""审计 (county admins and auditors): the hub's sync log, each station's health, the
acceptances that overrode missing materials, and the printed audit report.

Reads the county hub's database beside this node's store (the one
``station hub serve`` writes), or the database address given; all reading
runs on the store worker.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk

from station.hubops.audit import HubAudit, HubDatabase, open_hub_database
from station.hubops.report import make_audit_report
from station.i18n import _
from station.ui.context import AppContext
from station.ui.opener import open_file
from station.ui.screens.audit_log import SessionLog
from station.ui.screens.audit_overrides import OverrideList
from station.ui.screens.station_health import StationHealthView


class AuditScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.db: HubDatabase | None = None
        top = ttk.Frame(self)
        top.pack(fill=tk.X)
        ttk.Label(top, text=_("枢纽站数据库")).pack(side=tk.LEFT, padx=(0, 6))
        self.url = ttk.Entry(top, width=40)
        self.url.pack(side=tk.LEFT)
        self.url.bind("<Return>", lambda _e: self.connect())
        ttk.Button(top, text=_("刷新"), bootstyle="secondary-outline",
                   command=self.connect).pack(side=tk.LEFT, padx=8)
        self.report_button = ttk.Button(top, text=_("生成审计报告（PDF）"), bootstyle="primary",
                                        command=self.write_report)
        self.report_button.pack(side=tk.RIGHT)
        ttk.Label(self, text=_("不填数据库地址时，读取本机县级枢纽站的数据库。"),
                  bootstyle="secondary").pack(anchor="w", pady=(4, 0))
        self.message = ttk.Label(self, text="", wraplength=1000)
        self.message.pack(anchor="w", pady=(2, 4))
        self.tabs = ttk.Notebook(self)
        self.tabs.pack(fill=tk.BOTH, expand=True)
        self.log = SessionLog(self.tabs, app, lambda: self.db)
        self.health = StationHealthView(self.tabs, app, lambda: self.db)
        self.tabs.add(self.log, text=_("同步日志"))
        self.tabs.add(self.health, text=_("站点状况"))
        self.overrides = OverrideList(self.tabs, app)
        self.tabs.add(self.overrides, text=_("材料缺项受理"))
        self.health.tree.bind("<Double-1>", lambda _e: self.show_station_log())
        self.connect()

    def connect(self) -> None:
        """Open the hub database (again) and load both views."""
        station, url = self.app.opened, self.url.get().strip() or None
        self.message.configure(text="")

        def opened(db: HubDatabase) -> None:
            if self.winfo_exists():
                self.db = db
                self.log.reload()
                self.health.reload()
                self.overrides.reload()

        self.app.dispatcher.submit(lambda: open_hub_database(station, url), on_done=opened)

    def show_station_log(self) -> None:
        """Double-click a station: its sessions in the sync log."""
        selected = self.health.tree.selection()
        if selected and selected[0] in [code for code, _n in self.log.peers]:
            self.tabs.select(self.log)
            self.log.select_station(selected[0])

    def write_report(self) -> None:
        station, url = self.app.opened, self.url.get().strip() or None
        days = self.health.silent_days()
        self.report_button.configure(state="disabled")

        def written(result: tuple[Path, HubAudit]) -> None:
            path, _audit = result
            if self.winfo_exists():
                self.report_button.configure(state="normal")
                self.message.configure(text=_("审计报告已保存：{path}").format(path=path),
                                       bootstyle="success")
            open_file(path)

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                self.report_button.configure(state="normal")
            self.app.show_error(error)

        self.app.dispatcher.submit(lambda: make_audit_report(station, url, days),
                                   on_done=written, on_error=failed)
