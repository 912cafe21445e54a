"""The desktop app: one window; first-run setup or login, then the main screens."""

from __future__ import annotations

import gc
import os
import sys
import tkinter as tk
from collections.abc import Callable
from pathlib import Path

import ttkbootstrap as ttk

from keys.vault import Vault
from station import i18n
from station.app import Station
from station.i18n import _
from station.paths import DataLayout, default_config_dir
from station.ui.backup_runner import BackupRunner
from station.ui.config import UiConfig
from station.ui.problems import describe
from station.ui.style import THEME, apply_fonts
from station.ui.sync_monitor import SyncMonitor
from station.ui.worker import Dispatcher

View = Callable[[ttk.Frame, "StationApp"], ttk.Frame]
WINDOW_SIZE = (1280, 720)
SMALL_SCREEN = (1440, 800)
GC_MS = 3000
MIN_SIZE = (1024, 600)


class StationApp:
    def __init__(self, data: Path, documents: Path | None = None,
                 config_dir: Path | None = None, user: str | None = None,
                 demo_passphrase: str | None = None) -> None:
        self.data = data
        self.documents = documents
        self.config_dir = config_dir or default_config_dir()
        self.config = UiConfig.load(self.config_dir)
        self.preferred_user = user or self.config.last_user or None
        i18n.set_language(self.config.language)
        self.root = ttk.Window(title=_("便民站"), themename=THEME, size=WINDOW_SIZE,
                               minsize=MIN_SIZE)
        self.root.protocol("WM_DELETE_WINDOW", self.request_close)
        fit_small_screen(self.root)
        self.font_size = apply_fonts(self.root, self.config.large_font)
        self._gc_was_enabled = gc.isenabled()
        gc.disable()  # collected on the Tk thread instead: see collect_garbage
        self._gc_tick = self.root.after(GC_MS, self.collect_garbage)
        self.dispatcher = Dispatcher(self.root, self.show_error)
        self.images = Dispatcher(self.root, self.show_error, name="images")
        self.station: Station | None = None
        self.sync: SyncMonitor | None = None  # background sync, from login to close
        self.backups: BackupRunner | None = None  # 备份 and the daily copy, from login to close
        self.banner = ttk.Label(self.root, text="", bootstyle="danger", padding=8,
                                anchor="w", wraplength=1200)
        self.body = ttk.Frame(self.root)
        self.body.pack(fill=tk.BOTH, expand=True)
        self.view: ttk.Frame | None = None
        self.show_start()
        if demo_passphrase is not None:
            self.demo_login(demo_passphrase)

    @property
    def opened(self) -> Station:
        """The logged-in station (screens exist only after login)."""
        if self.station is None:
            raise RuntimeError("no station is open")
        return self.station

    # -- navigation --------------------------------------------------------
    def show_start(self) -> None:
        from station.ui.login import LoginView
        from station.ui.setup import SetupView

        layout = DataLayout(self.data)
        exists = Vault.exists(layout.vault_dir) and layout.database.exists()
        self.show(LoginView if exists else SetupView)

    def show(self, view: View) -> ttk.Frame:
        self.clear_error()
        if self.view is not None:
            self.view.destroy()
        self.view = view(self.body, self)
        self.view.pack(fill=tk.BOTH, expand=True)
        return self.view

    def demo_login(self, passphrase: str) -> None:
        """The demo logs in by itself: its passphrase is printed anyway."""
        from station.ui.login import LoginView

        if isinstance(self.view, LoginView):
            self.view.passphrase.insert(0, passphrase)
            self.view.submit()

    def logged_in(self, station: Station) -> None:
        from station.ui.main_window import MainWindow

        self.station = station
        if self.sync is None:
            self.sync = SyncMonitor(self.root, station, self.dispatcher).start()
        if self.backups is None:
            self.backups = BackupRunner(self.root, station, self.show_error).start()
        self.config.last_user = station.user
        self.config.save(self.config_dir)
        self.root.title(_("便民站 — {name}（{user}）").format(name=station.node.name,
                                                          user=station.user))
        self.show(MainWindow)

    def restyle(self) -> None:
        """Language or font size changed: save and rebuild the current screens."""
        self.config.save(self.config_dir)
        i18n.set_language(self.config.language)
        self.font_size = apply_fonts(self.root, self.config.large_font)
        if self.station is not None:
            self.logged_in(self.station)
        else:
            self.show_start()

    # -- errors --------------------------------------------------------------
    def show_error(self, error: BaseException) -> None:
        self.show_message(describe(error))

    def show_message(self, text: str) -> None:
        self.banner.configure(text=text)
        self.banner.pack(fill=tk.X, before=self.body)

    def clear_error(self) -> None:
        self.banner.pack_forget()
        self.banner.configure(text="")

    def collect_garbage(self) -> None:
        """Tk widgets form reference cycles (parent ↔ children), freed only by the
        cyclic collector, which runs in whichever thread happens to trigger it.
        tkinter objects must be finalised on the Tk thread, so while the window
        is open the collector runs here, on a timer, and nowhere else."""
        gc.collect()
        self._gc_tick = self.root.after(GC_MS, self.collect_garbage)

    # -- running -------------------------------------------------------------
    def run(self) -> None:
        self.root.mainloop()

    def request_close(self) -> None:
        """The window's ✕: the screen shown may ask first (an unfinished draft)."""
        guard = getattr(self.view, "leave_guard", None)
        if guard is None or guard(self.close):
            self.close()

    def close(self) -> None:
        if self.sync is not None:
            self.root.withdraw()  # gone from the screen while a round under way gives up
            self.sync.close()
            self.sync = None
        if self.backups is not None:
            self.backups.close()  # a backup under way stops; its partial file is removed
            self.backups = None
        if self.station is not None:
            station, self.station = self.station, None
            self.dispatcher.submit(station.close)
        self.dispatcher.close()
        self.images.close()
        self.root.after_cancel(self._gc_tick)
        self.root.destroy()
        gc.collect()
        if self._gc_was_enabled:
            gc.enable()


def fit_small_screen(root: tk.Tk) -> None:
    """On a 1366×768 village screen, use all of it."""
    width, height = root.winfo_screenwidth(), root.winfo_screenheight()
    if width <= SMALL_SCREEN[0] or height <= SMALL_SCREEN[1]:
        root.geometry(f"{width}x{height}+0+0")


def run_gui(data: Path, documents: Path | None, user: str | None,
            demo_passphrase: str | None = None) -> int:
    StationApp(data, documents, user=user, demo_passphrase=demo_passphrase).run()
    return 0


def display_available() -> bool:
    """Whether a window can be opened here (an X or Wayland session on Linux)."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
