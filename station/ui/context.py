"""What a screen may use of the app it lives in.

``StationApp`` (``station.ui.app``) builds the window and opens the screens; the
screens see it only through this protocol, so imports run one way: app → main
window → screens → this module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import ttkbootstrap as ttk

from station.app import Station
from station.ui.backup_runner import BackupRunner
from station.ui.config import UiConfig
from station.ui.sync_monitor import SyncMonitor
from station.ui.worker import Dispatcher


class AppContext(Protocol):
    """The running app: its window, its workers, the open station, its settings."""

    root: ttk.Window
    data: Path
    documents: Path | None
    config: UiConfig
    config_dir: Path
    preferred_user: str | None
    dispatcher: Dispatcher  # store, crypto and PDF work, off the Tk thread
    images: Dispatcher  # decoding and scaling pictures, off the Tk thread
    station: Station | None
    sync: SyncMonitor | None
    backups: BackupRunner | None  # 备份 and the daily copy (after login)
    view: ttk.Frame | None

    @property
    def opened(self) -> Station:
        """The station the user logged in to."""

    def show(self, view: Callable[[ttk.Frame, AppContext], ttk.Frame]) -> ttk.Frame:
        """Replace the whole window's view (before login: 登录, 忘记口令)."""

    def show_start(self) -> None:
        """The first screen for the data folder: 登录, or 建站 when it holds no station."""

    def logged_in(self, station: Station) -> None:
        """Show the main window for ``station``."""

    def restyle(self) -> None:
        """Apply the font size and language from ``config`` again."""

    def show_error(self, error: BaseException) -> None:
        """A red banner with what went wrong, in plain words."""

    def show_message(self, text: str) -> None:
        """A banner with ``text``."""

    def clear_error(self) -> None:
        """Hide the banner."""
