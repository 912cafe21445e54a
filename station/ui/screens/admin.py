"""管理 (admins of township and county nodes): users, offices and their seals,
enrolment, offline bundles brought on a USB stick, and at the county publishing
the catalogue and calendar and revoking certificates; the clock policy.

One tab per module (``admin_*.py``); each runs its work on the store worker
through the same domain functions as the ``station`` command, which check the
role and record the action.  The sidebar shows 管理 only when
``station.trust.users.is_admin`` holds.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station.i18n import _
from station.ui.context import AppContext
from station.ui.screens.admin_clock import ClockPanel
from station.ui.screens.admin_publish import PublishPanel
from station.ui.screens.admin_revoke import RevokePanel
from station.ui.screens.admin_seals import SealsPanel
from station.ui.screens.admin_usb import HubUsbPanel
from station.ui.screens.admin_users import UsersPanel
from station.ui.screens.enrol_approve import ApprovePanel
from station.ui.screens.enrol_issue import IssuePanel

COUNTY_ONLY = ("publish", "revoke")


class AdminScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        tier = app.opened.node.tier
        self.tabs = ttk.Notebook(self)
        self.tabs.pack(fill=tk.BOTH, expand=True)
        self.panels: dict[str, ttk.Frame] = {}
        for key, label, panel in (
                ("users", _("用户"), UsersPanel),
                ("seals", _("科室与印章"), SealsPanel),
                ("approve", _("入网申请"), ApprovePanel),
                ("issue", _("签发注册码"), IssuePanel),
                ("usb", _("离线数据包"), HubUsbPanel),
                ("publish", _("发布目录和节假日"), PublishPanel),
                ("revoke", _("吊销"), RevokePanel),
                ("clock", _("时限规则"), ClockPanel)):
            if key in COUNTY_ONLY and tier != "county":
                continue
            made = panel(self.tabs, app)
            self.tabs.add(made, text=label)
            self.panels[key] = made

    def show(self, key: str) -> ttk.Frame:
        """Bring one tab to the front (as a click on it does)."""
        panel = self.panels[key]
        self.tabs.select(panel)
        return panel
