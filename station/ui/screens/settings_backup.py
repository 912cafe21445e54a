"""设置 → 备份: 立即备份 to a file the agent names, 每天自动备份 to a folder (a USB stick),
and when the last backup was made and how it went.

All the work runs on the app's backup runner (``station.ui.backup_runner``), never on
the Tk thread nor on the store's worker: the window stays usable while scans are read.
"""

from __future__ import annotations

import tkinter as tk
from datetime import datetime
from pathlib import Path

import ttkbootstrap as ttk

from station.backup.daily import EXTENSION, KEEP, DailyState, manual_name
from station.backup.take import BackupMade
from station.i18n import _
from station.outbox import local_time
from station.ui import file_dialogs
from station.ui.context import AppContext
from station.ui.problems import describe
from station.ui.style import chars_wide

WRAP_CHARS = 26  # message lines wrap at about this many Chinese characters


class BackupBox(ttk.Labelframe):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, text=_("备份"), padding=10)
        self.app = app
        wrap = chars_wide(self, WRAP_CHARS)
        ttk.Label(self, text=_("备份已加密：只有本站的口令或恢复密钥能打开。"),
                  bootstyle="secondary", wraplength=wrap, justify=tk.LEFT).grid(
            row=0, column=0, columnspan=2, sticky="w")
        self.button = ttk.Button(self, text=_("立即备份…"), bootstyle="primary-outline",
                                 command=self.choose_file)
        self.button.grid(row=1, column=0, sticky="w", pady=(8, 4))
        self.progress = ttk.Progressbar(self, mode="determinate", maximum=100)
        self.progress.grid(row=1, column=1, sticky="ew", padx=(8, 0), pady=(8, 4))
        self.progress.grid_remove()
        self.message = ttk.Label(self, text="", wraplength=wrap, justify=tk.LEFT)
        self.message.grid(row=2, column=0, columnspan=2, sticky="w")
        self.daily = tk.BooleanVar(value=False)
        self.daily_toggle = ttk.Checkbutton(self, text=_("每天自动备份到文件夹"),
                                            variable=self.daily, bootstyle="round-toggle",
                                            command=self.toggle_daily)
        self.daily_toggle.grid(row=3, column=0, columnspan=2, sticky="w", pady=(12, 4))
        self.folder_label = ttk.Label(self, text="", wraplength=wrap, justify=tk.LEFT)
        self.folder_label.grid(row=4, column=0, columnspan=2, sticky="w")
        self.folder_button = ttk.Button(self, text=_("选择文件夹…"), bootstyle="link",
                                        command=self.choose_folder)
        self.folder_button.grid(row=5, column=0, sticky="w")
        self.last = ttk.Label(self, text="", wraplength=wrap, justify=tk.LEFT)
        self.last.grid(row=6, column=0, columnspan=2, sticky="w", pady=(8, 0))
        self.columnconfigure(1, weight=1)
        self.folder: Path | None = None
        runner = app.backups
        if runner is not None:
            runner.listen(self, self.show_state)

    # -- 立即备份 -------------------------------------------------------------------
    def choose_file(self) -> None:
        station = self.app.opened
        path = file_dialogs.ask_save(
            self, self.app, _("保存备份"), manual_name(station.node.code, datetime.now()),
            [(_("便民站备份"), f"*{EXTENSION}"), (_("所有文件"), "*")], extension=EXTENSION)
        if path is not None:
            self.save_to(path)

    def save_to(self, path: Path) -> None:
        runner = self.app.backups
        if runner is None or str(self.button.cget("state")) == "disabled":
            return
        self.button.configure(state="disabled")
        self.progress.configure(value=0)
        self.progress.grid()
        self.message.configure(text=_("正在备份……可以继续办件。"), bootstyle="default")
        runner.back_up_to(path, self.advanced, self.saved, self.failed)

    def advanced(self, progress: tuple[int, int]) -> None:
        done, total = progress
        if self.winfo_exists():
            self.progress.configure(value=done * 100 // total if total else 100)

    def saved(self, made: BackupMade) -> None:
        if not self.winfo_exists():
            return
        self.button.configure(state="normal")
        self.progress.grid_remove()
        self.message.configure(
            text=_("备份已保存：{path}（{cases} 件办件，{scans} 份扫描件）。请把它放在这台电脑"
                   "以外的地方。").format(path=made.path, cases=made.cases, scans=made.scans),
            bootstyle="success")

    def failed(self, error: BaseException) -> None:
        if not self.winfo_exists():
            return
        self.button.configure(state="normal")
        self.progress.grid_remove()
        self.message.configure(text=describe(error), bootstyle="danger")

    # -- 每天自动备份 ------------------------------------------------------------------
    def toggle_daily(self) -> None:
        runner = self.app.backups
        if runner is None:
            return
        if not self.daily.get():
            runner.set_folder(None)
        elif self.folder is not None:
            runner.set_folder(self.folder)
        else:
            self.choose_folder()

    def choose_folder(self) -> None:
        folder = file_dialogs.ask_folder(self, self.app, _("选择每天备份的文件夹（如 U 盘）"))
        if folder is not None:
            self.use_folder(folder)
        elif self.folder is None:
            self.daily.set(False)

    def use_folder(self, folder: Path) -> None:
        self.folder = folder
        self.daily.set(True)
        if self.app.backups is not None:
            self.app.backups.set_folder(folder)

    def show_state(self, state: DailyState) -> None:
        if not self.winfo_exists():
            return
        if state.folder is not None:
            self.folder = state.folder
        self.daily.set(state.folder is not None)
        if state.folder is not None:
            where = _("备份文件夹：{folder}（保留最近 {keep} 天）").format(folder=state.folder,
                                                                 keep=KEEP)
        else:
            where = _("没有设置每天备份的文件夹。")
        self.folder_label.configure(text=where)
        last = state.last
        if last is None:
            self.last.configure(text=_("还没有备份过。"), bootstyle="secondary")
        elif last.ok:
            self.last.configure(text=_("上次备份：{at}，成功。").format(at=local_time(last.at)),
                                bootstyle="success")
        else:
            text = _("上次备份：{at}，没有成功：{reason}").format(at=local_time(last.at),
                                                            reason=last.error)
            if last.last_ok:
                text += "\n" + _("上次成功的备份：{at}。").format(at=local_time(last.last_ok))
            self.last.configure(text=text, bootstyle="danger")
