"""The shapes of the monthly report (月通报): plain, frozen, JSON-ready.

Computed by ``monthly.monthly_report``; printed by ``report_pdf`` and ``report_xlsx``.
Every figure is defined in ``docs/statistics.md``.  A rate is None when its
denominator is 0 (shown as "—", never as 0 %).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

# Scope kinds: who the report is about.
COUNTY, TOWNSHIP, STATION = "county", "township", "station"
# Table kinds: the rows of a report.
TABLES = ("townships", "stations", "offices", "matters")


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """One row's figures for one month (see docs/statistics.md for each)."""

    received: int = 0  # 受理量: cases received (收件) in the month
    decided: int = 0  # 办结量: approved or rejected in the month
    open_at_end: int = 0  # 月末在办: received by the month's end, not stopped by then
    on_time: int = 0  # decided in the month on or before their due day
    overdue: int = 0  # 超期件数: decided late in the month, or open and past due at its end
    longest_overdue_days: int = 0  # working days past due, the longest of ``overdue``
    average_days: float | None = None  # working days used to decide, mean over ``decided``
    p90_days: int | None = None  # the same, 90th percentile (nearest rank)
    instant: int = 0  # 即办件 among ``decided``: the matter promises 0 days
    supplemented: int = 0  # received in the month with a 补齐补正 (at filing or later)
    withdrawn: int = 0  # 退件: withdrawn in the month
    refused: int = 0  # 不予受理 in the month
    rated_good: int = 0  # rated 非常满意 / 满意 / 基本满意 in the month
    rated_poor: int = 0  # 差评 in the month (不满意 / 非常不满意)
    poor_called_on_time: int = 0  # of ``rated_poor``: called back by the policy's day
    poor_fixed_on_time: int = 0  # of ``rated_poor``: follow-up closed by the policy's day

    @property
    def decided_rate(self) -> float | None:  # 办结率
        return rate(self.decided, self.decided + self.open_at_end)

    @property
    def on_time_rate(self) -> float | None:  # 按时办结率
        return rate(self.on_time, self.decided)

    @property
    def instant_share(self) -> float | None:  # 即办件占比
        return rate(self.instant, self.decided)

    @property
    def supplement_rate(self) -> float | None:  # 补齐补正率
        return rate(self.supplemented, self.received)

    @property
    def satisfaction_rate(self) -> float | None:  # 满意率
        return rate(self.rated_good, self.rated_good + self.rated_poor)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "decided_rate": self.decided_rate,
                "on_time_rate": self.on_time_rate, "instant_share": self.instant_share,
                "supplement_rate": self.supplement_rate,
                "satisfaction_rate": self.satisfaction_rate}


@dataclass(frozen=True)
class Row:
    """One line of a table: a township, station, office or matter, and its figures."""

    key: str  # node code, "node:office" or matter code
    name: str  # as shown: 石龙镇, 石龙镇 民政办, 最低生活保障申请
    figures: Figures


@dataclass(frozen=True)
class Scope:
    kind: str  # COUNTY, TOWNSHIP or STATION
    code: str  # the node code
    name: str


@dataclass(frozen=True)
class MonthlyReport:
    month: str  # "2026-11"
    scope: Scope
    first_day: date
    last_day: date
    as_of: date  # the month's last day, or today for the current month
    made_at: datetime
    total: Figures
    townships: list[Row] = field(default_factory=list)
    stations: list[Row] = field(default_factory=list)
    offices: list[Row] = field(default_factory=list)
    matters: list[Row] = field(default_factory=list)
    trend: list[tuple[str, Figures]] = field(default_factory=list)  # 12 months to ``month``
    provisional: bool = False  # some due day depends on a year whose 调休 is unpublished

    def to_json(self) -> dict[str, Any]:
        def rows(items: list[Row]) -> list[dict[str, Any]]:
            return [{"key": r.key, "name": r.name, **r.figures.to_json()} for r in items]

        return {"month": self.month, "scope": asdict(self.scope),
                "first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat(),
                "as_of": self.as_of.isoformat(),
                "made_at": self.made_at.isoformat(timespec="seconds"),
                "total": self.total.to_json(),
                **{table: rows(getattr(self, table)) for table in TABLES},
                "trend": [{"month": m, **f.to_json()} for m, f in self.trend],
                "provisional": self.provisional}
