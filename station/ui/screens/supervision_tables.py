"""The lists of 监察: red and yellow cases (coloured by light, red first), the per-office
and per-station lights and cards, and the late follow-ups of bad ratings.  Each is a
``List`` filled from a ``Board`` already read; none reads anything itself."""

from __future__ import annotations

import tkinter as tk

import ttkbootstrap as ttk

from station.i18n import translate
from station.supervision.board_labels import (
    CASE_COLUMNS,
    FOLLOWUP_COLUMNS,
    GROUP_COLUMNS,
    case_values,
    followup_values,
    points_text,
)
from station.supervision.board_shapes import RED, YELLOW, BoardCase, BoardGroup, LateFollowUp
from station.ui.table import List

RED_BACKGROUND, YELLOW_BACKGROUND = "#b02a37", "#ffe69c"
WIDE = ("matter", "office", "name", "station")


def _table(parent: tk.Misc, columns: tuple[tuple[str, str], ...],
           left: tuple[str, ...]) -> List:
    table = List(parent, columns=[key for key, _label in columns], show="headings",
                 selectmode="browse")
    for key, label in columns:
        table.heading(key, text=translate(label))
        table.column(key, width=60, stretch=key in WIDE, anchor="w" if key in left else "center")
    colour_rows(table, RED, YELLOW)
    return table


def colour_rows(table: List, red: str, yellow: str) -> None:
    """Rows tagged ``red`` white on red, rows tagged ``yellow`` on yellow."""
    table.tag_configure(red, foreground="#ffffff", background=RED_BACKGROUND)
    table.tag_configure(yellow, background=YELLOW_BACKGROUND)


class CaseList(ttk.Frame):
    """红黄牌办件: one row per case, its light in words and colour."""

    def __init__(self, parent: tk.Misc) -> None:
        super().__init__(parent, padding=6)
        self.table = _table(self, CASE_COLUMNS, ("light", "case_no", "matter", "station",
                                                 "office"))
        self.table.pack(fill=tk.BOTH, expand=True)
        self.shown: list[BoardCase] = []

    def show(self, cases: list[BoardCase]) -> None:
        self.shown = sorted(cases, key=lambda c: (c.light != RED, -c.overdue_days,
                                                  c.due, c.case_no))
        self.table.delete(*self.table.get_children())
        for case in self.shown:
            self.table.insert("", tk.END, iid=case.case_no, tags=(case.light,),
                              values=case_values(case))

    def chosen(self) -> BoardCase | None:
        selected = self.table.selection() or (self.table.focus(),)
        return next((c for c in self.shown if c.case_no == selected[0]), None)


class GroupTable(ttk.Frame):
    """科室 or 站点: today's lights and this month's cards and points, worst first."""

    def __init__(self, parent: tk.Misc, name_heading: str) -> None:
        super().__init__(parent, padding=6)
        columns = tuple((key, name_heading if key == "name" else label)
                        for key, label in GROUP_COLUMNS)
        self.table = _table(self, columns, ("name",))
        self.table.pack(fill=tk.BOTH, expand=True)
        self.shown: list[BoardGroup] = []

    def show(self, groups: list[BoardGroup]) -> None:
        self.shown = sorted(groups, key=lambda g: (-g.red, -g.yellow, -g.points, g.name))
        self.table.delete(*self.table.get_children())
        for group in self.shown:
            tags = (RED,) if group.red else (YELLOW,) if group.yellow else ()
            self.table.insert("", tk.END, iid=group.key, tags=tags, values=(
                group.name, group.red, group.yellow, group.red_cards, group.yellow_cards,
                points_text(group.points)))


class FollowUpList(ttk.Frame):
    """差评跟进: bad ratings whose call-back or fix is late."""

    def __init__(self, parent: tk.Misc) -> None:
        super().__init__(parent, padding=6)
        self.table = _table(self, FOLLOWUP_COLUMNS, ("case_no", "office", "late"))
        self.table.pack(fill=tk.BOTH, expand=True)
        self.shown: list[LateFollowUp] = []

    def show(self, followups: list[LateFollowUp]) -> None:
        self.shown = sorted(followups, key=lambda f: (f.callback_by, f.case_no))
        self.table.delete(*self.table.get_children())
        for index, followup in enumerate(self.shown):
            self.table.insert("", tk.END, iid=str(index), tags=(RED,),
                              values=followup_values(followup))
