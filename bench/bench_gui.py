"""Desktop app benchmark: the case list and the ID-number search, in the real window.

Run from the repository root::

    .venv/bin/python bench/bench_gui.py [--cases 100000] [--runs 7] [--workdir DIR]

It prints figures, each beside its limit, as a ratio.  It asserts nothing:
timings depend on the machine, so they are read by people
(docs/performance.md), never checked by tests.  pytest only collects ``tests/``.

What it does, in one process:

1. Builds a station of ``--cases`` cases with ``bench_store``'s builder (the
   real encrypted models, blind indexes, one hash-chained event per case).
2. Starts the real app (``StationApp``) on the display, or on its own Xvfb
   when ``DISPLAY`` is unset, and logs in through the login view.
3. Times, as the agent sees them, by running the Tk loop (``root.update()``)
   until the window shows the result: opening the case list (F1, then F2:
   ``MainWindow.open("cases")`` until the tree holds the first page and the
   count label the total), searching by ID number (``CasesScreen.search()``
   until the tree holds that resident's cases), and the next page.
4. The longest stall of the event loop (limit 100 ms): a repeating ``after(10 ms)``
   probe runs while 10 real JPEG scans of about 3 MB are imported in the wizard
   (thumbnails on the image worker) and the case is filed (hashing, encryption,
   fsync, the receipt).  tests/test_gui_responsive.py checks the cause instead:
   none of that work runs on the Tk thread.

The KDF is not measured here: unless ``STATION_TEST_WEAK_KDF`` is set, this
benchmark sets it to 1, so creating and unlocking the station are quick; the
output says which KDF was used.  Progress goes to stderr; the figures to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import tkinter as tk
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench_store import (
    AGENT,
    NODE,
    PASSPHRASE,
    CaseRow,
    Timing,
    build_store,
    filesystem_of,
    line,
    machine,
    make_cases,
    ms,
    progress,
    residents_of,
    run_in_work_folder,
    timed,
)

from keys.kdf import WEAK_KDF_VARIABLE
from station.app import Station
from station.cases.register import CaseList, find_by_id_number, list_cases
from station.ui.app import StationApp
from station.ui.login import LoginView
from station.ui.main_window import MainWindow
from station.ui.screens.cases import PAGE, CasesScreen
from station.ui.wizard.confirm_step import ConfirmStep
from station.ui.wizard.materials_step import MaterialsStep
from station.ui.wizard.screen import NewCaseScreen
from station.ui.worker import POLL_MS

LIMIT_OPEN_MS = 1000.0
LIMIT_SEARCH_MS = 100.0
LIMIT_STALL_MS = 100.0
PROBE_MS = 10
SCANS = 10
STALL_MATTER = "450981-MZ-005"  # 高龄津贴: four materials, a form with an age
STALL_ID = "450981194103151223"  # born 1941-03-15
SCREEN = "1366x768x24"
TIMEOUT = 60.0  # seconds: a figure that takes longer is broken, not slow


# -- the display -------------------------------------------------------------------


def free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X{number}-lock").exists() and \
                not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number between :90 and :199")


@contextmanager
def display() -> Iterator[str]:
    """The current DISPLAY, or a new Xvfb (stopped at the end) when there is none."""
    current = os.environ.get("DISPLAY")
    if current:
        yield f"{current} (the current DISPLAY)"
        return
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        raise RuntimeError("DISPLAY is unset and Xvfb is not installed (apt: xvfb)")
    number = free_display()
    proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", SCREEN, "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 20
    try:
        while not socket.exists():
            if proc.poll() is not None:
                error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"Xvfb :{number} exited: {error.strip()}")
            if time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not start within 20 s")
            threading.Event().wait(0.05)  # the X socket appears soon
        os.environ["DISPLAY"] = f":{number}"
        yield f":{number} (Xvfb {SCREEN}, started by this benchmark)"
    finally:
        os.environ.pop("DISPLAY", None)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- driving the window --------------------------------------------------------------


def pump(root: tk.Misc, until: Callable[[], bool], what: str) -> None:
    """Run the Tk event loop until ``until()`` holds."""
    deadline = time.perf_counter() + TIMEOUT
    while not until():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        root.update()


def pumped(root: tk.Misc, start: Callable[[], Any], until: Callable[[Any], bool],
           what: str) -> tuple[float, Any]:
    """Seconds from calling ``start()`` until ``until(its result)`` holds, pumping Tk."""
    began = time.perf_counter()
    value = start()
    pump(root, lambda: until(value), what)
    return time.perf_counter() - began, value


def idle(app: StationApp) -> None:
    """Let the worker finish and the window redraw (between timed runs)."""
    pump(app.root, lambda: not app.dispatcher.busy, "the worker to finish")
    for _ in range(3):
        app.root.update_idletasks()
        app.root.update()


def shows_page(screen: CasesScreen, first: str, total: int) -> bool:
    children = screen.tree.get_children()
    return (len(children) == min(PAGE, total - screen.offset) and children[0] == first
            and f"{total}" in str(screen.count.cget("text")))


def shows_found(screen: CasesScreen, expected: tuple[str, ...]) -> bool:
    return (screen.tree.get_children() == expected
            and f"{len(expected)}" in str(screen.count.cget("text")))


def found_all(_value: object, screen: CasesScreen, expected: tuple[str, ...]) -> bool:
    return shows_found(screen, expected)


def page_at(_value: object, screen: CasesScreen, first: str, total: int) -> bool:
    return shows_page(screen, first, total)


def on_worker(app: StationApp, work: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds for ``work`` on the app's worker thread (which owns the station's
    connection), the Tk loop running meanwhile; and its result."""
    seconds, future = pumped(app.root, partial(app.dispatcher.submit, work),
                             lambda future: future.done(), "the worker")
    idle(app)
    return seconds, future.result()


# -- the benchmark ----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station desktop app benchmark.")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the store")
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (≥ 7)")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    args = parser.parse_args(argv)
    if args.cases < 2 * PAGE:
        parser.error(f"--cases must be at least {2 * PAGE} (two pages)")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault(WEAK_KDF_VARIABLE, "1")
    os.environ["STATION_NO_OPEN"] = "1"  # never launch a PDF viewer
    return run_in_work_folder(args.workdir, "bianmin-bench-gui-", lambda work: run(args, work))


def build(data: Path, documents: Path, count: int) -> tuple[list[CaseRow], list[str], float]:
    """A station of ``count`` cases; returns the cases, the residents' ID numbers, seconds."""
    started = time.perf_counter()
    progress("creating the station")
    station, _sheet = Station.init(data, *NODE, AGENT, PASSPHRASE, documents)
    station.close()
    progress(f"generating {count:,} cases")
    people = residents_of(count)
    rows = make_cases(count, len(people), NODE[1], date.today() - timedelta(days=1))
    station = Station.open(data, AGENT, PASSPHRASE, documents)
    try:
        progress("building the encrypted store")
        build_store(station, people, rows)
    finally:
        station.close()
    return rows, [p.id_number for p in people], time.perf_counter() - started


def run(args: argparse.Namespace, work: Path) -> None:
    data, documents = work / "data", work / "documents"
    weak = os.environ.get(WEAK_KDF_VARIABLE) == "1"
    started = time.perf_counter()
    rows, id_numbers, build_time = build(data, documents, args.cases)
    total = len(rows)
    newest = sorted(rows, key=lambda r: (r.filed_at, r.case_no), reverse=True)
    cases_of: dict[int, list[CaseRow]] = {}
    for row in rows:
        cases_of.setdefault(row.person, []).append(row)
    # a different resident each run, one more for the warm-up
    targets = random.Random(7).sample(range(len(id_numbers)), k=args.runs + 1)

    with display() as shown_on:
        progress(f"starting the app on {shown_on}")
        app = StationApp(data, documents, config_dir=work / "config")
        try:
            figures = drive(app, args.runs, newest, total, id_numbers, targets, cases_of)
            tk_version = str(app.root.tk.call("info", "patchlevel"))
        finally:
            app.close()
    elapsed = time.perf_counter() - started

    print()
    print(f"Bianmin Station desktop app benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine()}; Tk {tk_version}")
    print(f"  display: {shown_on}")
    print(f"  workdir: {work} on {filesystem_of(work)}")
    print(f"  KDF: {'WEAK test KDF (STATION_TEST_WEAK_KDF=1)' if weak else 'product scrypt'}"
          f" for init and unlock, not measured; log-in to main window {ms(figures.login)}")
    print(f"  store: {total:,} cases, {len(id_numbers):,} residents, built in "
          f"{ms(build_time)}")
    print(f"  medians (min–max) of {args.runs} runs, time.perf_counter() from the call until "
          "root.update() shows the result;")
    print(f"  results reach the Tk thread through the worker's queue, polled every {POLL_MS} ms")
    print()
    line(f"case list opens ({total:,} cases)", figures.open, f"limit {LIMIT_OPEN_MS:.0f} ms",
         figures.open.median * 1000 / LIMIT_OPEN_MS)
    line("  first open after log-in", Timing([figures.first_open]),
         f"limit {LIMIT_OPEN_MS:.0f} ms", figures.first_open * 1000 / LIMIT_OPEN_MS, "extra")
    line("  of which: MainWindow.open returns", figures.construct, "(screen built)", None)
    line("  of which: list_cases on the worker", figures.list_service, "(the store)", None)
    line("  of which: show_page (fill 50 rows)", figures.fill, "(the tree)", None)
    line("search by ID number", figures.search, f"limit {LIMIT_SEARCH_MS:.0f} ms",
         figures.search.median * 1000 / LIMIT_SEARCH_MS,
         f"{figures.found / args.runs:.1f} cases/resident")
    line("  of which: find_by_id_number on the worker", figures.find_service, "(the store)",
         None)
    line("next page (page_down)", figures.next_page, f"limit {LIMIT_OPEN_MS:.0f} ms",
         figures.next_page.median * 1000 / LIMIT_OPEN_MS, "extra")
    line(f"longest stall, {SCANS} × 3 MB scans + filing", figures.stall,
         f"limit {LIMIT_STALL_MS:.0f} ms", figures.stall.median * 1000 / LIMIT_STALL_MS,
         f"after({PROBE_MS} ms) probe")
    print()
    print(f"  whole benchmark: {ms(elapsed)}")


class Figures:
    def __init__(self) -> None:
        self.login = 0.0
        self.first_open = 0.0
        self.open, self.construct, self.list_service, self.fill = (
            Timing(), Timing(), Timing(), Timing())
        self.search, self.find_service, self.next_page = Timing(), Timing(), Timing()
        self.stall = Timing()
        self.found = 0


def drive(app: StationApp, runs: int, newest: list[CaseRow], total: int,
          id_numbers: list[str], targets: list[int],
          cases_of: dict[int, list[CaseRow]]) -> Figures:
    root = app.root
    figures = Figures()

    progress("logging in")
    login = app.view
    if not isinstance(login, LoginView):
        raise RuntimeError(f"expected the login view, got {type(login).__name__}")
    login.passphrase.insert(0, PASSPHRASE)
    figures.login, _ = pumped(root, login.submit, lambda _v: isinstance(app.view, MainWindow),
                              "log-in")
    main = app.view
    assert isinstance(main, MainWindow)
    idle(app)
    station = app.opened
    first = newest[0].case_no

    progress("opening the case list")

    def open_cases() -> CasesScreen:
        began = time.perf_counter()
        screen = main.open("cases")
        figures.construct.samples.append(time.perf_counter() - began)
        if not isinstance(screen, CasesScreen):
            raise RuntimeError(f"expected the case list, got {type(screen).__name__}")
        return screen

    for run in range(runs + 1):  # run 0: the first open after log-in, reported apart
        main.open("new_case")  # the agent comes from another screen (F1, then F2)
        idle(app)
        seconds, screen = pumped(root, open_cases, partial(shows_page, first=first, total=total),
                                 "the first page")
        if run:
            figures.open.samples.append(seconds)
        else:
            figures.first_open = seconds
            figures.construct.samples.clear()
        idle(app)

    page: CaseList | None = None
    for _ in range(runs):
        seconds, page = on_worker(app, lambda: list_cases(station, limit=PAGE, offset=0))
        figures.list_service.samples.append(seconds)
    assert page is not None

    def show(page: CaseList = page) -> None:
        screen.show_page(page)
        root.update_idletasks()

    for _ in range(runs):
        screen.tree.delete(*screen.tree.get_children())
        root.update()
        figures.fill.samples.append(timed(show)[0])
    idle(app)

    progress("searching by ID number")
    for number, k in enumerate(targets):
        expected = tuple(r.case_no for r in sorted(cases_of[k], key=lambda r: r.filed_at,
                                                     reverse=True))
        screen.query.delete(0, tk.END)
        screen.query.insert(0, id_numbers[k])
        seconds, _ = pumped(root, screen.search,
                            partial(found_all, screen=screen, expected=expected),
                            "the search")
        if number:  # the first search warms up and is not counted
            figures.search.samples.append(seconds)
            figures.found += len(expected)
        idle(app)
    for k in targets[1:]:
        figures.find_service.samples.append(
            on_worker(app, partial(find_by_id_number, station, id_numbers[k]))[0])

    progress("paging")
    screen.query.delete(0, tk.END)
    pumped(root, screen.search, lambda _v: shows_page(screen, first, total),
           "the list again")  # an empty query shows the list from the top
    idle(app)
    for _ in range(runs):
        if screen.offset + PAGE >= total:  # at the last page: back to the top
            screen.offset = 0
            pumped(root, screen.reload, lambda _v: shows_page(screen, first, total),
                   "the first page")
            idle(app)
        target = newest[screen.offset + PAGE].case_no
        seconds, _ = pumped(root, screen.page_down,
                            partial(page_at, screen=screen, first=target, total=total),
                            "the next page")
        figures.next_page.samples.append(seconds)
        idle(app)

    progress(f"importing {SCANS} scans of 3 MB and filing, {runs} times")
    scans = [three_megabyte_scan(Path(app.config_dir) / f"scan-{i}.jpg") for i in range(SCANS)]
    for _ in range(runs):
        figures.stall.samples.append(longest_stall(app, main, scans))
    return figures


def three_megabyte_scan(path: Path) -> Path:
    """A real JPEG of about 3 MB: random pixels do not compress."""
    from PIL import Image

    size = (2000, 1500)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path, quality=92)
    return path


def longest_stall(app: StationApp, main: MainWindow, scans: list[Path]) -> float:
    """Seconds of the longest gap between ``after(PROBE_MS)`` probes, less the interval,
    while the scans are imported in the wizard and the case is filed."""
    wizard = main.open("new_case")
    if not isinstance(wizard, NewCaseScreen):
        raise RuntimeError(f"expected the wizard, got {type(wizard).__name__}")
    today, born = date.today(), date(1941, 3, 15)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    wizard.draft.choose(app.opened.catalogue.get(STALL_MATTER))
    wizard.draft.applicant = {"name": "黄秀英", "id_number": STALL_ID, "phone": "13977512345",
                              "address": "示范村三组 18 号"}
    wizard.draft.form = {"age": age, "applicant_relation": "本人", "account_type": "社会保障卡",
                         "account_no": "6217995610001234567",
                         "start_date": today.isoformat()}
    wizard.show(3)
    step = wizard.step
    if not isinstance(step, MaterialsStep):
        raise RuntimeError(f"expected the materials step, got {type(step).__name__}")
    idle(app)
    gaps: list[float] = []
    last = [time.perf_counter()]
    running = [True]

    def probe() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
        if running[0]:
            app.root.after(PROBE_MS, probe)

    app.root.after(PROBE_MS, probe)
    names = [m.name for m in app.opened.catalogue.get(STALL_MATTER).materials]
    for i, path in enumerate(scans):
        step.import_files([path], material=names[i % len(names)])
    pump(app.root, lambda: len(step.images) == len(scans) and step.waiting == 0,
         "the thumbnails")
    wizard.next()
    confirm = wizard.step
    if not isinstance(confirm, ConfirmStep):
        raise RuntimeError(f"expected the confirm step, got {type(confirm).__name__}")
    wizard.next()  # file it
    pump(app.root, lambda: confirm.result is not None, "filing")
    running[0] = False
    idle(app)
    if confirm.result is None or confirm.result.status != "filed":
        raise RuntimeError(f"the case was not filed: {confirm.result}")
    return max(gaps) - PROBE_MS / 1000


if __name__ == "__main__":
    sys.exit(main())
