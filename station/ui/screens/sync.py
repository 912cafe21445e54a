"""同步: the hub address, how sync stands, 立即同步, the USB stick for a village
without a link (导出离线数据包, 导入回执), and the outbox below.

Sync itself runs in the background (station/network/sync_worker.py); this screen
only shows its reports and sends it two requests: a new hub address, and
"sync now".  Bundles are written and read on the store worker
(``station.network.bundle``, as ``station sync export`` / ``import``).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import ttkbootstrap as ttk

from station import i18n
from station.errors import StationError
from station.i18n import _
from station.network import bundle, hub_tls
from station.network.bundle import ExportReport, ReceiptsReport
from station.network.sync_worker import FAILED, SYNCING, SyncStatus
from station.ui.context import AppContext
from station.ui.file_dialogs import ask_open, ask_save
from station.ui.problems import describe
from station.ui.screens.outbox import OutboxList
from station.ui.sync_text import count_text, state_text, success_time, upload_text

if TYPE_CHECKING:
    from station.ui.sync_monitor import SyncMonitor


CA_TYPES = ((_("证书"), "*.pem *.crt *.cer"), (_("所有文件"), "*"))


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
        self.ca_button = ttk.Button(top, text=_("导入县里提供的证书…"),
                                    bootstyle="secondary-outline", command=self.import_ca)
        self.ca_button.grid(row=1, column=1, sticky="w", pady=(4, 0))
        self.hub_message = ttk.Label(top, text="", wraplength=900)
        self.hub_message.grid(row=2, column=0, columnspan=4, sticky="w", pady=(4, 0))

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

        self.usb = UsbBox(self, app, self.exchanged)
        self.usb.pack(fill=tk.X, pady=(0, 6))
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

    def import_ca(self) -> None:
        """The county's certificate for https hubs (a .pem file it handed out)."""
        chosen = ask_open(self, self.app, _("导入县里提供的证书"), CA_TYPES)
        if chosen is not None:
            self.import_ca_from(chosen)

    def import_ca_from(self, path: Path) -> None:
        station = self.app.opened

        def done(count: int) -> None:
            if self.winfo_exists():
                self.hub_message.configure(text=_(
                    "已导入县里提供的证书（{count} 张）：https 枢纽站的证书将以它核验。").format(
                    count=count), bootstyle="success")
                if self.monitor is not None:
                    self.monitor.sync_now()

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                self.hub_message.configure(text=describe(error), bootstyle="danger")

        self.app.dispatcher.submit(lambda: hub_tls.set_ca(station, path), on_done=done,
                                   on_error=failed)

    def exchanged(self) -> None:
        """Receipts came in by USB: the counts and the outbox changed."""
        self.outbox.reload()
        if self.monitor is not None:
            self.monitor.poke()

    def destroy(self) -> None:
        if self.monitor is not None:
            self.monitor.forget(self)
        super().destroy()


def _outbox_key(status: SyncStatus | None) -> tuple[int, str | None] | None:
    """What, when it changes, changes the outbox list."""
    return (status.pending, status.last_success) if status else None


BUNDLE_TYPES = ((_("离线数据包"), "*.zip"), (_("所有文件"), "*"))


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def exported_text(report: ExportReport) -> str:
    return _("已导出离线数据包 {path}：事件 {events} 条，材料 {materials} 份，共 {size}。"
             "请带到枢纽站，由管理员在“管理 → 离线数据包”中导入，再把回执包带回来导入。").format(
        path=report.path, events=report.events, materials=report.materials,
        size=size_text(report.size))


def receipts_text(report: ReceiptsReport) -> str:
    return _("已导入回执：枢纽站已确认收到第 {acked} 条及以前的记录，带回 {pulled} 条消息"
             "（退回 {returned} 件），还有 {pending} 条待上报。").format(
        acked=report.acked, pulled=report.pulled, returned=len(report.returned),
        pending=report.pending)


class UsbBox(ttk.Labelframe):
    """没有网络时用U盘: export the pending sync to a bundle, import the hub's receipts."""

    def __init__(self, parent: tk.Misc, app: AppContext, exchanged: Callable[[], None]) -> None:
        super().__init__(parent, text=_("没有网络时用U盘同步"), padding=8)
        self.app = app
        self.exchanged = exchanged
        row = ttk.Frame(self)
        row.pack(fill=tk.X)
        self.export_button = ttk.Button(row, text=_("导出离线数据包…"), bootstyle="secondary",
                                        command=self.choose_export)
        self.export_button.pack(side=tk.LEFT)
        self.import_button = ttk.Button(row, text=_("导入回执…"), bootstyle="secondary",
                                        command=self.choose_receipts)
        self.import_button.pack(side=tk.LEFT, padx=8)
        self.progress = ttk.Progressbar(row, mode="indeterminate", bootstyle="info-striped")
        self.message = ttk.Label(self, text="", justify=tk.LEFT)
        self.message.pack(anchor="w", fill=tk.X, pady=(4, 0))
        self.bind("<Configure>", self._wrap, add="+")

    def _wrap(self, event: tk.Event) -> None:
        self.message.configure(wraplength=max(300, event.width - 30))

    def choose_export(self) -> None:
        code = self.app.opened.node.code
        name = _("便民站-{code}-{stamp}.zip").format(code=code,
                                                   stamp=f"{datetime.now():%Y%m%d-%H%M}")
        path = ask_save(self, self.app, _("离线数据包保存到"), name, BUNDLE_TYPES)
        if path is not None:
            self.export_to(path)

    def choose_receipts(self) -> None:
        path = ask_open(self, self.app, _("选择枢纽站发回的回执包"), BUNDLE_TYPES)
        if path is not None:
            self.import_from(path)

    def export_to(self, path: Path) -> None:
        """What the save dialog calls with the chosen file (tests call it too)."""
        station = self.app.opened
        self._start(_("正在导出离线数据包……"))
        self.app.dispatcher.submit(lambda: bundle.export(station, path),
                                   on_done=lambda r: self._done(exported_text(r)),
                                   on_error=self._failed)

    def import_from(self, path: Path) -> None:
        """What the open dialog calls with the chosen receipts bundle (tests call it too)."""
        station = self.app.opened
        self._start(_("正在导入回执……"))

        def imported(report: ReceiptsReport) -> None:
            self._done(receipts_text(report))
            if self.winfo_exists():
                self.exchanged()

        self.app.dispatcher.submit(lambda: bundle.import_receipts(station, path),
                                   on_done=imported, on_error=self._failed)

    def _start(self, text: str) -> None:
        for button in (self.export_button, self.import_button):
            button.configure(state="disabled")
        self.progress.pack(side=tk.LEFT, fill=tk.X, expand=True, padx=8)
        self.progress.start()
        self.message.configure(text=text, bootstyle="default")

    def _finish(self) -> None:
        for button in (self.export_button, self.import_button):
            button.configure(state="normal")
        self.progress.stop()
        self.progress.pack_forget()

    def _done(self, text: str) -> None:
        if self.winfo_exists():
            self._finish()
            self.message.configure(text=text, bootstyle="success")

    def _failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self._finish()
            self.message.configure(text=describe(error), bootstyle="danger")
