"""监察 → a case's steps (double-click a red or yellow case): each timed stage of its
procedure with its limit, start, due day and state, from the hub's event headers alone
(``service.case_steps`` on the worker).  Nothing personal: no applicant, no form."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Sequence
from datetime import date

import ttkbootstrap as ttk

from station.clock import steps
from station.clock.steps import StepClock
from station.i18n import _, translate
from station.supervision.board_labels import (
    STEP_COLUMNS,
    TIERS,
    light_name,
    state_name,
)
from station.supervision.board_shapes import RED, BoardCase
from station.ui.problems import describe
from station.ui.screens.supervision_tables import colour_rows
from station.ui.table import List

LoadSteps = Callable[[], Sequence[StepClock]]


def place_name(clock: StepClock) -> str:
    tier = translate(TIERS[clock.tier]) if clock.tier in TIERS else clock.tier
    return f"{tier} {clock.office}" if clock.office else tier


def step_values(clock: StepClock) -> tuple[str, ...]:
    def day(value: date | None) -> str:
        return value.isoformat() if value else "—"

    return ("、".join(clock.names), place_name(clock), str(clock.days), day(clock.started_on),
            day(clock.due), state_name(clock.state))


class StepsDialog(ttk.Toplevel):
    def __init__(self, parent: tk.Misc, case: BoardCase, submit: Callable[..., object],
                 load: LoadSteps) -> None:
        super().__init__(title=_("办件环节时限"), transient=parent.winfo_toplevel())
        self.case = case
        self.loaded = False  # tests wait on it
        frame = ttk.Frame(self, padding=14)
        frame.pack(fill=tk.BOTH, expand=True)
        ttk.Label(frame, text=f"{light_name(case.light)}  {case.case_no}",
            bootstyle="danger" if case.light == RED else "warning",
            font="-size 13 -weight bold").pack(anchor="w")
        ttk.Label(frame, text=_("{matter}，{office}；收件 {received}，应办结 {due}，"
                                "已用 {used}/{allowed} 个工作日").format(
            matter=case.matter_name or case.matter, office=case.office_name or "—",
            received=case.received_on.isoformat(), due=case.due.isoformat(), used=case.used,
            allowed=case.allowed), justify=tk.LEFT, wraplength=900).pack(anchor="w", pady=(4, 8))
        self.table = List(frame, columns=[key for key, _l in STEP_COLUMNS], show="headings",
                          height=8)
        for key, label in STEP_COLUMNS:
            self.table.heading(key, text=translate(label))
            self.table.column(key, width=60, stretch=key in ("names", "place"),
                              anchor="w" if key in ("names", "place", "state") else "center")
        colour_rows(self.table, steps.RED, steps.YELLOW)
        self.table.pack(fill=tk.BOTH, expand=True)
        self.message = ttk.Label(frame, text=_("正在读取……"), justify=tk.LEFT, wraplength=900)
        self.message.pack(anchor="w", pady=(8, 0))
        ttk.Button(frame, text=_("关闭"), bootstyle="secondary",
                   command=self.destroy).pack(anchor="e", pady=(10, 0))
        self.bind("<Escape>", lambda _e: self.destroy())
        self.place_window_center()
        submit(load, on_done=self.show, on_error=self.failed)

    def show(self, clocks: Sequence[StepClock]) -> None:
        if not self.winfo_exists():
            return
        self.table.delete(*self.table.get_children())
        for index, clock in enumerate(clocks):
            tags = (clock.state,) if clock.state in (steps.RED, steps.YELLOW) else ()
            self.table.insert("", tk.END, iid=str(index), tags=tags, values=step_values(clock))
        self.message.configure(text="" if clocks else _("这个事项的办理流程没有分环节时限。"))
        self.loaded = True

    def failed(self, error: BaseException) -> None:
        if self.winfo_exists():
            self.message.configure(text=describe(error), bootstyle="danger")
            self.loaded = True

