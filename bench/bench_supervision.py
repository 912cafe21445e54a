"""The monthly report and the supervision board over a large county's month, on PostgreSQL.

Run from the repository root::

    .venv/bin/python bench/bench_supervision.py [--cases 200000] [--stations 500]
                                                [--runs 5] [--url postgresql://…]

It prints figures, each beside a peer or a limit measured in the same run, and asserts
nothing (timings are read by people: docs/performance.md).

1. Writes a hub database of ``--cases`` cases over ``--stations`` village stations
   (25 per township) in November 2026: half decided (filed, accepted, approved,
   delivered, rated; one in twenty rated badly), half open (filed, accepted, claimed,
   a one-time notice asked and answered): five events per case, so 1,000,000 events
   for 200,000 cases, and 100,000 open cases for the board.
2. The case facts' first build (``facts.refresh`` over every case: the clock of each,
   once per hub), and an incremental refresh after 1,000 new events (a day's work).
3. The monthly report (``monthly.monthly_report``, county scope: every table, the
   90th percentiles, the 12-month trend) beside the peer: one plain SQL ``GROUP BY``
   of the same month's event counts per matter and type over ``hub_event``.  Target:
   ≤ 10 s, within 3× of the plain query.
4. The board (``board.read_board``) at 100,000 open cases, and the screen's 刷新 (the
   facts brought up to date, nothing new, then the board).  Limit: 1 s.

Without ``--url`` a fresh database is made on the machine's server and dropped after.
Progress goes to stderr; figures to stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2.extras import execute_values

from forms.catalogue import load_catalogue
from keys.ca import CHINA_TIME
from station.clock.calendar import WorkCalendar
from station.clock.deadlines import ClockPolicy
from station.supervision import facts
from station.supervision.board import read_board
from station.supervision.figures import COUNTY, Scope
from station.supervision.monthly import monthly_report
from station.supervision.names import Names
from sync import lifecycle
from sync.hlc import Timestamp
from sync.hub.identity import open_database

SERVER = "postgresql://postgres@127.0.0.1:5432/{name}"
MATTERS = ("450981-MZ-003", "450981-RS-001", "450981-WJ-001", "450981-NY-001",
           "450981-YB-001")
OFFICES = {"450981-MZ-003": "民政办", "450981-RS-001": "人社所", "450981-WJ-001": "卫生健康办",
           "450981-NY-001": "农业农村办", "450981-YB-001": "医保站"}
TODAY = date(2026, 12, 5)
MONTH = "2026-11"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"bm_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(SERVER.format(name="postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield SERVER.format(name=name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def stations(count: int) -> list[str]:
    codes = []
    for i in range(count):
        township, village = divmod(i, 25)
        codes.append(f"450981{101 + township:03d}{201 + village:03d}")
    return codes


def hlc(day: date, tick: int, node: str) -> str:
    moment = datetime(day.year, day.month, day.day, 9, 0, tzinfo=CHINA_TIME)
    return str(Timestamp(int(moment.timestamp() * 1000) + tick % 3_600_000, 0, node))


def generate(cases: int, codes: list[str], first_id: int = 0,
             ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(hub_event rows, hub_case rows) of ``cases`` cases in November 2026."""
    events: list[tuple[Any, ...]] = []
    folded: list[tuple[Any, ...]] = []
    seqs: dict[str, int] = {}
    for n in range(first_id, first_id + cases):
        station = codes[n % len(codes)]
        township = lifecycle.township_of(station)
        matter = MATTERS[n % len(MATTERS)]
        office = f"{township}:{OFFICES[matter]}"
        filed = date(2026, 11, 2) + timedelta(days=n % 26)
        case_no = f"{station}-{filed:%Y%m%d}-{n:06d}"
        decided = n % 2 == 0
        if decided:
            steps = [(lifecycle.FILED, station, 0), (lifecycle.ACCEPTED, township, 0),
                     (lifecycle.APPROVED, township, n % 15),
                     (lifecycle.DELIVERED_EVENT, station, n % 15 + 1),
                     (lifecycle.RATED_POOR if n % 20 == 0 else lifecycle.RATED, station,
                      n % 15 + 2)]
            state, offices, by = lifecycle.CLOSED, [], office
        else:
            steps = [(lifecycle.FILED, station, 0), (lifecycle.ACCEPTED, township, 1),
                     (lifecycle.CLAIMED, township, 1),
                     (lifecycle.SUPPLEMENT_REQUESTED, township, 2),
                     (lifecycle.SUPPLEMENTED, station, 4)]
            state, offices, by = lifecycle.REVIEW, [office], None
        for type_, node, after in steps:
            seqs[node] = seqs.get(node, 0) + 1
            day = filed + timedelta(days=after)
            events.append((node, seqs[node] + first_id * 10, f"{len(events):064x}", b"", type_,
                           case_no, matter, hlc(day, n, node), "clerk", node,
                           day.isoformat()))
        view = lifecycle.CaseView(case_no, state, filed_by=station, matter=matter,
                                  level="township", offices=tuple(offices), decided_by=by)
        folded.append((case_no, state, None, station, matter, json.dumps(offices), 0,
                       "township", json.dumps(view.to_json())))
    return events, folded


def write(url: str, events: list[tuple[Any, ...]], folded: list[tuple[Any, ...]]) -> None:
    connection = psycopg2.connect(url)
    with connection, connection.cursor() as cursor:
        execute_values(cursor, "INSERT INTO hub_event (node, seq, digest, envelope, type, case_no,"
                       " matter, hlc, author, peer, received_at) VALUES %s", events,
                       page_size=5000)
        execute_values(cursor, "INSERT INTO hub_case (case_no, state, holder, filed_by, matter,"
                       " offices, updated_index, level, view) VALUES %s ON CONFLICT (case_no)"
                       " DO UPDATE SET state = EXCLUDED.state, view = EXCLUDED.view", folded,
                       page_size=5000)
        cursor.execute("ANALYZE")
    connection.close()


def timed(action: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def plain_counts(url: str) -> Callable[[], Any]:
    """The peer: the month's event counts per matter and type, one GROUP BY."""
    low = hlc(date(2026, 11, 1), 0, "0")[:13]
    high = hlc(date(2026, 12, 1), 0, "0")[:13]

    def run() -> Any:
        connection = psycopg2.connect(url)
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT matter, type, count(*) FROM hub_event WHERE hlc >= %s AND"
                           " hlc < %s GROUP BY matter, type", (low, high))
            rows = cursor.fetchall()
        connection.close()
        return rows

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with (fresh_database() if args.url is None else _given(args.url)) as url:
        run(url, args)


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


def run(url: str, args: argparse.Namespace) -> None:
    db = open_database(url, Path("unused.db"))
    codes = stations(args.stations)
    progress(f"writing {args.cases} cases …")
    events, folded = generate(args.cases, codes)
    write(url, events, folded)
    progress(f"{len(events)} events written")
    catalogue, calendar, policy = load_catalogue(), WorkCalendar(), ClockPolicy()

    start = time.perf_counter()
    built = facts.refresh(db, catalogue, calendar, policy, TODAY)
    first_build = time.perf_counter() - start
    new_events, new_cases = generate(200, codes, first_id=args.cases)
    write(url, new_events, new_cases)
    start = time.perf_counter()
    again = facts.refresh(db, catalogue, calendar, policy, TODAY)
    incremental = time.perf_counter() - start

    names = Names({c: c for c in codes}, {m: m for m in MATTERS})
    scope = Scope(COUNTY, "450981000000", "桂平市")
    report_time, report = timed(lambda: monthly_report(db, MONTH, scope, calendar, names.shown,
                                                       TODAY), args.runs)
    plain_time, _rows = timed(plain_counts(url), args.runs)
    board_time, board = timed(lambda: read_board(db, TODAY, names, calendar), args.runs)

    def screen_refresh() -> Any:  # what 刷新 does: the facts brought up to date, then read
        facts.refresh(db, catalogue, calendar, policy, TODAY)
        return read_board(db, TODAY, names, calendar)

    refresh_time, _board = timed(screen_refresh, args.runs)
    db.close()

    print(f"hub: {len(events) + len(new_events):,} events, {args.cases + 200:,} cases, "
          f"{len(codes)} stations (PostgreSQL)")
    print(f"case facts, first build: {first_build:.1f} s for {built.cases:,} cases "
          f"({first_build / max(built.cases, 1) * 1e6:.0f} µs a case; once per hub)")
    print(f"case facts, after {len(new_events):,} new events: {incremental * 1000:.0f} ms "
          f"({again.cases} cases)")
    print(f"monthly report (county, {MONTH}): {report_time:.2f} s, median of {args.runs}; "
          f"plain GROUP BY of the month's events: {plain_time:.2f} s; "
          f"ratio {report_time / plain_time:.2f}× (target ≤ 3×, ≤ 10 s)")
    print(f"  received {report.total.received:,}, decided {report.total.decided:,}, "
          f"{len(report.stations)} stations, {len(report.offices)} offices")
    print(f"board at {board.open_cases:,} open cases: {board_time * 1000:.0f} ms, median of "
          f"{args.runs} ({len(board.cases):,} red or yellow; limit 1 s: "
          f"{board_time:.2f}× of it)")
    print(f"监察 刷新 (facts up to date, then the board): {refresh_time * 1000:.0f} ms, median "
          f"of {args.runs} (limit 1 s: {refresh_time:.2f}× of it)")


if __name__ == "__main__":
    main()
