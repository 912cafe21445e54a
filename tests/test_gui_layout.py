"""Every text on every screen shows whole, at 1366×768, in normal and in large-font mode.

The screens are filled with the longest real data of the demo: the 30-character
两项补贴 matter with its nine materials, the 7-material 低保 matter, full case
numbers, long station names and the sync log of a whole round trip.  Each screen is
checked by ``layout.cut``: a label or button given less room than its text needs, a
list column narrower than its heading or a value, a list wider than its frame with no
sideways scroll bar, or anything outside the frames that hold it or off the screen.

A failure lists, per screen and font, what a person could not read.
"""

from __future__ import annotations

import tempfile
import tkinter as tk
from collections.abc import Callable
from pathlib import Path

import pytest
import ttkbootstrap as ttk
from excel_sheets import plant_ten_mistakes
from gui import cancel_file_dialog, keep, pump, screenshot, settle, type_into
from layout import cut, shown, text_of
from test_gui_review import WAIT, claim, open_desk
from test_gui_review_conditions import FORM as CL_FORM
from test_gui_review_conditions import file_delegated

from forms.catalogue import load_catalogue
from forms.workbook_errors import WorkbookInvalid
from forms.workbook_import import workbook_files
from forms.workbook_write import export_workbook
from station.casework import review
from station.demo import demo_network
from station.demo.demo_network import (
    ADMIN,
    DEMO_AGENT,
    REVIEW_MISSING,
    DemoNetwork,
    review_sample,
)
from station.demo.samples import RESIDENTS, draw_scan
from station.network import link
from station.ui.app import StationApp
from station.ui.ask import Ask
from station.ui.file_dialogs import scan_folder
from station.ui.main_window import MainWindow
from station.ui.screens.admin import AdminScreen
from station.ui.screens.admin_publish import PublishPanel
from station.ui.screens.audit import AuditScreen
from station.ui.screens.case_forms import PicksScans
from station.ui.screens.case_results import ResultsPanel
from station.ui.screens.cases import CasesScreen
from station.ui.screens.enrol import EnrolScreen
from station.ui.screens.monthly_report import MonthlyReportScreen
from station.ui.wizard.applicant_step import ApplicantStep
from station.ui.wizard.form_step import FormStep
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.matter_step import MatterStep
from station.ui.wizard.screen import NewCaseScreen
from sync import lifecycle

FONTS = ("normal", "large")
DOC_SHOTS = {"township review 材料核验 (large)": "12-review-verdicts-large"}


class Findings:
    """What could not be read, per screen and font; screenshots of each as artifacts."""

    def __init__(self, app: StationApp, who: str) -> None:
        self.app, self.who = app, who
        self.found: dict[str, list[str]] = {}
        self.seen: list[str] = []

    @property
    def font(self) -> str:
        return "large" if self.app.config.large_font else "normal"

    def check(self, what: str, root: tk.Misc | None = None) -> None:
        idle(self.app)
        name = f"{self.who} {what} ({self.font})"
        self.seen.append(name)
        problems = cut(root or self.app.root)
        banner = str(self.app.banner.cget("text"))
        if banner:  # an error the screen showed instead of its data
            problems.append(f"the window shows an error: {banner}")
        if problems:
            self.found[name] = problems
        screenshot(self.app.root, f"layout-{self.who}-{what}-{self.font}".replace(" ", "-"))
        if name in DOC_SHOTS:  # the README's large-font pictures
            keep(self.app.root, DOC_SHOTS[name])


def idle(app: StationApp) -> None:
    """Until the worker has answered every question the screen asked, then drawn."""
    pump(app.root, lambda: not app.dispatcher.busy and not app.images.busy, timeout=WAIT,
         what="the screen's data")
    settle(app.root)


def main_of(app: StationApp) -> MainWindow:
    main = app.view
    assert isinstance(main, MainWindow)
    return main


def in_font(app: StationApp, font: str) -> MainWindow:
    """Switch the running window to ``font`` (as 设置 does) and wait for it to rebuild."""
    app.config.large_font = font == "large"
    app.restyle()
    pump(app.root, lambda: isinstance(app.view, MainWindow), what="the window rebuilt")
    idle(app)
    return main_of(app)


def log_in(net: DemoNetwork, tmp_path: Path, data: Path, user: str, font: str) -> StationApp:
    """The login screen (checked too), then the main window, in ``font``."""
    from test_gui_sync import documents_of

    from station.ui.config import UiConfig
    from station.ui.login import LoginView

    config = tmp_path / f"config-{user}"
    settings = UiConfig.load(config)
    settings.large_font = font == "large"
    settings.save(config)
    app = StationApp(data, documents_of(net, code_of(net, data)), config_dir=config, user=user)
    assert isinstance(app.view, LoginView)
    return app


def code_of(net: DemoNetwork, data: Path) -> str:
    for node in (net.village, net.township, net.county):
        if node.data == data:
            return node.code
    raise AssertionError(data)


def sign_in(app: StationApp, net: DemoNetwork) -> MainWindow:
    login = app.view
    login.passphrase.insert(0, net.passphrase)  # type: ignore[union-attr]
    login.submit()  # type: ignore[union-attr]
    pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
    idle(app)
    return main_of(app)


def each_font(net: DemoNetwork, tmp_path: Path, data: Path, user: str, who: str,
              walk: Callable[[StationApp, Findings], None]) -> list[str]:
    """Log in as ``user`` in each font, check the login and what ``walk`` opens."""
    findings: dict[str, list[str]] = {}
    for font in FONTS:
        app = log_in(net, tmp_path / font, data, user, font)
        try:
            found = Findings(app, who)
            found.check("login")
            sign_in(app, net)
            walk(app, found)
            assert found.seen, "nothing was checked"
            findings.update(found.found)
        finally:
            app.close()
    return [f"{screen}:\n    " + "\n    ".join(problems)
            for screen, problems in findings.items()]


# -- the village agent ---------------------------------------------------------------

def walk_wizard(app: StationApp, found: Findings, scan: Path) -> None:
    main = main_of(app)
    wizard = main.open("new_case")
    assert isinstance(wizard, NewCaseScreen)
    step = wizard.step
    assert isinstance(step, MatterStep)
    type_into(step.query, "残疾")  # both 两项补贴 matters, the longest names
    pump(app.root, lambda: "450981-CL-001" in step.results.get_children(),
         what="the matter found")
    step.results.selection_set("450981-CL-001")
    step.results.see("450981-CL-001")
    found.check("wizard 1 matter")
    wizard.next()
    step = wizard.step
    assert isinstance(step, ApplicantStep)
    for key, value in RESIDENTS[0].to_json().items():
        type_into(step.entries[key], value)
    step.is_proxy.set(True)
    found.check("wizard 2 applicant")
    step.consent.set(True)
    wizard.next()
    step = wizard.step
    assert isinstance(step, FormStep)
    for key, value in CL_FORM.items():
        widget = step.widgets[key]
        if hasattr(widget, "current"):  # a list to choose from
            widget.set(value)
            widget.event_generate("<<ComboboxSelected>>")
        else:
            type_into(widget, str(value))
    wizard.next()
    step = wizard.step
    if isinstance(step, FormStep):  # an error shown: check it too, then say what it was
        found.check("wizard 3 form errors")
        raise AssertionError(f"the form did not take the sample values: {step.errors}")
    assert isinstance(step, MaterialsStep)
    step.checklist.selection_set("残疾人两项补贴申请审批表")
    step.import_files([scan])
    pump(app.root, lambda: len(step.images) == 1, what="the thumbnail")
    found.check("wizard 4 materials")
    wizard.next()
    found.check("wizard 5 confirm")
    main.buttons["cases"].invoke()  # leaving asks first
    pump(app.root, lambda: isinstance(wizard.asking, Ask), what="the question before leaving")
    asked = wizard.asking
    assert isinstance(asked, Ask)
    found.check("wizard leave question", asked)
    asked.yes.invoke()  # keep the draft and go
    pump(app.root, lambda: isinstance(main.screen, CasesScreen), what="办件")


def walk_case(app: StationApp, found: Findings, cases: CasesScreen, what: str,
              case_no: str) -> None:
    """A case's details with its results, its materials in the viewer, the resident's
    file."""
    cases.open_case(case_no)
    pump(app.root, lambda: cases.detail is not None and cases.detail.results.loaded > 0,
         what="the case's details and results")
    found.check(f"case details {what}")
    detail = cases.detail
    assert detail is not None
    detail.view_materials()
    pump(app.root, lambda: detail.viewer is not None and detail.viewer.settled,
         timeout=WAIT, what="the material viewer with its first page")
    found.check(f"materials {what}")
    detail.close_viewer()
    detail.open_resident_file()  # 居民档案: the resident's cases, the longest matter names
    pump(app.root, lambda: detail.resident_file is not None, what="the resident's file")
    found.check(f"resident file {what}")
    detail.close_resident_file()
    results = detail.results
    assert results.results is not None
    for action in sorted(results.results.allowed & set(results.buttons)):
        if action == lifecycle.SUPPLEMENTED:
            walk_supplement(app, found, results, what)
            continue
        results.start(action)
        found.check(f"{action} form {what}")
        results.close_form()
    cases.close_detail()


def asked_to_supplement(net: DemoNetwork) -> str:
    """A case whose one-time notice reached the village (its 补齐材料 form is open)."""
    with net.open(net.village) as village:
        filed, _held = review_sample(net, village, seed=950)
        link.sync_once(village)
    with net.open(net.township, "mz") as desk:
        review.claim(desk, filed.case_no)
        review.request_supplement(desk, filed.case_no, [review.Verdict(
            REVIEW_MISSING, "missing", "需户主页和本人页")])
    with net.open(net.village) as village:
        link.sync_once(village)
    return filed.case_no


def walk_supplement(app: StationApp, found: Findings, results: ResultsPanel,
                    what: str) -> None:
    """补齐材料: its form, and the file dialog it opens (Chinese, in the scan folder)."""
    form = results.start(lifecycle.SUPPLEMENTED)
    assert isinstance(form, PicksScans)
    found.check(f"supplement {what}")
    folder = scan_folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    seen = cancel_file_dialog(app.root)
    form.choose_files()
    assert seen["title"] == "选择扫描件" and "取消" in seen["texts"], seen
    assert Path(seen["folder"]) == folder, seen  # the scans' folder, not the program's
    results.close_form()


def walk_village(app: StationApp, found: Findings, cases_to_open: dict[str, str],
                 scan: Path) -> None:
    walk_wizard(app, found, scan)
    main = main_of(app)
    cases = main.screen
    assert isinstance(cases, CasesScreen)
    pump(app.root, lambda: set(cases_to_open.values()) <= set(cases.tree.get_children()),
         what="the cases listed")
    found.check("cases")
    for what, case_no in cases_to_open.items():
        walk_case(app, found, cases, what, case_no)
    cases.show_drafts()
    found.check("drafts")
    cases.close_drafts()
    for key in ("sync", "settings"):
        main.open(key)
        found.check(key)


def test_every_village_screen_shows_its_whole_text(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    decided = demo_network.review_trip(net)["review_case"]  # notices and a sealed decision
    with net.open(net.village) as village:
        demo_network.file_samples(net, village)
        link.sync_once(village)
    two_subsidies = file_delegated(net)  # nine materials, the longest matter name
    asked = asked_to_supplement(net)
    scan = draw_scan(tmp_path / "form.jpg", "残疾人两项补贴申请审批表", [RESIDENTS[0].name], 5,
                     size=(620, 877))
    opened = {"decided": decided, "two subsidies": two_subsidies, "asked to supplement": asked}
    cut_texts = each_font(net, tmp_path, net.village.data, DEMO_AGENT, "village",
                          lambda app, found: walk_village(app, found, opened, scan))
    assert cut_texts == [], "texts a person cannot read whole:\n" + "\n".join(cut_texts)


# -- the township reviewer -----------------------------------------------------------

def walk_desk(app: StationApp, found: Findings, case_no: str) -> None:
    screen = open_desk(app, case_no)
    found.check("review queue")
    if screen.rows[case_no]["mine"]:  # claimed in the other font's round
        screen.select(case_no)
        pump(app.root, lambda: screen.work is not None and screen.viewer is not None
             and screen.viewer.settled, timeout=WAIT, what="the claimed case open")
    else:
        claim(app, screen, case_no)
    assert screen.tabs is not None
    for tab in screen.tabs.tabs():
        screen.tabs.select(tab)
        found.check(f"review {screen.tabs.tab(tab, 'text')}")


def test_every_review_desk_screen_shows_its_whole_text(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    with net.open(net.village) as village:
        filed = demo_network.file_samples(net, village)
        link.sync_once(village)
    low_income = filed[1].case_no  # the samples: 高龄津贴, then 低保 (seven materials)
    cut_texts = each_font(net, tmp_path, net.township.data, "mz", "township",
                          lambda app, found: walk_desk(app, found, low_income))
    assert cut_texts == [], "texts a person cannot read whole:\n" + "\n".join(cut_texts)


# -- the county admin ----------------------------------------------------------------

def show_workbook_mistakes(panel: tk.Misc) -> None:
    """The publish tab listing the ten planted mistakes of an Excel 事项清单."""
    assert isinstance(panel, PublishPanel)
    with tempfile.TemporaryDirectory() as folder:
        good, bad = Path(folder) / "good.xlsx", Path(folder) / "bad.xlsx"
        export_workbook(load_catalogue(), good)
        plant_ten_mistakes(good, bad)
        try:
            workbook_files(bad)
        except WorkbookInvalid as error:
            mistakes = error.problems
    panel.list_problems(mistakes)


def walk_county(app: StationApp, found: Findings) -> None:
    main = main_of(app)
    pump(app.root, lambda: {"admin", "audit", "enrol", "monthly"} <= set(main.buttons),
         what="管理, 审计, 入网 and 月通报 in the sidebar")
    admin = main.open("admin")
    assert isinstance(admin, AdminScreen)
    for key in admin.panels:
        admin.show(key)
        found.check(f"admin {key}")
    admin.show("publish")
    show_workbook_mistakes(admin.panels["publish"])
    found.check("admin publish: the mistakes of an Excel 事项清单")
    audit = main.open("audit")
    assert isinstance(audit, AuditScreen)
    for tab in audit.tabs.tabs():
        audit.tabs.select(tab)
        found.check(f"audit {audit.tabs.tab(tab, 'text')}")
    walk_monthly(app, found)
    for key in ("cases", "sync", "settings"):
        main.open(key)
        found.check(key)
    enrol = main.open("enrol")
    assert isinstance(enrol, EnrolScreen)
    pump(app.root, lambda: enrol.tabs is not None, what="the 入网 tabs")
    assert enrol.tabs is not None
    for tab in enrol.tabs.tabs():
        enrol.tabs.select(tab)
        found.check(f"enrol {enrol.tabs.tab(tab, 'text')}")


def walk_monthly(app: StationApp, found: Findings) -> None:
    """月通报 of this month (the round trip's cases), each of its four tables."""
    from station.supervision.figures import TABLES

    screen = main_of(app).open("monthly")
    assert isinstance(screen, MonthlyReportScreen)
    found.check("monthly report empty")
    screen.month.current(0)
    screen.generate_button.invoke()
    pump(app.root, lambda: screen.report is not None, timeout=WAIT, what="the 月通报")
    assert screen.report is not None and screen.report.total.received > 0
    for table in TABLES:
        screen.table.set(table)
        screen.show_table()
        found.check(f"monthly report {table}")


def test_every_county_admin_screen_shows_its_whole_text(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    demo_network.round_trip(net)  # a sync log and station health with real rows
    cut_texts = each_font(net, tmp_path, net.county.data, ADMIN, "county", walk_county)
    assert cut_texts == [], "texts a person cannot read whole:\n" + "\n".join(cut_texts)


def walk_supervision(app: StationApp, found: Findings) -> None:
    """监察 filled from a hub database with red, yellow and staged cases, and the steps of
    the case with the longest matter name."""
    from test_gui_supervision import K, double_click, open_board

    screen = open_board(app)
    pump(app.root, lambda: screen.loads >= 1, timeout=WAIT, what="the board")
    for tab in screen.tabs.tabs():
        screen.tabs.select(tab)
        found.check(f"supervision {screen.tabs.tab(tab, 'text')}")
    screen.tabs.select(screen.tabs.tabs()[0])
    dialog = double_click(screen, K)
    found.check("supervision steps", dialog)
    dialog.destroy()


def test_the_supervision_screen_shows_its_whole_text(
        display: str, net: DemoNetwork, tmp_path: Path, no_open: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from supervision_data import TODAY
    from test_gui_supervision import board_hub

    from station.ui.screens.supervision import SupervisionScreen

    board_hub(net)
    monkeypatch.setattr(SupervisionScreen, "today", TODAY)
    cut_texts = each_font(net, tmp_path, net.county.data, ADMIN, "county", walk_supervision)
    assert cut_texts == [], "texts a person cannot read whole:\n" + "\n".join(cut_texts)




# -- a new station's first run -------------------------------------------------------

def walk_first_run(app: StationApp, found: Findings) -> None:
    from station.ui.screens.enrol_join import JoinPanel
    from station.ui.setup import SetupView

    setup = app.view
    assert isinstance(setup, SetupView)
    setup.entries["tier"].set("村便民服务站")  # type: ignore[union-attr]
    for key, value in (("code", "450981104202"), ("name", LONG_STATION),
                       ("display_name", "欧阳代办"), ("passphrase", "口令 long enough"),
                       ("again", "口令 long enough")):
        setup.entries[key].insert(0, value)
    found.check("setup")
    setup.button.invoke()

    def next_button() -> ttk.Button | None:
        return next((b for b in shown(setup) if isinstance(b, ttk.Button)
                     and "下一步：入网" in text_of(b)), None)

    pump(app.root, lambda: next_button() is not None, timeout=WAIT, what="the station made")
    found.check("setup done")
    button = next_button()
    assert button is not None
    button.invoke()
    join = setup.join
    assert isinstance(join, JoinPanel)
    join.code.insert(0, "ABCD-EFGH-JKLM-N")  # mistyped: its error is shown too
    join.hub.insert(0, "http://192.0.2.1:8443")
    join.button.invoke()
    pump(app.root, lambda: bool(text_of(join.error)), what="the mistyped code")
    found.check("enrol")


def test_the_first_run_screens_show_their_whole_text(
        display: str, tmp_path: Path, no_open: None) -> None:
    from station.ui.config import UiConfig

    problems: list[str] = []
    for font in FONTS:
        config = tmp_path / f"config-{font}"
        settings = UiConfig.load(config)
        settings.large_font = font == "large"
        settings.save(config)
        app = StationApp(tmp_path / f"data-{font}", tmp_path / f"documents-{font}",
                         config_dir=config)
        try:
            found = Findings(app, "first run")
            walk_first_run(app, found)
            problems += [f"{screen}:\n    " + "\n    ".join(found_here)
                         for screen, found_here in found.found.items()]
        finally:
            app.close()
    assert problems == [], "texts a person cannot read whole:\n" + "\n".join(problems)


LONG_STATION = "桂平市示范镇示范村村民委员会便民服务站（党群服务中心）"


# -- a new PC restoring a station from its backup (issue 17) ---------------------------

def walk_restore(app: StationApp, found: Findings, backup: Path) -> None:
    from station.ui.restore_view import RestoreView
    from station.ui.setup import SetupView

    setup = app.view
    assert isinstance(setup, SetupView)
    setup.restore.invoke()
    view = app.view
    assert isinstance(view, RestoreView)
    found.check("restore")
    view.use_file(backup)
    pump(app.root, lambda: "450981104202" in text_of(view.about), what="the backup read")
    view.submit()  # no passphrase typed: its error shown too
    pump(app.root, lambda: bool(text_of(view.error)), timeout=WAIT, what="the refusal")
    found.check("restore file chosen")
    view.by_key.set(True)
    view.show_fields()
    found.check("restore with the recovery key")


def test_the_restore_from_backup_screen_shows_its_whole_text(
        display: str, tmp_path: Path, no_open: None) -> None:
    from cli import station as run_station
    from conftest import PASSPHRASE

    from station.ui.config import UiConfig

    env = {"STATION_DATA": str(tmp_path / "old"), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(tmp_path / "old-documents")}
    made = run_station("init", "--tier", "village", "--code", "450981104202",
                       "--name", LONG_STATION, env=env)
    assert made.code == 0, made.err
    backup = tmp_path / "便民站备份-450981104202-20261206.bmsbackup"
    assert run_station("backup", "--to", backup, env=env).code == 0
    problems: list[str] = []
    for font in FONTS:
        config = tmp_path / f"config-{font}"
        settings = UiConfig.load(config)
        settings.large_font = font == "large"
        settings.save(config)
        app = StationApp(tmp_path / f"data-{font}", tmp_path / f"documents-{font}",
                         config_dir=config)
        try:
            found = Findings(app, "restore")
            walk_restore(app, found, backup)
            problems += [f"{screen}:\n    " + "\n    ".join(found_here)
                         for screen, found_here in found.found.items()]
        finally:
            app.close()
    assert problems == [], "texts a person cannot read whole:\n" + "\n".join(problems)
