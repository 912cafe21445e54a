"""What every 管理 tab shares: one action at a time on the store worker, its
buttons disabled meanwhile, and a line saying how it went (errors in red, in the
catalogue's words)."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from station.app import Station
from station.ui.context import AppContext
from station.ui.problems import describe


class Panel(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=10)
        self.app = app
        self.actions: list[ttk.Button] = []
        self.working = False
        self.message = ttk.Label(self, text="", justify=tk.LEFT)
        self.bind("<Configure>", self._wrap, add="+")

    def _wrap(self, event: tk.Event) -> None:
        self.message.configure(wraplength=max(300, event.width - 30))

    def button(self, parent: tk.Misc, text: str, command: Callable[[], None],
               style: str = "primary") -> ttk.Button:
        made = ttk.Button(parent, text=text, bootstyle=style, command=command)
        self.actions.append(made)
        return made

    def say(self, text: str, problem: bool = False) -> None:
        if self.winfo_exists():
            self.message.configure(text=text, bootstyle="danger" if problem else "success")

    def run(self, work: Callable[[Station], Any], done: Callable[[Any], str | None],
            then: Callable[[], None] | None = None) -> None:
        """``work(station)`` on the worker; ``done(result)`` says what happened."""
        if self.working:
            return
        station = self.app.opened
        self._set_busy(True)
        self.message.configure(text="")

        def finished(result: Any) -> None:
            if not self.winfo_exists():
                return
            self._set_busy(False)
            text = done(result)
            if text:
                self.say(text)
            if then is not None:
                then()

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                self._set_busy(False)
                self.say(describe(error), problem=True)

        self.app.dispatcher.submit(lambda: work(station), on_done=finished, on_error=failed)

    def load(self, work: Callable[[Station], Any], show: Callable[[Any], None]) -> None:
        """Read something for the tab on the worker, then ``show`` it."""
        station = self.app.opened

        def shown(result: Any) -> None:
            if self.winfo_exists():
                show(result)

        def failed(error: BaseException) -> None:
            self.say(describe(error), problem=True)

        self.app.dispatcher.submit(lambda: work(station), on_done=shown, on_error=failed)

    def _set_busy(self, busy: bool) -> None:
        self.working = busy
        for made in self.actions:
            made.configure(state="disabled" if busy else "normal")
