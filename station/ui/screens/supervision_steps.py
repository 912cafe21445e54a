"""监察 → a case's steps (double-click a red or yellow case): each timed stage of its
procedure with its limit, start, due day and state, and the steps the hub holds (when,
what, where), from event headers alone (``service.case_steps`` on the worker).
Nothing personal: no applicant, no form, no material."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from datetime import date

import ttkbootstrap as ttk

from station.clock import steps
from station.clock.steps import StepClock
from station.i18n import N_, _, translate
from station.supervision.board_labels import STEP_COLUMNS, TIERS, light_name, state_name
from station.supervision.board_shapes import RED, BoardCase, CaseDetail
from station.ui.problems import describe
from station.ui.screens.supervision_tables import colour_rows
from station.ui.style import chars_wide
from station.ui.table import List

LoadDetail = Callable[[], CaseDetail]
LINE_COLUMNS = (("day", N_("日期")), ("what", N_("办理环节")), ("where", N_("办理单位")))


def place_name(clock: StepClock) -> str:
    tier = translate(TIERS[clock.tier]) if clock.tier in TIERS else clock.tier
    return f"{tier} {clock.office}" if clock.office else tier


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def stage_values(clock: StepClock) -> tuple[str, ...]:
    return ("、".join(clock.names), place_name(clock), str(clock.days), _day(clock.started_on),
            _day(clock.due), state_name(clock.state))


def _list(parent: tk.Misc, columns: tuple[tuple[str, str], ...], wide: tuple[str, ...],
          height: int) -> List:
    table = List(parent, columns=[key for key, _l in columns], show="headings", height=height)
    for key, label in columns:
        table.heading(key, text=translate(label))
        table.column(key, width=60, stretch=key in wide, anchor="w")
    return table


class StepsDialog(ttk.Toplevel):
    def __init__(self, parent: tk.Misc, case: BoardCase, submit: Callable[..., object],
                 load: LoadDetail) -> None:
        super().__init__(title=_("办件环节时限"), transient=parent.winfo_toplevel())
        self.case = case
        self.detail: CaseDetail | None = None
        self.loaded = False  # tests wait on it
        frame = ttk.Frame(self, padding=14)
        frame.pack(fill=tk.BOTH, expand=True)
        ttk.Label(frame, text=f"{light_name(case.light)}  {case.case_no}",
                  bootstyle="danger" if case.light == RED else "warning",
                  font="TkHeadingFont").pack(anchor="w")
        ttk.Label(frame, text=_("{matter}，{office}；收件 {received}，应办结 {due}，"
                                "已用 {used}/{allowed} 个工作日").format(
            matter=case.matter_name or case.matter, office=case.office_name or "—",
            received=case.received_on.isoformat(), due=case.due.isoformat(), used=case.used,
            allowed=case.allowed), justify=tk.LEFT, wraplength=chars_wide(self, 52)).pack(
            anchor="w", pady=(4, 8))
        ttk.Label(frame, text=_("分环节时限（工作日）")).pack(anchor="w")
        self.stages = _list(frame, STEP_COLUMNS, ("names", "place"), 4)
        colour_rows(self.stages, steps.RED, steps.YELLOW)
        self.stages.pack(fill=tk.BOTH, expand=True, pady=(2, 8))
        self.no_stages = ttk.Label(frame, text=_("这个事项的办理流程没有分环节时限。"),
                                   bootstyle="secondary")
        self.lines_label = ttk.Label(frame, text=_("办理经过"))
        self.lines_label.pack(anchor="w")
        self.lines = _list(frame, LINE_COLUMNS, ("what", "where"), 4)
        self.lines.pack(fill=tk.BOTH, expand=True, pady=(2, 0))
        self.message = ttk.Label(frame, text=_("正在读取……"), justify=tk.LEFT,
                                 wraplength=chars_wide(self, 52))
        self.message.pack(anchor="w", pady=(8, 0))
        ttk.Button(frame, text=_("关闭"), bootstyle="secondary",
                   command=self.destroy).pack(anchor="e", pady=(10, 0))
        self.bind("<Escape>", lambda _e: self.destroy())
        self.place_window_center()
        submit(load, on_done=self.show, on_error=self.failed)

    def show(self, detail: CaseDetail) -> None:
        if not self.winfo_exists():
            return
        self.detail = detail
        for index, clock in enumerate(detail.stages):
            tags = (clock.state,) if clock.state in (steps.RED, steps.YELLOW) else ()
            self.stages.insert("", tk.END, iid=str(index), tags=tags, values=stage_values(clock))
        for index, line in enumerate(detail.steps):
            self.lines.insert("", tk.END, iid=str(index),
                              values=(line.day.isoformat(), line.label, line.where))
        if not detail.stages:  # said where the stages would be
            self.stages.pack_forget()
            self.no_stages.pack(anchor="w", pady=(2, 8), before=self.lines_label)
        self.message.configure(text="")
        self.loaded = True

    def failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self.message.configure(text=describe(error), bootstyle="danger")
            self.loaded = True
