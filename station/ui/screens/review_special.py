"""期限与回访: the actions that change a case's time rather than decide it.

特别程序 (the clock stops while a hearing, an inspection, an expert review … runs; the
applicant is told in writing), 延长办理期限 (asked once by the claim holder, approved
by a signer), and the follow-up of a bad rating (回访, then 整改完成).  Each button is
enabled only when the lifecycle table lets this user take it now; those the law wants
in writing do not go without their text.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import Any

import ttkbootstrap as ttk

from station.casework.step_text import step_lines
from station.i18n import N_, _, translate
from station.ui.provisional import dated
from station.ui.screens.review_data import DEADLINE_NAMES, TIME_ACTIONS, CaseWork
from sync import lifecycle

# 行政许可法 Art. 45: the procedures whose time is not counted (the matter's own first).
STATUTORY = (N_("听证"), N_("招标"), N_("拍卖"), N_("检验"), N_("检测"), N_("检疫"),
             N_("鉴定"), N_("专家评审"))
BUTTONS = {
    lifecycle.SPECIAL_STARTED: (N_("进入特别程序"), "warning"),
    lifecycle.SPECIAL_ENDED: (N_("结束特别程序"), "info"),
    lifecycle.EXTENSION_REQUESTED: (N_("申请延期"), "warning"),
    lifecycle.EXTENSION_APPROVED: (N_("批准延期"), "success"),
    lifecycle.FOLLOWUP_CALLED: (N_("回访"), "info"),
    lifecycle.FOLLOWUP_CLOSED: (N_("整改完成"), "success"),
}
# What each action records, and the message when the law wants it written and it is not.
REQUIRED = {
    lifecycle.EXTENSION_REQUESTED: N_("请填写延期理由。"),
    lifecycle.FOLLOWUP_CALLED: N_("请填写回访或整改情况。"),
    lifecycle.FOLLOWUP_CLOSED: N_("请填写回访或整改情况。"),
}
MAX_DAYS = 365


def procedures(catalogue: tuple[str, ...]) -> list[str]:
    """The choices, as stored (Chinese): the matter's own, then the statutory ones."""
    return list(dict.fromkeys((*catalogue, *STATUTORY)))


def clock_text(clock: dict[str, Any]) -> str:
    """Where the case stands against its time limit (and its follow-up), in one line each."""
    lines = []
    due = clock.get("deadline")
    if due and due.get("due"):
        state = translate(DEADLINE_NAMES.get(due["state"], due["state"]))
        lines.append(_("办结期限 {due}（{state}），已用 {used}/{allowed} 个工作日").format(
            due=dated(due["due"], bool(due.get("provisional"))), state=state,
            used=due["used"], allowed=due["allowed"]))
        if due.get("extended"):
            lines.append(_("办理期限已延长。"))
    lines += step_lines(clock.get("step_limits") or [])
    follow = clock.get("follow_up")
    if follow:
        state = translate(DEADLINE_NAMES.get(follow["state"], follow["state"]))
        lines.append(_("差评回访期限 {callback}，整改期限 {fix}（{state}）").format(
            callback=follow["callback_by"], fix=follow["fix_by"], state=state))
        if follow.get("called"):
            lines.append(_("已回访，待整改完成。"))
    return "\n".join(lines)


class TimePanel(ttk.Frame):
    """The 期限与回访 tab of an opened case."""

    def __init__(self, parent: tk.Misc, work: CaseWork,
                 on_action: Callable[[str, str, str, int], None]) -> None:
        super().__init__(parent, padding=6)
        self.on_action = on_action
        self.choices = procedures(work.procedures)
        self.status = ttk.Label(self, text=clock_text(work.clock), wraplength=420,
                                justify=tk.LEFT, bootstyle="secondary")
        self.status.pack(fill=tk.X, pady=(0, 4))
        self.buttons: dict[str, ttk.Button] = {}
        # A case under review may pause or extend its time; a decided one with a bad
        # rating is followed up.  Only the sections the case can use are shown.
        sections = (self.special_section(), self.extension_section(), self.follow_section())
        shown = sections[2:] if work.view.state == lifecycle.FOLLOWUP else sections[:2]
        for section in shown:
            section.pack(fill=tk.X, pady=(0, 4))
        self.message = ttk.Label(self, text="", bootstyle="danger", wraplength=420)
        self.message.pack(fill=tk.X, pady=4)
        for entry in (self.procedure, self.days, self.reason, self.result, self.extension,
                      self.note):
            entry.bind("<KeyRelease>", lambda _e: self.message.configure(text=""))
        self.allow(work.allowed)

    def special_section(self) -> ttk.Labelframe:
        special = ttk.Labelframe(self, text=_("特别程序"), padding=6)
        special.columnconfigure(1, weight=1)
        ttk.Label(special, text=_("程序")).grid(row=0, column=0, sticky="w")
        self.procedure = ttk.Combobox(special, values=[translate(p) for p in self.choices],
                                      width=14)
        self.procedure.grid(row=0, column=1, sticky="ew", padx=4)
        ttk.Label(special, text=_("预计工作日")).grid(row=0, column=2, sticky="w")
        self.days = ttk.Spinbox(special, from_=1, to=MAX_DAYS, width=4)
        self.days.grid(row=0, column=3, padx=(4, 0))
        ttk.Label(special, text=_("原因")).grid(row=1, column=0, sticky="w", pady=3)
        self.reason = ttk.Entry(special)
        self.reason.grid(row=1, column=1, columnspan=3, sticky="ew", padx=(4, 0), pady=3)
        ttk.Label(special, text=_("结果")).grid(row=2, column=0, sticky="w")
        self.result = ttk.Entry(special)
        self.result.grid(row=2, column=1, columnspan=3, sticky="ew", padx=(4, 0))
        line = ttk.Frame(special)
        line.grid(row=3, column=0, columnspan=4, sticky="w", pady=(4, 0))
        self.button(line, lifecycle.SPECIAL_STARTED)
        self.button(line, lifecycle.SPECIAL_ENDED)
        return special

    def extension_section(self) -> ttk.Labelframe:
        frame, self.extension = self.text_section(
            _("延长办理期限"), _("理由或意见"),
            (lifecycle.EXTENSION_REQUESTED, lifecycle.EXTENSION_APPROVED))
        return frame

    def follow_section(self) -> ttk.Labelframe:
        frame, self.note = self.text_section(
            _("差评回访整改"), _("情况"), (lifecycle.FOLLOWUP_CALLED, lifecycle.FOLLOWUP_CLOSED))
        return frame

    def text_section(self, title: str, label: str,
                     actions: tuple[str, ...]) -> tuple[ttk.Labelframe, ttk.Entry]:
        """A titled box: one line of text, then its action buttons."""
        frame = ttk.Labelframe(self, text=title, padding=6)
        frame.columnconfigure(1, weight=1)
        ttk.Label(frame, text=label).grid(row=0, column=0, sticky="w")
        entry = ttk.Entry(frame)
        entry.grid(row=0, column=1, sticky="ew", padx=(4, 0))
        line = ttk.Frame(frame)
        line.grid(row=1, column=0, columnspan=2, sticky="w", pady=(4, 0))
        for action in actions:
            self.button(line, action)
        return frame, entry

    def button(self, parent: ttk.Frame, action: str) -> None:
        label, style = BUTTONS[action]
        button = ttk.Button(parent, text=translate(label), bootstyle=style,
                            command=lambda: self.act(action))
        button.pack(side=tk.LEFT, padx=(0, 6))
        self.buttons[action] = button

    def allow(self, allowed: set[str]) -> None:
        for action, button in self.buttons.items():
            button.configure(state="normal" if action in allowed else "disabled")

    def offers(self, allowed: set[str]) -> bool:
        """Whether any of this tab's actions is open to the user now."""
        return bool(allowed & set(TIME_ACTIONS))

    def chosen_procedure(self) -> str:
        """The procedure as stored (Chinese), whether picked from the list or typed."""
        text = self.procedure.get().strip()
        shown = [translate(p) for p in self.choices]
        return self.choices[shown.index(text)] if text in shown else text

    def set_procedure(self, name: str, reason: str, days: int) -> None:
        """Fill in a special procedure, as a person would."""
        self.procedure.set(translate(name))
        self.reason.delete(0, tk.END)
        self.reason.insert(0, reason)
        self.days.delete(0, tk.END)
        self.days.insert(0, str(days))
        self.days.event_generate("<KeyRelease>")

    def missing(self, action: str) -> tuple[str, tk.Misc] | None:
        """What the law wants written for ``action`` and is not there (and where)."""
        if action == lifecycle.SPECIAL_STARTED:
            if not self.chosen_procedure():
                return _("请选择或填写特别程序。"), self.procedure
            if not self.reason.get().strip():
                return _("请填写进入特别程序的原因。"), self.reason
            if not 1 <= self.expected_days() <= MAX_DAYS:
                return _("预计工作日应为 1 至 {most} 之间的整数。").format(most=MAX_DAYS), self.days
        elif action in REQUIRED and not self.text_for(action):
            widget = self.extension if action == lifecycle.EXTENSION_REQUESTED else self.note
            return translate(REQUIRED[action]), widget
        return None

    def expected_days(self) -> int:
        try:
            return int(self.days.get().strip())
        except ValueError:
            return 0

    def text_for(self, action: str) -> str:
        """The words ``action`` records: reason, result, extension reason or note."""
        if action == lifecycle.SPECIAL_STARTED:
            return self.reason.get().strip()
        if action == lifecycle.SPECIAL_ENDED:
            return self.result.get().strip()
        if action in (lifecycle.EXTENSION_REQUESTED, lifecycle.EXTENSION_APPROVED):
            return self.extension.get().strip()
        return self.note.get().strip()

    def act(self, action: str) -> None:
        problem = self.missing(action)
        if problem is not None:
            self.message.configure(text=problem[0])
            problem[1].focus_set()
            return
        self.message.configure(text="")
        procedure, days = "", 0
        if action == lifecycle.SPECIAL_STARTED:
            procedure, days = self.chosen_procedure(), self.expected_days()
        self.allow(set())  # one action at a time: enabled again with the new state
        self.on_action(action, self.text_for(action), procedure, days)
