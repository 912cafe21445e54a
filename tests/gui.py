"""A real X display (Xvfb) for GUI tests, and helpers to drive Tk and take screenshots."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time
import tkinter as tk
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("STATION_TEST_ARTIFACTS", ROOT / "test-artifacts"))
SCREEN = "1366x768x24"


def _free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X{number}-lock").exists() and \
                not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number between :90 and :199")


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """Start Xvfb (the test fails, saying why, when it cannot)."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is not installed: run `bash run.sh test`, which installs it (apt: xvfb)"
    number = _free_display()
    proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", SCREEN, "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    socket = Path(f"/tmp/.X11-unix/X{number}")
    ready = threading.Event()
    deadline = time.monotonic() + 20
    while not socket.exists():
        assert proc.poll() is None, f"Xvfb exited: {proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < deadline, "Xvfb did not start within 20 s"
        ready.wait(0.05)
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{number}"
    try:
        yield f":{number}"
    finally:
        if previous is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = previous
        proc.terminate()
        proc.wait(timeout=10)


def pump(root: tk.Misc, until: Callable[[], bool], timeout: float = 20.0,
         what: str = "the window") -> None:
    """Run the Tk event loop until ``until()`` holds (a condition, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        root.update()


def settle(root: tk.Misc, rounds: int = 5) -> None:
    for _ in range(rounds):
        root.update_idletasks()
        root.update()


def screenshot(root: tk.Misc, name: str) -> Path:
    """Save what the screen shows now, as a test artifact."""
    from PIL import ImageGrab

    settle(root)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).save(path)
    return path


def keep(root: tk.Misc, name: str) -> Path:
    """A screenshot the README shows: a test artifact like any other, copied into the
    documentation only when ``docs/screenshots/take.py review`` asks for it (it sets
    STATION_DOC_SCREENSHOTS), so a test run never rewrites tracked files."""
    path = screenshot(root, name)
    docs = os.environ.get("STATION_DOC_SCREENSHOTS")
    if docs:
        Path(docs).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(docs) / path.name)
    return path


def find_widget(root: tk.Misc, kind: type, text: str | None = None) -> tk.Misc:
    """The first widget of ``kind`` (with ``text`` in its label, if given)."""
    stack: list[tk.Misc] = [root]
    while stack:
        widget = stack.pop(0)
        if isinstance(widget, kind):
            if text is None:
                return widget
            try:
                label = str(widget.cget("text"))
            except tk.TclError:
                label = ""
            if text in label:
                return widget
        stack.extend(widget.winfo_children())
    raise AssertionError(f"no {kind.__name__} with text {text!r} on screen")


def text_of(widget: tk.Misc) -> str:
    """What a label or button says."""
    return str(widget.cget("text"))


def type_into(widget, text: str) -> None:
    """Type as a person would: focus the field, enter the text, release a key."""
    widget.focus_force()
    widget.update()
    widget.delete(0, "end")
    widget.insert(0, text)
    widget.event_generate("<KeyRelease>", when="now")
    widget.update()


def sign_in(app: Any, passphrase: str) -> Any:
    """Type the passphrase on ``app``'s login screen; the main window once it shows."""
    from station.ui.login import LoginView
    from station.ui.main_window import MainWindow

    login = app.view
    assert isinstance(login, LoginView)
    login.passphrase.insert(0, passphrase)
    login.submit()
    pump(app.root, lambda: isinstance(app.view, MainWindow), what="login")
    assert isinstance(app.view, MainWindow)
    return app.view


FILE_DIALOG = "__tk_filedialog"  # Tk's own open/save dialog on X11: PARENT.__tk_filedialog


def cancel_file_dialog(root: tk.Misc) -> dict[str, Any]:
    """Before calling code that opens Tk's file dialog (a modal loop of its own): when the
    dialog shows, note its title, folder and every text on it, then press its cancel
    button (取消 or Cancel), as a person would.  Returns what was seen, filled in once the
    dialog has closed."""
    seen: dict[str, Any] = {}

    def walk(top: str) -> list[str]:
        found, stack = [], [top]
        while stack:
            path = stack.pop()
            found.append(path)
            stack += root.tk.splitlist(root.tk.eval(f"winfo children {path}"))
        return found

    def look() -> None:
        dialog = next((p for p in walk(".") if p.endswith("." + FILE_DIALOG)), None)
        if dialog is None or root.tk.eval(f"winfo ismapped {dialog}") != "1":
            root.after(20, look)
            return
        shown = []
        for path in walk(dialog):
            with contextlib.suppress(tk.TclError):
                shown.append((path, str(root.tk.eval(f"{path} cget -text"))))
        seen.update(title=root.tk.eval(f"wm title {dialog}"),
                    folder=root.tk.eval(f"set ::tk::dialog::file::{FILE_DIALOG}(selectPath)"),
                    texts=[text for _path, text in shown if text])
        cancel = next(path for path, text in shown if text in ("取消", "Cancel"))
        root.tk.eval(f"{cancel} invoke")

    root.after(20, look)
    return seen
