"""登录: user and passphrase; unlocking (scrypt) runs off the Tk thread."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from keys.errors import UnknownUser, WrongPassphrase
from keys.vault import Vault
from station import i18n
from station.app import Station
from station.i18n import _
from station.paths import DataLayout
from station.ui.context import AppContext
from station.ui.style import title_font


class LoginView(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=40)
        self.app = app
        box = ttk.Frame(self)
        box.place(relx=0.5, rely=0.4, anchor="center")
        ttk.Label(box, text=_("便民站 登录"), font=title_font(self, app.config.large_font)).grid(
            row=0, column=0, columnspan=2, pady=(0, 20))
        users = Vault.users_in(DataLayout(app.data).vault_dir)
        ttk.Label(box, text=_("用户")).grid(row=1, column=0, sticky="e", padx=8, pady=6)
        self.user = ttk.Combobox(box, values=users, width=24)
        self.user.set(app.preferred_user if app.preferred_user in users else users[0])
        self.user.grid(row=1, column=1, sticky="w", pady=6)
        ttk.Label(box, text=_("口令")).grid(row=2, column=0, sticky="e", padx=8, pady=6)
        self.passphrase = ttk.Entry(box, show="•", width=26)
        self.passphrase.grid(row=2, column=1, sticky="w", pady=6)
        self.error = ttk.Label(box, text="", bootstyle="danger")
        self.error.grid(row=3, column=0, columnspan=2, pady=4)
        self.button = ttk.Button(box, text=_("登录（Enter）"), bootstyle="primary",
                                 command=self.submit)
        self.button.grid(row=4, column=0, columnspan=2, pady=10, sticky="ew")
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
        self.progress.grid(row=5, column=0, columnspan=2, sticky="ew")
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
