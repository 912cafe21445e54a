"""入网 from the windows only, under Xvfb, against the demo network's real hubs.

The county admin issues a code in the county's window (入网 → 签发注册码); a new
village PC is set up in its window and, right after setup, sends its request to
the township hub with the code read off the sheet's QR code (as a scanner
types it, ending with Enter).  The township relays the request up; the county
admin approves it in the county's window (入网 → 待批准的入网申请); the village's
window, opened again, finds the approval by itself, installs the certificates,
and its next 立即同步 succeeds.  The CLI only starts the hub processes.

The approver is the code's issuer (docs/protocol.md §16): the county here,
through the township hub's relay.
"""

from __future__ import annotations

import shutil
import subprocess
import tkinter as tk
from pathlib import Path

import ttkbootstrap as ttk
from conftest import PASSPHRASE
from gui import find_widget, keep, pump, screenshot, sign_in, text_of

from keys.enrolment import new_code
from station.app import Station
from station.demo.demo_network import ADMIN, COUNTY, DemoNetwork, wait_until
from station.hubops import hub_runner
from station.network.enrol_desk import is_enrolled
from station.trust import enrolment
from station.ui.app import StationApp
from station.ui.login import LoginView
from station.ui.main_window import MainWindow
from station.ui.screens.enrol import EnrolScreen
from station.ui.screens.enrol_approve import ApprovePanel
from station.ui.screens.enrol_join import JoinPanel
from station.ui.screens.sync import SyncScreen
from station.ui.setup import SetupView
from sync.hub.identity import open_database
from sync.hub.models import HubGrant

WAIT = 240.0  # two hubs, a relay up and an approval down, on a shared 2-core machine
NEW = "450981104202"
NEW_NAME = "桂平市示范镇新村便民服务站"


def open_app(net: DemoNetwork, tmp_path: Path, data: Path, name: str) -> StationApp:
    return StationApp(data, net.workdir / "documents" / name, config_dir=tmp_path / f"cfg-{name}")


def enrol_screen(app: StationApp, main: MainWindow) -> EnrolScreen:
    pump(app.root, lambda: "enrol" in main.buttons, what="the 入网 entry")
    screen = main.open("enrol")
    assert isinstance(screen, EnrolScreen)
    pump(app.root, lambda: bool(screen.winfo_children()), what="the 入网 screen")
    return screen


def code_from_sheet(sheet: Path, tmp_path: Path) -> str:
    """What a barcode scanner reads off the printed sheet's QR code."""
    for tool in ("pdftoppm", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: install poppler-utils and zbar-tools"
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(sheet), str(tmp_path / "sheet")],
                   check=True, timeout=120)
    page = sorted(tmp_path.glob("sheet-*.png"))[0]
    return subprocess.run(["zbarimg", "--raw", "-q", str(page)], check=True,
                          capture_output=True, text=True, timeout=120).stdout.strip()


def grant_at_township(net: DemoNetwork) -> bool:
    db = open_database(None, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            return HubGrant.select().where(HubGrant.child == NEW).exists()
    finally:
        db.close()


def issue_in_county_window(net: DemoNetwork, tmp_path: Path) -> str:
    app = open_app(net, tmp_path, net.county.data, COUNTY[1])
    try:
        main = sign_in(app, PASSPHRASE)
        assert main.current == "admin"  # home by role: an admin lands on 管理
        screen = enrol_screen(app, main)
        issue = screen.issue
        assert issue is not None and screen.tabs is not None
        screen.tabs.select(issue)
        issue.child.delete(0, tk.END)
        issue.child.insert(0, NEW)
        issue.tier.set("村便民服务站")
        issue.button.invoke()
        pump(app.root, lambda: issue.issued is not None or "danger" in str(
            issue.message.cget("style")), timeout=WAIT, what="the code issued")
        assert issue.issued is not None, text_of(issue.message)
        assert issue.issued.published, "the county hub did not take the grant"
        assert issue.issued.code in text_of(issue.code)
        keep(app.root, "enrol-issue")
        return code_from_sheet(issue.issued.sheet, tmp_path)
    finally:
        app.close()


def set_up_and_send(net: DemoNetwork, tmp_path: Path, code: str) -> None:
    data = net.workdir / NEW
    app = open_app(net, tmp_path, data, NEW)
    try:
        setup = app.view
        assert isinstance(setup, SetupView)
        setup.entries["tier"].set("村便民服务站")  # type: ignore[union-attr]
        for key, value in (("code", NEW), ("name", NEW_NAME), ("display_name", "黄代办"),
                           ("passphrase", PASSPHRASE), ("again", PASSPHRASE)):
            setup.entries[key].insert(0, value)
        setup.button.invoke()
        pump(app.root, lambda: _has_button(setup, "下一步：入网"), timeout=WAIT,
             what="the station created")
        find_widget(setup, ttk.Button, "下一步：入网").invoke()  # type: ignore[attr-defined]
        join = setup.join
        assert isinstance(join, JoinPanel)

        join.code.insert(0, "ABCD-EFGH-JKLM-N")  # mistyped: the check letter is wrong
        join.hub.insert(0, net.township.address or "")
        join.button.invoke()
        pump(app.root, lambda: bool(text_of(join.error)), what="the mistyped code")
        assert "注册码有误" in text_of(join.error), text_of(join.error)
        join.code.delete(0, tk.END)
        join.code.insert(0, new_code())  # well formed, but not the code issued to us
        join.button.invoke()
        pump(app.root, lambda: bool(text_of(join.error)), timeout=WAIT, what="the hub's answer")
        assert "与注册码不符" in text_of(join.error), text_of(join.error)
        assert str(join.button.cget("state")) == "normal"

        join.code.delete(0, tk.END)
        join.code.insert(0, code)  # as the scanner types it: the code, then Enter
        join.code.event_generate("<Return>")
        pump(app.root, lambda: "已送达" in text_of(join.status) or bool(text_of(join.error)),
             timeout=WAIT, what="the request sent")
        assert "已送达" in text_of(join.status), text_of(join.error)
        assert join.progress.winfo_ismapped()  # visible progress while waiting
        keep(app.root, "enrol-waiting")
    finally:
        app.close()  # closed while waiting: the next start waits again


def _has_button(root: tk.Misc, text: str) -> bool:
    try:
        find_widget(root, ttk.Button, text)
    except AssertionError:
        return False
    return True


def request_at_county(app: StationApp) -> ApprovePanel:
    """The county admin's 待批准的入网申请, once the new station's request is listed
    (the township relays it up on its own schedule: 刷新 until it is there)."""
    screen = enrol_screen(app, sign_in(app, PASSPHRASE))
    panel = screen.approve
    assert panel is not None

    def listed() -> bool:
        seen = panel.loaded
        panel.refresh_button.invoke()
        pump(app.root, lambda: panel.loaded > seen, timeout=WAIT, what="the list")
        return NEW in panel.tree.get_children()
    wait_until(listed, WAIT, "the request relayed to the county hub")
    return panel


def approve_in_county_window(net: DemoNetwork, tmp_path: Path) -> None:
    app = open_app(net, tmp_path, net.county.data, COUNTY[1])
    try:
        panel = request_at_county(app)
        assert panel.tree.item(NEW)["values"][1] == NEW_NAME
        keep(app.root, "enrol-approve")
        panel.tree.selection_set(NEW)
        panel.approve_button.invoke()
        pump(app.root, lambda: "已批准" in text_of(panel.message)
             or "danger" in str(panel.message.cget("style")), timeout=WAIT,
             what="the approval")
        assert "已批准" in text_of(panel.message), text_of(panel.message)
    finally:
        app.close()


def test_a_new_village_enrols_from_the_windows_and_syncs(
        display: str, hubs: DemoNetwork, tmp_path: Path, no_open: None) -> None:
    net = hubs
    code = issue_in_county_window(net, tmp_path)
    wait_until(lambda: grant_at_township(net), WAIT, "the county's grant at the township hub")
    set_up_and_send(net, tmp_path, code)
    approve_in_county_window(net, tmp_path)

    app = open_app(net, tmp_path, net.workdir / NEW, NEW)
    try:
        login = app.view
        assert isinstance(login, LoginView)
        pump(app.root, lambda: NEW in text_of(login.station_label), what="the station named")
        assert NEW_NAME in text_of(login.station_label)
        main = sign_in(app, PASSPHRASE)
        screen = enrol_screen(app, main)  # F8, offered while not enrolled
        assert main.current == "enrol"
        pump(app.root, lambda: screen.join is not None, what="the request panel")
        join = screen.join
        assert join is not None
        pump(app.root, lambda: "已入网" in text_of(join.status) or (
            bool(text_of(join.error)) and not join.progress.winfo_ismapped()),
            timeout=WAIT, what="the certificates installed")
        assert "已入网" in text_of(join.status), text_of(join.error)
        screenshot(app.root, "enrol-done")

        sync = main.open("sync")
        assert isinstance(sync, SyncScreen)
        bar = main.status_bar
        find_widget(sync, ttk.Button, "立即同步").invoke()  # type: ignore[attr-defined]
        pump(app.root, lambda: "同步正常" in text_of(bar.state_label)
             and "上次成功同步：20" in text_of(bar.last), timeout=WAIT,
             what="the first sync of the new village")
        assert text_of(sync.values["error"]) == "无"
        assert sync.hub.get() == net.township.address
    finally:
        app.close()


def test_an_unreachable_hub_is_said_plainly(display: str, hubs: DemoNetwork,
                                            tmp_path: Path) -> None:
    """Also: a village PC set up earlier without enrolling is told so at 立即同步,
    not sent to a command line."""
    net = hubs
    with net.open(net.township, ADMIN) as township:
        code = enrolment.issue_code(township, NEW, "village").code
    data = net.workdir / NEW

    Station.init(data, "village", NEW, NEW_NAME, ADMIN, PASSPHRASE,
                 net.workdir / "documents" / NEW)[0].close()
    app = open_app(net, tmp_path, data, NEW)
    try:
        main = sign_in(app, PASSPHRASE)
        sync = main.open("sync")
        assert isinstance(sync, SyncScreen)
        sync.hub.insert(0, net.township.address or "")
        sync.save_button.invoke()
        pump(app.root, lambda: "尚未入网" in text_of(sync.values["error"]), timeout=WAIT,
             what="the sync error")
        shown = text_of(sync.values["error"])
        assert "station" not in shown and "--hub" not in shown and "设置" not in shown

        screen = enrol_screen(app, main)
        pump(app.root, lambda: screen.join is not None, what="the request panel")
        join = screen.join
        assert join is not None
        pump(app.root, lambda: join.hub.get() == net.township.address, what="the hub kept")
        join.hub.delete(0, tk.END)
        join.hub.insert(0, "http://127.0.0.1:9")  # nothing listens there
        join.code.insert(0, code)
        join.button.invoke()
        pump(app.root, lambda: bool(text_of(join.error)), timeout=WAIT, what="the error")
        assert "连不上上级枢纽站 http://127.0.0.1:9" in text_of(join.error)
        assert "Error" not in text_of(join.error)
        screenshot(app.root, "enrol-unreachable")
    finally:
        app.close()


def test_offline_enrolment_through_a_usb_stick(display: str, hubs: DemoNetwork,
                                               tmp_path: Path) -> None:
    """No network: the village writes its request to a stick, the township admin
    approves the file in the township's window, the village reads the approval back."""
    net = hubs

    with net.open(net.township, ADMIN) as township:  # the sheet handed over in person
        code = enrolment.issue_code(township, NEW, "village").code
    data = net.workdir / NEW
    Station.init(data, "village", NEW, NEW_NAME, ADMIN, PASSPHRASE,
                 net.workdir / "documents" / NEW)[0].close()
    stick = tmp_path / "usb"
    stick.mkdir()

    app = open_app(net, tmp_path, data, NEW)
    try:
        screen = enrol_screen(app, sign_in(app, PASSPHRASE))
        pump(app.root, lambda: screen.join is not None, what="the request panel")
        join = screen.join
        assert join is not None
        join.code.insert(0, code)
        join.write_request_to(stick / "入网申请-450981104202.json")
        pump(app.root, lambda: "已写到" in text_of(join.status) or bool(text_of(join.error)),
             what="the request written")
        assert "已写到" in text_of(join.status), text_of(join.error)
    finally:
        app.close()
    assert (stick / "入网申请-450981104202.json").exists()

    app = open_app(net, tmp_path, net.township.data, "township")
    try:
        screen = enrol_screen(app, sign_in(app, PASSPHRASE))
        panel = screen.approve
        assert panel is not None
        panel.approve_file_from(stick / "入网申请-450981104202.json")
        pump(app.root, lambda: "已批准" in text_of(panel.message), timeout=WAIT,
             what="the file approved")
    finally:
        app.close()
    approval = stick / "入网批准-450981104202.json"
    assert approval.exists()

    app = open_app(net, tmp_path, data, NEW)
    try:
        screen = enrol_screen(app, sign_in(app, PASSPHRASE))
        pump(app.root, lambda: screen.join is not None, what="the request panel")
        join = screen.join
        assert join is not None
        join.read_approval_from(approval)
        pump(app.root, lambda: "已入网" in text_of(join.status) or bool(text_of(join.error)),
             what="the certificates installed")
        assert "已入网" in text_of(join.status), text_of(join.error)
    finally:
        app.close()
    with Station.open(data, ADMIN, PASSPHRASE) as village:
        assert village.node.code == NEW and is_enrolled()
