"""Filling the new-case wizard part way, as an agent would: matter, applicant, form,
two scans, then back to the form to correct a field.  Shared by the in-process
draft tests and the child process that is killed with SIGKILL (draft_child.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gui import pump, type_into

from station.demo.samples import draw_scan, resident_id
from station.ui.app import StationApp
from station.ui.main_window import MainWindow
from station.ui.wizard.applicant_step import ApplicantStep
from station.ui.wizard.form_step import FormStep
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.matter_step import MatterStep
from station.ui.wizard.screen import NewCaseScreen

MATTER = "450981-MZ-005"  # 高龄津贴申领, found as gljt
ELDER = {"name": "覃桂英", "id_number": resident_id("450981", date(1941, 3, 15), 122),
         "phone": "13977512345", "address": "桂平市示范镇示范村三组 18 号"}
FORM = {"age": "85", "applicant_relation": "村（社区）代办员", "account_type": "社会保障卡",
        "account_no": "6217995610001234567", "start_date": "2026-12-01"}
CORRECTED = ("account_no", "6217995610007654321")  # typed after the scans: saved on a pause
SCANNED = ("居民身份证", "居民户口簿")


def log_in(data: Path, documents: Path, config: Path, passphrase: str) -> StationApp:
    app = StationApp(data, documents, config_dir=config)
    app.view.passphrase.insert(0, passphrase)  # type: ignore[union-attr]
    app.view.submit()  # type: ignore[union-attr]
    pump(app.root, lambda: isinstance(app.view, MainWindow), timeout=60, what="login")
    return app


def choose(widget, value: str) -> None:
    widget.set(value)
    widget.event_generate("<<ComboboxSelected>>", when="now")


def fill_form(wizard: NewCaseScreen) -> FormStep:
    """Type the 高龄津贴 form (``FORM``) into the wizard's form step."""
    step = wizard.step
    assert isinstance(step, FormStep)
    for key, value in FORM.items():
        if key in ("applicant_relation", "account_type"):
            choose(step.widgets[key], value)
        else:
            type_into(step.widgets[key], value)
    return step


def saved(app: StationApp, wizard: NewCaseScreen) -> None:
    pump(app.root, lambda: wizard.saver.idle and not app.dispatcher.busy, timeout=60,
         what="the draft saved")


def fill_partly(app: StationApp, scans: Path) -> dict[str, bytes]:
    """Fill the wizard up to two scans, correct a form field; return the scans' bytes."""
    main = app.view
    assert isinstance(main, MainWindow)
    wizard = main.open("new_case")
    assert isinstance(wizard, NewCaseScreen)
    step = wizard.step
    assert isinstance(step, MatterStep)
    type_into(step.query, "gljt")
    assert step.results.selection() == (MATTER,)
    wizard.next()
    step = wizard.step
    assert isinstance(step, ApplicantStep)
    for key, value in ELDER.items():
        type_into(step.entries[key], value)
    wizard.next()
    fill_form(wizard)
    wizard.next()
    step = wizard.step
    assert isinstance(step, MaterialsStep)
    pages = {}
    for i, name in enumerate(SCANNED):
        path = draw_scan(scans / f"draft-{i}.jpg", name, [ELDER["name"]], seed=70 + i,
                         size=(600, 800))
        pages[name] = path.read_bytes()
        step.checklist.selection_set(name)
        step.import_files([path], material=name)
    pump(app.root, lambda: all(wizard.draft.pages[n] for n in SCANNED) and len(step.images) == 2,
         timeout=60, what="two scans imported")
    wizard.back()
    step = wizard.step
    assert isinstance(step, FormStep)
    key, value = CORRECTED
    type_into(step.widgets[key], value)  # no 下一步: only the pause in typing saves it
    saved(app, wizard)
    return pages
