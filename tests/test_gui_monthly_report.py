"""月通报 in the window (Xvfb): a county admin picks a month and an area, generates the
report over the hub database beside the county node, switches tables, and exports the
PDF and the Excel workbook, which are read back.

The hub holds the November 2026 sample of tests/supervision_data.py, whose figures are
worked out by hand in tests/test_supervision_monthly.py.  The window's clock is set to
the sample's day, so the month list holds November 2026 whatever the date of the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import supervision_data as data
import ttkbootstrap as ttk
from cli import station as run_station
from conftest import PASSPHRASE
from gui import find_widget, keep, pump, screenshot, sign_in, text_of
from openpyxl import load_workbook
from test_report_monthly_output import no_personal_data, poppler, squeezed

from station.supervision import service
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.monthly_report import MonthlyReportScreen, recent_months

WAIT = 120.0


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A county station whose hub database holds the sample; today is the sample's day."""
    monkeypatch.setattr(service, "today_in_china", lambda: data.TODAY)
    folder = tmp_path / "county"
    made = run_station("init", "--tier", "county", "--code", data.COUNTY, "--name",
                       data.NAMES[data.COUNTY],
                       env={"STATION_DATA": str(folder), "STATION_PASSPHRASE": PASSPHRASE})
    assert made.code == 0, made.err
    db = data.hub_database(None, folder / "hub.db")
    data.write_cases(db, data.KNOWN)
    db.close()
    return folder


def open_screen(tmp_path: Path, folder: Path) -> tuple[StationApp, MonthlyReportScreen]:
    app = StationApp(folder, tmp_path / "documents", config_dir=tmp_path / "cfg", user="admin")
    main = sign_in(app, PASSPHRASE)
    assert isinstance(main, MainWindow)
    pump(app.root, lambda: "monthly" in main.buttons, what="月通报 in the sidebar")
    assert "月通报" in text_of(main.buttons["monthly"])
    main.buttons["monthly"].invoke()
    screen = main.screen
    assert isinstance(screen, MonthlyReportScreen)
    return app, screen


def generate(app: StationApp, screen: MonthlyReportScreen, month: str, area: str) -> None:
    before = screen.report
    screen.month.set(month)
    screen.area.set(area)
    screen.generate_button.invoke()
    assert str(screen.generate_button.cget("state")) == "disabled"  # working on the worker
    pump(app.root, lambda: screen.report is not before, timeout=WAIT, what="the report")


def rows(screen: MonthlyReportScreen) -> dict[str, tuple[str, ...]]:
    return {iid: tuple(str(v) for v in screen.tree.item(iid, "values"))
            for iid in screen.tree.get_children()}


def test_the_months_offered_are_the_last_24() -> None:
    from datetime import date

    months = recent_months(date(2026, 2, 10))
    assert months[:3] == ["2026-02", "2026-01", "2025-12"] and len(months) == 24
    assert months[-1] == "2024-03"


def test_generate_switch_and_export_the_monthly_report(
        display: str, tmp_path: Path, county: Path, no_open: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    saved: dict[str, Path] = {"pdf": tmp_path / "out" / "月通报.pdf",
                              "xlsx": tmp_path / "out" / "月通报.xlsx"}
    asked: list[str] = []

    def ask_save(_parent: object, _app: object, title: str, suggested: str, *_a: object,
                 **_k: object) -> Path:
        asked.append(suggested)
        return saved["pdf" if suggested.endswith(".pdf") else "xlsx"]

    monkeypatch.setattr("station.ui.file_dialogs.ask_save", ask_save)
    app, screen = open_screen(tmp_path, county)
    try:
        assert screen.month.get() == "2026年11月"  # last month, by default
        assert len(screen.month.cget("values")) == 24
        assert screen.area.get() == "全县"
        assert str(screen.pdf_button.cget("state")) == "disabled"  # nothing to export yet
        generate(app, screen, "2026年11月", "全县")
        assert text_of(screen.title) == "桂平市政务服务 2026年11月 月通报"
        summary = text_of(screen.summary)
        assert "受理量 8" in summary and "办结量 6" in summary and "按时办结率 83.3%" in summary
        assert "满意率 50.0%" in summary
        townships = rows(screen)
        assert set(townships) == {data.T1, data.T2}
        # 石龙镇: E and L received, E decided on time (4 days), L refused
        shilong = townships[data.T2]
        assert shilong[:6] == (data.NAMES[data.T2], "2", "1", "0", "100.0%", "1")
        find_widget(screen, ttk.Radiobutton, "站点").invoke()
        assert set(rows(screen)) == {data.V1, data.V2, data.V3}
        find_widget(screen, ttk.Radiobutton, "科室").invoke()
        assert f"{data.T1}:民政办" in rows(screen)
        find_widget(screen, ttk.Radiobutton, "事项").invoke()
        assert data.INSTANT_MATTER in rows(screen)
        find_widget(screen, ttk.Radiobutton, "乡镇").invoke()
        keep(app.root, "monthly-report")
        # the areas offered now: the county, its two townships and three stations
        offered = list(screen.area.cget("values"))
        assert offered[0] == "全县" and len(offered) == 6
        township = f"乡镇：{data.NAMES[data.T2]}"
        assert township in offered
        generate(app, screen, "2026年11月", township)
        assert screen.report is not None and screen.report.scope.code == data.T2
        assert "受理量 2" in text_of(screen.summary)
        assert set(rows(screen)) == {data.T2}
        assert len(screen.area.cget("values")) == 6  # a narrower report takes none away
        generate(app, screen, "2026年10月", "全县")  # B and M received in October
        assert "受理量 2" in text_of(screen.summary) and "2026年10月" in text_of(screen.title)
        generate(app, screen, "2026年11月", "全县")
        screen.pdf_button.invoke()
        pump(app.root, lambda: "月通报已保存" in text_of(screen.message), timeout=WAIT,
             what="the PDF saved")
        screen.xlsx_button.invoke()
        pump(app.root, lambda: "Excel 表已保存" in text_of(screen.message), timeout=WAIT,
             what="the workbook saved")
        screenshot(app.root, "monthly-report-exported")
        assert asked == [f"月通报-{data.COUNTY}-2026-11.pdf", f"月通报-{data.COUNTY}-2026-11.xlsx"]
    finally:
        app.close()
    text = poppler("pdftotext", "-layout", saved["pdf"], "-")
    flat = squeezed(text)
    assert "按时办结率83.3%" in flat and "桂平市政务服务2026年11月月通报" in flat
    assert f"{data.NAMES[data.COUNTY]}（站点编码{data.COUNTY}）" in flat  # printed by this node
    no_personal_data(text)
    assert len(poppler("pdfimages", "-list", saved["pdf"]).splitlines()[2:]) == 3
    book = load_workbook(saved["xlsx"])
    assert book.sheetnames == ["汇总", "乡镇", "站点", "科室", "事项", "月度趋势"]
    assert {row[0].value for row in book["乡镇"].iter_rows(min_row=4)} == {data.T1, data.T2}


def test_a_failure_is_shown_and_the_screen_stays_usable(
        display: str, tmp_path: Path, county: Path, no_open: None) -> None:
    (county / "hub.db").unlink()  # no hub beside the node: the service says so in words
    app, screen = open_screen(tmp_path, county)
    try:
        screen.generate_button.invoke()
        pump(app.root, lambda: bool(text_of(app.banner)), timeout=WAIT, what="the error shown")
        assert str(screen.generate_button.cget("state")) == "normal"
        assert screen.report is None and str(screen.pdf_button.cget("state")) == "disabled"
        screenshot(app.root, "monthly-report-error")
    finally:
        app.close()


def test_a_village_agent_has_no_monthly_report(display: str, tmp_path: Path) -> None:
    folder = tmp_path / "village"
    made = run_station("init", "--tier", "village", "--code", data.V1, "--name",
                       data.NAMES[data.V1],
                       env={"STATION_DATA": str(folder), "STATION_PASSPHRASE": PASSPHRASE})
    assert made.code == 0, made.err
    app = StationApp(folder, tmp_path / "documents", config_dir=tmp_path / "cfg", user="admin")
    try:
        main = sign_in(app, PASSPHRASE)
        assert isinstance(main, MainWindow)
        pump(app.root, lambda: not app.dispatcher.busy, what="the sidebar's questions answered")
        assert "monthly" not in main.buttons and "settings" in main.buttons
    finally:
        app.close()
