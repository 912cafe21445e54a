"""The supervision board (电子监察) on 2026-12-05 over the sample, worked out by hand.

Open on that day: H (due 11-16: red), N (filed 12-01, yellow from 12-11), Y (filed 11-23,
due 12-07, yellow from 12-03) and P (特别程序 since 11-05: paused, neither light).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import supervision_data as data
from network import postgres_databases
from peewee import Database
from supervision_data import BOARD_EXTRA, KNOWN, T1, T2, TODAY, V2

from forms.catalogue import load_catalogue
from station.clock.calendar import WorkCalendar
from station.clock.deadlines import ClockPolicy
from station.supervision import facts
from station.supervision.board import read_board
from station.supervision.board_shapes import RED, YELLOW, Board, CardRule
from station.supervision.detail import CaseNotAtHub, case_detail
from station.supervision.figures import TOWNSHIP, Scope
from station.supervision.names import Names


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = data.hub_database(None, tmp_path / "hub.db")
    else:
        databases = postgres_databases("board")
        (url,) = databases.__enter__()
        request.addfinalizer(lambda: databases.__exit__(None, None, None))
        db = data.hub_database(url, tmp_path / "unused.db")
    data.write_cases(db, [*KNOWN, *BOARD_EXTRA])
    facts.refresh(db, load_catalogue(), WorkCalendar(), ClockPolicy(), TODAY)
    yield db
    db.close()


NAMES = Names(data.NAMES, {m: m for m in (data.TOWNSHIP_MATTER, data.INSTANT_MATTER)})


def board(db: Database, **options: object) -> Board:
    return read_board(db, TODAY, NAMES, WorkCalendar(), **options)  # type: ignore[arg-type]


def test_red_and_yellow_cases_with_their_days(hub_db: Database) -> None:
    made = board(hub_db)
    assert made.open_cases == 4  # H N Y P
    h, y = made.cases
    assert (h.light, h.station, h.office) == (RED, V2, f"{T1}:民政办")
    assert h.due == date(2026, 11, 16)
    # past due: Nov 17–20, 23–27, 30, Dec 1–4 = 14 working days; used 10 + 14
    assert (h.overdue_days, h.used, h.allowed) == (14, 24, 10)
    assert h.office_name == f"{data.NAMES[T1]} 民政办"
    # Y: due 12-07; used Nov 24–27, 30, Dec 1–4 = 9 of 10 (yellow from the 8th, 12-03)
    assert (y.light, y.due, y.used, y.allowed, y.overdue_days) == (
        YELLOW, date(2026, 12, 7), 9, 10, 0)


def test_cards_and_points_per_office_and_station(hub_db: Database) -> None:
    made = board(hub_db, rule=CardRule(red_points=3, yellow_points=1))
    offices = {g.key: g for g in made.offices}
    # T1 民政办: H red today, its red card was given in November (due 11-16)
    assert (offices[f"{T1}:民政办"].red, offices[f"{T1}:民政办"].red_cards) == (1, 0)
    # T2 民政办: Y yellow today, its yellow card given 12-03
    shilong = offices[f"{T2}:民政办"]
    assert (shilong.yellow, shilong.yellow_cards, shilong.points) == (1, 1, 1.0)
    assert {g.key for g in made.stations} == {V2, data.V3}


def test_late_follow_ups(hub_db: Database) -> None:
    # Q: rated badly 11-24, to call back by 11-25, never called: late.
    # C was called late but closed in November; D is on time.
    (late,) = board(hub_db).followups
    assert late.case_no == BOARD_EXTRA[2].case_no
    assert (late.callback_by, late.callback_late, late.fix_late) == (
        date(2026, 11, 25), True, False)


def test_filters_narrow_the_board(hub_db: Database) -> None:
    assert [c.station for c in board(hub_db, office=f"{T2}:民政办").cases] == [data.V3]
    assert [c.light for c in board(hub_db, station=V2).cases] == [RED]
    township = board(hub_db, scope=Scope(TOWNSHIP, T1, data.NAMES[T1]))
    assert [c.case_no for c in township.cases] == [KNOWN[7].case_no]  # H only


def test_drill_down_to_a_case_s_steps(hub_db: Database) -> None:
    h = KNOWN[7].case_no
    detail = case_detail(hub_db, h, load_catalogue(), WorkCalendar(), ClockPolicy(), NAMES,
                         TODAY)
    assert [s.type for s in detail.steps] == ["case.filed", "case.accepted"]
    assert detail.steps[0].where == data.NAMES[V2] and detail.steps[0].label
    assert detail.deadline.state == "red" and detail.deadline.due == date(2026, 11, 16)
    with pytest.raises(CaseNotAtHub):
        case_detail(hub_db, "450981104202-20261102-9999", load_catalogue(), WorkCalendar(),
                    ClockPolicy(), NAMES, TODAY)


def test_the_list_is_the_most_urgent_and_the_counts_are_all(hub_db: Database) -> None:
    made = board(hub_db, limit=1)
    assert [c.case_no for c in made.cases] == [KNOWN[7].case_no]  # H, red
    assert made.lit_cases == 2 and made.open_cases == 4
