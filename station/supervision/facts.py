"""Each case's clock facts, kept in a derived table beside the hub's own.

The hub folds every event into ``HubCase`` as it arrives; this module turns the
same headers into dates with the statutory clock (``station.clock.deadlines``):
received, due, yellow, stopped, late, rated, called back, fixed.  The monthly
report and the supervision board are then plain SQL aggregates over one row per
case (``CaseFacts``), on indexed month and day columns.

The table is derived: it can be dropped and rebuilt from the log at any time, it
is not in the hub's backup, and it holds nothing personal (codes, dates, counts).
``refresh`` brings it up to date incrementally: the cases touched by events
after the last refresh, the open cases paused (their due day moves while they
wait), and everything when the catalogue's limits, the calendar or the clock
policy changed.  Dates are ISO text (``2026-11-05``), so comparing them as text
compares the days on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from peewee import BooleanField, Database, IntegerField, PostgresqlDatabase, TextField

from forms.catalogue import Catalogue
from station.clock import deadlines
from station.clock.calendar import WorkCalendar
from station.clock.deadlines import ClockPolicy, MatterLimits
from station.hubops.progress_read import case_view
from sync import lifecycle
from sync.hub.models import HubCase, HubEvent, HubFlag, HubModel, HubState, upsert

log = logging.getLogger(__name__)

STATE_KEY = "supervision.facts"  # HubState: {"index", "fingerprint", "day"}
BATCH = 500  # cases per read and write
GOOD_RATINGS, POOR_RATINGS = "good", "poor"


class CaseFacts(HubModel):
    """One case's clock facts (``docs/statistics.md`` says what each means)."""

    case_no = TextField(primary_key=True)
    station = TextField(index=True)  # the filing node
    township = TextField(index=True)  # the filing node's township
    office = TextField(null=True, index=True)  # "node:office": decided it, or holds it now
    matter = TextField(null=True, index=True)
    received_on = TextField(null=True, index=True)
    received_month = TextField(null=True, index=True)
    stopped_on = TextField(null=True, index=True)  # decided, refused or withdrawn
    stopped_month = TextField(null=True, index=True)
    outcome = TextField(null=True)  # approved, rejected, refused, withdrawn
    accept_by = TextField(null=True)  # Art. 32 window: accepted by implication after it
    accepted = BooleanField(default=False)  # accepted (explicitly or by implication) already
    due = TextField(null=True, index=True)  # the promised day (+ extension)
    yellow_on = TextField(null=True)
    allowed = IntegerField(default=0)  # working days promised (+ extension)
    used = IntegerField(default=0)  # working days used: to the stop, or to ``clock_day``
    late = BooleanField(default=False)  # stopped after ``due``
    overdue_days = IntegerField(default=0)  # working days past ``due`` when it stopped
    paused = BooleanField(default=False)  # open and paused on ``clock_day``
    instant = BooleanField(default=False)  # 即办件: the matter promises 0 days
    supplemented = BooleanField(default=False)  # a 补齐补正 (at filing or after)
    extended = BooleanField(default=False)
    special = BooleanField(default=False)  # 特别程序 at some point
    provisional = BooleanField(default=False)
    rating = TextField(null=True)  # GOOD_RATINGS or POOR_RATINGS (the latest rating)
    rated_on = TextField(null=True)
    rated_month = TextField(null=True, index=True)
    callback_by = TextField(null=True)
    fix_by = TextField(null=True)
    called_on = TextField(null=True)
    closed_on = TextField(null=True)
    clock_day = TextField()  # the day this row was computed

    class Meta:
        table_name = "hub_case_facts"


@dataclass(frozen=True)
class Header:
    type: str
    hlc: str


@dataclass(frozen=True)
class RefreshResult:
    cases: int  # rows computed in this refresh
    rebuilt: bool  # everything was recomputed (first run, or limits changed)


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def month_of(day: date | None) -> str | None:
    return day.strftime("%Y-%m") if day is not None else None


def fingerprint(catalogue: Catalogue, calendar: WorkCalendar, policy: ClockPolicy) -> str:
    """What the facts depend on besides the log: each matter's limits, the county's
    day table and the policy.  A change recomputes every case."""
    limits = {code: [m.promised_days, m.legal_days, bool(getattr(m, "is_joint", False))]
              for code, m in sorted(catalogue.matters.items())}
    days = sorted((d.isoformat(), v) for d, v in calendar.overrides().items())
    text = json.dumps([limits, days, policy.to_json()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def ensure_table(db: Database) -> bool:
    """Create the table if it is missing; True when it was (everything to compute)."""
    with db.connection_context():
        if db.table_exists(CaseFacts._meta.table_name):
            return False
        db.create_tables([CaseFacts], safe=True)
        return True


def refresh(db: Database, catalogue: Catalogue, calendar: WorkCalendar,
            policy: ClockPolicy, today: date) -> RefreshResult:
    """Bring ``CaseFacts`` up to ``today`` and to the end of the hub's log."""
    created = ensure_table(db)
    with db.connection_context():
        stored = HubState.get_or_none(HubState.key == STATE_KEY)
        state = json.loads(stored.value) if stored else {}
        mark = fingerprint(catalogue, calendar, policy)
        top = HubEvent.select(HubEvent.id).order_by(HubEvent.id.desc()).scalar() or 0
        # a new table, other limits, or a log that is not the one last read (a hub
        # restored from a backup without this derived table): compute everything
        rebuilt = created or state.get("fingerprint") != mark or int(state.get("index", 0)) > top
        if rebuilt:
            wanted = _all_cases()
        else:
            wanted = _touched_cases(int(state.get("index", 0)), top)
            if state.get("day") != today.isoformat():
                wanted |= _paused_cases()
        computed = 0
        for batch in _batches(sorted(wanted), BATCH):
            rows = list(_compute(batch, catalogue, calendar, policy, today))
            with db.atomic():
                CaseFacts.delete().where(CaseFacts.case_no.in_(batch)).execute()
                _insert(db, rows)
            computed += len(rows)
        upsert(HubState, key=STATE_KEY, value=json.dumps(
            {"index": top, "fingerprint": mark, "day": today.isoformat()}))
    if computed:
        log.info("case facts: %d cases computed (%s)", computed,
                 "rebuilt" if rebuilt else "incremental")
    return RefreshResult(computed, rebuilt)


_COLUMNS = tuple(CaseFacts._meta.sorted_field_names)


def _insert(db: Database, rows: list[dict[str, Any]]) -> None:
    """Insert many rows with one statement per page, without building each value's SQL
    in Python (peewee's ``insert_many`` spends more than the clock does)."""
    if not rows:
        return
    table = CaseFacts._meta.table_name
    names = ", ".join(f'"{name}"' for name in _COLUMNS)
    values = [tuple(row[name] for name in _COLUMNS) for row in rows]
    cursor = db.cursor()
    if isinstance(db, PostgresqlDatabase):
        from psycopg2.extras import execute_values

        execute_values(cursor, f"INSERT INTO {table} ({names}) VALUES %s", values,
                       page_size=len(values))
    else:
        marks = ", ".join("?" for _ in _COLUMNS)
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)


def _all_cases() -> set[str]:
    return {r.case_no for r in HubCase.select(HubCase.case_no)}


def _touched_cases(after: int, top: int) -> set[str]:
    if top <= after:
        return set()
    query = (HubEvent.select(HubEvent.case_no).distinct()
             .where((HubEvent.id > after) & HubEvent.case_no.is_null(False)))
    return {str(r.case_no) for r in query}


def _paused_cases() -> set[str]:
    query = CaseFacts.select(CaseFacts.case_no).where(
        CaseFacts.paused & CaseFacts.stopped_on.is_null())
    return {r.case_no for r in query}


def _batches(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _compute(batch: list[str], catalogue: Catalogue, calendar: WorkCalendar,
             policy: ClockPolicy, today: date) -> Iterable[dict[str, Any]]:
    flagged = {(f.node, f.seq) for f in HubFlag.select(HubFlag.node, HubFlag.seq)
               .where(HubFlag.case_no.in_(batch))}
    headers: dict[str, list[Header]] = defaultdict(list)
    rows: Iterable[Any] = (
        HubEvent.select(HubEvent.case_no, HubEvent.node, HubEvent.seq, HubEvent.type,
                        HubEvent.hlc)
        .where(HubEvent.case_no.in_(batch)).tuples())
    for case_no, node, seq, type_, hlc in rows:
        if (node, seq) not in flagged:
            headers[case_no].append(Header(type_, hlc))
    views = {row.case_no: row for row in HubCase.select().where(HubCase.case_no.in_(batch))}
    for case_no in batch:
        case = views.get(case_no)
        if case is None or not headers.get(case_no):
            continue
        yield case_facts(case_no, headers[case_no], case_view(case_no, case), catalogue,
                         calendar, policy, today)


# Every column, so that the rows of one insert all name the same columns.
_EMPTY: dict[str, Any] = {name: field_.default for name, field_ in CaseFacts._meta.fields.items()}


def case_facts(case_no: str, headers: Sequence[Header], view: lifecycle.CaseView,
               catalogue: Catalogue, calendar: WorkCalendar, policy: ClockPolicy,
               today: date) -> dict[str, Any]:
    """One ``CaseFacts`` row (as a dict) from a case's headers and its folded view."""
    station = view.filed_by or case_no[:12]
    matter_code = view.matter or ""
    matter = catalogue.matters.get(matter_code)
    events = deadlines.clock_events(headers)
    types = {h.type for h in headers}
    current = view.offices[0] if view.offices else None
    office = current if view.state in lifecycle.OPEN else (view.decided_by or current)
    row: dict[str, Any] = dict(_EMPTY)
    row.update({
        "case_no": case_no, "station": station, "township": lifecycle.township_of(station),
        "office": office, "matter": matter_code or None,
        "supplemented": bool(types & {deadlines.SUPPLEMENT_REQUESTED,
                                      deadlines.MISSING_AT_FILING}),
        "special": deadlines.SPECIAL_STARTED in types,
        "instant": bool(matter is not None and matter.promised_days == 0),
        "clock_day": today.isoformat(),
    })
    received = next((e.day for e in events if e.type == deadlines.FILED), None)
    row.update(received_on=iso(received), received_month=month_of(received))
    if matter is not None:
        row.update(_clock(events, MatterLimits.for_matter(matter), calendar, policy, today))
    else:  # a matter this catalogue does not know: counted, never timed
        row.update(_stops(events))
    row.update(_rating(headers, events, calendar, policy, today))
    return row


def _clock(events: list[deadlines.ClockEvent], limits: MatterLimits, calendar: WorkCalendar,
           policy: ClockPolicy, today: date) -> dict[str, Any]:
    due = deadlines.deadline(events, limits, calendar, today, policy)
    late = bool(due.outcome and due.overdue)
    overdue_days = max(0, due.used - due.allowed) if late else 0
    return {"stopped_on": iso(due.stopped_on), "stopped_month": month_of(due.stopped_on),
            "outcome": due.outcome, "accept_by": iso(due.accept_by),
            "accepted": due.acceptance is not None, "due": iso(due.due),
            "yellow_on": iso(due.yellow_on), "allowed": due.allowed, "used": due.used,
            "late": late, "overdue_days": overdue_days,
            "paused": bool(due.paused and due.outcome is None), "extended": due.extended,
            "provisional": due.provisional}


_STOPS = {deadlines.APPROVED: "approved", deadlines.REJECTED: "rejected",
          deadlines.REFUSED: "refused", deadlines.WITHDRAWN: "withdrawn"}


def _stops(events: list[deadlines.ClockEvent]) -> dict[str, Any]:
    stop = next((e for e in events if e.type in _STOPS), None)
    day = stop.day if stop else None
    return {"stopped_on": iso(day), "stopped_month": month_of(day),
            "outcome": _STOPS[stop.type] if stop else None}


def _rating(headers: Sequence[Header], events: list[deadlines.ClockEvent],
            calendar: WorkCalendar, policy: ClockPolicy, today: date) -> dict[str, Any]:
    rated = sorted((h.hlc, h.type) for h in headers
                   if h.type in (lifecycle.RATED, lifecycle.RATED_POOR))
    if not rated:
        return {}
    hlc, type_ = rated[-1]
    day = deadlines.day_of_hlc(hlc)
    row: dict[str, Any] = {"rating": POOR_RATINGS if type_ == lifecycle.RATED_POOR
                           else GOOD_RATINGS, "rated_on": iso(day), "rated_month": month_of(day)}
    if type_ == lifecycle.RATED_POOR:
        follow = deadlines.followup(events, calendar, today, policy)
        if follow is not None:
            row.update(callback_by=iso(follow.callback_by), fix_by=iso(follow.fix_by),
                       called_on=iso(follow.called_on), closed_on=iso(follow.closed_on))
    return row
