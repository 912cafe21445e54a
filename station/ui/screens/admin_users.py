"""管理 → 用户: every user of this station; add one, change their role, office and
name, disable them, or reset a forgotten passphrase.  The 科室密钥 column says who
still waits for their office's key: a colleague who holds it gives it from 设置
(``settings_office_keys``), as the admin holds none.  The admin may take a user out
of an office (``offices.remove_member``: the key rotates), after a confirmation.

A passphrase is only ever typed by its owner (the admin steps away): it is
masked, sent straight to the vault and cleared from the form.  Every action is
the domain's (``station.trust.users``), which checks the admin role and records it.
"""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station.app import Station
from station.i18n import N_, _, translate
from station.trust import offices, users
from station.trust.offices import HELD, NO_KEY, WAITING, KeyInfo
from station.trust.users import ROLE_LABELS, UserInfo
from station.ui.ask import Ask
from station.ui.context import AppContext
from station.ui.flow import wrapping
from station.ui.screens.admin_panel import Panel
from station.ui.screens.admin_table import Table

KEY_LABELS = {HELD: N_("已持有"), WAITING: N_("待本科室同事授予"), NO_KEY: N_("科室还没有密钥")}


class UsersPanel(Panel):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, app)
        self.listed: dict[str, UserInfo] = {}
        self.key_info: dict[str, KeyInfo] = {}
        self.table = Table(self, (("name", _("登录名"), 6), ("display", _("姓名"), 4),
                                  ("role", _("角色"), 3), ("office", _("科室"), 5),
                                  ("state", _("状态"), 3), ("key", _("科室密钥"), 8)),
                           height=10)
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
        for row, line in enumerate((
                ((_("添加用户"), self.add, "primary"),
                 (_("保存修改"), self.change, "secondary"),
                 (_("重设口令"), self.reset, "secondary")),
                ((_("停用"), self.disable, "danger-outline"),
                 (_("移出科室"), self.take_out, "danger-outline")))):
            line_frame = ttk.Frame(buttons)
            line_frame.grid(row=row, column=0, sticky="w", pady=(0, 6))
            for text, command, style in line:
                self.button(line_frame, text, command, style).pack(side=tk.LEFT, padx=(0, 6))
        self.explained = wrapping(ttk.Label(self, text=_(
            "科室密钥：审核员持有本科室的密钥才能打开本科室的办件。新同事的密钥由本科室已持有的"
            "同事在“设置”中交给他；管理员不持有科室密钥，不能代交。"),
            bootstyle="secondary", justify=tk.LEFT, wraplength=400))
        self.explained.grid(row=1, column=0, sticky="ew", padx=(0, 12), pady=(6, 0))
        self.message.grid(row=2, column=0, columnspan=2, sticky="w", pady=(8, 0))
        self.rowconfigure(0, weight=1)
        self.columnconfigure(0, weight=1)
        self.reload()

    def reload(self) -> None:
        self.load(lambda s: (users.list_users(s), offices.key_states(s)), self.show)

    def show(self, found: tuple[list[UserInfo], dict[str, KeyInfo]]) -> None:
        listed, self.key_info = found
        self.listed = {u.name: u for u in listed}
        self.table.fill([(u.name, (u.name, u.display_name or "—",
                                   translate(ROLE_LABELS.get(u.role, u.role)), u.office or "—",
                                   _("可登录") if u.active else _("已停用"),
                                   self.key_label(u.name)))
                         for u in listed])

    def key_label(self, name: str) -> str:
        state = self.key_info[name].state if name in self.key_info else None
        return translate(KEY_LABELS[state]) if state else "—"

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
                     _("该用户原有的科室密钥已失效，请本科室持有密钥的同事在“设置”中重新交给他。")
                     if dropped else ""),
                 self.reload)

    def disable(self) -> None:
        name = self.value("name")
        self.run(lambda s: users.disable_user(s, name),
                 lambda _n: _("已停用用户 {user}：不能再登录本站，记录都保留。"
                              "重设口令可以让他重新登录。").format(user=name),
                 self.reload)

    def take_out(self) -> None:
        """移出科室, after a question that says what it does."""
        name = self.value("name")
        user, keys = self.listed.get(name), self.key_info.get(name)
        if user is None or keys is None:
            self.say(_("请先在列表中选中一位用户。"), problem=True)
            return
        who = user.display_name or user.name
        if not keys.held:
            self.say(_("{user} 没有持有任何科室密钥，不需要移出。").format(user=who),
                     problem=True)
            return
        names = "、".join(keys.held)
        Ask(self, _("移出科室"), [
            _("把 {user} 移出“{office}”？").format(user=who, office=names),
            _("移出后，他不能再阅读本科室的办件：本科室换用新版密钥，只交给其余持有密钥的同事。"
              "他的科室一栏会清空；如果是调到别的科室，请再填写新科室并保存修改。"),
            _("这一步会记入审计。")],
            _("移出科室"), _("取消"), lambda: self._take_out(name, who, keys.held),
            danger=True)

    def _take_out(self, name: str, who: str, held: tuple[str, ...]) -> None:
        def work(station: Station) -> list[int]:
            return [offices.remove_member(station, office, name) for office in held]

        self.run(work, lambda versions: _(
            "已把 {user} 移出“{office}”：本科室的新办件改用第 {version} 版密钥，他打不开。")
            .format(user=who, office="、".join(held),
                    version="、".join(str(v) for v in versions)), self.reload)
