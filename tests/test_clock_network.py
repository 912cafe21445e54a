"""A holiday calendar the county publishes reaches a township desk over sync (real hub
processes) and moves the deadline computed there from the same clear event headers.

The case is filed at the village and its headers are read from the township hub's
database (supervision needs no payload).  Before the update the township desk computes
the deadline with ``station.calendar``; the county publishes a calendar that makes the
first working day of the window a rest day, and 2027-01-04 (in a year ``chinesecalendar``
has no data for) too; after one sync the same events give a later due date, for the
real case and for a case running into 2027.

One clock for every promise: the date printed on the village's receipt is ``case
status``'s ``due`` at the village, at the township desk, from the county hub's headers,
and at the county after the township accepted and forwarded the case.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli import station
from conftest import PASSPHRASE

from station.casework import progress, review
from station.clock.calendar import WorkCalendar
from station.clock.deadlines import ClockEvent, Deadline, MatterLimits, clock_events, deadline
from station.demo import demo_network
from station.demo.demo_network import (
    ADMIN,
    DemoNetwork,
    file_samples,
    wait_for_county,
    wait_until,
)
from station.hubops import hub_runner
from station.network import link, updates
from sync.hub.identity import open_database
from sync.hub.models import HubEvent

# A Monday after 元旦 (a statutory holiday, counted without data); the county may still
# publish it as a rest day (e.g. 元旦 moved by 调休).
BRIDGE = date(2027, 1, 4)


def hub_headers(net: DemoNetwork, case_no: str, hub: str = "township") -> list[HubEvent]:
    """The case's event rows (clear headers) at a hub, read while it runs."""
    node = net.township if hub == "township" else net.county
    db = open_database(None, node.data / hub_runner.DB_NAME)
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
    assert before_2027.due == date(2027, 1, 26)  # 元旦 a statutory holiday, no 调休
    assert before_2027.provisional

    holidays = tmp_path / "holidays.toml"
    holidays.write_text(f'[days]\n"{inside.isoformat()}" = "休"\n"{BRIDGE.isoformat()}" = "休"\n',
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
    assert after_2027.due == date(2027, 1, 27) > before_2027.due  # 4 January now rests too
    assert after.due - before.due >= timedelta(days=1)


def receipt_promise(pdf: Path) -> str:
    """The 承诺办结日期 printed on a receipt, as an ISO date."""
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                  capture_output=True, text=True).stdout.split())
    found = re.search(r"承诺办结日期.*?(\d{4})年(\d{1,2})月(\d{1,2})日（自收件之日起", text)
    assert found, "no promised date on the receipt"
    return date(*(int(part) for part in found.groups())).isoformat()


def test_the_receipt_promise_is_case_status_due_at_every_node(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    with net.open(net.village) as village:
        filed = file_samples(net, village, 1)[0]  # 高龄津贴: village -> township -> county
        case_no, promised = filed.case_no, receipt_promise(filed.receipt or Path())
        assert filed.deadline == promised
        assert progress.status(village, case_no)["deadline"]["due"] == promised
        assert link.sync_once(village).pending == 0
        village_head = link.acked_seq()
        matter = village.catalogue.get(filed_matter(village, case_no))
    wait_for_county(net, {net.village.code: village_head})
    headers = hub_headers(net, case_no, "county")  # what county supervision reads
    at_county_hub = deadline(clock_events(headers), MatterLimits.for_matter(matter),
                             WorkCalendar(), clock_events(headers)[0].day)
    assert at_county_hub.due is not None and at_county_hub.due.isoformat() == promised

    with net.open(net.township, "mz") as desk:
        link.sync_once(desk)
        assert progress.status(desk, case_no)["deadline"]["due"] == promised
        review.claim(desk, case_no)
        review.accept(desk, case_no, "材料齐全，予以受理")
        accepted = progress.status(desk, case_no)["deadline"]
        assert accepted["due"] == promised  # acceptance does not move the clock
        review.forward(desk, case_no, "经审核，符合条件，同意上报")
        township_head = link.acked_seq()
    wait_for_county(net, {net.township.code: township_head})

    def at_county() -> dict[str, Any] | None:
        with net.open(net.county, "mzqz") as signer:
            link.sync_once(signer)
            try:
                return progress.status(signer, case_no)
            except Exception:  # not pulled yet
                return None

    status = wait_until(at_county, 60, "the case at the county")
    assert status["deadline"]["due"] == promised
    received = clock_events(headers)[0].day  # the China day the village received the papers
    assert status["deadline"]["started_on"] == received.isoformat()


def filed_matter(station: Any, case_no: str) -> str:
    from station.store.models import Case

    return str(Case.get(Case.case_no == case_no).matter_code)
