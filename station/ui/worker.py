"""Work off the Tk thread (DESIGN.md §8, the Thonny pattern).

Store, crypto and PDF work runs on one background thread (the station's
SQLite connection belongs to it); results come back through a queue that the
Tk thread drains with ``after()`` a few at a time, so the window never
freezes.  Callbacks always run on the Tk thread.

The worker thread never holds a reference to a callback: tkinter objects
(variables, images) must be finalised on the Tk thread, and a closed screen's
last reference must not be dropped on the worker.  So callbacks stay in a
table on the Tk side, keyed by the future; the worker only queues the future.
"""

from __future__ import annotations

import queue
import tkinter as tk
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]

POLL_MS = 15
PER_TICK = 25


class Dispatcher:
    def __init__(self, root: tk.Misc, on_error: ErrorCallback, name: str = "station") -> None:
        self._root = root
        self._on_error = on_error
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._done: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        self._posted: queue.SimpleQueue[tuple[Callable[..., None], Any]] = queue.SimpleQueue()
        self._callbacks: dict[Future[Any], tuple[Callable[[Any], None], ErrorCallback]] = {}
        self._closed = False
        self._pending = 0
        self._tick = root.after(POLL_MS, self._drain)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def submit(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: ErrorCallback | None = None,
    ) -> Future[T]:
        """Run ``work`` on the worker; then ``on_done(result)`` on the Tk thread."""
        self._pending += 1
        future = self._pool.submit(work)
        self._callbacks[future] = (on_done or _ignore, on_error or self._on_error)
        future.add_done_callback(self._done.put)
        return future

    def post(self, callback: Callable[[T], None], value: T) -> None:
        """From any thread: run ``callback(value)`` on the Tk thread."""
        self._pending += 1
        self._posted.put((callback, value))

    def _next(self) -> tuple[Callable[[Any], None], Any] | None:
        try:
            future = self._done.get_nowait()
        except queue.Empty:
            try:
                return self._posted.get_nowait()
            except queue.Empty:
                return None
        done, failed = self._callbacks.pop(future)
        if future.cancelled():
            return (_ignore, None)
        error = future.exception()
        return (failed, error) if error else (done, future.result())

    def _drain(self) -> None:
        for _ in range(PER_TICK):
            item = self._next()
            if item is None:
                break
            self._pending -= 1
            callback, value = item
            try:
                callback(value)
            except Exception as error:  # a callback's bug must not stop the loop
                self._on_error(error)
        if not self._closed:
            self._tick = self._root.after(POLL_MS, self._drain)

    def close(self) -> None:
        self._closed = True
        self._root.after_cancel(self._tick)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._callbacks.clear()  # on the Tk thread, as the callbacks must be


def _ignore(_result: object) -> None:
    """The default: nothing to do with the result."""
