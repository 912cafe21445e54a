"""Take the README's screenshots: the real app on a demo station, 1366×768, in
Chinese, normal and large font; then on a demo network (hubs on loopback) the
village's 同步 screen and the county admin's 审计 screens.
Run: .venv/bin/python docs/screenshots/take.py [network|review]  (network: only those;
review: 11-16 and the 管理 and USB screens, made by the GUI tests that drive those scenes)

Starts its own Xvfb when DISPLAY is not set.  Writes PNGs beside this file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from station.demo.demo_network import DemoNetwork, DemoNode
    from station.ui.app import StationApp
    from station.ui.main_window import MainWindow

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def start_xvfb() -> subprocess.Popen[bytes] | None:
    if os.environ.get("DISPLAY"):
        return None
    number = next(n for n in range(120, 200) if not Path(f"/tmp/.X{n}-lock").exists())
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1366x768x24",
                             "-nolisten", "tcp"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline:
            raise SystemExit("Xvfb did not start")
        proc.poll()
        threading.Event().wait(0.05)  # the X socket appears soon
    os.environ["DISPLAY"] = f":{number}"
    return proc


def capture(app: StationApp, large: bool, passphrase: str) -> None:
    from PIL import Image, ImageGrab

    from station.demo.samples import RESIDENTS
    from station.ui.main_window import MainWindow

    app.config.large_font = large
    app.restyle()
    suffix = "-large" if large else ""

    def pump(until: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 30
        while not until() and time.monotonic() < deadline:
            app.root.update()
        for _ in range(10):
            app.root.update()

    def shot(name: str) -> None:
        pump(lambda: True)
        image = ImageGrab.grab(xdisplay=os.environ["DISPLAY"])
        image.convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(
            HERE / f"{name}{suffix}.png", optimize=True)

    if not large:
        shot("01-login")
    app.demo_login(passphrase)
    pump(lambda: isinstance(app.view, MainWindow))
    main_window = app.view
    assert isinstance(main_window, MainWindow)
    wizard = main_window.open("new_case")
    wizard.step.query.insert(0, "dbsq")  # type: ignore[attr-defined]
    wizard.step.refresh()  # type: ignore[attr-defined]
    shot("02-new-case-matter")
    wizard.next()  # type: ignore[attr-defined]
    for key, value in RESIDENTS[1].to_json().items():
        wizard.step.entries[key].insert(0, value)  # type: ignore[attr-defined]
    wizard.step.check_id()  # type: ignore[attr-defined]
    shot("03-new-case-applicant")
    wizard.next()  # type: ignore[attr-defined]
    shot("04-new-case-form")
    main_window.open("cases")  # leaving a filing half done asks first: keep the draft
    if wizard.asking is not None:  # type: ignore[attr-defined]
        wizard.asking.yes.invoke()  # type: ignore[attr-defined]
    pump(lambda: main_window.current == "cases")
    cases = main_window.screen
    pump(lambda: bool(cases.tree.get_children()))  # type: ignore[union-attr]
    shot("05-case-list")
    cases.open_selected()  # type: ignore[union-attr]
    pump(lambda: cases.detail is not None)  # type: ignore[union-attr]
    shot("06-case-detail")
    if not large:
        main_window.open("settings")
        shot("08-settings")
    app.close()


def wait(app: StationApp, until: Callable[[], bool], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise SystemExit("the window did not get there in time")
        app.root.update()
    for _ in range(10):
        app.root.update()


def save(name: str) -> None:
    from PIL import Image, ImageGrab

    image = ImageGrab.grab(xdisplay=os.environ["DISPLAY"])
    image.convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(
        HERE / f"{name}.png", optimize=True)


def open_app(net: DemoNetwork, node: DemoNode, work: Path) -> tuple[StationApp, MainWindow]:
    from station.ui.app import StationApp
    from station.ui.main_window import MainWindow

    app = StationApp(node.data, net.workdir / "documents" / node.code,
                     config_dir=work / f"config-{node.user}", user=node.user)
    app.demo_login(net.passphrase)
    wait(app, lambda: isinstance(app.view, MainWindow))
    assert isinstance(app.view, MainWindow)
    return app, app.view


def village_shots(app: StationApp, main_window: MainWindow) -> None:
    """The first background round after login uploads the cases filed before it."""
    from station.network.sync_worker import IDLE
    from station.ui.screens.sync import SyncScreen

    screen = main_window.open("sync")
    assert isinstance(screen, SyncScreen) and app.sync is not None
    monitor = app.sync
    wait(app, lambda: monitor.status is not None and monitor.status.pending == 0
         and monitor.status.state == IDLE and monitor.progress[1] > 0)
    rows = screen.outbox.tree
    wait(app, lambda: all(rows.item(row)["values"][-1] == "已上报"
                          for row in rows.get_children()))
    save("07-sync")


def county_shots(app: StationApp, main_window: MainWindow) -> None:
    from station.ui.screens.audit import AuditScreen

    wait(app, lambda: "audit" in main_window.buttons)
    audit = main_window.open("audit")
    assert isinstance(audit, AuditScreen)
    wait(app, lambda: bool(audit.log.rows))
    save("09-audit-log")
    audit.tabs.select(audit.health)
    wait(app, lambda: audit.health.audit is not None)
    save("10-station-health")


def capture_network(work: Path) -> None:
    """07-sync (the village after its first round), 09-audit-log, 10-station-health (county)."""
    from station.demo import demo_network

    net = demo_network.setup(work / "network")
    demo_network.start_hubs(net)
    try:
        with net.open(net.village) as village:
            demo_network.file_samples(net, village)
        app, main_window = open_app(net, net.village, work)
        village_shots(app, main_window)
        app.close()
        demo_network.round_trip(net)  # the county's log and health fill up
        app, main_window = open_app(net, net.county, work)
        county_shots(app, main_window)
        app.close()
    finally:
        net.stop()


# The review desk's, the village results', 管理's and the USB screenshots come from the
# GUI tests that drive those scenes; they copy them here only when asked (tests/gui.py's keep()).
REVIEW_SHOTS = ["tests/test_gui_review.py", "tests/test_gui_delivery.py",
                "tests/test_gui_review_desk.py::test_special_procedure_and_an_extension",
                "tests/test_gui_drafts.py",  # 40-44: the wizard's drafts
                "tests/test_gui_catalogue_excel.py",  # catalogue-excel-errors
                "tests/test_gui_enrol.py::test_a_new_village_enrols_from_the_windows_and_syncs",
                "tests/test_gui_passphrase.py", "tests/test_gui_admin.py", "tests/test_gui_usb.py",
                "tests/test_gui_supervision.py", "tests/test_gui_card_rule.py",
                "tests/test_gui_office_keys.py", "tests/test_gui_enrol_refuse.py",
                "tests/test_gui_monthly_report.py",  # monthly-report: 月通报
                "tests/test_gui_resident_file.py",  # resident-file: 居民档案
                "tests/test_gui_reuse.py",  # reuse-*: 资料共享 in the wizard and at the desk
                "tests/test_gui_layout.py::test_every_review_desk_screen_shows_its_whole_text"]


def review_shots() -> None:
    """11-review-queue … 16-review-special, through the tests that make them."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, STATION_DOC_SCREENSHOTS=str(root / "docs" / "screenshots"))
    subprocess.run([sys.executable, "-m", "pytest", "-q", *REVIEW_SHOTS], cwd=root, env=env,
                   check=True)


def main() -> None:
    if sys.argv[1:] == ["review"]:
        review_shots()
        return
    xvfb = start_xvfb()
    work = Path(tempfile.mkdtemp(prefix="bianmin-shots-"))
    os.environ.update(STATION_TEST_WEAK_KDF="1", STATION_NO_OPEN="1", HOME=str(work / "home"),
                      STATION_SCAN_FOLDER=str(work / "scanner"))
    from station.demo.village import DEMO_AGENT, DEMO_PASSPHRASE, run_demo
    from station.ui.app import StationApp

    if sys.argv[1:] != ["network"]:
        demo = run_demo(work / "demo")
        for large in (False, True):
            capture(StationApp(demo.data, demo.documents, config_dir=work / "config",
                               user=DEMO_AGENT), large, DEMO_PASSPHRASE)
    capture_network(work)
    shutil.rmtree(work, ignore_errors=True)
    if xvfb is not None:
        xvfb.terminate()


if __name__ == "__main__":
    main()
