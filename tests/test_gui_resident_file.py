"""居民档案 in the window (issue 20 item 4), under a real X display: from a case's
details, the resident's cases newest first with states and materials; a case opened
from the file; every text whole at 1366×768, in normal and in large font."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import PASSPHRASE, VILLAGE
from filing_samples import ELDER_REQUIRED
from gui import keep, pump, screenshot, settle
from layout import cut
from test_resident_file import file_four

from station import outbox
from station.app import Station
from station.cases.material_checks import record_checks
from station.store.models import Event
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.cases import CaseDetail, CasesScreen
from station.ui.screens.resident_file import ResidentFileView


def idle(app: StationApp) -> None:
    pump(app.root, lambda: not app.dispatcher.busy, what="the worker's answers")
    settle(app.root)


def detail_of(app: StationApp, cases: CasesScreen, case_no: str) -> CaseDetail:
    pump(app.root, lambda: cases.detail is not None
         and cases.detail.details["case_no"] == case_no, what=f"the details of {case_no}")
    assert cases.detail is not None
    idle(app)
    return cases.detail


def open_file(app: StationApp, detail: CaseDetail) -> ResidentFileView:
    detail.file_button.invoke()
    pump(app.root, lambda: detail.resident_file is not None, what="the resident's file")
    assert detail.resident_file is not None
    idle(app)
    return detail.resident_file


def walk(app: StationApp, filed: dict[str, str], font: str) -> None:
    """From the list, a case, its 居民档案, back, and another case opened from it."""
    newest_first = (filed["today"], filed["dibao"], filed["elder"])
    main = app.view
    assert isinstance(main, MainWindow)
    cases = main.open("cases")
    assert isinstance(cases, CasesScreen)
    pump(app.root, lambda: len(cases.tree.get_children()) == 4, what="the case list")
    cases.open_case(filed["dibao"])
    detail = detail_of(app, cases, filed["dibao"])
    assert "居民档案" in detail.file_button.cget("text")
    assert cut(detail) == [], "\n".join(cut(detail))
    shown = open_file(app, detail)
    tree = shown.tree
    assert tree.get_children() == newest_first  # only 黄秀英's, not 韦春花's
    assert [tree.set(c, "state") for c in newest_first] == [
        "已收件，待受理", "已收件，缺件待补", "已撤回"]
    assert [tree.set(c, "materials") for c in newest_first] == [
        "4 种，共 5 页", "未收材料", "4 种，共 8 页"]
    assert tree.selection() == (filed["dibao"],)  # the case it was opened from
    texts = [str(label.cget("text")) for label in shown.person]
    assert "黄秀英" in texts and "1101**********002X" in texts
    assert "139****2345" in texts and "11010519491231002X" not in texts
    tree.selection_set(filed["elder"])
    pump(app.root, lambda: len(shown.materials.get_children()) == 4,
         what="the materials of the withdrawn case")
    rows = {str(shown.materials.set(r, "name")): shown.materials.item(r, "values")
            for r in shown.materials.get_children()}
    assert sorted(rows) == sorted(ELDER_REQUIRED)
    assert {str(r[1]) for r in rows.values()} == {"2"}
    assert rows["居民身份证"][4] == "已核验（民政办，2026-11-05）"
    assert rows["居民户口簿"][3:] == ("本件收取", "未核验")
    tree.selection_set(filed["today"])
    pump(app.root, lambda: shown.materials_title.cget("text").startswith(filed["today"]),
         what="the materials of today's case")
    rows = {str(shown.materials.set(r, "name")): shown.materials.item(r, "values")
            for r in shown.materials.get_children()}
    # The ID card reused with consent: where it came from, and what the office found.
    assert rows["居民身份证"][3:] == (f"复用自办件 {filed['elder']}",
                                     "已核验（民政办，2026-11-05）")
    assert rows["居民户口簿"][3] == "本件收取"
    idle(app)
    problems = cut(app.root)
    assert problems == [], "\n".join(problems)
    keep(app.root, "resident-file" if font == "normal" else "resident-file-large")  # README
    # Esc goes back to the details; 居民档案 again, then open another case.
    shown.tree.focus_force()
    shown.tree.event_generate("<Escape>")
    pump(app.root, lambda: detail.resident_file is None, what="back to the details")
    shown = open_file(app, detail)
    shown.tree.selection_set(filed["today"])
    shown.open_button.invoke()
    opened = detail_of(app, cases, filed["today"])
    assert opened is not detail and opened.resident_file is None
    screenshot(app.root, f"resident-file-opened-case-{font}")


def test_the_residents_file_from_a_case(display: str, tmp_path: Path, data_dir: Path,
                                        documents: Path, no_open: None) -> None:
    station, _sheet = Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)
    filed = file_four(station, tmp_path / "scans")
    with station.db.atomic("IMMEDIATE"):  # the township found the ID card 齐全
        record_checks(filed["elder"], "民政办", "mz", ["居民身份证"], date(2026, 11, 5))
    station.close()

    app = StationApp(data_dir, documents, config_dir=tmp_path / "config")
    try:
        app.view.passphrase.insert(0, PASSPHRASE)  # type: ignore[union-attr]
        app.view.submit()  # type: ignore[union-attr]
        pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
        for font in ("normal", "large"):
            walk(app, filed, font)
            if font == "normal":
                settings = app.view.open("settings")  # type: ignore[union-attr]
                settings.large.set(True)  # type: ignore[attr-defined]
                settings.apply()  # type: ignore[attr-defined]
                pump(app.root, lambda: isinstance(app.view, MainWindow), what="rebuild")
                assert app.font_size == 15
    finally:
        app.close()
    reopened = Station.open(data_dir, None, PASSPHRASE, documents)
    try:
        opened_files = Event.select().where(Event.type == outbox.ACCESS_FILE_OPENED).count()
        assert opened_files == 4  # two openings in each font, one event each
    finally:
        reopened.close()
