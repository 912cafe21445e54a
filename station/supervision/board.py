"""The supervision board (电子监察): today's red and yellow cases, cards and points per
office and station, and late follow-ups of bad ratings, as SQL over the case facts.

Red: open and past its due day.  Yellow: open, not red, accepted (or past the
acceptance window), not paused, and its yellow day reached.  A red card is given the
day after a case's due day, a yellow card on its yellow day; a month's cards are the
cases whose card day fell in that month up to today.  Used and overdue working days
are counted from the stored due day with one table of working days (no loop per case
over the calendar), except for paused cases, whose stored count is today's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from peewee import Case, Database, Expression, fn

from keys.ca import CHINA_TIME
from station.clock.calendar import WorkCalendar
from station.supervision.board_shapes import (
    RED,
    YELLOW,
    Board,
    BoardCase,
    BoardGroup,
    CardRule,
    LateFollowUp,
)
from station.supervision.facts import POOR_RATINGS, CaseFacts
from station.supervision.figures import STATION, TOWNSHIP, Scope
from station.supervision.names import Names


def _count(condition: Expression) -> Any:
    return fn.SUM(Case(None, [(condition, 1)], 0))


def _within(scope: Scope | None) -> Any:
    if scope is not None and scope.kind == TOWNSHIP:
        return CaseFacts.township == scope.code
    if scope is not None and scope.kind == STATION:
        return CaseFacts.station == scope.code
    return CaseFacts.case_no.is_null(False)


class WorkdayIndex:
    """Working days counted from a first day: ``between(a, b)`` in O(1)."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        self.first = first
        self.counts: list[int] = []
        total, day = 0, first
        while day <= last:
            total += calendar.is_workday(day)
            self.counts.append(total)
            day += timedelta(days=1)

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (WorkCalendar's rule)."""
        return (self.counts[(end - self.first).days]
                - self.counts[(start - self.first).days])


def lights(today: date) -> tuple[Expression, Expression, Expression]:
    """(open, red, yellow) as conditions on the case facts, on ``today``."""
    f, day = CaseFacts, today.isoformat()
    open_ = f.stopped_on.is_null() & f.received_on.is_null(False)
    red = open_ & f.due.is_null(False) & (f.due < day)
    yellow = (open_ & f.due.is_null(False) & (f.due >= day) & ~f.paused
              & (f.accepted | (f.accept_by < day)) & (f.yellow_on <= day))
    return open_, red, yellow


CASES_SHOWN = 1000  # the most urgent red and yellow cases listed; all are counted


def read_board(db: Database, today: date, names: Names, calendar: WorkCalendar,
               rule: CardRule | None = None, scope: Scope | None = None,
               office: str | None = None, station: str | None = None,
               limit: int = CASES_SHOWN) -> Board:
    """The board on ``today`` from the (refreshed) case facts: every count, and the
    ``limit`` most urgent cases (red first, the longest overdue first)."""
    rule = rule or CardRule()
    f = CaseFacts
    where = _within(scope)
    if office:
        where &= f.office == office
    if station:
        where &= f.station == station
    open_, red, yellow = lights(today)
    first = today.replace(day=1).isoformat()
    day = today.isoformat()
    before_first = (today.replace(day=1) - timedelta(days=1)).isoformat()
    red_card = (f.due.is_null(False) & (f.due >= before_first) & (f.due < day)
                & (f.stopped_on.is_null() | (f.stopped_on > f.due)))
    yellow_card = (f.yellow_on.is_null(False) & (f.yellow_on >= first) & (f.yellow_on <= day)
                   & f.accepted & (f.stopped_on.is_null() | (f.stopped_on >= f.yellow_on)))
    touched = open_ | (f.stopped_on >= first)
    with db.connection_context():
        groups = {column: _groups(column, where & touched, red, yellow, red_card, yellow_card)
                  for column in ("office", "station")}
        open_cases = f.select().where(where & open_).count()
        columns = (f.case_no, f.matter, f.station, f.office, f.received_on, f.due, f.allowed,
                   f.used, f.paused, Case(None, [(red, RED)], YELLOW).alias("light"))
        lit = f.select().where(where & (red | yellow)).count()
        query: Any = (f.select(*columns).where(where & (red | yellow))
                      .order_by(Case(None, [(red, 0)], 1), f.due, f.case_no)
                      .limit(limit).dicts())
        cases: list[dict[str, Any]] = list(query)
        query = f.select().where(where & _late_followups(today)).dicts()
        late: list[dict[str, Any]] = list(query)
    index = _index(calendar, cases, today)
    shown = sorted((_case(row, names, index, today) for row in cases),
                   key=lambda c: (c.light != RED, -c.overdue_days, c.due, c.case_no))

    def made(column: str, name: Any) -> list[BoardGroup]:
        return sorted((BoardGroup(key, name(key), red_, yellow_, red_cards, yellow_cards,
                                  rule.points(red_cards, yellow_cards))
                       for key, (red_, yellow_, red_cards, yellow_cards)
                       in groups[column].items()),
                      key=lambda g: (-g.points, -g.red, g.key))

    return Board(today=today, made_at=datetime.now(CHINA_TIME),
                 offices=made("office", names.office), stations=made("station", names.node),
                 cases=shown, followups=[_followup(row, names, today) for row in late],
                 open_cases=open_cases, lit_cases=lit)


def _groups(column: str, where: Any, red: Expression, yellow: Expression,
            red_card: Expression, yellow_card: Expression) -> dict[str, tuple[int, ...]]:
    key = getattr(CaseFacts, column)
    query: Any = (CaseFacts.select(key.alias("k"), _count(red).alias("red"),
                                   _count(yellow).alias("yellow"),
                                   _count(red_card).alias("red_cards"),
                                   _count(yellow_card).alias("yellow_cards"))
                  .where(where).group_by(key).dicts())
    return {row["k"] or "": (int(row["red"] or 0), int(row["yellow"] or 0),
                             int(row["red_cards"] or 0), int(row["yellow_cards"] or 0))
            for row in query
            if row["red"] or row["yellow"] or row["red_cards"] or row["yellow_cards"]}


def _late_followups(today: date) -> Any:
    f, day = CaseFacts, today.isoformat()
    first = today.replace(day=1).isoformat()
    callback_late = ((f.called_on.is_null() & f.closed_on.is_null() & (f.callback_by < day))
                     | (f.called_on > f.callback_by))
    fix_late = (f.closed_on.is_null() & (f.fix_by < day)) | (f.closed_on > f.fix_by)
    return ((f.rating == POOR_RATINGS) & f.callback_by.is_null(False)
            & (callback_late | fix_late) & (f.closed_on.is_null() | (f.closed_on >= first)))


def _index(calendar: WorkCalendar, rows: Iterable[dict[str, Any]], today: date,
           ) -> WorkdayIndex:
    dues = [date.fromisoformat(r["due"]) for r in rows]
    first = min([*dues, today]) - timedelta(days=1)
    return WorkdayIndex(calendar, first, max([*dues, today]))


def _case(row: dict[str, Any], names: Names, index: WorkdayIndex, today: date) -> BoardCase:
    due = date.fromisoformat(row["due"])
    allowed = int(row["allowed"])
    if row["paused"]:  # the stored count is today's (paused cases are refreshed daily)
        used = int(row["used"])
        overdue = max(0, used - allowed) if row["light"] == RED else 0
    elif row["light"] == RED:
        overdue = index.between(due, today)
        used = allowed + overdue
    else:
        overdue, used = 0, allowed - index.between(today, due)
    office = row["office"] or ""
    return BoardCase(case_no=row["case_no"], light=row["light"], matter=row["matter"] or "",
                     matter_name=names.matters.get(row["matter"] or "", row["matter"] or ""),
                     station=row["station"], station_name=names.node(row["station"]),
                     office=office, office_name=names.office(office),
                     received_on=date.fromisoformat(row["received_on"]), due=due,
                     used=used, allowed=allowed, overdue_days=overdue)


def _followup(row: dict[str, Any], names: Names, today: date) -> LateFollowUp:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    callback_by, fix_by = date.fromisoformat(row["callback_by"]), date.fromisoformat(
        row["fix_by"])
    called, closed = day(row["called_on"]), day(row["closed_on"])
    office = row["office"] or ""
    return LateFollowUp(case_no=row["case_no"], office=office, office_name=names.office(office),
                        rated_on=date.fromisoformat(row["rated_on"]), callback_by=callback_by,
                        fix_by=fix_by, called_on=called, closed_on=closed,
                        callback_late=(called or closed or today) > callback_by,
                        fix_late=(closed or today) > fix_by)
