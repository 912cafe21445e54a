"""监察 (township and county admins and auditors): today's red and yellow cases, each
office's and station's lights and cards, and the late follow-ups of bad ratings, from
the hub's event headers alone (``station.supervision.service.board``).

Reads the hub database beside this node (or at the address typed).  Loading runs on
the store worker, at opening, on 刷新 and again every few minutes while the screen is
shown; the window never waits for it.  A failure says why in Chinese and leaves the
last board read on screen.  The filters (office, station, light) narrow what is shown
and exported; double-clicking a case shows its steps (``supervision_steps``).
"""

from __future__ import annotations

import tkinter as tk
from datetime import date, datetime
from pathlib import Path

import ttkbootstrap as ttk

from station.casework.clock_policy import card_rule_from_settings
from station.i18n import _
from station.supervision import service
from station.supervision.board_filter import BoardFilter
from station.supervision.board_labels import light_name
from station.supervision.board_shapes import RED, YELLOW, Board, BoardCase
from station.supervision.board_xlsx import export_name, write_board_xlsx
from station.ui.context import AppContext
from station.ui.opener import open_file
from station.ui.problems import describe
from station.ui.screens.supervision_steps import StepsDialog
from station.ui.screens.supervision_tables import CaseList, FollowUpList, GroupTable

REFRESH_MS = 5 * 60 * 1000  # while shown, the board is read again every five minutes


class SupervisionScreen(ttk.Frame):
    today: date | None = None  # the day the board is read for; None: today in China

    def __init__(self, parent: tk.Misc, app: AppContext) -> None:
        super().__init__(parent)
        self.app = app
        self.board: Board | None = None
        self.loading = False
        self.loads = 0  # boards read and shown (tests wait on it)
        self.failures = 0
        self.steps: StepsDialog | None = None
        self._timer: str | None = None
        self._choices: dict[str, dict[str, str]] = {"office": {}, "station": {}}
        self._top()
        self._filters()
        self.message = ttk.Label(self, text="", justify=tk.LEFT)
        self.message.pack(anchor="w", pady=(2, 4))
        self.bind("<Configure>", self._wrap, add="+")
        self.tabs = ttk.Notebook(self)
        self.tabs.pack(fill=tk.BOTH, expand=True)
        self.cases = CaseList(self.tabs)
        self.offices = GroupTable(self.tabs, _("科室"))
        self.stations = GroupTable(self.tabs, _("站点"))
        self.followups = FollowUpList(self.tabs)
        for pane, title in ((self.cases, _("红黄牌办件")), (self.offices, _("科室")),
                            (self.stations, _("站点")), (self.followups, _("差评跟进"))):
            self.tabs.add(pane, text=title)
        self.cases.table.bind("<Double-1>", lambda _e: self.show_steps())
        self.cases.table.bind("<Return>", lambda _e: self.show_steps())
        self.refresh()

    # -- layout -------------------------------------------------------------------
    def _top(self) -> None:
        top = ttk.Frame(self)
        top.pack(fill=tk.X)
        self.red = ttk.Label(top, text="", bootstyle="danger", font="TkHeadingFont")
        self.red.pack(side=tk.LEFT)
        self.yellow = ttk.Label(top, text="", bootstyle="warning", font="TkHeadingFont")
        self.yellow.pack(side=tk.LEFT, padx=(14, 0))
        self.looked = ttk.Label(top, text="")
        self.looked.pack(side=tk.LEFT, padx=(14, 0))
        self.export_button = ttk.Button(top, text=_("导出Excel"), bootstyle="primary",
                                        command=self.export, state="disabled")
        self.export_button.pack(side=tk.RIGHT)
        self.refresh_button = ttk.Button(top, text=_("刷新"), bootstyle="secondary-outline",
                                         command=self.refresh)
        self.refresh_button.pack(side=tk.RIGHT, padx=8)
        self.updated = ttk.Label(top, text="", bootstyle="secondary")
        self.updated.pack(side=tk.RIGHT, padx=8)
        source = ttk.Frame(self)
        source.pack(fill=tk.X, pady=(6, 0))
        ttk.Label(source, text=_("枢纽站数据库")).pack(side=tk.LEFT, padx=(0, 6))
        self.url = ttk.Entry(source, width=36)
        self.url.pack(side=tk.LEFT)
        self.url.bind("<Return>", lambda _e: self.refresh())
        ttk.Label(source, text=_("（不填时读取本机枢纽站的数据库）"),
                  bootstyle="secondary").pack(side=tk.LEFT, padx=6)

    def _filters(self) -> None:
        bar = ttk.Frame(self)
        bar.pack(fill=tk.X, pady=(6, 0))
        self.filter_boxes: dict[str, ttk.Combobox] = {}
        for key, label, width in (("office", _("科室"), 22), ("station", _("站点"), 22),
                                  ("light", _("亮牌"), 6)):
            ttk.Label(bar, text=label).pack(side=tk.LEFT, padx=(0, 4))
            box = ttk.Combobox(bar, state="readonly", width=width)
            box.pack(side=tk.LEFT, padx=(0, 12))
            box.bind("<<ComboboxSelected>>", lambda _e: self.apply_filters())
            self.filter_boxes[key] = box
        self._choices["light"] = {_("全部"): "", light_name(RED): RED,
                                  light_name(YELLOW): YELLOW}
        self._fill("light", self._choices["light"])
        self._fill("office", {_("全部科室"): ""})
        self._fill("station", {_("全部站点"): ""})

    def _wrap(self, event: tk.Event) -> None:
        if event.widget is self:
            self.message.configure(wraplength=max(300, event.width - 20))

    def _fill(self, key: str, choices: dict[str, str]) -> None:
        """Offer ``choices`` (shown text → value); keep the one chosen if still offered."""
        box = self.filter_boxes[key]
        kept = box.get()
        self._choices[key] = choices
        box.configure(values=list(choices))
        box.set(kept if kept in choices else next(iter(choices)))

    # -- reading the board ---------------------------------------------------------
    def refresh(self) -> None:
        """Read the board again on the worker (once at a time); then again in a while."""
        self._cancel_timer()
        if self.loading or not self.winfo_exists():
            return
        self.loading = True
        self.refresh_button.configure(state="disabled")
        station, url, today = self.app.opened, self.url.get().strip() or None, self.today

        def work() -> Board:
            return service.board(station, url, today, rule=card_rule_from_settings(station))

        self.app.dispatcher.submit(work, on_done=self._loaded, on_error=self._failed)

    def _loaded(self, board: Board) -> None:
        if not self.winfo_exists():
            return
        self._done()
        self.board = board
        self.loads += 1
        self.message.configure(text="")
        self._show_board(board)

    def _failed(self, error: BaseException) -> None:
        if not self.winfo_exists():
            return
        self._done()
        self.failures += 1
        text = describe(error)
        if self.board is not None:
            text = _("{problem}（仍显示 {time} 读取的结果）").format(
                problem=text, time=_clock(self.board.made_at))
        self.message.configure(text=text, bootstyle="danger")

    def _done(self) -> None:
        self.loading = False
        self.refresh_button.configure(state="normal")
        self._timer = self.after(REFRESH_MS, self.refresh)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self.after_cancel(self._timer)
            self._timer = None

    def _show_board(self, board: Board) -> None:
        # Counted over every station (the list holds only the most urgent cases).
        self.red.configure(text=_("红牌 {count}").format(
            count=sum(g.red for g in board.stations)))
        self.yellow.configure(text=_("黄牌 {count}").format(
            count=sum(g.yellow for g in board.stations)))
        looked = _("在办件 {count} 件").format(count=board.open_cases)
        if board.lit_cases > len(board.cases):
            looked += _("；列出最紧急的 {shown} 件").format(shown=len(board.cases))
        self.looked.configure(text=looked)
        self.updated.configure(text=_("更新于 {time}").format(time=_clock(board.made_at)))
        offices = {g.name: g.key for g in board.offices}
        offices.update({c.office_name: c.office for c in board.cases
                        if c.office and c.office_name not in offices})
        stations = {g.name: g.key for g in board.stations}
        stations.update({c.station_name or c.station: c.station for c in board.cases
                         if (c.station_name or c.station) not in stations})
        self._fill("office", {_("全部科室"): "", **dict(sorted(offices.items()))})
        self._fill("station", {_("全部站点"): "", **dict(sorted(stations.items()))})
        self.offices.show(board.offices)
        self.stations.show(board.stations)
        self.export_button.configure(state="normal")
        self.apply_filters()

    # -- filters, steps, export ---------------------------------------------------
    def chosen_filter(self) -> BoardFilter:
        def value(key: str) -> str:
            return self._choices[key].get(self.filter_boxes[key].get(), "")

        return BoardFilter(value("office"), value("station"), value("light"))

    def choose(self, key: str, value: str) -> None:
        """Pick the filter whose value is ``value`` (as a person picks it in the list)."""
        shown = next(text for text, v in self._choices[key].items() if v == value)
        self.filter_boxes[key].set(shown)
        self.apply_filters()

    def apply_filters(self) -> None:
        if self.board is None:
            return
        chosen = self.chosen_filter()
        self.cases.show(chosen.cases(self.board.cases))
        self.followups.show(chosen.followups(self.board.followups))

    def show_steps(self, case_no: str | None = None) -> StepsDialog | None:
        """The steps of the case chosen (or of ``case_no``) in a window of their own."""
        case = next((c for c in self.cases.shown if c.case_no == case_no), None) \
            if case_no else self.cases.chosen()
        if case is None:
            return None
        if self.steps is not None and self.steps.winfo_exists():
            self.steps.destroy()
        station, url, today = self.app.opened, self.url.get().strip() or None, self.today
        self.steps = StepsDialog(self, case, self.app.dispatcher.submit,
                                 lambda: service.case_steps(station, case.case_no, url, today))
        return self.steps

    def narrowed_text(self) -> str:
        if not self.chosen_filter().narrowed:
            return ""
        return _("筛选：{office}；{station}；{light}").format(
            office=self.filter_boxes["office"].get(), station=self.filter_boxes["station"].get(),
            light=self.filter_boxes["light"].get())

    def export(self) -> None:
        board = self.board
        if board is None:
            return
        cases: list[BoardCase] = list(self.cases.shown)
        offices, narrowed = list(board.offices), self.narrowed_text()
        path = self.app.opened.documents / export_name(datetime.now())
        self.export_button.configure(state="disabled")

        def work() -> Path:
            return write_board_xlsx(path, board.made_at, board.today, cases, offices, narrowed)

        def written(done: Path) -> None:
            if self.winfo_exists():
                self.export_button.configure(state="normal")
                self.exported = done
                self.message.configure(text=_("已导出：{path}").format(path=done),
                                       bootstyle="success")
            open_file(done)

        def failed(error: BaseException) -> None:
            if self.winfo_exists():
                self.export_button.configure(state="normal")
                self.message.configure(text=describe(error), bootstyle="danger")

        self.app.dispatcher.submit(work, on_done=written, on_error=failed)

    exported: Path | None = None

    def destroy(self) -> None:
        self._cancel_timer()
        if self.steps is not None and self.steps.winfo_exists():
            self.steps.destroy()
        super().destroy()


def _clock(moment: datetime) -> str:
    """HH:MM on this computer's clock."""
    return f"{moment.astimezone() if moment.tzinfo else moment:%H:%M}"
