"""从备份恢复: on a new PC's first run, the station comes back from a backup file.

The agent picks the file (the station it belongs to and when it was made are shown
at once, read from its clear header), types the passphrase, or the recovery key and
a new passphrase, and restores.  The whole file is checked before anything is
written (``station.backup.restore``, on the worker); then the login screen shows.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk

from station.backup.daily import EXTENSION
from station.backup.restore import (
    BackupInfo,
    Restored,
    Unlock,
    WithPassphrase,
    WithRecoveryKey,
    backup_info,
    restore_backup,
)
from station.errors import PassphraseMismatch
from station.i18n import _
from station.outbox import local_time
from station.ui import file_dialogs
from station.ui.context import AppContext
from station.ui.login import LoginView
from station.ui.problems import describe
from station.ui.style import chars_wide, title_font

WIDE, NARROW = 36, 22  # wrap lengths, in Chinese characters of the current font


class RestoreView(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=30)
        self.app = app
        self.chosen: BackupInfo | None = None
        self.path: Path | None = None
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.45, anchor="center")
        ttk.Label(box, text=_("从备份恢复本站"), font=title_font(self, app.config.large_font)).grid(
            row=0, column=0, columnspan=3, pady=(0, 6))
        ttk.Label(box, text=_("用以前备份的文件（例如 U 盘上的）恢复本站的全部办件和扫描件。"),
                  bootstyle="secondary", wraplength=chars_wide(self, WIDE)).grid(
            row=1, column=0, columnspan=3, pady=(0, 14))
        ttk.Label(box, text=_("备份文件")).grid(row=2, column=0, sticky="e", padx=8, pady=5)
        self.file_label = ttk.Label(box, text=_("（还没有选择）"),
                                    wraplength=chars_wide(self, NARROW))
        self.file_label.grid(row=2, column=1, sticky="w", pady=5)
        ttk.Button(box, text=_("选择…"), bootstyle="secondary-outline",
                   command=self.choose_file).grid(row=2, column=2, sticky="w", padx=8)
        self.about = ttk.Label(box, text="", bootstyle="info", wraplength=chars_wide(self, WIDE))
        self.about.grid(row=3, column=0, columnspan=3, pady=(0, 6))
        ttk.Label(box, text=_("用户")).grid(row=4, column=0, sticky="e", padx=8, pady=5)
        self.user = ttk.Combobox(box, values=[], width=24)
        self.user.grid(row=4, column=1, sticky="w", pady=5)
        self.by_key = tk.BooleanVar(value=False)
        ttk.Checkbutton(box, text=_("忘记口令，用恢复密钥"), variable=self.by_key,
                        bootstyle="round-toggle", command=self.show_fields).grid(
            row=5, column=1, sticky="w", pady=5)
        self.entries: dict[str, ttk.Entry] = {}
        self.rows: dict[str, list[ttk.Label | ttk.Entry]] = {}
        fields = (("passphrase", _("口令")), ("key", _("恢复密钥")),
                  ("new", _("新口令（至少 8 个字符）")), ("again", _("再输一次新口令")))
        for row, (key, label) in enumerate(fields, start=6):
            text = ttk.Label(box, text=label)
            text.grid(row=row, column=0, sticky="e", padx=8, pady=5)
            entry = ttk.Entry(box, show="•", width=34)
            entry.grid(row=row, column=1, columnspan=2, sticky="w", pady=5)
            entry.bind("<Return>", lambda _e: self.submit())
            self.entries[key], self.rows[key] = entry, [text, entry]
        self.error = ttk.Label(box, text="", bootstyle="danger", wraplength=chars_wide(self, WIDE))
        self.error.grid(row=10, column=0, columnspan=3, pady=4)
        self.progress = ttk.Progressbar(box, mode="determinate", maximum=100)
        self.progress.grid(row=11, column=0, columnspan=3, sticky="ew")
        self.progress.grid_remove()
        self.button = ttk.Button(box, text=_("恢复（Enter）"), bootstyle="primary",
                                 command=self.submit)
        self.button.grid(row=12, column=0, columnspan=3, sticky="ew", pady=6)
        ttk.Button(box, text=_("返回建站"), bootstyle="link",
                     command=self.back).grid(row=13, column=0, columnspan=3)
        self.show_fields()

    def back(self) -> None:
        self.app.show_start()  # no station here yet: 建站

    def show_fields(self) -> None:
        by_key = bool(self.by_key.get())
        for key, widgets in self.rows.items():
            shown = (key != "passphrase") == by_key
            for widget in widgets:
                if shown:
                    widget.grid()
                else:
                    widget.grid_remove()

    # -- the file ---------------------------------------------------------------------
    def choose_file(self) -> None:
        path = file_dialogs.ask_open(self, self.app, _("选择备份文件"),
                                     [(_("便民站备份"), f"*{EXTENSION}"), (_("所有文件"), "*")])
        if path is not None:
            self.use_file(path)

    def use_file(self, path: Path) -> None:
        self.error.configure(text="")
        self.file_label.configure(text=str(path))
        self.app.dispatcher.submit(lambda: backup_info(path),
                                   on_done=lambda info: self.read(path, info),
                                   on_error=self.unreadable)

    def read(self, path: Path, info: BackupInfo) -> None:
        if not self.winfo_exists():
            return
        self.path, self.chosen = path, info
        header = info.header
        self.about.configure(text=_("{name}（站点编码 {code}），备份于 {at}").format(
            name=header.node_name, code=header.node_code, at=local_time(header.created_at)))
        self.user.configure(values=info.users)
        if self.user.get() not in info.users:
            self.user.set(info.users[0])
        self.entries["key" if self.by_key.get() else "passphrase"].focus_set()

    def unreadable(self, error: BaseException) -> None:
        if self.winfo_exists():
            self.path, self.chosen = None, None
            self.about.configure(text="")
            self.error.configure(text=describe(error))

    # -- restoring --------------------------------------------------------------------
    def unlock(self) -> Unlock:
        user = self.user.get().strip() or None
        if not self.by_key.get():
            return WithPassphrase(self.entries["passphrase"].get(), user)
        if self.entries["new"].get() != self.entries["again"].get():
            raise PassphraseMismatch()
        return WithRecoveryKey(self.entries["key"].get(), self.entries["new"].get(), user)

    def submit(self) -> None:
        if str(self.button.cget("state")) == "disabled":
            return
        if self.path is None:
            self.error.configure(text=_("请先选择备份文件。"))
            return
        try:
            unlock = self.unlock()
        except PassphraseMismatch as error:
            self.error.configure(text=describe(error))
            return
        self.error.configure(text="", bootstyle="danger")
        self.button.configure(state="disabled")
        self.progress.configure(value=0)
        self.progress.grid()
        app, path = self.app, self.path
        dispatcher = app.dispatcher

        shown = [-1]

        def advanced(done: int, total: int) -> None:  # on the worker: post to Tk
            percent = done * 100 // total if total else 100
            if percent != shown[0]:
                shown[0] = percent
                dispatcher.post(self.advanced, percent)

        dispatcher.submit(lambda: restore_backup(path, app.data, unlock, app.documents,
                                                 advanced),
                          on_done=self.restored, on_error=self.failed)

    def advanced(self, percent: int) -> None:
        if self.winfo_exists():
            self.progress.configure(value=percent)

    def failed(self, error: BaseException) -> None:
        if not self.winfo_exists():
            return
        self.progress.grid_remove()
        self.button.configure(state="normal")
        self.error.configure(text=describe(error))
        for key in ("passphrase", "new", "again"):
            self.entries[key].delete(0, tk.END)

    def restored(self, done: Restored) -> None:
        self.app.preferred_user = done.user
        self.app.show_start()  # the station is here now: 登录
        view = self.app.view
        if isinstance(view, LoginView):
            view.error.configure(
                text=_("已恢复：{cases} 件办件，{scans} 份扫描件。请登录。").format(
                    cases=done.cases, scans=done.scans), bootstyle="success")
