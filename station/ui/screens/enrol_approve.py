"""待批准的入网申请: the requests waiting at this station's hub for its approval.

The list comes from the hub (``enrolment_net.pending``, as ``station enrol
pending``); 批准 issues the certificates and gives them to the hub
(``enrolment_net.approve``, as ``station enrol approve --hub``), where the new
station fetches them.  拒绝 asks for a reason (required: the new station reads
it) in a dialog that names the station, then gives the hub this station's
signed refusal (``enrolment_net.refuse``, as ``station enrol refuse``).
Admins only, as on the command line; the hub work runs on the worker.  The hub
is the station's sync hub.
"""

from __future__ import annotations

import tkinter as tk
from datetime import datetime
from pathlib import Path
from typing import Any

import ttkbootstrap as ttk

from station import i18n
from station.i18n import N_, _
from station.network.enrol_desk import (
    approve_file,
    approve_request,
    pending_requests,
    refuse_request,
)
from station.node import TIER_LABELS
from station.ui.context import AppContext
from station.ui.file_dialogs import ask_open
from station.ui.problems import describe
from station.ui.screens.enrol_join import FILE_TYPES
from station.ui.screens.review_confirm import Confirmation
from station.ui.table import List

COLUMNS = (("node", _("站点编码")), ("name", _("站点名称")), ("tier", _("层级")),
           ("kind", _("申请类型")), ("received_at", _("收到时间")))


def local_time(stamp: str) -> str:
    """The hub's UTC stamp as the clock on the wall shows it."""
    try:
        return f"{datetime.fromisoformat(stamp).astimezone():%Y-%m-%d %H:%M}"
    except ValueError:
        return stamp


class ApprovePanel(ttk.Frame):
    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent, padding=10)
        self.app = app
        self.rows: list[dict[str, Any]] = []
        self.loaded = 0  # how many times the list came back from the hub
        self.confirmation: Confirmation | None = None  # the 拒绝 dialog while it is open
        ttk.Label(self, text=_("下级站点用本站签发的注册码发来的入网申请。"
                               "核对站点编码和名称后批准；批准后新站点会自动装上证书。"),
                  wraplength=900, justify=tk.LEFT).pack(anchor="w", pady=(0, 8))
        self.tree = List(self, columns=[k for k, _l in COLUMNS], show="headings",
                                 height=8, selectmode="browse")
        for key, label in COLUMNS:
            self.tree.heading(key, text=label, anchor="w")
            self.tree.column(key, stretch=True, anchor="w")
        self.tree.pack(fill=tk.BOTH, expand=True)
        buttons = ttk.Frame(self)
        buttons.pack(fill=tk.X, pady=8)
        self.approve_button = ttk.Button(buttons, text=_("批准"), bootstyle="success",
                                         command=self.approve)
        self.approve_button.pack(side=tk.LEFT)
        self.refuse_button = ttk.Button(buttons, text=_("拒绝"), bootstyle="danger-outline",
                                        command=self.refuse)
        self.refuse_button.pack(side=tk.LEFT, padx=(8, 0))
        self.refresh_button = ttk.Button(buttons, text=_("刷新"), bootstyle="secondary-outline",
                                         command=self.reload)
        self.refresh_button.pack(side=tk.LEFT, padx=8)
        self.file_button = ttk.Button(buttons, text=_("批准U盘上的申请文件"),
                                      bootstyle="secondary-outline", command=self.approve_file)
        self.file_button.pack(side=tk.LEFT, padx=(24, 0))
        self.message = ttk.Label(self, text="", wraplength=900, justify=tk.LEFT)
        self.message.pack(anchor="w")
        self.reload()

    def reload(self) -> None:
        station = self.app.opened
        self.refresh_button.configure(state="disabled")
        self.app.dispatcher.submit(lambda: pending_requests(station), on_done=self._show,
                                   on_error=self._failed)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        if not self.winfo_exists():
            return
        self.loaded += 1
        self.refresh_button.configure(state="normal")
        self.rows = rows
        self.tree.delete(*self.tree.get_children())
        for row in rows:
            tier = i18n.translate(TIER_LABELS.get(row.get("tier", ""), row.get("tier", "")))
            kind = _("替换原电脑") if row.get("replaces") else _("新站点")
            self.tree.insert("", tk.END, iid=row["node"], values=(
                row["node"], row.get("name", ""), tier, kind,
                local_time(row.get("received_at", ""))))
        if rows:
            self.tree.selection_set(rows[0]["node"])
            if "secondary" in str(self.message.cget("style")):
                self.message.configure(text="")
        elif not str(self.message.cget("text")):
            self.message.configure(text=_("没有等候批准的入网申请。"), bootstyle="secondary")

    def _failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self.refresh_button.configure(state="normal")
            self.approve_button.configure(state="normal")
            self.refuse_button.configure(state="normal")
            self.message.configure(text=describe(error), bootstyle="danger")

    def approve(self) -> None:
        chosen = self.tree.selection()
        if not chosen:
            self.message.configure(text=_("请先在上面的列表中选一个申请。"), bootstyle="danger")
            return
        node, station = chosen[0], self.app.opened
        self.approve_button.configure(state="disabled")
        self.message.configure(text=_("正在批准站点 {node} 入网……").format(node=node),
                               bootstyle="default")
        self.app.dispatcher.submit(lambda: approve_request(station, node),
                                   on_done=self._approved, on_error=self._failed)

    def _approved(self, node: str) -> None:
        if not self.winfo_exists():
            return
        self.approve_button.configure(state="normal")
        text = _("已批准站点 {node} 入网，证书已交枢纽站，新站点会自动取回。").format(node=node)
        if any(r.get("node") == node and r.get("replaces") for r in self.rows):
            text += _("这是替换原电脑：新电脑第一次同步时会接着本站在上级的记录继续，"
                      "原电脑的证书不能再同步。")
        self.message.configure(text=text, bootstyle="success")
        self.reload()

    def refuse(self) -> None:
        """Ask for the reason, naming the station; 确认 sends the refusal."""
        chosen = self.tree.selection()
        if not chosen:
            self.message.configure(text=_("请先在上面的列表中选一个申请。"), bootstyle="danger")
            return
        node = chosen[0]
        name = next((str(r.get("name") or "") for r in self.rows if r["node"] == node), "") \
            or _("站点")
        lines = [_("即将拒绝以下站点的入网申请："),
                 _("{name}（站点编码 {code}）").format(name=name, code=node),
                 _("拒绝后，它这次用的注册码作废；新站点须向本站重新领取注册码后再申请。"),
                 _("确认后立即生效，不能撤回。")]
        self.refuse_button.configure(state="disabled")
        self.confirmation = Confirmation(
            self, lines, lambda reason: self._refuse(node, reason),
            _("拒绝的理由（必填，新站点会看到）"), N_("请填写拒绝的理由，否则不能拒绝。"),
            on_cancel=self._refuse_cancelled)

    def _refuse_cancelled(self) -> None:
        self.confirmation = None
        if self.winfo_exists():
            self.refuse_button.configure(state="normal")
            self.message.configure(text=_("已取消，申请仍在等候批准。"), bootstyle="secondary")

    def _refuse(self, node: str, reason: str) -> None:
        self.confirmation = None
        station = self.app.opened
        self.message.configure(text=_("正在拒绝站点 {node} 的入网申请……").format(node=node),
                               bootstyle="default")
        self.app.dispatcher.submit(lambda: refuse_request(station, node, reason),
                                   on_done=self._refused, on_error=self._failed)

    def _refused(self, node: str) -> None:
        if not self.winfo_exists():
            return
        self.refuse_button.configure(state="normal")
        done = _("已拒绝站点 {node} 的入网申请，理由已交枢纽站，新站点会看到。")
        self.message.configure(text=done.format(node=node), bootstyle="success")
        self.reload()

    # -- offline ---------------------------------------------------------------------
    def approve_file(self) -> None:
        chosen = ask_open(self, self.app, _("批准U盘上的申请文件"), FILE_TYPES)
        if chosen:
            self.approve_file_from(chosen)

    def approve_file_from(self, path: Path) -> None:
        station = self.app.opened
        self.message.configure(text=_("正在批准……"), bootstyle="default")
        self.app.dispatcher.submit(lambda: approve_file(station, path),
                                   on_done=self._file_approved, on_error=self._failed)

    def _file_approved(self, out: Path) -> None:
        if self.winfo_exists():
            self.message.configure(text=_("已批准，批准文件已写到 {path}，请把U盘交还新站点。")
                                   .format(path=out), bootstyle="success")
