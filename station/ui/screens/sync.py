"""同步: the hub address, how sync stands, 立即同步, and the outbox below.

Sync itself runs in the background (station/network/sync_worker.py); this screen
only shows its reports and sends it two requests: a new hub address, and
"sync now".
"""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING

import ttkbootstrap as ttk

from station import i18n
from station.errors import StationError
from station.i18n import _
from station.network.sync_worker import FAILED, SYNCING, SyncStatus
from station.ui.context import AppContext
from station.ui.screens.outbox import OutboxList
from station.ui.sync_text import count_text, state_text, success_time, upload_text

if TYPE_CHECKING:
    from station.ui.sync_monitor import SyncMonitor


class SyncScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.monitor = app.sync
        self._seen: tuple[int, str | None] | None = None
        top = ttk.Frame(self)
        top.pack(fill=tk.X)
        ttk.Label(top, text=_("枢纽站地址")).grid(row=0, column=0, sticky="w", padx=(0, 8))
        self.hub = ttk.Entry(top, width=44)
        self.hub.grid(row=0, column=1, sticky="w")
        self.hub.bind("<Return>", lambda _e: self.save_hub())
        self.save_button = ttk.Button(top, text=_("保存地址"), bootstyle="secondary-outline",
                                      command=self.save_hub)
        self.save_button.grid(row=0, column=2, padx=8)
        self.sync_button = ttk.Button(top, text=_("立即同步"), bootstyle="primary",
                                      command=self.sync_now)
        self.sync_button.grid(row=0, column=3, padx=(24, 0))
        self.hub_message = ttk.Label(top, text="", wraplength=900)
        self.hub_message.grid(row=1, column=0, columnspan=4, sticky="w", pady=(4, 0))

        box = ttk.Labelframe(self, text=_("同步状态"), padding=10)
        box.pack(fill=tk.X, pady=(10, 6))
        self.values: dict[str, ttk.Label] = {}
        rows = (("pending", _("待上报")), ("last", _("上次成功")), ("state", _("当前状态")),
                ("error", _("最近错误")))
        for row, (key, label) in enumerate(rows):
            ttk.Label(box, text=label, bootstyle="secondary").grid(row=row, column=0,
                                                                    sticky="nw", padx=(0, 12))
            value = ttk.Label(box, text="", wraplength=880, justify=tk.LEFT)
            value.grid(row=row, column=1, sticky="w", pady=2)
            self.values[key] = value
        self.upload = ttk.Label(box, text="")
        self.upload.grid(row=len(rows), column=0, columnspan=2, sticky="w", pady=(8, 2))
        self.bar = ttk.Progressbar(box, mode="determinate", maximum=1.0,
                                   bootstyle="success-striped")
        self.bar.grid(row=len(rows) + 1, column=0, columnspan=2, sticky="ew")
        box.columnconfigure(1, weight=1)

        self.outbox = OutboxList(self, app)
        self.outbox.pack(fill=tk.BOTH, expand=True)
        if self.monitor is not None:
            self._seen = _outbox_key(self.monitor.status)  # the outbox loads itself now
            self.monitor.listen(self, self.show)

    def show(self, monitor: SyncMonitor) -> None:
        status = monitor.status
        if status is not None and not self.hub.get() and status.hub \
                and self.focus_get() is not self.hub:
            self.hub.insert(0, status.hub)
        self.values["pending"].configure(text=count_text(status))
        self.values["last"].configure(text=success_time(status))
        self.values["state"].configure(text=state_text(status), bootstyle=(
            "danger" if status and status.state == FAILED else "default"))
        self.values["error"].configure(text=(status.error if status and status.error
                                             else _("无")))
        done, total = monitor.progress
        self.upload.configure(text=upload_text(done, total))
        self.bar.configure(value=done / total if total else 0.0)
        syncing = status is not None and status.state == SYNCING
        self.sync_button.configure(state="disabled" if syncing else "normal")
        seen = _outbox_key(status)
        if seen != self._seen:
            self.outbox.reload()  # records were sent or added: the outbox changed
        self._seen = seen

    def sync_now(self) -> None:
        if self.monitor is None:
            return
        self.sync_button.configure(state="disabled")
        self.hub_message.configure(text="")
        self.monitor.sync_now()

    def save_hub(self) -> None:
        if self.monitor is None:
            return
        self.hub_message.configure(text="", bootstyle="default")
        try:
            self.monitor.set_hub(self.hub.get(), self.hub_saved)
        except StationError as error:
            self.hub_message.configure(text=i18n.render(error), bootstyle="danger")

    def hub_saved(self, url: str) -> None:
        if self.winfo_exists():
            self.hub.delete(0, tk.END)
            self.hub.insert(0, url)
            self.hub_message.configure(text=_("枢纽站地址已保存：{url}，正在同步。").format(url=url),
                                       bootstyle="success")

    def destroy(self) -> None:
        if self.monitor is not None:
            self.monitor.forget(self)
        super().destroy()


def _outbox_key(status: SyncStatus | None) -> tuple[int, str | None] | None:
    """What, when it changes, changes the outbox list."""
    return (status.pending, status.last_success) if status else None
