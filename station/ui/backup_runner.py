"""Backups in the window: 立即备份 and the daily copy, on a thread of their own.

A backup reads every scan and can take minutes, so it never runs on the store's
worker (``app.dispatcher``, which the screens wait on) nor on the Tk thread: it has
its own one-thread ``Dispatcher``, and SQLite's WAL lets it read while the agent
files.  Progress and outcomes come back to the Tk thread through that dispatcher.

The daily copy is checked once at login and then every ``CHECK_MS``: it is taken
when the folder is set and no copy succeeded in the last day.  A folder that is not
there (the USB stick out) is recorded and shown, and tried again at the next check.
Closing the window stops a backup under way; its ``.part`` file is removed.
"""

from __future__ import annotations

import contextlib
import threading
import tkinter as tk
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from station.app import Station
from station.backup import daily
from station.backup.daily import DailyState
from station.backup.take import BackupMade, take_backup
from station.ui.worker import Dispatcher, ErrorCallback

CHECK_MS = 10 * 60 * 1000
Listener = Callable[[DailyState], None]
ProgressCallback = Callable[[tuple[int, int]], None]


class BackupStopped(BaseException):
    """The window closed while a backup ran (its partial file is removed)."""


class BackupRunner:
    def __init__(self, root: tk.Misc, station: Station, on_error: ErrorCallback,
                 check_ms: int | None = None) -> None:
        self._root, self._station = root, station
        self._check_ms = check_ms or CHECK_MS
        self._worker = Dispatcher(root, on_error, name="backup")
        self._stopping = threading.Event()
        self._listeners: list[tuple[tk.Misc, Listener]] = []
        self._tick: str | None = None
        self.state: DailyState | None = None

    @property
    def busy(self) -> bool:
        return self._worker.busy

    def start(self) -> BackupRunner:
        self.check_now()
        return self

    # -- listening (Tk thread) ------------------------------------------------------
    def listen(self, widget: tk.Misc, listener: Listener) -> None:
        """``listener(state)`` after every outcome, while ``widget`` exists."""
        self._listeners.append((widget, listener))
        if self.state is not None:
            listener(self.state)
        else:
            self.refresh()

    def _notify(self, state: DailyState) -> None:
        self.state = state
        for widget, listener in list(self._listeners):
            if not widget.winfo_exists():
                self._listeners.remove((widget, listener))
                continue
            listener(state)

    # -- actions (Tk thread) --------------------------------------------------------
    def refresh(self) -> None:
        station = self._station
        self._submit(lambda: daily.state(station), on_done=self._notify)

    def set_folder(self, folder: Path | None) -> None:
        """Turn the daily copy on or off; when on, check at once (it may be due)."""
        station = self._station

        def done(state: DailyState) -> None:
            self._notify(state)
            if folder is not None:
                self.check_now()

        self._submit(lambda: daily.set_folder(station, folder), on_done=done)

    def back_up_to(self, target: Path, on_progress: ProgressCallback,
                   on_done: Callable[[BackupMade], None], on_error: ErrorCallback) -> None:
        """立即备份 into ``target``."""
        station = self._station

        def work() -> tuple[BackupMade, DailyState]:
            made = take_backup(station, target, self._progress(on_progress))
            daily.record_manual(station, made)
            return made, daily.state(station)

        def done(result: tuple[BackupMade, DailyState]) -> None:
            self._notify(result[1])
            on_done(result[0])

        self._submit(work, on_done=done, on_error=on_error)

    def check_now(self) -> None:
        """Take the daily copy if it is due; then check again in ``check_ms``."""
        if self._tick is not None:
            self._root.after_cancel(self._tick)
        self._tick = self._root.after(self._check_ms, self.check_now)
        station = self._station

        def work() -> DailyState:
            if daily.state(station).due(datetime.now(UTC)):
                with contextlib.suppress(Exception):  # recorded in the state, shown in 设置
                    daily.take_daily(station, progress=self._progress(None))
            return daily.state(station)

        self._submit(work, on_done=self._notify)

    def close(self) -> None:
        self._stopping.set()
        if self._tick is not None:
            self._root.after_cancel(self._tick)
            self._tick = None
        self._worker.close()
        self._listeners.clear()

    # -- on the backup thread ---------------------------------------------------------
    def _progress(self, on_progress: ProgressCallback | None) -> Callable[[int, int], None]:
        last = [-1]

        def progress(done: int, total: int) -> None:
            if self._stopping.is_set():
                raise BackupStopped()
            percent = done * 100 // total if total else 100
            if on_progress is not None and percent != last[0]:
                last[0] = percent
                self._worker.post(on_progress, (done, total))

        return progress

    def _submit(self, work: Callable[[], Any], on_done: Callable[[Any], None],
                on_error: ErrorCallback | None = None) -> None:
        station = self._station

        def job() -> Any:
            try:
                return work()
            finally:
                station.db.close()  # this thread's own connection only

        self._worker.submit(job, on_done=on_done, on_error=on_error)
