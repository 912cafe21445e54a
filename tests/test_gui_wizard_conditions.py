"""The wizard follows a conditional material (450981-CL-001's 委托书 and 受托人居民身份证,
required when a relative applies on the resident's behalf), under Xvfb: shown as 可选
for a resident applying in person, as 必需 and missing once the form says 亲属代办, and
the case filed then waits for exactly those two."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import PASSPHRASE, VILLAGE
from gui import pump, screenshot, type_into

from station.app import Station
from station.demo.samples import draw_scan, resident_id
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.wizard.applicant_step import ApplicantStep
from station.ui.wizard.confirm_step import ConfirmStep
from station.ui.wizard.form_step import FormStep
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.matter_step import MatterStep
from station.ui.wizard.screen import NewCaseScreen

MATTER = "450981-CL-001"
RESIDENT = {"name": "韦志强", "id_number": resident_id("450981", date(1968, 7, 9), 131),
            "phone": "13977512345", "address": "桂平市示范镇示范村五组 6 号"}
FORM = {"disability_cert_no": "45098119680709131X43", "disability_category": "肢体残疾",
        "disability_level": "二级", "subsidy_type": "重度残疾人护理补贴",
        "household_size": "3", "cert_issue_date": "2020-06-01"}
ALWAYS = ("残疾人两项补贴申请审批表", "第二代残疾人证", "居民身份证", "居民户口簿")
PROXY = ("委托书", "受托人居民身份证")


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


def choose(widget, value: str) -> None:
    widget.set(value)
    widget.event_generate("<<ComboboxSelected>>")
    widget.update()


def fill_form(step: FormStep, applied_by: str) -> None:
    choose(step.widgets["applied_by"], applied_by)
    for key, value in FORM.items():
        if key in ("disability_category", "disability_level", "subsidy_type"):
            choose(step.widgets[key], value)
        else:
            type_into(step.widgets[key], value)


def need(step: MaterialsStep) -> dict[str, str]:
    return {name: step.checklist.set(name, "need") for name in step.checklist.get_children()}


def test_the_wizard_asks_for_the_proxy_letter_only_when_a_relative_applies(
        app: StationApp, tmp_path: Path) -> None:
    main = app.view
    assert isinstance(main, MainWindow)
    wizard = main.open("new_case")
    assert isinstance(wizard, NewCaseScreen)

    step = wizard.step
    assert isinstance(step, MatterStep)
    type_into(step.query, MATTER)
    assert step.results.selection() == (MATTER,)
    details = step.details.cget("text")
    assert "视情况必需：最低生活保障证（家庭困难情况为“低保家庭”时）；" in details
    assert "；委托书（申请方式为“亲属代办”或“村（居）委会代办”时）；" in details
    assert "办理顺序：残联 → 民政局（依次办理）" in details
    assert "咨询电话：0775-3382110" in details
    wizard.next()

    step = wizard.step
    assert isinstance(step, ApplicantStep)
    for key, value in RESIDENT.items():
        type_into(step.entries[key], value)
    wizard.next()

    step = wizard.step
    assert isinstance(step, FormStep)
    fill_form(step, "本人申请")
    wizard.next()

    step = wizard.step
    assert isinstance(step, MaterialsStep)
    assert need(step)["委托书"] == "可选" and need(step)["受托人居民身份证"] == "可选"
    assert need(step)["第二代残疾人证"] == "必需"
    assert wizard.draft.missing() == list(ALWAYS)
    for i, name in enumerate(ALWAYS):
        step.checklist.selection_set(name)
        step.import_files([draw_scan(tmp_path / f"{i}.jpg", name, ["正面"], seed=i,
                                     size=(600, 800))])
    pump(app.root, lambda: wizard.draft.missing() == [], what="the four pages")
    step.checklist.selection_set("第二代残疾人证")
    pump(app.root, lambda: "县残疾人联合会" in step.requirement.cget("text"),
         what="what the catalogue asks of the card")
    assert step.requirement.cget("text").startswith("原件 1 份、复印件 1 份；纸质、电子均可")
    screenshot(app.root, "60-wizard-in-person-materials")
    wizard.back()

    step = wizard.step
    assert isinstance(step, FormStep)
    choose(step.widgets["applied_by"], "亲属代办")
    wizard.next()

    step = wizard.step
    assert isinstance(step, MaterialsStep)
    assert need(step)["委托书"] == "必需" and need(step)["受托人居民身份证"] == "必需"
    assert wizard.draft.missing() == list(PROXY)
    assert all("missing" in step.checklist.item(name, "tags") for name in PROXY)
    screenshot(app.root, "61-wizard-delegated-materials")
    wizard.next()

    step = wizard.step
    assert isinstance(step, ConfirmStep)
    wizard.next()
    pump(app.root, lambda: step.result is not None, timeout=60, what="filing")
    result = step.result
    assert result is not None and result.status == "awaiting_supplement"
    assert result.missing == list(PROXY)
