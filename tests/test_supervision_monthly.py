"""The monthly report's figures (issue 18), each worked out by hand from the sample.

tests/supervision_data.py writes the November 2026 sample into a real hub database,
SQLite and PostgreSQL.  Working days in November 2026 are Monday to Friday (no holiday);
in October, 1–7 are 国庆 and Saturday 10 October is a make-up working day.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import supervision_data as data
from network import postgres_databases
from peewee import Database
from supervision_data import KNOWN, T1, T2, TODAY, V2

from forms.catalogue import load_catalogue
from station.clock.calendar import WorkCalendar
from station.clock.deadlines import ClockPolicy
from station.supervision import facts
from station.supervision.figures import COUNTY, STATION, TOWNSHIP, MonthlyReport, Scope
from station.supervision.monthly import MonthInvalid, monthly_report


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = data.hub_database(None, tmp_path / "hub.db")
        yield db
        db.close()
        return
    with postgres_databases("facts") as (url,):
        db = data.hub_database(url, tmp_path / "unused.db")
        yield db
        db.close()


def namer(dimension: str, key: str) -> str:
    return data.NAMES.get(key, key)


def report(db: Database, month: str = "2026-11", scope: Scope | None = None) -> MonthlyReport:
    calendar = WorkCalendar()
    facts.refresh(db, load_catalogue(), calendar, ClockPolicy(), TODAY)
    return monthly_report(db, month, scope or Scope(COUNTY, data.COUNTY, "桂平市"), calendar,
                          namer, TODAY)


def test_every_county_figure_equals_the_hand_count(hub_db: Database) -> None:
    data.write_cases(hub_db, KNOWN)
    total = report(hub_db).total
    # 受理量: received in November: A C D E F G H L (B and M in October, N in December)
    assert total.received == 8
    # 办结量: approved in November: A B C D E G
    assert total.decided == 6
    # in progress at the month's end: H only (N was received in December)
    assert total.open_at_end == 1
    assert total.decided_rate == pytest.approx(6 / 7)
    # on time: all but B (filed 10-12, due 10-26, approved 11-05)
    assert total.on_time == 5
    assert total.on_time_rate == pytest.approx(5 / 6)
    # overdue: B decided late, H open past its due day (11-16) on 11-30
    assert total.overdue == 2
    # H: 17–20, 23–27, 30 November = 10 working days past due (B: 18 used − 10 = 8)
    assert total.longest_overdue_days == 10
    # days used: A 6 (3–6, 9–10), B 18 (Oct 13–16, 19–23, 26–30, Nov 2–5),
    # C 6 (3–6, 9–13 less the pause 5, 6, 9), D 14 (3–20), E 4 (3–18 less 4–13), G 0
    assert total.average_days == pytest.approx(48 / 6)
    assert total.p90_days == 18  # nearest rank: ceil(0.9 × 6) = 6th of 0 4 6 6 14 18
    assert total.instant == 1 and total.instant_share == pytest.approx(1 / 6)  # G
    assert total.supplemented == 1 and total.supplement_rate == pytest.approx(1 / 8)  # C
    assert total.withdrawn == 1  # F
    assert total.refused == 1  # L
    assert (total.rated_good, total.rated_poor) == (2, 2)  # A G well, C D badly
    assert total.satisfaction_rate == pytest.approx(0.5)
    # C: rated 11-16, call back by 11-17, called 11-18 (late); fix by 12-07, closed 11-20
    # D: rated 11-23, call back by 11-24, called 11-24 (on time); not fixed yet
    assert (total.poor_called_on_time, total.poor_fixed_on_time) == (1, 1)


def test_tables_split_the_same_counts(hub_db: Database) -> None:
    data.write_cases(hub_db, KNOWN)
    made = report(hub_db)
    townships = {row.key: row for row in made.townships}
    assert set(townships) == {T1, T2}
    assert townships[T2].name == data.NAMES[T2]
    shilong = townships[T2].figures  # E (special procedure, on time) and L (refused)
    assert (shilong.received, shilong.decided, shilong.on_time, shilong.refused) == (2, 1, 1, 1)
    assert shilong.average_days == 4 and shilong.p90_days == 4
    stations = {row.key: row.figures for row in made.stations}
    xincun = stations[V2]  # C D H
    assert (xincun.received, xincun.decided, xincun.open_at_end, xincun.overdue) == (3, 2, 1, 1)
    assert xincun.longest_overdue_days == 10 and xincun.rated_poor == 2
    assert xincun.p90_days == 14  # ceil(0.9 × 2) = 2nd of 6 14
    offices = {row.key: row.figures for row in made.offices}
    assert offices[f"{T1}:卫生健康办"].instant == 1
    assert offices[f"{T1}:民政办"].decided == 4  # A B C D
    matters = {row.key: row.figures for row in made.matters}
    assert matters[data.INSTANT_MATTER].decided == 1
    for table in (made.townships, made.stations, made.offices, made.matters):
        assert sum(r.figures.received for r in table) == made.total.received
        assert sum(r.figures.decided for r in table) == made.total.decided


def test_a_township_sees_its_subtree_and_a_station_its_own(hub_db: Database) -> None:
    data.write_cases(hub_db, KNOWN)
    township = report(hub_db, scope=Scope(TOWNSHIP, T2, data.NAMES[T2]))
    assert township.total.received == 2 and [r.key for r in township.townships] == [T2]
    station = report(hub_db, scope=Scope(STATION, V2, data.NAMES[V2]))
    assert station.total.received == 3 and [r.key for r in station.stations] == [V2]


def test_the_trend_covers_twelve_months(hub_db: Database) -> None:
    data.write_cases(hub_db, KNOWN)
    trend = dict(report(hub_db).trend)
    assert list(trend) == ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]
    assert (trend["2026-10"].received, trend["2026-10"].decided) == (2, 1)  # B M; M
    assert (trend["2026-11"].received, trend["2026-11"].decided,
            trend["2026-11"].on_time) == (8, 6, 5)
    assert trend["2026-05"].received == 0


def test_the_facts_follow_new_events_and_a_new_catalogue(hub_db: Database) -> None:
    data.write_cases(hub_db, KNOWN[:2])
    assert report(hub_db).total.decided == 2
    data.write_cases(hub_db, KNOWN[2:])  # only the new cases are computed
    calendar = WorkCalendar()
    again = facts.refresh(hub_db, load_catalogue(), calendar, ClockPolicy(), TODAY)
    assert (again.cases, again.rebuilt) == (len(KNOWN) - 2, False)
    assert report(hub_db).total.decided == 6
    stricter = facts.refresh(hub_db, load_catalogue(), calendar, ClockPolicy(yellow_share=0.5),
                             TODAY)
    assert stricter.rebuilt and stricter.cases == len(KNOWN)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "abc", "2026-1", "2027-01", ""])
def test_a_bad_month_is_refused_in_words(hub_db: Database, month: str) -> None:
    with pytest.raises(MonthInvalid) as caught:
        report(hub_db, month)
    assert "年-月" in str(caught.value)


def test_a_lost_facts_table_is_rebuilt_from_the_log(hub_db: Database) -> None:
    """A hub restored from a backup that holds its log but not this derived table."""
    data.write_cases(hub_db, KNOWN)
    assert report(hub_db).total.decided == 6
    with hub_db.connection_context():
        hub_db.drop_tables([facts.CaseFacts])  # the state row says "up to date"
    assert report(hub_db).total.decided == 6
