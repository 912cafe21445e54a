"""The status bar under every screen: pending count, last success, upload progress, and
新结果 N when documents came back that nobody has opened yet (click: open the case)."""

from __future__ import annotations

import contextlib
import tkinter as tk
from collections.abc import Callable
from typing import TYPE_CHECKING

import ttkbootstrap as ttk

from station.cases import case_documents
from station.i18n import _
from station.network.sync_worker import FAILED, SYNCING, SyncStatus
from station.ui.context import AppContext
from station.ui.screens.case_results import RESULTS_SEEN
from station.ui.sync_text import last_success_text, pending_text, state_text

if TYPE_CHECKING:
    from station.ui.sync_monitor import SyncMonitor


SURFACE = "@chrome"  # the bar and its labels share one neutral surface


class StatusBar(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext,
                 on_open_case: Callable[[str], None] | None = None) -> None:
        super().__init__(parent, padding=(10, 3), bootstyle=SURFACE)
        self.app = app
        self.on_open_case = on_open_case
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
        # 新结果 N: shown only while some returned document is unopened.
        self.results = ttk.Button(self, text="", bootstyle="warning", padding=(8, 0),
                                  command=self.open_results)
        self.unseen: list[str] = []  # cases with unopened documents, oldest first
        self.unseen_count = 0
        self.checked = 0  # counts shown (tests wait on it)
        self._reported: SyncStatus | None = None
        self._seen_binding = app.root.bind(RESULTS_SEEN, lambda _e: self.check_results(), "+")
        self.monitor: SyncMonitor | None = app.sync
        if self.monitor is not None:
            self.monitor.listen(self, self.show)
        else:
            self.check_results()

    def show(self, monitor: SyncMonitor) -> None:
        status = monitor.status
        self.pending.configure(text=pending_text(status))
        self.last.configure(text=last_success_text(status))
        self.state_label.configure(text=state_text(status), bootstyle=(
            f"danger {SURFACE}" if status and status.state == FAILED else SURFACE))
        done, total = monitor.progress
        self.bar.configure(value=done / total if total else 0.0)
        if status is not self._reported and (status is None or status.state != SYNCING):
            self._reported = status  # a round ended (or the count changed): look again
            self.check_results()

    # -- 新结果 ----------------------------------------------------------------
    def check_results(self) -> None:
        """Count the unopened documents, on the station worker."""
        def count() -> tuple[int, list[str]]:
            items = case_documents.unseen()
            return len(items), list(dict.fromkeys(str(i["case_no"]) for i in items))

        self.app.dispatcher.submit(count, on_done=self.show_results)

    def show_results(self, found: tuple[int, list[str]]) -> None:
        if not self.winfo_exists():
            return
        self.unseen_count, self.unseen = found
        if self.unseen_count:
            self.results.configure(text=_("新结果 {count}").format(count=self.unseen_count))
            self.results.pack(side=tk.RIGHT, padx=(10, 0))
        else:
            self.results.configure(text="")
            self.results.pack_forget()
        self.checked += 1

    def open_results(self) -> None:
        """Open the first case whose documents nobody has opened yet."""
        if self.unseen and self.on_open_case is not None:
            self.on_open_case(self.unseen[0])

    def destroy(self) -> None:
        if self.monitor is not None:
            self.monitor.forget(self)
        with contextlib.suppress(tk.TclError):  # the window is already gone
            self.app.root.unbind(RESULTS_SEEN, self._seen_binding)
        super().destroy()
