"""The main window: a sidebar of screens, one screen per module."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import ttkbootstrap as ttk

from station.i18n import N_, translate
from station.ui.screens.cases import CasesScreen
from station.ui.screens.outbox import OutboxScreen
from station.ui.screens.settings import SettingsScreen
from station.ui.wizard.screen import NewCaseScreen

if TYPE_CHECKING:
    from station.ui.app import StationApp

# (key, label, shortcut, screen class); each screen is a ttk.Frame(parent, app)
Screen = Callable[[tk.Misc, "StationApp"], ttk.Frame]
SCREENS: tuple[tuple[str, str, str, Screen], ...] = (
    ("new_case", N_("新建办件"), "F1", NewCaseScreen),
    ("cases", N_("办件"), "F2", CasesScreen),
    ("outbox", N_("同步"), "F3", OutboxScreen),
    ("settings", N_("设置"), "F4", SettingsScreen),
)


class MainWindow(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: StationApp) -> None:
        super().__init__(parent)
        self.app = app
        self.sidebar = ttk.Frame(self, padding=(8, 12), bootstyle="secondary")
        self.sidebar.pack(side=tk.LEFT, fill=tk.Y)
        self.content = ttk.Frame(self, padding=12)
        self.content.pack(side=tk.LEFT, fill=tk.BOTH, expand=True)
        self.buttons: dict[str, ttk.Button] = {}
        self.screen: ttk.Frame | None = None
        self.current = ""
        for key, label, shortcut, _cls in SCREENS:
            button = ttk.Button(self.sidebar, text=f"{translate(label)}  {shortcut}",
                                bootstyle="secondary", width=12,
                                command=partial(self.open, key))
            button.pack(fill=tk.X, pady=3)
            self.buttons[key] = button
            app.root.bind(f"<{shortcut}>", partial(self._shortcut, key))
        self.open(SCREENS[0][0])

    def _shortcut(self, key: str, _event: tk.Event) -> None:
        self.open(key)

    def open(self, key: str) -> ttk.Frame:
        screen_class = next(cls for k, _l, _s, cls in SCREENS if k == key)
        if self.screen is not None:
            self.screen.destroy()
        self.app.clear_error()
        for k, button in self.buttons.items():
            button.configure(bootstyle="light" if k == key else "secondary")
        self.current = key
        self.screen = screen_class(self.content, self.app)
        self.screen.pack(fill=tk.BOTH, expand=True)
        return self.screen

    def destroy(self) -> None:
        for _key, _label, shortcut, _cls in SCREENS:
            self.app.root.unbind(f"<{shortcut}>")
        super().destroy()
