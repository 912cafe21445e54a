"""``station.ui.table.List`` (real Tk under Xvfb): every value shows whole with the cell's
padding, and a fill of many rows measures few whole lines (the 监察 board lists up to
2,000 cases; each measure is a round trip to Tk)."""

from __future__ import annotations

import random
import tkinter.font as tkfont
from collections.abc import Iterator

import pytest
import ttkbootstrap as ttk

from station.ui import table as table_module
from station.ui.style import apply_fonts
from station.ui.table import List

CELL_PADDING = 8  # Treeview pads a cell's text 4 pixels on each side


@pytest.fixture(params=[False, True], ids=["normal", "large"])
def window(display: str, request: pytest.FixtureRequest) -> Iterator[ttk.Window]:
    root = ttk.Window(themename="bootstrap-light")
    apply_fonts(root, large=request.param)
    for cache in ("_LINES", "_WIDTHS"):  # measured afresh in each font
        getattr(table_module, cache, {}).clear()
    yield root
    root.destroy()


def texts(count: int, seed: int) -> list[str]:
    """Case numbers, dates, office names and mixed lines of varied widths."""
    chosen = random.Random(seed)
    pieces = ["民政办", "桂平市示范镇便民服务中心", "（残联审核、民政审定）", "WWW", "iii",
              "0", "1", "—", "、", " ", "Aa", "审核残疾类别和等级"]
    made = [f"450981104{chosen.randrange(1000):03d}-20261102-{i:04d}" for i in range(count)]
    made += [f"2026-{chosen.randrange(1, 13):02d}-{chosen.randrange(1, 29):02d}"
             for _ in range(count)]
    made += ["".join(chosen.choice(pieces) for _ in range(chosen.randrange(1, 6)))
             for _ in range(count)]
    return made


def test_every_value_shows_whole(window: ttk.Window) -> None:
    listed = List(window, columns=["text"], show="headings")
    listed.heading("text", text="文字")
    listed.column("text", width=20, stretch=False)
    listed.pack()
    font = listed.row_font
    values = texts(300, seed=18)
    for index, value in enumerate(values):
        listed.insert("", "end", iid=str(index), values=(value,))
    width = int(listed.column("text", "width"))
    widest = max(font.measure(v) for v in values)
    assert widest + CELL_PADDING <= width, (widest, width)


def test_rows_of_equal_width_measure_once(window: ttk.Window,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    listed = List(window, columns=["case_no", "office"], show="headings")
    listed.heading("case_no", text="办件编号")
    listed.heading("office", text="科室")
    listed.pack()
    measured: list[str] = []
    real = tkfont.Font.measure

    def counted(font: tkfont.Font, text: str, *args: object) -> int:
        if len(text) > 1:  # whole lines; single characters are cached for the session
            measured.append(text)
        return real(font, text, *args)

    monkeypatch.setattr(tkfont.Font, "measure", counted)
    for i in range(2000):
        listed.insert("", "end", iid=str(i), values=(
            f"450981104201-20261102-{i:04d}", "桂平市示范镇便民服务中心 民政办"))
    assert len(measured) <= 4, measured[:10]
    font = listed.row_font
    for column, value in (("case_no", "450981104201-20261102-1999"),
                          ("office", "桂平市示范镇便民服务中心 民政办")):
        assert real(font, value) + CELL_PADDING <= int(listed.column(column, "width"))
