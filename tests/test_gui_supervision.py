"""监察 in the window (real Tk under Xvfb, the demo county's real store, a real hub
database beside it holding the known cases of ``supervision_data``), on 2026-12-05:

- the board shows H (red) and Y (yellow) with their days, the offices' cards with the
  points of the card rule set in 管理, the stations, and Q's late call-back;
- the office, station and light filters narrow the list; a double-click shows the
  case's timed stages and steps; 导出Excel writes what is shown (read back);
- a failed reading says why in Chinese and keeps the last board;
- reading never holds the Tk loop: while the board is being read (held on purpose on
  the worker) the window answers, and the board comes back by itself on its timer;
- the screen is for township and county admins and auditors only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import supervision_data as data
import ttkbootstrap as ttk
from gui import keep, pump, screenshot, text_of
from supervision_data import BOARD_EXTRA, KNOWN, T1, T2, TODAY, V2, V3
from test_gui_admin import checks_done
from test_gui_sync import log_in

from station.casework.clock_policy import save_card_rule
from station.clock.cards import CardRule
from station.demo.demo_network import (
    ADMIN,
    COUNTY,
    DEMO_AGENT,
    REVIEWERS,
    TOWNSHIP,
    DemoNetwork,
)
from station.hubops import hub_runner
from station.supervision import service
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens import supervision
from station.ui.screens.supervision import SupervisionScreen
from station.ui.screens.supervision_steps import StepsDialog
from sync import lifecycle

# K: 两项补贴, whose procedure has per-step limits: the township's 15 days done, then at
# the county 残联 since 11-06 (5 days, due 11-13: red); the whole case due 11-30.
STAGED = data.case(data.V1, 31, [(data.FILED, "2026-10-26"), (data.ACCEPTED, "2026-10-26"),
                                 (lifecycle.FORWARDED, "2026-11-06")],
                   matter="450981-CL-001", office="民政办")
H, K, Y = KNOWN[7].case_no, STAGED.case_no, BOARD_EXTRA[0].case_no
Q = BOARD_EXTRA[2].case_no
WAIT = 60.0


def board_hub(net: DemoNetwork) -> Path:
    """The county's hub database (beside its store) with the known cases written in."""
    path = net.county.data / hub_runner.DB_NAME
    db = data.hub_database(None, path)
    data.write_cases(db, [*KNOWN, *BOARD_EXTRA, STAGED])
    db.close()
    return path


@pytest.fixture
def on_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The screen reads the board for 2026-12-05, the day the sample is worked out for."""
    monkeypatch.setattr(SupervisionScreen, "today", TODAY)


def open_board(app: StationApp) -> SupervisionScreen:
    main = app.view
    assert isinstance(main, MainWindow)
    pump(app.root, lambda: "supervision" in main.buttons, what="监察 in the sidebar")
    assert "监察" in text_of(main.buttons["supervision"])
    main.buttons["supervision"].invoke()
    screen = main.screen
    assert isinstance(screen, SupervisionScreen)
    return screen


def rows(table: Any) -> list[list[str]]:
    return [[str(v) for v in table.item(i)["values"]] for i in table.get_children()]


def pick(screen: SupervisionScreen, key: str, shown: str) -> None:
    """Choose ``shown`` in a filter list, as a person does."""
    box = screen.filter_boxes[key]
    assert shown in box.cget("values"), (shown, box.cget("values"))
    box.set(shown)
    box.event_generate("<<ComboboxSelected>>", when="now")


def listed(screen: SupervisionScreen) -> list[str]:
    return list(screen.cases.table.get_children())


def double_click(screen: SupervisionScreen, case_no: str) -> StepsDialog:
    table = screen.cases.table
    table.see(case_no)
    table.update()
    x, y, width, height = table.bbox(case_no)
    for _click in range(2):  # two clicks on the row, as a mouse sends them
        for kind in ("<ButtonPress-1>", "<ButtonRelease-1>"):
            table.event_generate(kind, x=x + width // 2, y=y + height // 2, when="now")
    dialog = screen.steps
    assert isinstance(dialog, StepsDialog) and dialog.case.case_no == case_no
    pump(screen.app.root, lambda: dialog.loaded, timeout=WAIT, what="the case's steps")
    return dialog


def test_the_board_filters_drills_down_and_exports(
        display: str, net: DemoNetwork, tmp_path: Path, on_the_day: None, no_open: None) -> None:
    hub = board_hub(net)
    with net.open(net.county, ADMIN) as county:
        save_card_rule(county, CardRule(red_points=3, yellow_points=1))
    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        screen = open_board(app)
        pump(app.root, lambda: screen.loads == 1, timeout=WAIT, what="the board")
        assert text_of(screen.message) == ""
        assert (text_of(screen.red), text_of(screen.yellow)) == ("红牌 2", "黄牌 1")
        assert text_of(screen.looked) == "在办件 5 件"  # H K N Y P
        assert text_of(screen.updated).startswith("更新于 ")
        # red first, the light in words and in colour
        assert listed(screen) == [H, K, Y]  # the most overdue first
        h, k, y = rows(screen.cases.table)
        assert h == ["红牌", H, "2026-11-02", "2026-11-16", "24/10", "14",
                     f"{data.NAMES[T1]} 民政办", data.NAMES[V2], "临时救助申请"]
        assert k[2:6] == ["2026-10-26", "2026-11-30", "29/25", "4"]  # Dec 1–4 past due
        assert y[:2] == ["黄牌", Y] and y[4:6] == ["9/10", "—"]
        assert screen.cases.table.item(H)["tags"] == ["red"]
        assert screen.cases.table.item(Y)["tags"] == ["yellow"]
        # offices and stations; the points follow the card rule set in 管理
        offices = {r[0]: r for r in rows(screen.offices.table)}
        shilong = offices[f"{data.NAMES[T2]} 民政办"]
        assert shilong[1:] == ["0", "1", "0", "1", "1"]  # one yellow card × 1 point
        assert {r[0] for r in rows(screen.stations.table)} >= {data.NAMES[V2], data.NAMES[V3]}
        assert [r[0] for r in rows(screen.followups.table)] == [Q]
        assert "回访逾期" in rows(screen.followups.table)[0][5]
        for tab in screen.tabs.tabs()[1:]:
            screen.tabs.select(tab)
            screenshot(app.root, f"supervision-{screen.tabs.index(tab)}")
        screen.tabs.select(screen.tabs.tabs()[0])
        keep(app.root, "supervision")

        pick(screen, "office", f"{data.NAMES[T1]} 民政办")
        assert listed(screen) == [H, K]
        pick(screen, "office", "全部科室")
        pick(screen, "light", "黄牌")
        assert listed(screen) == [Y]
        pick(screen, "light", "全部")
        pick(screen, "station", data.NAMES[V2])
        assert listed(screen) == [H]
        assert [r[0] for r in rows(screen.followups.table)] == []  # Q was filed at V1
        pick(screen, "station", "全部站点")
        assert listed(screen) == [H, K, Y]

        dialog = double_click(screen, H)  # a matter without per-step limits: said so
        assert [line[0] for line in rows(dialog.lines)] == ["2026-11-02", "2026-11-02"]
        assert rows(dialog.lines)[0][2] == data.NAMES[V2]
        assert dialog.no_stages.winfo_ismapped() and not dialog.stages.box.winfo_ismapped()
        dialog.destroy()
        dialog = double_click(screen, K)
        assert text_of(dialog.message) == ""
        township, disabled, decides = rows(dialog.stages)
        assert township[1:] == ["乡镇", "15", "2026-10-26", "2026-11-16", "已完成"]
        assert disabled[1:] == ["县级 残联", "5", "2026-11-06", "2026-11-13", "红牌"]
        assert decides[1:] == ["县级 民政局", "5", "—", "—", "未开始"]
        assert dialog.stages.item("1")["tags"] == ["red"]
        assert [line[0] for line in rows(dialog.lines)] == [
            "2026-10-26", "2026-10-26", "2026-11-06"]
        keep(app.root, "supervision-steps")
        dialog.destroy()

        pick(screen, "light", "红牌")
        screen.export_button.invoke()
        pump(app.root, lambda: screen.exported is not None, timeout=WAIT, what="the export")
        exported = screen.exported
        assert exported is not None and exported.parent == app.opened.documents
        assert "已导出" in text_of(screen.message)
        book = openpyxl.load_workbook(exported)
        cases = [list(r) for r in book["红黄牌办件"].iter_rows(values_only=True)]
        assert any(r[0] and "筛选" in str(r[0]) and "红牌" in str(r[0]) for r in cases)
        assert [r[1] for r in cases if r[0] in ("红牌", "黄牌")] == [H, K]  # what was shown
        assert [r[7:] for r in cases if r[1] == H] == [[24, 10, 14]]
        office_rows = list(book["科室"].iter_rows(values_only=True))
        assert (f"{data.NAMES[T2]} 民政办", 0, 1, 0, 1, 1) in office_rows

        away = hub.with_name("hub-away.db")
        hub.rename(away)  # the hub's database gone: said, and the last board kept
        screen.refresh_button.invoke()
        pump(app.root, lambda: screen.failures == 1, timeout=WAIT, what="the failed reading")
        said = text_of(screen.message)
        assert "找不到枢纽站数据库" in said and "仍显示" in said, said
        assert listed(screen) == [H, K] and text_of(screen.red) == "红牌 2"
        away.rename(hub)
        screen.refresh_button.invoke()
        pump(app.root, lambda: screen.loads == 2, timeout=WAIT, what="the board again")
        assert text_of(screen.message) == "" and listed(screen) == [H, K]  # the filter kept
    finally:
        app.close()


class HeldReading:
    """``service.board`` as it is, held on the worker until the test lets it go."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.go = threading.Event()
        self.started = threading.Event()
        self.threads: list[int] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.get_ident())
        self.started.set()
        assert self.go.wait(WAIT), "the test never let the reading go"
        return self.real(*args, **kwargs)


def test_reading_the_board_never_holds_the_window(
        display: str, net: DemoNetwork, tmp_path: Path, on_the_day: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    board_hub(net)
    held = HeldReading(service.board)
    monkeypatch.setattr(service, "board", held)
    app = log_in(net, tmp_path, net.county.data, COUNTY[1], ADMIN)
    try:
        screen = open_board(app)
        pump(app.root, held.started.is_set, timeout=WAIT, what="the reading started")
        answered: list[str] = []
        app.root.after(1, lambda: answered.append("timer"))
        screen.tabs.select(screen.tabs.tabs()[1])
        pick(screen, "light", "红牌")  # the window answers while the board is read
        pump(app.root, lambda: answered == ["timer"], what="the Tk loop answering")
        assert screen.tabs.index("current") == 1 and screen.loading
        assert str(screen.refresh_button.cget("state")) == "disabled"
        screen.refresh()  # once at a time
        assert screen.loads == 0 and len(held.threads) == 1
        held.go.set()
        pump(app.root, lambda: screen.loads == 1, timeout=WAIT, what="the board")
        assert listed(screen) == [H, K]  # the filter chosen meanwhile applies
        assert held.threads[0] != threading.get_ident()  # read on the worker, not on Tk

        # while shown, the board is read again by itself
        monkeypatch.setattr(supervision, "REFRESH_MS", 1)
        screen.refresh()
        pump(app.root, lambda: screen.loads >= 3, timeout=WAIT, what="the timed re-reading")
        assert len(set(held.threads)) == 1 and held.threads[0] != threading.get_ident()
    finally:
        app.close()


@pytest.mark.parametrize("tier, user, sees", [
    ("county", "archivist", True),  # the county's auditor
    ("township", ADMIN, True),
    ("township", REVIEWERS[0][0], False),
    ("village", DEMO_AGENT, False),
])
def test_only_admins_and_auditors_of_townships_and_counties_see_it(
        display: str, net: DemoNetwork, tmp_path: Path, tier: str, user: str,
        sees: bool) -> None:
    node = {"county": net.county, "township": net.township, "village": net.village}[tier]
    code = {"county": COUNTY[1], "township": TOWNSHIP[1], "village": node.code}[tier]
    app = log_in(net, tmp_path, node.data, code, user)
    try:
        main = app.view
        assert isinstance(main, MainWindow)
        pump(app.root, lambda: checks_done(app), what="the role checks")
        assert ("supervision" in main.buttons) is sees
        assert any("监察" in text_of(b) for b in main.buttons.values()) is sees
        assert all(isinstance(b, ttk.Button) for b in main.buttons.values())
    finally:
        app.close()
