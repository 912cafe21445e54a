"""管理 → 离线数据包 (a hub's admin): import the offline bundle a village brought on a
USB stick, and write the receipts bundle it takes back (``station hub import``).

The import runs on the worker (``station.hubops.usb_import``) with a busy bar;
the summary says in Chinese what was exchanged and where the receipts went.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk

from station.hubops.usb_import import HubImport, import_bundle
from station.i18n import _
from station.ui.context import AppContext
from station.ui.file_dialogs import ask_open
from station.ui.screens.admin_panel import Panel

BUNDLE_TYPES = ((_("离线数据包"), "*.zip"), (_("所有文件"), "*"))


def summary(report: HubImport) -> str:
    return _("已导入站点 {node} 的离线数据包：新收事件 {accepted} 条（重复 {duplicates} 条），"
             "材料 {materials} 份，发回 {down} 条给该站。回执包已写到 {path}，"
             "请带回站点，在“同步”中点“导入回执”。").format(
        node=report.node, accepted=report.accepted, duplicates=report.duplicates,
        materials=report.materials, down=report.events_down, path=report.receipts_to)


class HubUsbPanel(Panel):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, app)
        ttk.Label(self, text=_("村站没有网络时，把它导出的离线数据包用U盘带来，在这里导入；"
                               "回执包写在数据包旁边，带回村站导入。"),
                  wraplength=900, justify=tk.LEFT).pack(anchor="w")
        self.import_button = self.button(self, _("导入离线数据包…"), self.choose)
        self.import_button.pack(anchor="w", pady=10)
        self.progress = ttk.Progressbar(self, mode="indeterminate", bootstyle="info-striped")
        self.message.pack(anchor="w", fill=tk.X)

    def choose(self) -> None:
        path = ask_open(self, self.app, _("选择离线数据包"), BUNDLE_TYPES)
        if path is not None:
            self.import_from(path)

    def import_from(self, path: Path) -> None:
        """What the dialog calls with the chosen bundle (tests call it too)."""
        self.progress.pack(anchor="w", fill=tk.X, before=self.message, pady=(0, 8))
        self.progress.start()
        self.say(_("正在导入 {path} …").format(path=path))
        self.run(lambda s: import_bundle(s, path), summary, self.done)

    def done(self) -> None:
        self.progress.stop()
        self.progress.pack_forget()

    def say(self, text: str, problem: bool = False) -> None:
        if problem:
            self.done()
        super().say(text, problem)
