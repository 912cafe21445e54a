"""installer/check-deb.sh run in the background while the rest of the suite runs.

The .deb check (tests/test_deb.py) takes minutes, mostly spent waiting on the Debian
mirror, mmdebstrap, dpkg and PyInstaller.  When test_deb.py is among the selected
tests, tests/conftest.py starts the check as soon as collection ends, and moves the
test to the end of the run; the test then waits for it and reads its exit code and
its log (stdout and stderr, in one temporary file).  Run on its own, the test just
waits for the check it started.  Whatever the test does not collect (an interrupted
session, ``-x`` stopping early) is stopped when the session ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["bash", "installer/check-deb.sh"]
TIMEOUT = 3600.0  # seconds from the start, as when the test ran the check itself
KEY = pytest.StashKey["BackgroundCheck"]()


@dataclass
class BackgroundCheck:
    process: subprocess.Popen[bytes]
    log: Path
    started: float

    def wait(self) -> tuple[int, str]:
        """The check's exit code and its whole output, once it has ended."""
        left = TIMEOUT - (time.monotonic() - self.started)
        try:
            code = self.process.wait(timeout=max(left, 0.0))
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"installer/check-deb.sh did not end within {TIMEOUT:.0f} s "
                        f"(log: {self.log})\n{self.output()[-6000:]}")
        return code, self.output()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """End the check and everything it started (its EXIT traps undo the mounts)."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start(config: pytest.Config) -> BackgroundCheck:
    """Start the check (once per session) and keep it in the session's stash."""
    if KEY in config.stash:
        return config.stash[KEY]
    handle, name = tempfile.mkstemp(prefix="check-deb-", suffix=".log")
    with os.fdopen(handle, "wb") as log:
        process = subprocess.Popen(COMMAND, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    check = BackgroundCheck(process, Path(name), time.monotonic())
    config.stash[KEY] = check
    return check


def finish(config: pytest.Config) -> None:
    """At the session's end: stop a check no test waited for (an interrupted session, or
    ``-x`` stopping early) and drop its log, and the log of one that passed; a failed
    check's log stays, and the test's message names it."""
    check = config.stash.get(KEY, None)
    if check is None:
        return
    unused = check.process.poll() is None
    check.stop()
    if unused or check.process.returncode == 0:
        check.log.unlink(missing_ok=True)


def selected(items: list[pytest.Item]) -> bool:
    return any(item.path.name == "test_deb.py" for item in items)
