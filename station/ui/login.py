"""登录: user and passphrase; unlocking (scrypt) runs off the Tk thread.

The screen names the station (its name and code, read without the vault), and
忘记口令 opens ``RecoverView``: the recovery key from the sheet printed at setup
sets a new passphrase (``station.trust.recovery``, as ``station recover``).
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from keys.errors import UnknownUser, WrongPassphrase
from keys.vault import Vault
from station import i18n
from station.app import Station
from station.i18n import _
from station.node import Node
from station.paths import DataLayout
from station.trust import passphrases
from station.trust.node_card import node_on_disk
from station.ui.context import AppContext
from station.ui.problems import describe
from station.ui.style import title_font


class LoginView(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=40)
        self.app = app
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.4, anchor="center")
        ttk.Label(box, text=_("便民站 登录"), font=title_font(self, app.config.large_font)).grid(
            row=0, column=0, columnspan=2, pady=(0, 4))
        self.station_label = ttk.Label(box, text="", bootstyle="secondary")
        self.station_label.grid(row=1, column=0, columnspan=2, pady=(0, 16))
        station_line(self.station_label, app)
        users = Vault.users_in(DataLayout(app.data).vault_dir)
        ttk.Label(box, text=_("用户")).grid(row=2, column=0, sticky="e", padx=8, pady=6)
        self.user = ttk.Combobox(box, values=users, width=24)
        self.user.set(app.preferred_user if app.preferred_user in users else users[0])
        self.user.grid(row=2, column=1, sticky="w", pady=6)
        ttk.Label(box, text=_("口令")).grid(row=3, column=0, sticky="e", padx=8, pady=6)
        self.passphrase = ttk.Entry(box, show="•", width=26)
        self.passphrase.grid(row=3, column=1, sticky="w", pady=6)
        self.error = ttk.Label(box, text="", bootstyle="danger")
        self.error.grid(row=4, column=0, columnspan=2, pady=4)
        self.button = ttk.Button(box, text=_("登录（Enter）"), bootstyle="primary",
                                 command=self.submit)
        self.button.grid(row=5, column=0, columnspan=2, pady=10, sticky="ew")
        self.forgot = ttk.Button(box, text=_("忘记口令"), bootstyle="link",
                                 command=lambda: app.show(RecoverView))
        self.forgot.grid(row=6, column=0, columnspan=2)
        self.progress = ttk.Progressbar(box, mode="indeterminate")
        for widget in (self.user, self.passphrase):
            widget.bind("<Return>", lambda _e: self.submit())
        self.passphrase.focus_set()

    def submit(self) -> None:
        if str(self.button.cget("state")) == "disabled":
            return
        user, secret = self.user.get().strip(), self.passphrase.get()
        self.error.configure(text="")
        self.button.configure(state="disabled")
        self.progress.grid(row=7, column=0, columnspan=2, sticky="ew")
        self.progress.start(12)
        app = self.app
        app.dispatcher.submit(
            lambda: Station.open(app.data, user, secret, app.documents),
            on_done=app.logged_in,
            on_error=self.failed,
        )

    def failed(self, error: BaseException) -> None:
        self.progress.stop()
        self.progress.grid_remove()
        self.button.configure(state="normal")
        if isinstance(error, (WrongPassphrase, UnknownUser)):
            self.error.configure(text=i18n.render(error))
            self.passphrase.delete(0, tk.END)
            self.passphrase.focus_set()
        else:
            self.app.show_error(error)


def station_line(label: ttk.Label, app: AppContext) -> None:
    """Which station this is, from its database (read on the worker)."""
    def show(node: Node | None) -> None:
        if node is not None and label.winfo_exists():
            label.configure(text=_("{name}（站点编码 {code}）").format(name=node.name,
                                                                 code=node.code))
    app.dispatcher.submit(lambda: node_on_disk(app.data), on_done=show)


class RecoverView(ttk.Frame):
    """忘记口令: the recovery key and a new passphrase, typed by the user themself."""

    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=40)
        self.app = app
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.4, anchor="center")
        ttk.Label(box, text=_("忘记口令：用恢复密钥设置新口令"),
                  font=title_font(self, app.config.large_font)).grid(
            row=0, column=0, columnspan=2, pady=(0, 4))
        self.station_label = ttk.Label(box, text="", bootstyle="secondary")
        self.station_label.grid(row=1, column=0, columnspan=2, pady=(0, 4))
        station_line(self.station_label, app)
        ttk.Label(box, text=_("恢复密钥在建站时打印的恢复密钥单上（由站点负责人保管）。"),
                  wraplength=560).grid(row=2, column=0, columnspan=2, pady=(0, 12))
        users = Vault.users_in(DataLayout(app.data).vault_dir)
        self.entries: dict[str, ttk.Entry] = {}
        ttk.Label(box, text=_("用户")).grid(row=3, column=0, sticky="e", padx=8, pady=5)
        self.user = ttk.Combobox(box, values=users, width=24)
        self.user.set(app.preferred_user if app.preferred_user in users else users[0])
        self.user.grid(row=3, column=1, sticky="w", pady=5)
        rows = (("key", _("恢复密钥")), ("new", _("新口令（至少 8 个字符）")),
                ("again", _("再输一次新口令")))
        for row, (key, label) in enumerate(rows, start=4):
            ttk.Label(box, text=label).grid(row=row, column=0, sticky="e", padx=8, pady=5)
            entry = ttk.Entry(box, show="•", width=34)
            entry.grid(row=row, column=1, sticky="w", pady=5)
            entry.bind("<Return>", lambda _e: self.submit())
            self.entries[key] = entry
        self.error = ttk.Label(box, text="", bootstyle="danger", wraplength=560)
        self.error.grid(row=7, column=0, columnspan=2, pady=4)
        self.button = ttk.Button(box, text=_("设置新口令并登录（Enter）"), bootstyle="primary",
                                 command=self.submit)
        self.button.grid(row=8, column=0, columnspan=2, pady=8, sticky="ew")
        ttk.Button(box, text=_("返回登录"), bootstyle="link",
                   command=lambda: app.show(LoginView)).grid(row=9, column=0, columnspan=2)
        self.entries["key"].focus_set()

    def submit(self) -> None:
        if str(self.button.cget("state")) == "disabled":
            return
        user = self.user.get().strip()
        key, new, again = (self.entries[k].get() for k in ("key", "new", "again"))
        self.error.configure(text="")
        self.button.configure(state="disabled")
        app = self.app
        app.dispatcher.submit(
            lambda: passphrases.recover(app.data, user, key, new, again, app.documents),
            on_done=self.recovered, on_error=self.failed)

    def failed(self, error: BaseException) -> None:
        if not self.winfo_exists():
            return
        self.button.configure(state="normal")
        self.error.configure(text=describe(error))
        for key in ("new", "again"):
            self.entries[key].delete(0, tk.END)

    def recovered(self, result: tuple[Station, int]) -> None:
        station, dropped = result
        if not self.winfo_exists():
            return
        text = _("已用恢复密钥设置新口令，请记住新口令。")
        if dropped:
            text += _("您的科室密钥需要由本科室的同事在“设置”中重新交给您。")
        for entry in self.entries.values():
            entry.delete(0, tk.END)
        self.error.configure(text=text, bootstyle="success")
        self.button.configure(text=_("开始使用（Enter）"), state="normal",
                              command=lambda: self.app.logged_in(station))
        self.button.focus_set()
        self.button.bind("<Return>", lambda _e: self.app.logged_in(station))
