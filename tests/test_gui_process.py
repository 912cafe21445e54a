"""The real command opens the real window: `station demo` on a display logs in
to the demo station and shows the main window; `station gui` shows the login."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from cli import COMMAND
from gui import ARTIFACTS
from PIL import ImageGrab


def window_titles(display: str) -> list[str]:
    xdotool = shutil.which("xdotool")
    assert xdotool, "xdotool is not installed: run `bash run.sh test`, which installs it"
    found = subprocess.run([xdotool, "search", "--class", "Tk"],
                           capture_output=True, text=True, env={**os.environ, "DISPLAY": display})
    titles = []
    for window in found.stdout.split():
        name = subprocess.run([xdotool, "getwindowname", window], capture_output=True,
                              text=True, env={**os.environ, "DISPLAY": display})
        titles.append(name.stdout.strip())
    return titles


def wait_for_title(proc: subprocess.Popen[bytes], display: str, fragment: str) -> str:
    deadline = time.monotonic() + 90
    while True:
        titles = [t for t in window_titles(display) if fragment in t]
        if titles:
            return titles[0]
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "exited"
        assert time.monotonic() < deadline, f"no window titled {fragment!r} within 90 s"
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.2)


def test_demo_opens_the_app_logged_in(display: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    env.update(DISPLAY=display, STATION_TEST_WEAK_KDF="1", STATION_NO_OPEN="1",
               HOME=str(tmp_path / "home"))
    proc = subprocess.Popen([*COMMAND, "demo", "--workdir", str(tmp_path / "demo")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        title = wait_for_title(proc, display, "示范村便民服务站")
        assert "daiban" in title
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        ImageGrab.grab(xdisplay=display).save(ARTIFACTS / "20-demo-window.png")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert any((tmp_path / "demo" / "documents").rglob("*收件凭证.pdf"))
    hubs = subprocess.run(["pgrep", "-f", f"hub serve --data {tmp_path / 'demo'}/"],
                          capture_output=True, text=True)
    assert not hubs.stdout.strip(), "stopping the demo left its hubs running"
