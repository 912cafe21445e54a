"""首次建站: the first run walks through ``station init`` in the window, then 入网
(``enrol_join``) with the station just created; or, on a new PC, 从备份恢复
(``restore_view``)."""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk

from station import i18n
from station.app import Station
from station.errors import PassphraseMismatch, StationError
from station.i18n import _
from station.node import TIER_LABELS, TIERS, check_node
from station.ui.context import AppContext
from station.ui.opener import open_file
from station.ui.restore_view import RestoreView
from station.ui.screens.enrol_join import JoinPanel
from station.ui.style import title_font


class SetupView(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=30)
        self.app = app
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.45, anchor="center")
        ttk.Label(box, text=_("首次使用：建站"), font=title_font(self, app.config.large_font)).grid(
            row=0, column=0, columnspan=2, pady=(0, 6))
        ttk.Label(box, text=_("请按县政务服务中心提供的区划代码和站名填写。"),
                  bootstyle="secondary").grid(row=1, column=0, columnspan=2, pady=(0, 14))
        self.tier_labels = {i18n.translate(TIER_LABELS[t]): t for t in TIERS}
        self.entries: dict[str, ttk.Entry | ttk.Combobox] = {}
        rows = (
            ("tier", _("层级")), ("code", _("12 位区划代码")), ("name", _("站点名称")),
            ("operator", _("登录名")), ("display_name", _("姓名（打印在凭证上）")),
            ("passphrase", _("口令（至少 8 个字符）")), ("again", _("再输一次口令")),
        )
        for i, (key, label) in enumerate(rows, start=2):
            ttk.Label(box, text=label).grid(row=i, column=0, sticky="e", padx=8, pady=5)
            widget: ttk.Entry | ttk.Combobox
            if key == "tier":
                widget = ttk.Combobox(box, values=list(self.tier_labels), state="readonly",
                                      width=28)
                widget.set(next(iter(self.tier_labels)))
            else:
                widget = ttk.Entry(box, width=30, show="•" if key in ("passphrase", "again")
                                   else "")
            widget.grid(row=i, column=1, sticky="w", pady=5)
            widget.bind("<Return>", lambda _e: self.submit())
            self.entries[key] = widget
        self.entries["operator"].insert(0, "admin")
        self.error = ttk.Label(box, text="", bootstyle="danger", wraplength=520)
        self.error.grid(row=9, column=0, columnspan=2, pady=6)
        self.button = ttk.Button(box, text=_("建站（Enter）"), bootstyle="primary",
                                 command=self.submit)
        self.button.grid(row=10, column=0, columnspan=2, sticky="ew", pady=6)
        self.restore = ttk.Button(box, text=_("换了新电脑？从备份恢复本站"), bootstyle="link",
                                  command=lambda: app.show(RestoreView))
        self.restore.grid(row=11, column=0, columnspan=2)
        self.entries["code"].focus_set()

    def value(self, key: str) -> str:
        return self.entries[key].get()

    def submit(self) -> None:
        if str(self.button.cget("state")) == "disabled":
            return
        try:
            tier = self.tier_labels[self.value("tier")]
            node = check_node(self.value("code"), tier, self.value("name"))
            if self.value("passphrase") != self.value("again"):
                raise PassphraseMismatch()
        except StationError as error:
            self.error.configure(text=i18n.render(error))
            return
        self.error.configure(text="")
        self.button.configure(state="disabled")
        app, secret = self.app, self.value("passphrase")
        operator = self.value("operator").strip() or "admin"
        display = self.value("display_name").strip() or None
        app.dispatcher.submit(
            lambda: Station.init(app.data, node.tier, node.code, node.name, operator, secret,
                                 app.documents, display_name=display),
            on_done=lambda result: self.created(*result),
            on_error=self.failed,
        )

    def failed(self, error: BaseException) -> None:
        self.button.configure(state="normal")
        self.error.configure(text=i18n.render(error))

    def created(self, station: Station, sheet: Path) -> None:
        for child in self.winfo_children():
            child.destroy()
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.4, anchor="center")
        ttk.Label(box, text=_("已建站：{name}").format(name=station.node.name),
                  font=title_font(self, self.app.config.large_font)).pack(pady=10)
        saved = _("恢复密钥单已保存到 {path}：请立即打印，锁进柜子，然后删除这个文件。")
        ttk.Label(box, text=saved.format(path=sheet), wraplength=700,
                  justify="left").pack(pady=10)
        ttk.Button(box, text=_("打开恢复密钥单"), bootstyle="info-outline",
                   command=lambda: open_file(sheet)).pack(fill=tk.X, pady=4)
        if station.node.tier == "county":  # the county makes the network's root itself
            self._start_button(box, station, _("开始使用（Enter）"), "primary")
            return
        go = ttk.Button(box, text=_("下一步：入网（Enter）"), bootstyle="primary",
                        command=lambda: self.enrol(station))
        go.pack(fill=tk.X, pady=4)
        go.focus_set()
        go.bind("<Return>", lambda _e: self.enrol(station))
        self._start_button(box, station, _("以后再入网，先开始使用"), "secondary-outline")

    def _start_button(self, box: tk.Misc, station: Station, text: str, style: str) -> ttk.Button:
        button = ttk.Button(box, text=text, bootstyle=style,
                            command=lambda: self.app.logged_in(station))
        button.pack(fill=tk.X, pady=4)
        if style == "primary":
            button.focus_set()
            button.bind("<Return>", lambda _e: self.app.logged_in(station))
        return button

    def enrol(self, station: Station) -> None:
        """入网 right after setup: the station is open already."""
        for child in self.winfo_children():
            child.destroy()
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.45, anchor="center")
        self.join = JoinPanel(box, self.app, station,
                              lambda _identity: self._start_button(
                                  box, station, _("开始使用（Enter）"), "primary"))
        self.join.pack(fill=tk.X)
        self._start_button(box, station, _("以后再入网，先开始使用"), "secondary-outline")
