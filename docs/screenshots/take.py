"""Take the README's screenshots: the real app on a demo station, 1366×768, in
Chinese, normal and large font.  Run: .venv/bin/python docs/screenshots/take.py

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
    from station.ui.app import StationApp

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
    from PIL import ImageGrab

    from station.samples import RESIDENTS
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
        image.convert("P", palette=1, colors=256).save(HERE / f"{name}{suffix}.png",
                                                       optimize=True)

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
    cases = main_window.open("cases")
    pump(lambda: bool(cases.tree.get_children()))  # type: ignore[attr-defined]
    shot("05-case-list")
    cases.open_selected()  # type: ignore[attr-defined]
    pump(lambda: cases.detail is not None)  # type: ignore[attr-defined]
    shot("06-case-detail")
    if not large:
        main_window.open("outbox")
        shot("07-sync")
        main_window.open("settings")
        shot("08-settings")
    app.close()


def main() -> None:
    xvfb = start_xvfb()
    work = Path(tempfile.mkdtemp(prefix="bianmin-shots-"))
    os.environ.update(STATION_TEST_WEAK_KDF="1", STATION_NO_OPEN="1", HOME=str(work / "home"),
                      STATION_SCAN_FOLDER=str(work / "scanner"))
    from station.demo import DEMO_AGENT, DEMO_PASSPHRASE, run_demo
    from station.ui.app import StationApp

    demo = run_demo(work / "demo")
    for large in (False, True):
        capture(StationApp(demo.data, demo.documents, config_dir=work / "config",
                           user=DEMO_AGENT), large, DEMO_PASSPHRASE)
    shutil.rmtree(work, ignore_errors=True)
    if xvfb is not None:
        xvfb.terminate()


if __name__ == "__main__":
    main()
