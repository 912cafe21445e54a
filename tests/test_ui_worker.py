"""The dispatcher keeps work off the Tk thread and Tk objects on it."""

from __future__ import annotations

import gc
import sys
import threading
import tkinter as tk

import pytest
from gui import pump

from station.ui.worker import Dispatcher


@pytest.fixture
def root(display: str):
    window = tk.Tk()
    yield window
    window.destroy()


def test_results_and_errors_come_back_on_the_tk_thread(root: tk.Tk) -> None:
    errors: list[BaseException] = []
    dispatcher = Dispatcher(root, errors.append)
    seen: list[tuple[object, str]] = []
    worker_threads: list[str] = []

    def work() -> int:
        worker_threads.append(threading.current_thread().name)
        return 42

    def boom() -> None:
        raise ValueError("from the worker")

    dispatcher.submit(work, on_done=lambda v: seen.append((v, threading.current_thread().name)))
    dispatcher.submit(boom)
    dispatcher.post(lambda v: seen.append((v, threading.current_thread().name)), "posted")
    pump(root, lambda: len(seen) == 2 and len(errors) == 1 and not dispatcher.busy)
    assert set(seen) == {(42, "MainThread"), ("posted", "MainThread")}
    assert worker_threads[0] != "MainThread"
    assert isinstance(errors[0], ValueError)
    dispatcher.close()


def test_a_closed_screen_is_never_finalised_on_the_worker(root: tk.Tk) -> None:
    """tkinter variables and images must die on the Tk thread."""
    caught: list[object] = []
    previous = sys.unraisablehook
    sys.unraisablehook = caught.append
    try:
        dispatcher = Dispatcher(root, lambda e: None)
        release = threading.Event()
        for _ in range(20):
            screen = tk.Frame(root)
            screen.variable = tk.StringVar(master=screen, value="x")  # type: ignore[attr-defined]
            dispatcher.submit(release.wait, on_done=lambda _r, s=screen: s.variable.get())
            screen.destroy()
            del screen
        release.set()
        pump(root, lambda: not dispatcher.busy)
        dispatcher.close()
        gc.collect()
        root.update()
    finally:
        sys.unraisablehook = previous
    assert caught == []
