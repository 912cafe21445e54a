"""The main window: a sidebar of screens, one screen per module, and the sync
status bar under every screen."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from functools import partial

import ttkbootstrap as ttk

from station.hubops.audit import can_audit
from station.i18n import N_, translate
from station.supervision.service import can_supervise
from station.trust.users import is_admin
from station.ui.context import AppContext
from station.ui.landing import Landing, landing
from station.ui.screens.admin import AdminScreen
from station.ui.screens.audit import AuditScreen
from station.ui.screens.cases import CasesScreen
from station.ui.screens.enrol import EnrolScreen
from station.ui.screens.monthly_report import MonthlyReportScreen
from station.ui.screens.review_data import can_review
from station.ui.screens.review_desk import ReviewDeskScreen
from station.ui.screens.settings import SettingsScreen
from station.ui.screens.supervision import SupervisionScreen
from station.ui.screens.sync import SyncScreen
from station.ui.status_bar import StatusBar
from station.ui.wizard.screen import NewCaseScreen

# (key, label, shortcut, screen class); each screen is a ttk.Frame(parent, app)
Screen = Callable[[tk.Misc, "AppContext"], ttk.Frame]
Entry = tuple[str, str, str, Screen]
SCREENS: tuple[Entry, ...] = (
    ("new_case", N_("新建办件"), "F1", NewCaseScreen),
    ("cases", N_("办件"), "F2", CasesScreen),
    ("sync", N_("同步"), "F3", SyncScreen),
    ("settings", N_("设置"), "F4", SettingsScreen),
)
# Shown only to the county's admins and auditors.
AUDIT_SCREEN: Entry = ("audit", N_("审计"), "F5", AuditScreen)
# Shown only to reviewers, signers and admins at township and county nodes.
REVIEW_SCREEN: Entry = ("review", N_("审核"), "F6", ReviewDeskScreen)
# Shown only to admins at township and county nodes.
ADMIN_SCREEN: Entry = ("admin", N_("管理"), "F7", AdminScreen)
# Shown only to admins and auditors at township and county nodes.
MONTHLY_SCREEN: Entry = ("monthly", N_("月通报"), "F10", MonthlyReportScreen)
# Shown to a station not yet enrolled, and to the admins of townships and counties.
ENROL_SCREEN: Entry = ("enrol", N_("入网"), "F8", EnrolScreen)
# Shown only to the admins and auditors of township and county nodes.
SUPERVISION_SCREEN: Entry = ("supervision", N_("监察"), "F9", SupervisionScreen)


class MainWindow(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.status_bar = StatusBar(self, app, on_open_case=self.open_case)
        self.status_bar.pack(side=tk.BOTTOM, fill=tk.X)
        self.sidebar = ttk.Frame(self, padding=(8, 12), bootstyle="secondary")
        self.sidebar.pack(side=tk.LEFT, fill=tk.Y)
        self.content = ttk.Frame(self, padding=12)
        self.content.pack(side=tk.LEFT, fill=tk.BOTH, expand=True)
        self.buttons: dict[str, ttk.Button] = {}
        self.screens: list[Entry] = []
        self.screen: ttk.Frame | None = None
        self.current = ""
        self.opened = 0  # screens opened: after the first, the user chose where to be
        for entry in SCREENS:
            self.add_screen(entry)
        self.open(SCREENS[0][0])
        station = app.opened
        app.dispatcher.submit(lambda: can_audit(station), on_done=self._audit_allowed)
        app.dispatcher.submit(lambda: can_review(station), on_done=self._review_allowed)
        app.dispatcher.submit(lambda: is_admin(station), on_done=self._admin_allowed)
        app.dispatcher.submit(lambda: can_supervise(station), on_done=self._supervision_allowed)
        app.dispatcher.submit(lambda: can_supervise(station), on_done=self._monthly_allowed)
        app.dispatcher.submit(lambda: landing(station), on_done=self._land)

    def add_screen(self, entry: Entry) -> None:
        key, label, shortcut, _cls = entry
        self.screens.append(entry)
        button = ttk.Button(self.sidebar, text=f"{translate(label)}  {shortcut}",
                            bootstyle="secondary", width=12, command=partial(self.open, key))
        button.pack(fill=tk.X, pady=3)
        self.buttons[key] = button
        self.app.root.bind(f"<{shortcut}>", partial(self._shortcut, key))

    def _audit_allowed(self, allowed: bool) -> None:
        if allowed and self.winfo_exists() and AUDIT_SCREEN[0] not in self.buttons:
            self.add_screen(AUDIT_SCREEN)

    def _review_allowed(self, allowed: bool) -> None:
        if allowed and self.winfo_exists() and REVIEW_SCREEN[0] not in self.buttons:
            self.add_screen(REVIEW_SCREEN)

    def _admin_allowed(self, allowed: bool) -> None:
        if allowed and self.winfo_exists() and ADMIN_SCREEN[0] not in self.buttons:
            self.add_screen(ADMIN_SCREEN)

    def _supervision_allowed(self, allowed: bool) -> None:
        if allowed and self.winfo_exists() and SUPERVISION_SCREEN[0] not in self.buttons:
            self.add_screen(SUPERVISION_SCREEN)

    def _monthly_allowed(self, allowed: bool) -> None:
        if allowed and self.winfo_exists() and MONTHLY_SCREEN[0] not in self.buttons:
            self.add_screen(MONTHLY_SCREEN)

    def _land(self, found: Landing) -> None:
        """Home by role (after the entries above were added), unless the user moved on."""
        if not self.winfo_exists():
            return
        if found.home == ADMIN_SCREEN[0]:  # an admin: 管理 may not have been added yet
            self._admin_allowed(True)
        if found.enrol and ENROL_SCREEN[0] not in self.buttons:
            self.add_screen(ENROL_SCREEN)
        home = found.home if found.home in self.buttons else (
            "settings" if found.home == "admin" else self.current)
        if self.opened == 1 and home != self.current:
            self.open(home)

    def _shortcut(self, key: str, _event: tk.Event) -> None:
        self.open(key)

    def open(self, key: str) -> ttk.Frame:
        screen_class = next(cls for k, _l, _s, cls in self.screens if k == key)
        if not self.leave_guard(partial(self.open, key)):
            return self.screen  # type: ignore[return-value]  # asked; opens once answered
        if self.screen is not None:
            self.screen.destroy()
        self.app.clear_error()
        for k, button in self.buttons.items():
            button.configure(bootstyle="light" if k == key else "secondary")
        self.current = key
        self.opened += 1
        self.screen = screen_class(self.content, self.app)
        self.screen.pack(fill=tk.BOTH, expand=True)
        if self.app.sync is not None:
            self.app.sync.poke()  # the pending count may have changed on the last screen
        return self.screen

    def leave_guard(self, proceed: Callable[[], object]) -> bool:
        """May the screen shown be left now?  A screen with unfinished work (the
        wizard's draft) asks first and calls ``proceed`` once the agent chose to go."""
        guard = getattr(self.screen, "leave_guard", None)
        return guard is None or bool(guard(proceed))

    def open_case(self, case_no: str) -> None:
        """Show one case in 办件 (新结果 in the status bar opens the case it names)."""
        screen = self.open("cases")
        if isinstance(screen, CasesScreen):
            screen.open_case(case_no)

    def destroy(self) -> None:
        for _key, _label, shortcut, _cls in self.screens:
            self.app.root.unbind(f"<{shortcut}>")
        super().destroy()
