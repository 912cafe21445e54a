"""The Tk side of background sync (station/network/sync_worker.py).

The sync thread puts only plain values into a queue (status snapshots,
upload progress); the Tk thread drains it with ``after()`` and tells the
widgets that listen (the status bar, the 同步 screen).  The thread never
holds a Tk object, so nothing of Tk is finalised off the Tk thread.
"""

from __future__ import annotations

import queue
import tkinter as tk
from collections.abc import Callable
from typing import Any

from station.app import Station
from station.casework import resent
from station.network import link
from station.network.sync_worker import BackgroundSync, SyncScheduler, SyncStatus, valid_hub_address
from station.ui.worker import Dispatcher

POLL_MS = 150
Listener = Callable[["SyncMonitor"], None]


class SyncMonitor:
    def __init__(self, root: tk.Misc, station: Station, dispatcher: Dispatcher) -> None:
        self._root = root
        self._station = station
        self._dispatcher = dispatcher
        reports: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._reports = reports

        def progress(done: int, total: int) -> None:  # on the sync thread: the queue only
            reports.put((done, total))

        self.worker = BackgroundSync(SyncScheduler(station, on_status=reports.put,
                                                   on_progress=progress,
                                                   sync=resent.sync_round))
        self.status: SyncStatus | None = None
        self.progress = (0, 0)
        self._listeners: list[tuple[tk.Misc, Listener]] = []
        self._tick: str | None = None

    def start(self) -> SyncMonitor:
        self.worker.start()
        self._tick = self._root.after(POLL_MS, self._drain)
        return self

    # -- listening (Tk thread) ---------------------------------------------------
    def listen(self, widget: tk.Misc, listener: Listener) -> None:
        """Call ``listener(monitor)`` on every report while ``widget`` exists."""
        self._listeners.append((widget, listener))
        listener(self)

    def forget(self, widget: tk.Misc) -> None:
        self._listeners = [(w, f) for w, f in self._listeners if w is not widget]

    def _drain(self) -> None:
        changed = False
        while True:
            try:
                item = self._reports.get_nowait()
            except queue.Empty:
                break
            changed = True
            if isinstance(item, SyncStatus):
                self.status = item
                if item.upload_total or item.state != "syncing":
                    self.progress = (item.upload_done, item.upload_total)
                else:
                    self.progress = (0, 0)
            else:
                self.progress = item
        if changed:
            self._notify()
        self._tick = self._root.after(POLL_MS, self._drain)

    def _notify(self) -> None:
        for widget, listener in list(self._listeners):
            if not widget.winfo_exists():
                self.forget(widget)
                continue
            listener(self)

    # -- actions (Tk thread) -----------------------------------------------------
    def sync_now(self) -> None:
        self.worker.sync_now()

    def poke(self) -> None:
        self.worker.poke()

    def set_hub(self, address: str, on_done: Callable[[str], None]) -> None:
        """Check and save the hub address (on the store worker), then sync at once."""
        url = valid_hub_address(address)
        station, worker = self._station, self.worker

        def save() -> str:
            link.set_hub(station, url)
            return url

        def saved(value: str) -> None:
            worker.sync_now()
            on_done(value)

        self._dispatcher.submit(save, on_done=saved)

    def close(self) -> None:
        if self._tick is not None:
            self._root.after_cancel(self._tick)
            self._tick = None
        self.worker.stop()
        self._listeners.clear()
