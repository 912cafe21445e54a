"""确认: before a desk action that seals or sends, say what will be sealed and to whom,
and ask.  取消 changes nothing.  Where the action needs a reason (受理 over missing
materials, 退回村站) the dialog asks for it and will not go on without it."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass

import ttkbootstrap as ttk

from station.cases.case_documents import TITLES
from station.i18n import _, translate
from sync import lifecycle

# The actions that seal a document or send the case on, and the document each seals
# (a kind of ``case_documents.TITLES``; not listed there yet: no document).
SEALS_OR_SENDS = {
    lifecycle.ACCEPTED: "accept",
    lifecycle.SUPPLEMENT_REQUESTED: "supplement",
    lifecycle.REFUSED_EVENT: "refuse",
    lifecycle.APPROVED: "approve",
    lifecycle.REJECTED: "reject",
    lifecycle.FORWARDED: "",
    lifecycle.RETURNED_EVENT: "",
    lifecycle.JOINT_OPENED: "",
    lifecycle.SPECIAL_STARTED: "special",
    lifecycle.EXTENSION_APPROVED: "extend",
}


@dataclass(frozen=True)
class Parties:
    """Who a case's papers go to, named as people know them (read on the worker)."""

    seal: str  # the organ whose seal a document carries: 示范镇民政办
    filer: str  # the station that filed the case and hands papers to the resident
    applicant: str
    upper: str  # where 报上级 sends it


def document_title(action: str) -> str | None:
    kind = SEALS_OR_SENDS.get(action) or ""
    title = TITLES.get(kind)
    return str(title) if title else None


def summary(action: str, action_name: str, parties: Parties) -> list[str]:
    """The lines the dialog shows: what is sealed, and where it goes."""
    title = document_title(action)
    lines = [_("即将办理：{action}").format(action=action_name)]
    if title:
        lines.append(_("将出具《{title}》，加盖“{seal}”电子印章。").format(
            title=title, seal=parties.seal))
    else:
        lines.append(_("不出具文书。"))
    if action == lifecycle.FORWARDED:
        lines.append(_("办件将报送：{upper}。").format(upper=parties.upper))
    elif action == lifecycle.JOINT_OPENED:
        lines.append(_("办件将抄告本级其他审查科室。"))
    elif action == lifecycle.RETURNED_EVENT:
        lines.append(_("办件将退回：{filer}，由代办员更正后重新报送。").format(
            filer=parties.filer))
    else:
        lines.append(_("送达：{filer}，转交申请人 {applicant}。").format(
            filer=parties.filer, applicant=parties.applicant))
    lines.append(_("确认后立即生效，不能撤回。"))
    return lines


class Confirmation(tk.Toplevel):
    """The dialog: the summary, an optional required reason, 确认 and 取消."""

    def __init__(self, parent: tk.Misc, lines: list[str], on_ok: Callable[[str], None],
                 reason_label: str | None = None, reason_missing: str = "",
                 on_cancel: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.title(_("请确认"))
        self.transient(parent.winfo_toplevel())
        self.on_ok, self.on_cancel = on_ok, on_cancel
        self.reason_missing = reason_missing
        frame = ttk.Frame(self, padding=14)
        frame.pack(fill=tk.BOTH, expand=True)
        self.text = "\n".join(lines)
        ttk.Label(frame, text=self.text, wraplength=460, justify=tk.LEFT).pack(anchor="w")
        self.reason: tk.Text | None = None
        self.message = ttk.Label(frame, text="", bootstyle="danger", wraplength=460)
        if reason_label:
            ttk.Label(frame, text=reason_label).pack(anchor="w", pady=(10, 2))
            self.reason = tk.Text(frame, height=3, width=52, wrap="word")
            self.reason.pack(fill=tk.X)
            self.reason.bind("<KeyRelease>", lambda _e: self.message.configure(text=""))
        self.message.pack(fill=tk.X, pady=4)
        bar = ttk.Frame(frame)
        bar.pack(anchor="e")
        self.ok = ttk.Button(bar, text=_("确认"), bootstyle="primary", command=self.confirm)
        self.ok.pack(side=tk.LEFT, padx=4)
        self.cancel = ttk.Button(bar, text=_("取消"), bootstyle="secondary-outline",
                                 command=self.dismiss)
        self.cancel.pack(side=tk.LEFT)
        self.protocol("WM_DELETE_WINDOW", self.dismiss)
        self.bind("<Escape>", lambda _e: self.dismiss())
        self.centre()
        if self.reason is not None:
            self.reason.focus_set()
        else:
            self.ok.focus_set()

    def centre(self) -> None:
        """Over the middle of the window that asked."""
        owner = self.master.winfo_toplevel()
        self.update_idletasks()
        x = owner.winfo_rootx() + max((owner.winfo_width() - self.winfo_reqwidth()) // 2, 0)
        y = owner.winfo_rooty() + max((owner.winfo_height() - self.winfo_reqheight()) // 3, 0)
        self.geometry(f"+{x}+{y}")

    def set_reason(self, text: str) -> None:
        """Type the reason, as a person would."""
        assert self.reason is not None
        self.reason.delete("1.0", tk.END)
        self.reason.insert("1.0", text)

    def given(self) -> str:
        return self.reason.get("1.0", tk.END).strip() if self.reason is not None else ""

    def confirm(self) -> None:
        reason = self.given()
        if self.reason is not None and not reason:
            self.message.configure(text=translate(self.reason_missing))
            self.reason.focus_set()
            return
        self.close()
        self.on_ok(reason)

    def close(self) -> None:
        """Gone, and the keyboard back with the window that asked."""
        owner = self.master.winfo_toplevel()
        self.destroy()
        owner.focus_force()

    def dismiss(self) -> None:
        self.close()
        if self.on_cancel is not None:
            self.on_cancel()
