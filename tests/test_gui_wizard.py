"""Filing a case through the desktop wizard, driven widget by widget under Xvfb.

The matter is found by typing pinyin initials; an invalid ID number shows
the inline error and a valid one fills birth date and sex; one material is
imported from files and one arrives through the scanner hot folder; the case
is then found in the list by ID number, and the store holds what was typed.
Screenshots of each step go to test-artifacts/.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import PASSPHRASE, VILLAGE
from gui import pump, screenshot, type_into

from station.app import Station
from station.cases.register import show_case
from station.demo.samples import draw_scan, resident_id
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.screens.cases import CasesScreen
from station.ui.wizard.applicant_step import ApplicantStep
from station.ui.wizard.confirm_step import ConfirmStep
from station.ui.wizard.form_step import FormStep
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.matter_step import MatterStep
from station.ui.wizard.screen import NewCaseScreen

ELDER = {"name": "覃桂英", "id_number": resident_id("450981", date(1941, 3, 15), 122),
         "phone": "13977512345", "address": "桂平市示范镇示范村三组 18 号"}
FORM = {"age": "85", "applicant_relation": "村（社区）代办员", "account_type": "社会保障卡",
        "account_no": "6217995610001234567", "start_date": "2026-12-01"}


@pytest.fixture
def app(display: str, tmp_path: Path, data_dir: Path, documents: Path,
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STATION_NO_OPEN", "1")
    monkeypatch.setenv("STATION_SCAN_FOLDER", str(tmp_path / "scanner"))
    Station.init(data_dir, *VILLAGE, "agent", PASSPHRASE, documents)[0].close()
    application = StationApp(data_dir, documents, config_dir=tmp_path / "config")
    application.view.passphrase.insert(0, PASSPHRASE)  # type: ignore[union-attr]
    application.view.submit()  # type: ignore[union-attr]
    pump(application.root, lambda: isinstance(application.view, MainWindow), what="login")
    yield application
    application.close()


def test_file_a_case_through_the_wizard(app: StationApp, tmp_path: Path, data_dir: Path,
                                        documents: Path) -> None:
    main = app.view
    assert isinstance(main, MainWindow)
    wizard = main.open("new_case")
    assert isinstance(wizard, NewCaseScreen)

    step = wizard.step
    assert isinstance(step, MatterStep)
    type_into(step.query, "gljt")
    assert step.results.selection() == ("450981-MZ-005",)
    assert "社会保障卡或银行卡" in step.details.cget("text")
    screenshot(app.root, "10-wizard-matter")
    wizard.next()

    step = wizard.step
    assert isinstance(step, ApplicantStep)
    type_into(step.entries["id_number"], ELDER["id_number"][:-1] + "9")
    assert "校验码" in step.errors["id_number"].cget("text")
    screenshot(app.root, "11-wizard-applicant-invalid-id")
    for key, value in ELDER.items():
        type_into(step.entries[key], value)
    assert "1941-03-15" in step.identity.cget("text") and "女" in step.identity.cget("text")
    assert step.errors["id_number"].cget("text") == ""
    step.is_proxy.set(True)
    wizard.next()
    assert wizard.step is step and "同意" in step.proxy_error.cget("text")  # consent needed
    step.consent.set(True)
    screenshot(app.root, "12-wizard-applicant")
    wizard.next()

    step = wizard.step
    assert isinstance(step, FormStep)
    step.widgets["age"].insert(0, "30")
    step.widgets["account_type"].set("银行卡")
    step.widgets["account_type"].event_generate("<<ComboboxSelected>>")
    assert step.widgets["bank_name"].winfo_manager() == "grid"  # shown for 银行卡
    wizard.next()
    assert wizard.step is step and step.errors["age"].cget("text")  # 30 < 80: inline error
    screenshot(app.root, "13-wizard-form-errors")
    for key, value in FORM.items():
        widget = step.widgets[key]
        if key in ("applicant_relation", "account_type"):
            widget.set(value)
            widget.event_generate("<<ComboboxSelected>>")
        else:
            type_into(widget, value)
    assert step.widgets["bank_name"].winfo_manager() == ""  # hidden again
    wizard.next()

    step = wizard.step
    assert isinstance(step, MaterialsStep)
    pages = {name: draw_scan(tmp_path / f"{i}.jpg", name, [ELDER["name"]], seed=i,
                             size=(600, 800))
             for i, name in enumerate(("高龄津贴申请表", "居民户口簿", "社会保障卡或银行卡"))}
    for name, path in pages.items():
        step.checklist.selection_set(name)
        step.import_files([path])
    step.checklist.selection_set("居民身份证")
    pump(app.root, lambda: step.checklist.selection() == ("居民身份证",))
    scanned = draw_scan(tmp_path / "camera.jpg", "居民身份证", ["正面"], seed=9, size=(600, 800))
    shutil.copy(scanned, tmp_path / "scanner" / ".partial.tmp")
    (tmp_path / "scanner" / ".partial.tmp").replace(tmp_path / "scanner" / "IMG_0001.jpg")
    pump(app.root, lambda: len(wizard.draft.pages["居民身份证"]) == 1, timeout=30,
         what="the scanned page from the hot folder")
    pump(app.root, lambda: len(step.images) == 4, what="thumbnails")
    assert wizard.draft.missing() == []
    screenshot(app.root, "14-wizard-materials")
    wizard.next()

    step = wizard.step
    assert isinstance(step, ConfirmStep)
    screenshot(app.root, "15-wizard-confirm")
    wizard.next()
    pump(app.root, lambda: step.result is not None, timeout=60, what="filing")
    result = step.result
    assert result is not None and result.status == "filed" and result.receipt.is_file()
    assert str(result.receipt) in step.outcome.cget("text")  # where the receipt is
    assert step.print_button.winfo_ismapped()
    # No PDF viewer here (STATION_NO_OPEN): the agent is told, with the folder.
    assert "没有可以打开 PDF" in step.print_note.cget("text")
    assert str(result.receipt.parent) in step.print_note.cget("text")
    screenshot(app.root, "16-wizard-filed")

    cases = main.open("cases")
    assert isinstance(cases, CasesScreen)
    type_into(cases.query, ELDER["id_number"])
    cases.search()
    pump(app.root, lambda: cases.tree.get_children() == (result.case_no,), what="search by ID")
    screenshot(app.root, "17-found-by-id")

    stored = show_case(app.opened, result.case_no, reveal=True)
    assert stored["applicant"]["name"] == ELDER["name"]
    assert stored["applicant"]["id_number"] == ELDER["id_number"]
    assert stored["applicant"]["sex"] == "女" and stored["applicant"]["birth_date"] == "1941-03-15"
    assert stored["form"]["age"] == 85 and stored["form"]["account_no"] == FORM["account_no"]
    assert "bank_name" not in stored["form"]
    assert stored["proxy"]["consent"] is True
    assert sorted(m["name"] for m in stored["materials"]) == sorted(
        ["高龄津贴申请表", "居民户口簿", "社会保障卡或银行卡", "居民身份证"])


def test_enter_works_on_the_matter_step_and_fixed_fields_lose_their_error(
        app: StationApp) -> None:
    """The button says 下一步（Enter）: Enter in the search box takes the first matter found.
    An error shown under a field goes as soon as the field is fixed, without 下一步."""
    main = app.view
    assert isinstance(main, MainWindow)
    wizard = main.open("new_case")
    assert isinstance(wizard, NewCaseScreen)
    step = wizard.step
    assert isinstance(step, MatterStep)
    type_into(step.query, "gljt")
    step.query.event_generate("<Return>", when="now")
    pump(app.root, lambda: isinstance(wizard.step, ApplicantStep), what="Enter on the matter")

    step = wizard.step
    assert isinstance(step, ApplicantStep)
    type_into(step.entries["id_number"], ELDER["id_number"])
    wizard.next()  # the name is missing: shown under the field, the wizard stays
    assert isinstance(wizard.step, ApplicantStep)
    assert "必须填写" in step.errors["name"].cget("text")
    assert "name" not in step.errors["name"].cget("text")  # the label, never the key
    type_into(step.entries["name"], ELDER["name"])
    assert step.errors["name"].cget("text") == ""  # fixed: the red goes at once
    for key in ("phone", "address"):
        type_into(step.entries[key], ELDER[key])
    wizard.next()
    pump(app.root, lambda: isinstance(wizard.step, FormStep), what="the form step")

    step = wizard.step
    assert isinstance(step, FormStep)
    type_into(step.widgets["age"], "abc")
    wizard.next()
    assert isinstance(wizard.step, FormStep) and step.errors["age"].cget("text")
    type_into(step.widgets["age"], "85")
    assert step.errors["age"].cget("text") == ""
