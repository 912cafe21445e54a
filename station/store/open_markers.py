"""Open markers: did every earlier session on this data folder end cleanly?

Sweeping leftover scans (``station/store/leftovers.py``) reads every blob reference
and decrypts every draft, so it runs only when a session may have left scans behind:

| at open, ``<data>/run/`` holds …                      | sweep? | why                        |
|-------------------------------------------------------|--------|----------------------------|
| nothing but markers of live processes                 | no     | every session ended well   |
| ``open-<pid>-<n>`` of a process that is not alive     | yes    | killed, crashed, power cut |
| ``sweep-owed``                                        | yes    | see below                  |
| (no ``run/`` folder at all)                           | yes    | a store from before markers |

``sweep-owed`` is written when a stale marker is found (before the marker is removed,
so a crash in between still owes the sweep), and at a clean close whose session
stored scans nothing refers to (a filing that failed with an error after storing its
pages).  It is removed only after a sweep that left no unreferenced file behind: a
young one (a filing in progress elsewhere) keeps the sweep owed to the next open.

A process id can be reused, most of all after a power cut restarts the numbering: a
marker written before the system last started is stale whatever its number says.
Otherwise a dead session's marker may look alive, and the sweep waits for a later
open.  Either way no file is removed on a wrong belief: the sweep checks every file.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import time
from pathlib import Path

RUN_DIR = "run"
OWED = "sweep-owed"
PREFIX = "open-"
BOOT_SLACK = 60.0  # seconds: the boot time is coarse, and clocks are set at start

_serial = itertools.count(1)
log = logging.getLogger("station")


def begin(root: Path) -> tuple[Path | None, bool]:
    """Mark this session open; and whether a sweep is owed (see the module's table).

    Housekeeping never keeps the agent out: if the marker cannot be written (a full
    or read-only disk), the session goes on unmarked and the sweep runs now."""
    run = root / RUN_DIR
    try:
        owed = not run.is_dir()
        run.mkdir(parents=True, exist_ok=True)
        booted = _boot_time()
        stale = [path for path in run.glob(PREFIX + "*")
                 if _before(path, booted) or not _alive(_pid_of(path))]
        if stale or owed:
            (run / OWED).touch()
        for path in stale:
            path.unlink(missing_ok=True)
        marker = run / f"{PREFIX}{os.getpid()}-{next(_serial)}"
        marker.touch()
        return marker, (run / OWED).exists()
    except OSError as error:
        log.warning("open marker not written (%s): sweeping now", error.strerror)
        return None, True


def owe(root: Path) -> None:
    """Make the next open sweep."""
    try:
        run = root / RUN_DIR
        run.mkdir(parents=True, exist_ok=True)
        (run / OWED).touch()
    except OSError as error:
        log.warning("sweep not recorded as owed (%s)", error.strerror)


def paid(root: Path) -> None:
    """A sweep left no unreferenced scan behind: nothing is owed any more."""
    try:
        (root / RUN_DIR / OWED).unlink(missing_ok=True)
    except OSError as error:
        log.warning("owed sweep not cleared (%s)", error.strerror)


def end(marker: Path | None) -> None:
    """This session ended cleanly."""
    if marker is None:
        return
    try:
        marker.unlink(missing_ok=True)
    except OSError as error:
        log.warning("open marker not removed (%s)", error.strerror)


def _before(marker: Path, booted: float | None) -> bool:
    """Whether ``marker`` was written before the system started (so its process is gone)."""
    if booted is None:
        return False
    try:
        return marker.stat().st_mtime < booted - BOOT_SLACK
    except FileNotFoundError:
        return False


def _boot_time() -> float | None:
    """When the system started, in seconds since the epoch (None where unknown)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32")
        kernel32.GetTickCount64.restype = ctypes.c_ulonglong
        return time.time() - kernel32.GetTickCount64() / 1000  # includes sleep
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            for line in stat:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def _pid_of(marker: Path) -> int:
    pid = marker.name.removeprefix(PREFIX).split("-", 1)[0]
    return int(pid) if pid.isdigit() else 0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        # This process's own earlier session that never closed (a test, or the app
        # after an error): not an interrupted filing, the process is still here.
        return True
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


if sys.platform == "win32":

    def _alive_windows(pid: int) -> bool:
        """os.kill(pid, 0) would terminate the process on Windows: ask the kernel instead."""
        import ctypes
        from ctypes import wintypes

        query_limited_information, still_active, access_denied = 0x1000, 259, 5
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        handle = kernel32.OpenProcess(query_limited_information, False, pid)
        if not handle:
            # No such process (ERROR_INVALID_PARAMETER), or one this user may not query.
            return ctypes.get_last_error() == access_denied
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == still_active
        finally:
            kernel32.CloseHandle(handle)
