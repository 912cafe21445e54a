"""The desktop app's shell under a real X display: setup, login, case list, settings."""

from __future__ import annotations

from pathlib import Path

import ttkbootstrap as ttk
from conftest import PASSPHRASE, VILLAGE
from filing_samples import APPLICANT, ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED, scans
from gui import find_widget, pump, screenshot

from station.app import Station
from station.filing.new_case import file_case
from station.ui.app import StationApp
from station.ui.login import LoginView
from station.ui.main_window import MainWindow
from station.ui.screens.cases import CasesScreen
from station.ui.wizard.screen import NewCaseScreen


def make_app(tmp_path: Path, data: Path, documents: Path) -> StationApp:
    return StationApp(data, documents, config_dir=tmp_path / "config")


def test_first_run_sets_up_the_station_in_the_window(display: str, tmp_path: Path,
                                                     data_dir: Path, documents: Path,
                                                     no_open: None) -> None:
    app = make_app(tmp_path, data_dir, documents)
    try:
        setup = app.view
        entries = setup.entries  # type: ignore[union-attr]
        entries["code"].insert(0, "450981104000")  # a township code for a village: refused
        entries["name"].insert(0, "示范村便民服务站")
        entries["display_name"].insert(0, "李代办")
        entries["passphrase"].insert(0, PASSPHRASE)
        entries["again"].insert(0, PASSPHRASE)
        screenshot(app.root, "01-setup")
        setup.submit()  # type: ignore[union-attr]
        assert "不符" in setup.error.cget("text")  # type: ignore[union-attr]
        entries["code"].delete(0, "end")
        entries["code"].insert(0, "450981104201")
        setup.submit()  # type: ignore[union-attr]
        pump(app.root, lambda: (data_dir / "station.db").exists() and
             _has_button(app.root, "开始使用"), what="the station to be created")
        screenshot(app.root, "02-setup-done")
        find_widget(app.root, ttk.Button, "开始使用").invoke()
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="the main window")
        assert any(documents.glob("*恢复密钥单.pdf"))
    finally:
        app.close()


def _has_button(root: object, text: str) -> bool:
    try:
        find_widget(root, ttk.Button, text)  # type: ignore[arg-type]
        return True
    except AssertionError:
        return False


def test_login_list_search_and_detail(display: str, tmp_path: Path, data_dir: Path,
                                      documents: Path, no_open: None) -> None:
    station, _sheet = Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)
    case_no = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM,
                        scans(tmp_path, ELDER_REQUIRED), print_documents=False).case_no
    station.close()

    app = make_app(tmp_path, data_dir, documents)
    try:
        login = app.view
        assert isinstance(login, LoginView)
        login.passphrase.insert(0, "wrong passphrase")
        login.submit()
        pump(app.root, lambda: "口令不正确" in login.error.cget("text"), what="the login error")
        screenshot(app.root, "03-login-wrong")
        login.passphrase.insert(0, PASSPHRASE)
        login.submit()
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
        main = app.view
        assert isinstance(main, MainWindow)
        assert isinstance(main.screen, NewCaseScreen)  # filing is the first thing offered
        cases = main.open("cases")
        assert isinstance(cases, CasesScreen)
        pump(app.root, lambda: cases.tree.get_children() == (case_no,), what="the case list")
        assert "黄*英" in cases.tree.item(case_no)["values"]
        screenshot(app.root, "04-case-list")

        cases.query.insert(0, APPLICANT["id_number"].lower())
        cases.search()
        pump(app.root, lambda: "找到 1 件" in cases.count.cget("text"), what="the search")
        cases.open_selected()
        pump(app.root, lambda: cases.detail is not None, what="the case details")
        screenshot(app.root, "05-case-detail")
        shown = find_widget(cases.detail, ttk.Label, "1101**")  # masked ID
        assert "11010519491231002X" not in shown.cget("text")
        cases.detail.reprint()  # type: ignore[union-attr]
        pump(app.root, lambda: any(documents.glob(f"{case_no}-收件凭证.pdf")), what="printing")
    finally:
        app.close()
    reopened = Station.open(data_dir, None, PASSPHRASE, documents)
    try:
        from station.store.models import Event

        types = [e.type for e in Event.select().order_by(Event.seq)]
        assert {"access.listed", "access.searched", "access.viewed", "access.printed"} <= set(
            types)
    finally:
        reopened.close()


def test_settings_switch_language_and_large_font(display: str, tmp_path: Path,
                                                 data_dir: Path, documents: Path,
                                                 no_open: None) -> None:
    Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)[0].close()
    app = make_app(tmp_path, data_dir, documents)
    try:
        app.view.passphrase.insert(0, PASSPHRASE)  # type: ignore[union-attr]
        app.view.submit()  # type: ignore[union-attr]
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
        settings = app.view.open("settings")  # type: ignore[union-attr]
        settings.large.set(True)  # type: ignore[attr-defined]
        settings.apply()  # type: ignore[attr-defined]
        assert app.font_size == 15
        screenshot(app.root, "06-large-font")
        settings = app.view.open("settings")  # type: ignore[union-attr]
        settings.language.set("en")  # type: ignore[attr-defined]
        settings.apply()  # type: ignore[attr-defined]
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="rebuild")
        assert "Cases" in app.view.buttons["cases"].cget("text")  # type: ignore[union-attr]
        screenshot(app.root, "07-english")
    finally:
        app.close()
    again = make_app(tmp_path, data_dir, documents)
    try:
        assert again.config.language == "en" and again.config.large_font
    finally:
        again.close()
        from station import i18n

        i18n.set_language("zh")


def test_case_list_filters_sorting_and_name_search(display: str, tmp_path: Path,
                                                   data_dir: Path, documents: Path,
                                                   no_open: None) -> None:
    from filing_samples import DIBAO_FORM, DIBAO_MATTER

    station, _sheet = Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)
    complete = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM,
                         scans(tmp_path, ELDER_REQUIRED), print_documents=False).case_no
    waiting = file_case(station, DIBAO_MATTER, APPLICANT, DIBAO_FORM, [],
                        print_documents=False).case_no
    station.close()
    app = make_app(tmp_path, data_dir, documents)
    try:
        app.view.passphrase.insert(0, PASSPHRASE)  # type: ignore[union-attr]
        app.view.submit()  # type: ignore[union-attr]
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
        cases = app.view.open("cases")  # type: ignore[union-attr]
        assert isinstance(cases, CasesScreen)
        pump(app.root, lambda: cases.tree.get_children() == (waiting, complete))
        status = cases.filters.choices["status"]
        status.set("已收件，缺件待补")
        status.event_generate("<<ComboboxSelected>>")
        pump(app.root, lambda: cases.tree.get_children() == (waiting,), what="the filter")
        screenshot(app.root, "08-list-filtered")
        cases.filters.clear()
        pump(app.root, lambda: len(cases.tree.get_children()) == 2)
        cases.sort_by("case_no")  # newest number first
        pump(app.root, lambda: cases.tree.get_children() == (waiting, complete))
        cases.sort_by("case_no")  # and the other way round
        pump(app.root, lambda: cases.tree.get_children() == (complete, waiting),
             what="sorting by case number, ascending")
        assert "▲" in cases.tree.heading("case_no")["text"]
        cases.query.insert(0, APPLICANT["name"])
        cases.search()
        pump(app.root, lambda: "找到 2 件" in cases.count.cget("text"), what="name search")
        cases.query.delete(0, "end")
        cases.query.insert(0, complete[-4:])  # the last 4 digits, read off the receipt
        cases.search()
        pump(app.root, lambda: complete in cases.tree.get_children()
             and "找到" in cases.count.cget("text"), what="search by the last 4 digits")
        cases.query.delete(0, "end")
        cases.query.insert(0, APPLICANT["id_number"][-4:] + " " + APPLICANT["id_number"][6:10])
        cases.search()  # the ID's last 4 digits with the birth year
        pump(app.root, lambda: set(cases.tree.get_children()) == {complete, waiting},
             what="search by the ID's tail and the birth year")
        cases.query.delete(0, "end")
        cases.query.insert(0, APPLICANT["name"][1:])
        cases.search()  # part of the name
        pump(app.root, lambda: set(cases.tree.get_children()) == {complete, waiting}
             and "找到 2 件" in cases.count.cget("text"), what="search by part of the name")
        cases.query.delete(0, "end")
        cases.query.insert(0, "12")
        cases.search()
        assert "末 4 位" in cases.message.cget("text")  # says what search accepts
        assert "后四位加出生年份" in cases.message.cget("text")
        screenshot(app.root, "08b-search-not-understood")
        # In large font too the whole sentence is on screen, wrapped under the bar.
        settings = app.view.open("settings")  # type: ignore[union-attr]
        settings.large.set(True)  # type: ignore[attr-defined]
        settings.apply()  # type: ignore[attr-defined]
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="rebuild")
        cases = app.view.open("cases")  # type: ignore[union-attr]
        assert isinstance(cases, CasesScreen)
        cases.query.insert(0, "12")
        cases.search()
        pump(app.root, lambda: cases.message.winfo_ismapped()
             and 0 < cases.message.winfo_reqwidth() <= cases.message.winfo_width(),
             what="the message, wrapped to the screen's width")
        assert cases.message.winfo_rootx() + cases.message.winfo_width() <= 1366
        screenshot(app.root, "08c-search-not-understood-large-font")
    finally:
        app.close()


def test_a_provisional_date_is_marked_in_the_list_and_the_detail(
        display: str, tmp_path: Path, data_dir: Path, documents: Path, no_open: None) -> None:
    """Filed on 2026-12-31 with one working day promised: 2027-01-04, counted by the
    statutory holidays of a year whose 调休 is not published — marked 暂计 where it shows."""
    from datetime import UTC, datetime

    station, _sheet = Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)
    matter = station.catalogue.get("450981-YB-001")
    filed = file_case(station, matter.code, APPLICANT,
                      {"insured_year": 2027, "person_category": "普通城乡居民",
                       "household_size": 1},
                      scans(tmp_path, tuple(m.name for m in matter.materials if m.required)),
                      now=datetime(2026, 12, 31, 2, 0, tzinfo=UTC), print_documents=False)
    assert filed.deadline == "2027-01-04" and filed.deadline_provisional
    station.close()

    app = make_app(tmp_path, data_dir, documents)
    try:
        login = app.view
        assert isinstance(login, LoginView)
        login.passphrase.insert(0, PASSPHRASE)
        login.submit()
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
        main = app.view
        assert isinstance(main, MainWindow)
        cases = main.open("cases")
        assert isinstance(cases, CasesScreen)
        pump(app.root, lambda: cases.tree.get_children() == (filed.case_no,),
             what="the case list")
        assert cases.tree.item(filed.case_no)["values"][-1] == "2027-01-04（暂计）"
        cases.open_selected()
        pump(app.root, lambda: cases.detail is not None, what="the case details")
        detail = cases.detail
        assert detail is not None
        labels: list[str] = []
        stack: list[object] = [detail]
        while stack:
            widget = stack.pop()
            stack.extend(widget.winfo_children())  # type: ignore[attr-defined]
            if isinstance(widget, ttk.Label):
                labels.append(str(widget.cget("text")))
        assert "2027-01-04（暂计）" in labels  # the 承诺办结日期 row, exactly
        pump(app.root, lambda: "2027-01-04（暂计）" in detail.results.deadline_label.cget("text"),
             what="the 办结期限 of the results panel")
        screenshot(app.root, "05b-case-detail-provisional")
    finally:
        app.close()
