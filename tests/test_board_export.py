"""The 监察 board's filters and its Excel export, on boards written out by hand (the
shapes are plain data): the workbook is read back with openpyxl."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from station.errors import DocumentFolderUnwritable
from station.supervision.board_filter import BoardFilter
from station.supervision.board_shapes import RED, YELLOW, BoardCase, BoardGroup, LateFollowUp
from station.supervision.board_xlsx import export_name, write_board_xlsx

T1, T2 = "450981104000", "450981105000"


def case(no: int, light: str, office: str, station: str) -> BoardCase:
    return BoardCase(f"{station}-20261102-{no:04d}", light, "450981-MZ-003", "临时救助申请",
                     station, f"{station} 村站", office, office.replace(":", " "),
                     date(2026, 11, 2), date(2026, 11, 16), 12 if light == RED else 8, 10,
                     2 if light == RED else 0)


CASES = [case(1, RED, f"{T1}:民政办", "450981104201"),
         case(2, YELLOW, f"{T1}:民政办", "450981104202"),
         case(3, RED, f"{T2}:社保所", "450981105201"),
         case(4, YELLOW, f"{T2}:社保所", "450981104201")]
FOLLOWUPS = [LateFollowUp("450981104201-20261102-0001", f"{T1}:民政办", "示范镇 民政办",
                          date(2026, 11, 16), date(2026, 11, 17), date(2026, 12, 7), None, None,
                          True, False)]


@pytest.mark.parametrize("chosen, expected", [
    (BoardFilter(), [1, 2, 3, 4]),
    (BoardFilter(office=f"{T1}:民政办"), [1, 2]),
    (BoardFilter(station="450981104201"), [1, 4]),
    (BoardFilter(light=RED), [1, 3]),
    (BoardFilter(office=f"{T2}:社保所", light=YELLOW), [4]),
    (BoardFilter(office=f"{T2}:社保所", station="450981104202"), []),
])
def test_filters_narrow_the_cases(chosen: BoardFilter, expected: list[int]) -> None:
    assert [int(c.case_no[-4:]) for c in chosen.cases(CASES)] == expected


def test_filters_narrow_the_followups() -> None:
    assert BoardFilter(office=f"{T1}:民政办").followups(FOLLOWUPS) == FOLLOWUPS
    assert BoardFilter(office=f"{T2}:社保所").followups(FOLLOWUPS) == []
    assert BoardFilter(station="450981104201").followups(FOLLOWUPS) == FOLLOWUPS
    assert BoardFilter(station="450981104202").followups(FOLLOWUPS) == []


def test_the_export_holds_the_cases_shown_and_the_offices(tmp_path: Path) -> None:
    made_at = datetime(2026, 12, 6, 3, 30, tzinfo=UTC)
    offices = [BoardGroup(f"{T1}:民政办", "示范镇 民政办", 1, 1, 3, 2, 7.0)]
    shown = BoardFilter(light=RED).cases(CASES)
    path = tmp_path / "out" / export_name(made_at)
    assert path.name == "电子监察-20261206-0330.xlsx"
    write_board_xlsx(path, made_at, date(2026, 12, 6), shown, offices, "筛选：红牌")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no part file left
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["红黄牌办件", "科室"]
    rows = [list(row) for row in book["红黄牌办件"].iter_rows(values_only=True)]
    assert rows[0][0] == "电子监察：红黄牌办件" and "筛选：红牌" in rows[2]
    heading = rows.index(next(r for r in rows if r[0] == "亮牌"))
    data = rows[heading + 1:]
    assert [r[1] for r in data] == [c.case_no for c in shown]
    first = data[0]
    assert first[0] == "红牌" and first[2] == "临时救助申请"
    assert first[5] == datetime(2026, 11, 2) and first[6] == datetime(2026, 11, 16)
    assert list(first[7:]) == [12, 10, 2]
    offices_rows = list(book["科室"].iter_rows(values_only=True))
    assert ("示范镇 民政办", 1, 1, 3, 2, 7) in offices_rows


def test_an_unwritable_folder_is_said_in_chinese_and_leaves_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(DocumentFolderUnwritable):
        write_board_xlsx(blocked / "x.xlsx", datetime.now(UTC), date(2026, 12, 6), CASES, [])
    assert blocked.read_text() == "not a folder"
