"""设置 → 科室密钥: shown to a user who holds an office's key.  It lists the colleagues
of the same office who do not hold it yet (a reviewer the admin just added, or one
whose passphrase was reset), and gives it to the one chosen, after a question
(``offices.add_member`` on the worker; it records the step for the audit).

The admin cannot do this: only a holder can open the key to seal it to someone else.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station.app import Station
from station.i18n import _
from station.trust import offices
from station.trust.offices import Colleague
from station.ui.ask import Ask
from station.ui.context import AppContext
from station.ui.flow import wrapping
from station.ui.problems import describe
from station.ui.table import List

Found = tuple[list[str], list[Colleague]]


def _look(station: Station) -> Found:
    return offices.my_offices(station), offices.waiting(station)


class OfficeKeyBox(ttk.Labelframe):
    """Hidden until the worker says the user holds an office's key."""

    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, text=_("科室密钥"), padding=10)
        self.app = app
        self.mine: list[str] = []
        self.listed: dict[str, Colleague] = {}
        self.working = False
        self.intro = wrapping(ttk.Label(self, text="", justify=tk.LEFT, wraplength=420))
        self.intro.grid(row=0, column=0, sticky="ew")
        self.table = List(self, columns=("display", "name", "office"), show="headings",
                          height=4, selectmode="browse")
        for key, heading in (("display", _("姓名")), ("name", _("登录名")),
                             ("office", _("科室"))):
            self.table.heading(key, text=heading)
            self.table.column(key, width=80, stretch=True, anchor="w")
        self.table.grid(row=1, column=0, sticky="ew", pady=(6, 0))
        self.table.bind("<<TreeviewSelect>>", lambda _e: self.pick())
        self.give_button = ttk.Button(self, text=_("交给选中的同事"), bootstyle="primary",
                                      command=self.give)
        self.give_button.grid(row=2, column=0, sticky="w", pady=(8, 0))
        self.message = wrapping(ttk.Label(self, text="", justify=tk.LEFT, wraplength=420))
        self.message.grid(row=3, column=0, sticky="ew", pady=(6, 0))
        self.columnconfigure(0, weight=1)
        self.visible = False
        self.refresh()

    def refresh(self) -> None:
        station = self.app.opened
        self.app.dispatcher.submit(lambda: _look(station), on_done=self.show,
                                   on_error=self.failed)

    def show(self, found: Found) -> None:
        if not self.winfo_exists():
            return
        self.mine, waiting = found
        self.visible = bool(self.mine)
        if not self.visible:
            self.grid_remove()
            return
        self.grid()
        names = "、".join(f"“{office}”" for office in self.mine)
        self.listed = {c.name: c for c in waiting}
        self.table.delete(*self.table.get_children())
        for colleague in waiting:
            self.table.insert("", tk.END, iid=colleague.name, values=(
                colleague.display_name, colleague.name, colleague.office))
        if waiting:
            self.intro.configure(text=_(
                "您持有{offices}的科室密钥。下面的同事还没有，打不开本科室的办件；"
                "选中一位，把密钥交给他。").format(offices=names))
            self.table.grid()
            self.give_button.grid()
            self.table.selection_set(waiting[0].name)
            self.pick()
        else:
            self.intro.configure(text=_("您持有{offices}的科室密钥；本科室的同事都已持有。")
                                 .format(offices=names))
            self.table.grid_remove()
            self.give_button.grid_remove()

    def chosen(self) -> Colleague | None:
        selected = self.table.selection()
        return self.listed.get(selected[0]) if selected else None

    def pick(self) -> None:
        colleague = self.chosen()
        if colleague is not None:
            self.give_button.configure(text=_("把“{office}”密钥交给 {user}").format(
                office=colleague.office, user=colleague.display_name))

    def give(self) -> None:
        colleague = self.chosen()
        if colleague is None or self.working:
            return
        Ask(self, _("交出科室密钥"), [
            _("把“{office}”的科室密钥交给 {user}（{name}）？").format(
                office=colleague.office, user=colleague.display_name, name=colleague.name),
            _("交给后，他可以打开本科室的办件，包括以前的办件。这一步会记入审计。")],
            _("交给他"), _("取消"), lambda: self._give(colleague))

    def _give(self, colleague: Colleague) -> None:
        station = self.app.opened
        self.working = True
        self.give_button.configure(state="disabled")
        self.message.configure(text=_("正在交出……"), bootstyle="default")
        self.app.dispatcher.submit(
            lambda: offices.add_member(station, colleague.office, colleague.name),
            on_done=lambda _none: self.given(colleague), on_error=self.failed)

    def given(self, colleague: Colleague) -> None:
        if not self.winfo_exists():
            return
        self.working = False
        self.give_button.configure(state="normal")
        self.message.configure(text=_(
            "已把“{office}”的科室密钥交给 {user}：他现在可以打开本科室的办件了。").format(
            office=colleague.office, user=colleague.display_name), bootstyle="success")
        self.refresh()

    def failed(self, error: BaseException) -> None:
        if not self.winfo_exists():
            return
        self.working = False
        self.give_button.configure(state="normal")
        self.message.configure(text=describe(error), bootstyle="danger")
