"""The 监察 board's case list in the real window: how long the Tk thread is busy
showing the board's cases (the board lists the 1,000 most urgent at most).

Run from the repository root::

    .venv/bin/python bench/bench_board_list.py [--cases 1000] [--runs 5]

Fills ``CaseList`` (the 红黄牌办件 tab) with ``--cases`` cases as the screen does once
a board is read (reading runs on the worker; showing it cannot), in normal and in
large-font mode, and prints the time until Tk has drawn it beside the 100 ms stall
limit of bench_gui.py.  The first fill measures texts the fonts have not seen; later
fills (a filter chosen, a refresh) reuse what was measured.  Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_gui import display

STALL_LIMIT_MS = 100


def board_cases(count: int) -> list:  # type: ignore[type-arg]
    from station.supervision.board_shapes import RED, YELLOW, BoardCase

    matters = ("临时救助申请", "困难残疾人生活补贴和重度残疾人护理补贴（残联审核、民政审定）",
               "农村宅基地和建房（规划许可）申请")
    offices = ("民政办", "社保所", "农业农村办", "残联")
    made = []
    for i in range(count):
        township = f"450981{104 + i % 20:03d}000"
        station = f"{township[:9]}{201 + i % 25:03d}"
        received = date(2026, 10, 1) + timedelta(days=i % 60)
        office = offices[i % len(offices)]
        made.append(BoardCase(
            f"{station}-{received:%Y%m%d}-{i:04d}", RED if i % 3 else YELLOW, "450981-MZ-003",
            matters[i % len(matters)], station, f"第{i % 25 + 1}村便民服务站",
            f"{township}:{office}",
            f"第{i % 20 + 1}镇便民服务中心 {office}", received, received + timedelta(days=28),
            10 + i % 30, 20, i % 12))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = board_cases(args.cases)
    with display() as shown_on:
        import ttkbootstrap as ttk

        from station.ui.screens.supervision_tables import CaseList
        from station.ui.style import apply_fonts

        print(f"display: {shown_on}; {args.cases} cases; limit {STALL_LIMIT_MS} ms")
        for large in (False, True):
            root = ttk.Window(themename="bootstrap-light")
            apply_fonts(root, large)
            cases_tab = CaseList(root)
            cases_tab.pack(fill="both", expand=True)
            root.update()
            times = []
            for _run in range(args.runs):
                started = time.perf_counter()
                cases_tab.show(cases)
                root.update()
                times.append((time.perf_counter() - started) * 1000)
            font = "large" if large else "normal"
            print(f"{font:6} first fill {times[0]:7.0f} ms ({times[0] / STALL_LIMIT_MS:.1f}× "
                  f"limit); again: median {statistics.median(times[1:]):.0f} ms "
                  f"({statistics.median(times[1:]) / STALL_LIMIT_MS:.1f}× limit)")
            root.destroy()


if __name__ == "__main__":
    main()
