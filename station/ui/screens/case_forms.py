"""The small forms of the 办理结果 section: 补齐材料, 送达, 评价 (好差评) and 退件.

Each form only collects and checks what the agent entered; the section runs the
service on the station worker with the values it hands over (plain values, never
a Tk variable).
"""

from __future__ import annotations

import abc
import tkinter as tk
from collections.abc import Callable, Sequence
from pathlib import Path
from tkinter import filedialog
from typing import Any

import ttkbootstrap as ttk

from station.casework.delivery import POOR, RATINGS
from station.i18n import N_, _, translate
from station.ui.flow import Flow, wrapping
from station.ui.wizard.materials_step import FILE_TYPES

Submit = Callable[[dict[str, Any]], None]
# Stored as written here (the payload and the lifecycle keep the Chinese); N_() returns
# the value itself, translate() the label people read.
METHODS = (N_("当面送达"), N_("邮寄送达"), N_("电子送达"))
RATING_LABELS = (N_("非常满意"), N_("满意"), N_("基本满意"), N_("不满意"), N_("非常不满意"))
assert RATING_LABELS == RATINGS, "the rating levels are delivery.RATINGS"


class ActionForm(ttk.Frame, abc.ABC):
    """A titled form with 确定 / 取消 and a line for what is wrong with the input."""

    title = ""
    confirm = N_("确定")

    def __init__(self, parent: tk.Misc, on_submit: Submit, on_cancel: Callable[[], None]) -> None:
        super().__init__(parent, padding=(0, 6))
        self.on_submit = on_submit
        ttk.Label(self, text=translate(self.title), bootstyle="primary").pack(anchor="w")
        self.body = ttk.Frame(self)
        self.body.pack(fill=tk.X, pady=4)
        self.message = wrapping(ttk.Label(self, text="", bootstyle="danger"))
        self.message.pack(fill=tk.X)
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X, pady=(4, 0))
        self.submit_button = ttk.Button(bar, text=translate(self.confirm), bootstyle="primary",
                                        command=self.submit)
        self.submit_button.pack(side=tk.LEFT)
        ttk.Button(bar, text=_("取消"), bootstyle="secondary-outline",
                   command=on_cancel).pack(side=tk.LEFT, padx=6)
        self.bind("<Escape>", lambda _e: on_cancel())

    @abc.abstractmethod
    def values(self) -> dict[str, Any] | None:
        """What was entered, or None (with a message) when something is missing."""

    def refuse(self, text: str) -> None:
        self.message.configure(text=text)

    def submit(self) -> None:
        self.message.configure(text="")
        values = self.values()
        if values is not None:
            self.submit_button.configure(state="disabled")  # once: the section takes over
            self.on_submit(values)

    def failed(self, text: str) -> None:
        """The service refused: say why, let the agent correct and try again."""
        self.message.configure(text=text)
        self.submit_button.configure(state="normal")


class PicksScans(ActionForm):
    """A form that takes scans: ``files`` chosen so far, shown in ``chosen``."""

    files: list[Path]
    chosen: ttk.Label
    # The dialog that picks them (title, file types) -> paths: in Chinese, in the scan
    # folder; given by the panel that shows the form (it knows the station).
    picker: Callable[[tk.Misc, str, list[tuple[str, str]]], list[Path]] | None = None

    def choose_files(self) -> None:
        types = [(translate(n), p) for n, p in FILE_TYPES]
        if self.picker is not None:
            self.add_files(self.picker(self, _("选择扫描件"), types))
            return
        names = filedialog.askopenfilenames(parent=self, title=_("选择扫描件"), filetypes=types)
        self.add_files([Path(n) for n in names])

    def add_files(self, paths: Sequence[Path]) -> None:
        self.files.extend(paths)
        self.chosen.configure(text=_("已选择 {count} 个文件：{names}").format(
            count=len(self.files), names="、".join(p.name for p in self.files)))


class SupplementForm(PicksScans):
    """补齐材料: the scans the resident brought, for the material the notice listed."""

    title = N_("补齐材料")
    confirm = N_("提交补齐材料")

    def __init__(self, parent: tk.Misc, on_submit: Submit, on_cancel: Callable[[], None],
                 materials: Sequence[str], missing: Sequence[str]) -> None:
        super().__init__(parent, on_submit, on_cancel)
        self.files: list[Path] = []
        line = Flow(self.body)  # the button goes under the list when both do not fit
        line.pack(fill=tk.X)
        line.add(ttk.Label(line, text=_("材料")))
        self.material = ttk.Combobox(line, values=list(materials), state="readonly", width=28)
        line.add(self.material)
        if materials:
            self.material.set(missing[0] if missing else materials[0])
        line.add(ttk.Button(line, text=_("选择扫描件…"), bootstyle="primary-outline",
                            command=self.choose_files))
        self.chosen = wrapping(ttk.Label(self.body, text=_("尚未选择文件"), bootstyle="secondary"))
        self.chosen.pack(fill=tk.X, pady=(4, 0))

    def values(self) -> dict[str, Any] | None:
        if not self.material.get():
            self.refuse(_("请选择要补齐的材料。"))
            return None
        if not self.files:
            self.refuse(_("请先选择补齐材料的扫描件。"))
            return None
        return {"material": self.material.get(), "files": list(self.files)}


class DeliverForm(ActionForm):
    """送达: how the resident received the result (送达回执)."""

    title = N_("送达")
    confirm = N_("记录送达")

    def __init__(self, parent: tk.Misc, on_submit: Submit,
                 on_cancel: Callable[[], None]) -> None:
        super().__init__(parent, on_submit, on_cancel)
        self.method = tk.StringVar(self, value=METHODS[0])
        line = ttk.Frame(self.body)
        line.pack(fill=tk.X)
        ttk.Label(line, text=_("送达方式")).pack(side=tk.LEFT, padx=(0, 6))
        for value in METHODS:
            ttk.Radiobutton(line, text=translate(value), value=value,
                            variable=self.method).pack(side=tk.LEFT, padx=(0, 10))
        note = ttk.Frame(self.body)
        note.pack(fill=tk.X, pady=(4, 0))
        ttk.Label(note, text=_("备注")).pack(side=tk.LEFT, padx=(0, 6))
        self.note = ttk.Entry(note, width=44)
        self.note.pack(side=tk.LEFT, fill=tk.X, expand=True)
        self.note.bind("<Return>", lambda _e: self.submit())

    def values(self) -> dict[str, Any] | None:
        return {"method": self.method.get(), "note": self.note.get().strip()}


class RateForm(ActionForm):
    """评价: the resident's rating on the five levels; a poor one opens a follow-up."""

    title = N_("评价（好差评）")
    confirm = N_("记录评价")

    def __init__(self, parent: tk.Misc, on_submit: Submit,
                 on_cancel: Callable[[], None]) -> None:
        super().__init__(parent, on_submit, on_cancel)
        self.rating = tk.StringVar(self, value="")
        line = ttk.Frame(self.body)
        line.pack(fill=tk.X)
        self.levels: dict[str, ttk.Radiobutton] = {}
        for value in RATING_LABELS:
            button = ttk.Radiobutton(line, text=translate(value), value=value,
                                     variable=self.rating, command=self.rating_changed)
            button.pack(side=tk.LEFT, padx=(0, 10))
            self.levels[value] = button
        comment = ttk.Frame(self.body)
        comment.pack(fill=tk.X, pady=(4, 0))
        ttk.Label(comment, text=_("意见")).pack(side=tk.LEFT, padx=(0, 6))
        self.comment = ttk.Entry(comment, width=44)
        self.comment.pack(side=tk.LEFT, fill=tk.X, expand=True)
        self.comment.bind("<Return>", lambda _e: self.submit())
        self.warning = ttk.Label(self.body, text="", bootstyle="warning", wraplength=520)
        self.warning.pack(anchor="w", pady=(4, 0))

    def choose(self, rating: str) -> None:
        self.levels[rating].invoke()

    def rating_changed(self) -> None:
        self.message.configure(text="")
        poor = self.rating.get() in POOR
        self.warning.configure(text=_(
            "差评将转作出决定的科室：限期回访申请人并整改，办结前在其审核台跟踪。")
            if poor else "")

    def values(self) -> dict[str, Any] | None:
        if self.rating.get() not in RATINGS:
            self.refuse(_("请选择评价等级。"))
            return None
        return {"rating": self.rating.get(), "comment": self.comment.get().strip()}


class WithdrawForm(ActionForm):
    """退件: the resident withdraws the application; the reason is kept with the case."""

    title = N_("退件（申请人撤回）")
    confirm = N_("确定退件")

    def __init__(self, parent: tk.Misc, on_submit: Submit,
                 on_cancel: Callable[[], None]) -> None:
        super().__init__(parent, on_submit, on_cancel)
        line = ttk.Frame(self.body)
        line.pack(fill=tk.X)
        ttk.Label(line, text=_("退件原因")).pack(side=tk.LEFT, padx=(0, 6))
        self.reason = ttk.Entry(line, width=44)
        self.reason.pack(side=tk.LEFT, fill=tk.X, expand=True)
        self.reason.bind("<Return>", lambda _e: self.submit())

    def values(self) -> dict[str, Any] | None:
        reason = self.reason.get().strip()
        if not reason:
            self.refuse(_("请填写退件原因：撤回申请须写明原因。"))
            self.reason.focus_set()
            return None
        return {"reason": reason}
