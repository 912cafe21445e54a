"""管理 → 用户: every user of this station; add one, change their role, office and
name, disable them, or reset a forgotten passphrase.

A passphrase is only ever typed by its owner (the admin steps away): it is
masked, sent straight to the vault and cleared from the form.  Every action is
the domain's (``station.trust.users``), which checks the admin role and records it.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station.i18n import _, translate
from station.trust import users
from station.trust.users import ROLE_LABELS, UserInfo
from station.ui.context import AppContext
from station.ui.screens.admin_panel import Panel
from station.ui.screens.admin_table import Table


class UsersPanel(Panel):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, app)
        self.listed: dict[str, UserInfo] = {}
        self.table = Table(self, (("name", _("登录名"), 6), ("display", _("姓名"), 4),
                                  ("role", _("角色"), 3), ("office", _("科室"), 5),
                                  ("state", _("状态"), 3)), height=10)
        self.table.grid(row=0, column=0, sticky="nsew", padx=(0, 12))
        self.table.bind("<<TreeviewSelect>>", lambda _e: self.pick())
        form = ttk.Frame(self)
        form.grid(row=0, column=1, sticky="nw")
        self.fields: dict[str, ttk.Entry] = {}
        self.role = tk.StringVar(value=translate(ROLE_LABELS["agent"]))
        rows = (("name", _("登录名")), ("display", _("姓名")), ("role", _("角色")),
                ("office", _("科室")), ("secret", _("口令")), ("again", _("再次输入口令")))
        for row, (key, label) in enumerate(rows):
            ttk.Label(form, text=label).grid(row=row, column=0, sticky="w", padx=(0, 8), pady=3)
            if key == "role":
                self.role_box = ttk.Combobox(
                    form, textvariable=self.role, state="readonly", width=12,
                    values=[translate(ROLE_LABELS[r]) for r in users.ROLES])
                self.role_box.grid(row=row, column=1, sticky="w", pady=3)
                continue
            field = ttk.Entry(form, width=20, show="•" if key in ("secret", "again") else "")
            field.grid(row=row, column=1, sticky="w", pady=3)
            self.fields[key] = field
        ttk.Label(form, text=_("审核员、签发人须填科室，如 民政办。"), bootstyle="secondary",
                  ).grid(row=len(rows), column=0, columnspan=2, sticky="w")
        ttk.Label(form, text=_("口令由用户本人输入，管理员请回避。"), bootstyle="secondary",
                  ).grid(row=len(rows) + 1, column=0, columnspan=2, sticky="w")
        buttons = ttk.Frame(form)
        buttons.grid(row=len(rows) + 2, column=0, columnspan=2, sticky="w", pady=(10, 0))
        for column, (text, command, style) in enumerate((
                (_("添加用户"), self.add, "primary"),
                (_("保存修改"), self.change, "secondary"),
                (_("重设口令"), self.reset, "secondary"),
                (_("停用"), self.disable, "danger-outline"))):
            self.button(buttons, text, command, style).grid(row=0, column=column, padx=(0, 6))
        self.message.grid(row=1, column=0, columnspan=2, sticky="w", pady=(8, 0))
        self.rowconfigure(0, weight=1)
        self.reload()

    def reload(self) -> None:
        self.load(users.list_users, self.show)

    def show(self, found: list[UserInfo]) -> None:
        self.listed = {u.name: u for u in found}
        self.table.fill([(u.name, (u.name, u.display_name or "—",
                                   translate(ROLE_LABELS.get(u.role, u.role)), u.office or "—",
                                   _("可登录") if u.active else _("已停用")))
                         for u in found])

    def pick(self) -> None:
        chosen = self.listed.get(self.table.chosen() or "")
        if chosen is None:
            return
        for key, value in (("name", chosen.name), ("display", chosen.display_name),
                           ("office", chosen.office or "")):
            self.fields[key].delete(0, tk.END)
            self.fields[key].insert(0, value)
        self.role.set(translate(ROLE_LABELS.get(chosen.role, chosen.role)))

    def value(self, key: str) -> str:
        return self.fields[key].get().strip()

    def chosen_role(self) -> str:
        shown = self.role.get()
        return next((r for r in users.ROLES if translate(ROLE_LABELS[r]) == shown), "agent")

    def passphrase(self) -> str | None:
        """The passphrase typed twice, cleared from the form; None (and said) if they differ."""
        secret, again = self.fields["secret"].get(), self.fields["again"].get()
        for key in ("secret", "again"):
            self.fields[key].delete(0, tk.END)
        if not secret or secret != again:
            self.say(_("两次输入的口令不一致，请用户本人重新输入。"), problem=True)
            return None
        return secret

    def add(self) -> None:
        name, display = self.value("name"), self.value("display") or None
        role, office = self.chosen_role(), self.value("office") or None
        secret = self.passphrase()
        if secret is None:
            return
        self.run(lambda s: users.add_user(s, name, role, secret, display, office),
                 lambda _u: _("已添加用户 {user}，可以用自己的口令登录。").format(user=name),
                 self.reload)

    def change(self) -> None:
        name, display = self.value("name"), self.value("display") or None
        role, office = self.chosen_role(), self.value("office") or None
        self.run(lambda s: users.change_user(s, name, role, office, display),
                 lambda _u: _("已保存用户 {user} 的角色、科室和姓名。").format(user=name),
                 self.reload)

    def reset(self) -> None:
        name = self.value("name")
        secret = self.passphrase()
        if secret is None:
            return
        self.run(lambda s: users.reset_passphrase(s, name, secret),
                 lambda dropped: _("已为 {user} 重设口令，可以登录了。").format(user=name) + (
                     _("该用户原有的科室密钥已失效，请科室的另一位成员重新交给他。")
                     if dropped else ""),
                 self.reload)

    def disable(self) -> None:
        name = self.value("name")
        self.run(lambda s: users.disable_user(s, name),
                 lambda _n: _("已停用用户 {user}：不能再登录本站，记录都保留。"
                              "重设口令可以让他重新登录。").format(user=name),
                 self.reload)
