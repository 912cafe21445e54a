"""审查意见: opinion text with standard sentences, and the actions the case's state allows
(受理 / 不予受理 / 退回村站 / 联合审查 / 出具意见 / 报上级 / 准予 / 不予批准); the rest are
disabled."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

import ttkbootstrap as ttk

from station.i18n import N_, _, translate
from station.ui.screens.review_data import ACTIONS
from sync import lifecycle

TEMPLATES = (
    N_("材料齐全，符合法定形式，予以受理。"),
    N_("申请事项不属于本机关职权范围，不予受理。"),
    N_("请相关科室核对材料，出具审查意见。"),
    N_("经核查，情况属实，同意。"),
    N_("经审核，符合条件，同意上报。"),
    N_("经审核，申请人符合条件，准予批准。"),
    N_("经审核，申请人不符合条件，不予批准。"),
)
BUTTONS = {
    lifecycle.ACCEPTED: (N_("受理"), "success"),
    lifecycle.REFUSED_EVENT: (N_("不予受理"), "danger-outline"),
    lifecycle.RETURNED_EVENT: (N_("退回村站"), "warning-outline"),
    lifecycle.JOINT_OPENED: (N_("联合审查"), "info"),
    lifecycle.OPINION: (N_("出具意见"), "info"),
    lifecycle.FORWARDED: (N_("报上级"), "primary"),
    lifecycle.APPROVED: (N_("准予"), "success"),
    lifecycle.REJECTED: (N_("不予批准"), "danger"),
}
# These say why in writing: no action without an opinion.
NEEDS_OPINION = (lifecycle.REFUSED_EVENT, lifecycle.OPINION, lifecycle.FORWARDED,
                 lifecycle.APPROVED, lifecycle.REJECTED)


class OpinionPanel(ttk.Frame):
    def __init__(self, parent: tk.Misc, allowed: set[str],
                 on_action: Callable[[str, str], None]) -> None:
        super().__init__(parent, padding=6)
        self.on_action = on_action
        line = ttk.Frame(self)
        line.pack(fill=tk.X)
        ttk.Label(line, text=_("常用意见")).pack(side=tk.LEFT)
        self.template = ttk.Combobox(line, values=[translate(t) for t in TEMPLATES],
                                     state="readonly", width=34)
        self.template.pack(side=tk.LEFT, fill=tk.X, expand=True, padx=6)
        self.template.bind("<<ComboboxSelected>>", lambda _e: self.use_template())
        ttk.Label(self, text=_("审查意见")).pack(anchor="w", pady=(8, 2))
        self.text = tk.Text(self, height=5, width=44, wrap="word", undo=True)
        self.text.pack(fill=tk.X)
        self.text.bind("<KeyRelease>", lambda _e: self.clear_message())
        self.message = ttk.Label(self, text="", bootstyle="danger", wraplength=420)
        self.message.pack(fill=tk.X, pady=4)
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X)
        self.buttons: dict[str, ttk.Button] = {}
        for index, action in enumerate(ACTIONS):
            label, style = BUTTONS[action]
            button = ttk.Button(bar, text=translate(label), bootstyle=style,
                                command=lambda a=action: self.act(a))
            button.grid(row=index // 4, column=index % 4, sticky="ew", padx=3, pady=3)
            self.buttons[action] = button
        self.allow(allowed)

    def clear_message(self) -> None:
        self.message.configure(text="")

    def allow(self, allowed: set[str]) -> None:
        for action, button in self.buttons.items():
            button.configure(state="normal" if action in allowed else "disabled")

    def use_template(self, index: int | None = None) -> None:
        """Put a standard sentence in the opinion (replacing what is there)."""
        if index is not None:
            self.template.current(index)
        self.text.delete("1.0", tk.END)
        self.text.insert("1.0", self.template.get())
        self.message.configure(text="")

    def opinion(self) -> str:
        return self.text.get("1.0", tk.END).strip()

    def act(self, action: str) -> None:
        opinion = self.opinion()
        if action in NEEDS_OPINION and not opinion:
            self.message.configure(text=_("请先填写审查意见。"))
            self.text.focus_set()
            return
        self.message.configure(text="")
        self.allow(set())  # one action at a time: enabled again with the new state
        self.on_action(action, opinion)
