"""设置: language, large-font mode, 修改口令 (the user's own, on the worker), a
problem report for support, 备份 (``settings_backup``), and for a holder of an
office's key, 科室密钥 (giving it to colleagues who wait for it: ``settings_office_keys``)."""

from __future__ import annotations

import tkinter as tk
from datetime import datetime

import ttkbootstrap as ttk

from station.i18n import _
from station.trust import passphrases
from station.ui.context import AppContext
from station.ui.problems import describe, save_report
from station.ui.screens.settings_backup import BackupBox
from station.ui.screens.settings_office_keys import OfficeKeyBox

LANGUAGES = (("zh", "中文"), ("en", "English"))  # each in its own language, as is customary
REPORT_NAME = "问题报告-{date}.txt"  # a file name, the same in every interface language


class SettingsScreen(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=10)
        self.app = app
        ttk.Label(self, text=_("界面语言")).grid(row=0, column=0, sticky="w", pady=6)
        self.language = tk.StringVar(value=app.config.language)
        for i, (code, name) in enumerate(LANGUAGES, start=1):
            ttk.Radiobutton(self, text=name, value=code, variable=self.language,
                            command=self.apply).grid(row=0, column=i, sticky="w", padx=8)
        self.large = tk.BooleanVar(value=app.config.large_font)
        ttk.Checkbutton(self, text=_("大字模式"), variable=self.large, command=self.apply,
                        bootstyle="round-toggle").grid(row=1, column=0, columnspan=3,
                                                       sticky="w", pady=10)
        ttk.Separator(self).grid(row=2, column=0, columnspan=3, sticky="ew", pady=10)
        ttk.Button(self, text=_("保存问题报告"), bootstyle="secondary-outline",
                   command=self.report).grid(row=3, column=0, sticky="w")
        self.report_path = ttk.Label(self, text="", wraplength=700)
        self.report_path.grid(row=4, column=0, columnspan=3, sticky="w", pady=6)
        ttk.Label(self, text=_("问题报告只含运行日志，不含群众个人信息。"),
                  bootstyle="secondary").grid(row=5, column=0, columnspan=3, sticky="nw")
        self.passphrase = PassphraseBox(self, app)
        self.passphrase.grid(row=6, column=0, columnspan=3, sticky="nw", pady=(16, 0))
        self.office_keys = OfficeKeyBox(self, app)
        self.office_keys.grid(row=6, column=3, sticky="nw", padx=(16, 0), pady=(16, 0))
        self.office_keys.grid_remove()  # until the worker says the user holds a key
        self.backup = BackupBox(self, app)
        self.backup.grid(row=0, column=3, rowspan=6, sticky="nw", padx=(16, 0))
        # The box is taller than the rows beside it: their extra height goes below the
        # last of them (row 5), not between them; the window's own extra goes to row 7.
        self.rowconfigure(5, weight=1)
        self.rowconfigure(7, weight=1000)

    def apply(self) -> None:
        self.app.config.language = self.language.get()
        self.app.config.large_font = bool(self.large.get())
        self.app.restyle()

    def report(self) -> None:
        station = self.app.station
        if station is None:
            return
        target = station.documents / REPORT_NAME.format(date=f"{datetime.now():%Y%m%d-%H%M%S}")
        self.app.dispatcher.submit(
            lambda: save_report(station.layout.logs, target),
            on_done=lambda path: self.report_path.configure(
                text=_("问题报告已保存：{path}").format(path=path)),
        )


class PassphraseBox(ttk.Labelframe):
    """修改口令: only the logged-in user's own, after typing the current one again."""

    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, text=_("修改口令"), padding=10)
        self.app = app
        self.entries: dict[str, ttk.Entry] = {}
        rows = (("current", _("当前口令")), ("new", _("新口令（至少 8 个字符）")),
                ("again", _("再输一次新口令")))
        for row, (key, label) in enumerate(rows):
            ttk.Label(self, text=label).grid(row=row, column=0, sticky="e", padx=8, pady=4)
            entry = ttk.Entry(self, show="•", width=30)
            entry.grid(row=row, column=1, sticky="w", pady=4)
            entry.bind("<Return>", lambda _e: self.submit())
            self.entries[key] = entry
        self.button = ttk.Button(self, text=_("修改口令"), bootstyle="primary-outline",
                                 command=self.submit)
        self.button.grid(row=3, column=1, sticky="w", pady=6)
        self.message = ttk.Label(self, text="", wraplength=600, justify=tk.LEFT)
        self.message.grid(row=4, column=0, columnspan=2, sticky="w")

    def submit(self) -> None:
        if str(self.button.cget("state")) == "disabled":
            return
        station = self.app.opened
        current, new, again = (self.entries[k].get() for k in ("current", "new", "again"))
        self.button.configure(state="disabled")
        self.message.configure(text=_("正在修改……"), bootstyle="default")
        self.app.dispatcher.submit(lambda: passphrases.change(station, current, new, again),
                                   on_done=self.changed, on_error=self.failed)

    def _clear(self) -> None:
        self.button.configure(state="normal")
        for entry in self.entries.values():
            entry.delete(0, tk.END)

    def changed(self, _none: None) -> None:
        if self.winfo_exists():
            self._clear()
            self.message.configure(text=_("口令已修改，下次登录请用新口令。"), bootstyle="success")

    def failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self._clear()
            self.message.configure(text=describe(error), bootstyle="danger")
            self.entries["current"].focus_set()
