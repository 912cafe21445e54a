"""A holiday calendar the county publishes reaches a township desk over sync (real hub
processes) and moves the deadline computed there from the same clear event headers.

The case is filed at the village and its headers are read from the township hub's
database (supervision needs no payload).  Before the update the township desk computes
the deadline with ``station.calendar``; the county publishes a calendar that makes the
first working day of the window a rest day, and 2027-01-01 (a year ``chinesecalendar``
has no data for) too; after one sync the same events give a later due date, for the
real case and for a case running into 2027.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli import station
from conftest import PASSPHRASE

from station.clock.calendar import WorkCalendar
from station.clock.deadlines import ClockEvent, Deadline, MatterLimits, clock_events, deadline
from station.demo import demo_network
from station.demo.demo_network import ADMIN, DemoNetwork, file_samples, wait_until
from station.hubops import hub_runner
from station.network import link, updates
from sync.hub.identity import open_database
from sync.hub.models import HubEvent

NEW_YEAR = date(2027, 1, 1)  # a Friday: counted Monday–Friday without data


def hub_headers(net: DemoNetwork, case_no: str) -> list[HubEvent]:
    """The case's event rows (clear headers) at the township hub, read while it runs."""
    db = open_database(None, net.township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            return list(HubEvent.select().where(HubEvent.case_no == case_no))
    finally:
        db.close()


def at_desk(net: DemoNetwork, compute: Callable[[WorkCalendar], Any]) -> Any:
    """``compute`` with the township reviewer's calendar, as the station has it now."""
    with net.open(net.reviewer) as desk:
        return compute(desk.calendar)


def desk_calendar_version(net: DemoNetwork) -> int:
    with net.open(net.reviewer) as desk:
        link.sync_once(desk)
        return int(updates.status()["calendar"]["version"])


def test_a_calendar_update_arriving_over_sync_moves_a_deadline(
        net: DemoNetwork, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    demo_network.start_hubs(net)
    with net.open(net.village) as village:
        case_no = file_samples(net, village, 1)[0].case_no
        assert link.sync_once(village).pending == 0
        headers = hub_headers(net, case_no)  # pushed to the township hub by this sync
        limits = MatterLimits.for_matter(village.catalogue.get(str(headers[0].matter)))
    assert limits.promised_days >= 1
    filed = clock_events(headers)
    assert [e.type for e in filed] == ["case.filed"]
    received = filed[0].day
    # The township accepts on the day of receipt (the lifecycle's case.accepted).
    events = [*filed, ClockEvent("case.accepted", received)]
    into_2027 = [ClockEvent("case.filed", date(2026, 12, 28)),
                 ClockEvent("case.accepted", date(2026, 12, 28))]
    year_limits = MatterLimits(20, 20)

    def both(calendar: WorkCalendar) -> tuple[Deadline, Deadline, date]:
        later = deadline(into_2027, year_limits, calendar, date(2027, 1, 4))
        first = calendar.add_workdays(received, 1)  # a working day inside the window
        return deadline(events, limits, calendar, received), later, first

    with caplog.at_level(logging.WARNING, logger="station.clock"):
        before, before_2027, inside = at_desk(net, both)
    assert any("2027" in r.getMessage() for r in caplog.records if r.name == "station.clock")
    assert before.state == "running" and before.started_on == received
    assert before.due is not None and received < inside <= before.due
    assert before_2027.due == date(2027, 1, 25)  # Monday–Friday, 1 January counted

    holidays = tmp_path / "holidays.toml"
    holidays.write_text(f'[days]\n"{inside.isoformat()}" = "休"\n"{NEW_YEAR.isoformat()}" = "休"\n',
                        encoding="utf-8")
    published = station("publish", "calendar", holidays, "--hub", net.county.address or "",
                        "--json", "--data", net.county.data, "--user", ADMIN,
                        env={"STATION_PASSPHRASE": PASSPHRASE,
                             "STATION_DOCUMENTS": str(net.workdir / "documents" / "cli")})
    assert published.code == 0, published.err
    assert at_desk(net, lambda calendar: calendar.is_workday(inside))  # not yet here

    wait_until(lambda: desk_calendar_version(net) == 1, 45, "the calendar at the township desk")

    after, after_2027, _ = at_desk(net, both)  # other 2027 days: still unknown, logged
    assert not at_desk(net, lambda calendar: calendar.is_workday(inside))
    shifted = at_desk(net, lambda calendar: calendar.add_workdays(received,
                                                                  limits.promised_days))
    assert after.due is not None and after.due > before.due
    assert after.due == shifted and after.started_on == received
    assert after_2027.due == date(2027, 1, 26) > before_2027.due  # 1 January is now a holiday
    assert after.due - before.due >= timedelta(days=1)
