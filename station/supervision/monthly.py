"""The monthly report (月通报): SQL aggregates over the case facts (``facts``).

One grouped query gives every count per (township, station, office, matter) for
the month; the four tables and the total are sums of those groups.  The 90th
percentile is a window-function query per table (nearest rank), the 12-month
trend three queries grouped by month.  Every figure is defined in
``docs/statistics.md``; nothing here reads a payload.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from peewee import SQL, Case, Database, Expression, PostgresqlDatabase, fn

from keys.ca import CHINA_TIME
from station.clock.calendar import WorkCalendar
from station.errors import StationError
from station.supervision.facts import GOOD_RATINGS, POOR_RATINGS, CaseFacts
from station.supervision.figures import (
    STATION,
    TOWNSHIP,
    Figures,
    MonthlyReport,
    Row,
    Scope,
)
from sync import lifecycle

_MONTH = re.compile(r"(\d{4})-(\d{2})")
DIMENSIONS = ("township", "station", "office", "matter")
WORK_MEM = "64MB"  # PostgreSQL: group a large county's month in memory, not on disk


class MonthInvalid(StationError):
    """月份“{month}”不正确：请写成“2026-11”这样的年-月，且不晚于本月。"""

    exit_code = 4


class ScopeInvalid(StationError):
    """统计范围不正确。"""

    exit_code = 4


class CountyScopeOnly(ScopeInvalid):
    """乡镇只能统计本乡镇及其下属村站，不能统计全县。"""


class ScopeCodeNeeded(ScopeInvalid):
    """请写出要统计的乡镇或村站的 12 位编码。"""


class ScopeOutside(ScopeInvalid):
    """编码“{code}”不是本站辖区内的{what}。"""


class ScopeKindUnknown(ScopeInvalid):
    """统计范围“{scope}”不认识：只能是全县、乡镇或村站。"""


@dataclass(frozen=True)
class Month:
    first: date
    last: date  # the month's last day
    end: date  # what counts: the last day, or today in the current month

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")


def parse_month(text: str, today: date) -> Month:
    match = _MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise MonthInvalid(month=text)
    first = date(int(match[1]), int(match[2]), 1)
    if first > today:
        raise MonthInvalid(month=text)
    last = _next_month(first) - timedelta(days=1)
    return Month(first, last, min(last, today))


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def _count(condition: Expression) -> Any:
    return fn.SUM(Case(None, [(condition, 1)], 0))


def _scope_filter(scope: Scope) -> Any:
    if scope.kind == TOWNSHIP:
        return CaseFacts.township == scope.code
    if scope.kind == STATION:
        return CaseFacts.station == scope.code
    return SQL("1 = 1")


@dataclass
class _Sums:
    """A group's sums, before rates: ``Figures`` plus what averages and the longest
    overdue need."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    used: int = 0
    longest_stopped: int = 0
    earliest_open_due: str | None = None
    provisional: bool = False

    def add(self, other: _Sums) -> None:
        for name, value in other.counts.items():
            self.counts[name] += value
        self.used += other.used
        self.provisional = self.provisional or other.provisional
        self.longest_stopped = max(self.longest_stopped, other.longest_stopped)
        if other.earliest_open_due and (self.earliest_open_due is None
                                        or other.earliest_open_due < self.earliest_open_due):
            self.earliest_open_due = other.earliest_open_due


_COUNTED = ("received", "decided", "open_at_end", "on_time", "overdue", "instant",
            "supplemented", "withdrawn", "refused", "rated_good", "rated_poor",
            "poor_called_on_time", "poor_fixed_on_time")


def _group_sums(month: Month, scope: Scope) -> dict[tuple[str, ...], _Sums]:
    """Every count of the month per (township, station, office, matter)."""
    f = CaseFacts
    m, end = month.key, month.end.isoformat()
    decided = (f.stopped_month == m) & f.outcome.in_(("approved", "rejected"))
    open_at_end = ((f.received_on <= end)
                   & (f.stopped_on.is_null() | (f.stopped_on > end)))
    open_overdue = open_at_end & f.due.is_null(False) & (f.due < end)
    poor = (f.rated_month == m) & (f.rating == POOR_RATINGS)
    conditions = {
        "received": f.received_month == m,
        "decided": decided,
        "open_at_end": open_at_end,
        "on_time": decided & ~f.late,
        "overdue": (decided & f.late) | open_overdue,
        "instant": decided & f.instant,
        "supplemented": (f.received_month == m) & f.supplemented,
        "withdrawn": (f.stopped_month == m) & (f.outcome == "withdrawn"),
        "refused": (f.stopped_month == m) & (f.outcome == "refused"),
        "rated_good": (f.rated_month == m) & (f.rating == GOOD_RATINGS),
        "rated_poor": poor,
        "poor_called_on_time": poor & f.called_on.is_null(False)
        & (f.called_on <= f.callback_by),
        "poor_fixed_on_time": poor & f.closed_on.is_null(False) & (f.closed_on <= f.fix_by),
    }
    touches = ((f.received_month == m) | (f.stopped_month == m) | (f.rated_month == m)
               | open_at_end)
    columns = [f.station, f.office, f.matter]  # the township is the station's
    query: Any = (f.select(*columns,
                      *[_count(c).alias(name) for name, c in conditions.items()],
                      fn.SUM(Case(None, [(decided, f.used)], 0)).alias("used"),
                      fn.MAX(Case(None, [(decided & f.late, f.overdue_days)], 0)).alias("longest"),
                      fn.MIN(Case(None, [(open_overdue, f.due)], None)).alias("open_due"),
                      fn.MAX(Case(None, [(f.provisional & (open_at_end | decided), 1)], 0))
                      .alias("provisional"))
             .where(touches & _scope_filter(scope))
             .group_by(*columns).dicts())
    groups: dict[tuple[str, ...], _Sums] = {}
    for row in query:
        sums = _Sums(used=int(row["used"] or 0), longest_stopped=int(row["longest"] or 0),
                     earliest_open_due=row["open_due"], provisional=bool(row["provisional"]))
        for name in _COUNTED:
            sums.counts[name] = int(row[name] or 0)
        station = row["station"]
        groups[(lifecycle.township_of(station), station, row["office"] or "",
                row["matter"] or "")] = sums
    return groups


def _histograms(month: Month, scope: Scope) -> dict[tuple[str, ...], dict[int, int]]:
    """Working days used to decide, counted per value and per (station, office, matter):
    one grouped query; every table's percentiles are read off these counts."""
    f = CaseFacts
    decided = ((f.stopped_month == month.key) & f.outcome.in_(("approved", "rejected"))
               & _scope_filter(scope))
    query: Any = (f.select(f.station, f.office, f.matter, f.used, fn.COUNT(SQL("*")))
                  .where(decided).group_by(f.station, f.office, f.matter, f.used).tuples())
    counts: dict[tuple[str, ...], dict[int, int]] = defaultdict(dict)
    for station, office, matter, used, n in query:
        key = (lifecycle.township_of(station), station, office or "", matter or "")
        counts[key][int(used)] = int(n)
    return counts


def nearest_rank(counts: Mapping[int, int], share: float = 0.9) -> int | None:
    """The ⌈share × n⌉-th smallest value of a histogram {value: how many}."""
    total = sum(counts.values())
    if not total:
        return None
    rank, seen = math.ceil(share * total - 1e-9), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return max(counts)


def _figures(sums: _Sums, p90: int | None, calendar: WorkCalendar, end: date) -> Figures:
    counts = {name: sums.counts.get(name, 0) for name in _COUNTED}
    longest = sums.longest_stopped
    if sums.earliest_open_due:
        longest = max(longest, calendar.workdays_between(date.fromisoformat(
            sums.earliest_open_due), end))
    decided = counts["decided"]
    return Figures(**counts, longest_overdue_days=longest,
                   average_days=sums.used / decided if decided else None, p90_days=p90)


def _trend(month: Month, scope: Scope, months: int = 12) -> list[tuple[str, Figures]]:
    """受理量, 办结量, 按时办结 and ratings for the ``months`` months to ``month``."""
    keys = [month.first]
    while len(keys) < months:
        keys.insert(0, _previous_month(keys[0]))
    wanted = [k.strftime("%Y-%m") for k in keys]
    f = CaseFacts
    decided = f.outcome.in_(("approved", "rejected"))
    sums: dict[str, dict[str, int]] = {k: defaultdict(int) for k in wanted}

    def grouped(column: Any, counted: Mapping[str, Any]) -> None:
        query: Any = (f.select(column.alias("m"), *[_count(c).alias(n) for n, c in counted.items()])
                 .where(column.in_(wanted) & _scope_filter(scope)).group_by(column).dicts())
        for row in query:
            for name in counted:
                sums[row["m"]][name] += int(row[name] or 0)

    grouped(f.received_month, {"received": SQL("1 = 1")})
    grouped(f.stopped_month, {"decided": decided, "on_time": decided & ~f.late})
    grouped(f.rated_month, {"rated_good": f.rating == GOOD_RATINGS,
                            "rated_poor": f.rating == POOR_RATINGS})
    return [(k, Figures(**sums[k])) for k in wanted]


Namer = Callable[[str, str], str]  # (dimension, key) -> the name shown


def monthly_report(db: Database, month_text: str, scope: Scope, calendar: WorkCalendar,
                   namer: Namer, today: date, made_at: datetime | None = None,
                   ) -> MonthlyReport:
    """The 月通报 of ``month_text`` over ``scope``, from the (refreshed) case facts."""
    month = parse_month(month_text, today)
    with db.connection_context(), db.atomic():
        if isinstance(db, PostgresqlDatabase):  # room to aggregate in memory, this query only
            db.execute_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
        groups = _group_sums(month, scope)
        histograms = _histograms(month, scope)
        trend = _trend(month, scope)
    total = _Sums()
    tables: dict[str, dict[str, _Sums]] = {d: defaultdict(_Sums) for d in DIMENSIONS}
    for key, sums in groups.items():
        total.add(sums)
        for dimension, value in zip(DIMENSIONS, key, strict=True):
            tables[dimension][value].add(sums)
    spread: dict[str, dict[str, Counter[int]]] = {d: defaultdict(Counter) for d in DIMENSIONS}
    overall: Counter[int] = Counter()
    for key, counts in histograms.items():
        overall.update(counts)
        for dimension, value in zip(DIMENSIONS, key, strict=True):
            spread[dimension][value].update(counts)

    def rows(dimension: str) -> list[Row]:
        made = [Row(key, namer(dimension, key),
                    _figures(sums, nearest_rank(spread[dimension][key]), calendar, month.end))
                for key, sums in tables[dimension].items()]
        return sorted(made, key=lambda r: r.key)

    return MonthlyReport(
        month=month.key, scope=scope, first_day=month.first, last_day=month.last,
        as_of=month.end, made_at=made_at or datetime.now(CHINA_TIME),
        total=_figures(total, nearest_rank(overall), calendar, month.end),
        townships=rows("township"), stations=rows("station"), offices=rows("office"),
        matters=rows("matter"), trend=trend, provisional=total.provisional)
