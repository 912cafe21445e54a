"""入网: before enrolment, the new station's request (``enrol_join``); at a
township or county, for its admins, 签发注册码 (``enrol_issue``) and 待批准的入网申请
(``enrol_approve``).  Which of them shows is decided on the worker (``landing``).
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from keys import ca
from station.i18n import _
from station.ui.context import AppContext
from station.ui.landing import Landing, landing
from station.ui.screens.enrol_approve import ApprovePanel
from station.ui.screens.enrol_issue import IssuePanel
from station.ui.screens.enrol_join import JoinPanel


class EnrolScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.join: JoinPanel | None = None
        self.issue: IssuePanel | None = None
        self.approve: ApprovePanel | None = None
        self.tabs: ttk.Notebook | None = None
        station = app.opened
        app.dispatcher.submit(lambda: landing(station), on_done=self._build)

    def _build(self, found: Landing) -> None:
        if not self.winfo_exists():
            return
        if not found.enrolled and self.app.opened.node.tier != "county":
            self.join = JoinPanel(self, self.app, self.app.opened, self._enrolled)
            self.join.pack(fill=tk.BOTH, expand=True)
        elif found.enrol:
            self.tabs = tabs = ttk.Notebook(self)
            tabs.pack(fill=tk.BOTH, expand=True)
            self.issue = IssuePanel(tabs, self.app)
            self.approve = ApprovePanel(tabs, self.app)
            tabs.add(self.approve, text=_("待批准的入网申请"))
            tabs.add(self.issue, text=_("签发注册码"))
        else:
            ttk.Label(self, text=_("本站已入网。")).pack(anchor="w")

    def _enrolled(self, _identity: ca.NodeIdentity) -> None:
        if self.app.sync is not None:
            self.app.sync.sync_now()  # the first round with the new certificate
