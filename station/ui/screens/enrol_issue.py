"""签发入网码: a one-time code for a station below, printed on an enrolment sheet.

As ``station enrol issue --hub``: the code is issued (``enrolment.issue_code``,
admins only, recorded in the audit), the sheet written with the code and its QR
code (``write_enrolment_sheet``), and the code's grant given to this station's
hub so it can screen the new station's request.  If the hub cannot be reached
the code stands; the next sync gives the grant.  All on the worker.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station import i18n
from station.i18n import _
from station.network.enrol_desk import IssuedSheet, issue_sheet
from station.node import TIER_LABELS, TIERS
from station.ui.context import AppContext
from station.ui.opener import open_file
from station.ui.problems import describe
from station.ui.style import title_font


def tiers_below(tier: str) -> list[str]:
    return list(TIERS[:TIERS.index(tier)])[::-1]


class IssuePanel(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=10)
        self.app = app
        self.issued: IssuedSheet | None = None
        node = app.opened.node
        ttk.Label(self, text=_("为下级站点签发一次性注册码，打印入网注册单交给对方"
                               "（注册码 7 天内有效，只能用一次）。"),
                  wraplength=900, justify=tk.LEFT).grid(row=0, column=0, columnspan=2,
                                                       sticky="w", pady=(0, 8))
        ttk.Label(self, text=_("下级站点的 12 位区划代码")).grid(row=1, column=0, sticky="e",
                                                         padx=8, pady=5)
        self.child = ttk.Entry(self, width=20)
        self.child.insert(0, node.code[:9] if node.tier == "township" else node.code[:6])
        self.child.grid(row=1, column=1, sticky="w", pady=5)
        ttk.Label(self, text=_("层级")).grid(row=2, column=0, sticky="e", padx=8, pady=5)
        self.tier_labels = {i18n.translate(TIER_LABELS[t]): t for t in tiers_below(node.tier)}
        self.tier = ttk.Combobox(self, values=list(self.tier_labels), state="readonly", width=18)
        if self.tier_labels:
            self.tier.set(next(iter(self.tier_labels)))
        self.tier.grid(row=2, column=1, sticky="w", pady=5)
        self.button = ttk.Button(self, text=_("签发注册码"), bootstyle="primary",
                                 command=self.issue)
        self.button.grid(row=3, column=0, columnspan=2, sticky="w", pady=8)
        self.child.bind("<Return>", lambda _e: self.issue())
        self.code = ttk.Label(self, text="", font=title_font(self, app.config.large_font))
        self.code.grid(row=4, column=0, columnspan=2, sticky="w", pady=4)
        self.message = ttk.Label(self, text="", wraplength=900, justify=tk.LEFT)
        self.message.grid(row=5, column=0, columnspan=2, sticky="w", pady=4)
        self.print_button = ttk.Button(self, text=_("打开注册单打印"), bootstyle="info-outline",
                                       command=self.open_sheet)

    def issue(self) -> None:
        if str(self.button.cget("state")) == "disabled":
            return
        child, tier = self.child.get().strip(), self.tier_labels.get(self.tier.get(), "")
        station = self.app.opened
        self.button.configure(state="disabled")
        self.message.configure(text=_("正在签发……"), bootstyle="default")
        self.app.dispatcher.submit(lambda: issue_sheet(station, child, tier),
                                   on_done=self._issued, on_error=self._failed)

    def _failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self.button.configure(state="normal")
            self.message.configure(text=describe(error), bootstyle="danger")

    def _issued(self, issued: IssuedSheet) -> None:
        if not self.winfo_exists():
            return
        self.issued = issued
        self.button.configure(state="normal")
        self.code.configure(text=_("注册码：{code}").format(code=issued.code))
        text = _("站点 {child} 的入网注册单已保存到 {path}。").format(child=issued.child_code,
                                                          path=issued.sheet)
        if not issued.published:
            text += _("暂时没能交给枢纽站，本站下次同步时会再交；之后新站点才能在线申请。")
        self.message.configure(text=text, bootstyle="success")
        self.print_button.grid(row=6, column=0, columnspan=2, sticky="w", pady=4)

    def open_sheet(self) -> None:
        if self.issued is not None:
            open_file(self.issued.sheet)
