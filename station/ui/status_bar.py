"""The status bar under every screen: pending count, last success, upload progress."""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING

import ttkbootstrap as ttk

from station.sync_worker import FAILED
from station.ui.sync_text import last_success_text, pending_text, state_text

if TYPE_CHECKING:
    from station.ui.app import StationApp
    from station.ui.sync_monitor import SyncMonitor


SURFACE = "@chrome"  # the bar and its labels share one neutral surface


class StatusBar(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: StationApp) -> None:
        super().__init__(parent, padding=(10, 3), bootstyle=SURFACE)
        self.pending = ttk.Label(self, text="", bootstyle=SURFACE)
        self.pending.pack(side=tk.LEFT)
        ttk.Separator(self, orient=tk.VERTICAL).pack(side=tk.LEFT, fill=tk.Y, padx=10)
        self.last = ttk.Label(self, text="", bootstyle=SURFACE)
        self.last.pack(side=tk.LEFT)
        ttk.Separator(self, orient=tk.VERTICAL).pack(side=tk.LEFT, fill=tk.Y, padx=10)
        self.state_label = ttk.Label(self, text="", bootstyle=SURFACE)
        self.state_label.pack(side=tk.LEFT)
        self.bar = ttk.Progressbar(self, length=140, mode="determinate", maximum=1.0,
                                   bootstyle=f"success striped {SURFACE}")
        self.bar.pack(side=tk.RIGHT, padx=(10, 0))
        self.monitor: SyncMonitor | None = app.sync
        if self.monitor is not None:
            self.monitor.listen(self, self.show)

    def show(self, monitor: SyncMonitor) -> None:
        status = monitor.status
        self.pending.configure(text=pending_text(status))
        self.last.configure(text=last_success_text(status))
        self.state_label.configure(text=state_text(status), bootstyle=(
            f"danger {SURFACE}" if status and status.state == FAILED else SURFACE))
        done, total = monitor.progress
        self.bar.configure(value=done / total if total else 0.0)

    def destroy(self) -> None:
        if self.monitor is not None:
            self.monitor.forget(self)
        super().destroy()
