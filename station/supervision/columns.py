"""The figures of the 月通报 as columns: one label, one way to read and print each.

The PDF, the Excel workbook and the 月通报 screen show the same figures under the
same Chinese names (docs/statistics.md defines them).  A rate is a share (0..1) or
None; printed as a percentage with one decimal, "—" when there is nothing to divide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from station.i18n import N_, translate
from station.supervision.figures import Figures, MonthlyReport, Row

COUNT, RATE, DAYS = "count", "rate", "days"
NONE = "—"


@dataclass(frozen=True)
class Column:
    key: str  # the Figures field or property
    label: str  # N_-marked Chinese; translate() when shown
    kind: str  # COUNT, RATE or DAYS

    def value(self, figures: Figures) -> int | float | None:
        return getattr(figures, self.key)

    def text(self, figures: Figures) -> str:
        return show(self.value(figures), self.kind)

    @property
    def title(self) -> str:
        return translate(self.label)


def one_decimal(value: float) -> str:
    """Rounded half up, as a clerk rounds by hand (7.25 → "7.3", not Python's "7.2")."""
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def percent(share: float | None) -> str:
    """0.935 → "93.5%"; None → "—"."""
    return NONE if share is None else one_decimal(share * 100) + "%"


def days(value: float | None) -> str:
    return NONE if value is None else one_decimal(value)


def show(value: int | float | None, kind: str) -> str:
    if kind == RATE:
        return percent(value)
    if kind == DAYS:
        return days(value)
    return NONE if value is None else str(value)


def _c(key: str, label: str, kind: str = COUNT) -> Column:
    return Column(key, label, kind)


RECEIVED = _c("received", N_("受理量"))
DECIDED = _c("decided", N_("办结量"))
OPEN_AT_END = _c("open_at_end", N_("月末在办"))
DECIDED_RATE = _c("decided_rate", N_("办结率"), RATE)
ON_TIME = _c("on_time", N_("按时办结"))
ON_TIME_RATE = _c("on_time_rate", N_("按时办结率"), RATE)
OVERDUE = _c("overdue", N_("超期件数"))
LONGEST = _c("longest_overdue_days", N_("最长超期（工作日）"))
AVERAGE = _c("average_days", N_("平均用时"), DAYS)
P90 = _c("p90_days", N_("90%办件用时"))
INSTANT = _c("instant", N_("即办件"))
INSTANT_SHARE = _c("instant_share", N_("即办件占比"), RATE)
SUPPLEMENTED = _c("supplemented", N_("补齐补正"))
SUPPLEMENT_RATE = _c("supplement_rate", N_("补齐补正率"), RATE)
WITHDRAWN = _c("withdrawn", N_("退件"))
REFUSED = _c("refused", N_("不予受理"))
RATED_GOOD = _c("rated_good", N_("好评"))
RATED_POOR = _c("rated_poor", N_("差评"))
SATISFACTION = _c("satisfaction_rate", N_("满意率"), RATE)
CALLED = _c("poor_called_on_time", N_("差评按时回访"))
FIXED = _c("poor_fixed_on_time", N_("差评按时整改"))

# Every figure, in the order of a workbook's sheet.
ALL: tuple[Column, ...] = (
    RECEIVED, DECIDED, OPEN_AT_END, DECIDED_RATE, ON_TIME, ON_TIME_RATE, OVERDUE, LONGEST,
    AVERAGE, P90, INSTANT, INSTANT_SHARE, SUPPLEMENTED, SUPPLEMENT_RATE, WITHDRAWN, REFUSED,
    RATED_GOOD, RATED_POOR, SATISFACTION, CALLED, FIXED)
# The figures a printed table has room for (durations in working days).
PRINTED: tuple[Column, ...] = (
    RECEIVED, DECIDED, OPEN_AT_END, DECIDED_RATE, ON_TIME_RATE, OVERDUE, AVERAGE, SATISFACTION)
# The screen's list: a few more, it scrolls sideways.
SCREEN: tuple[Column, ...] = (
    RECEIVED, DECIDED, OPEN_AT_END, DECIDED_RATE, ON_TIME, ON_TIME_RATE, OVERDUE, LONGEST,
    AVERAGE, SUPPLEMENT_RATE, WITHDRAWN, REFUSED, SATISFACTION)
# The 12-month trend: the figures the computation gives for each month of it
# (docs/statistics.md, "The trend"); the others are not counted per past month.
TREND: tuple[Column, ...] = (RECEIVED, DECIDED, ON_TIME, ON_TIME_RATE, SATISFACTION)

# Table kinds (figures.TABLES) and their names.
TABLE_NAMES = {"townships": N_("乡镇"), "stations": N_("站点"), "offices": N_("科室"),
               "matters": N_("事项")}
KEY_NAMES = {"townships": N_("乡镇编码"), "stations": N_("站点编码"), "offices": N_("科室"),
             "matters": N_("事项编码")}

# One line per figure: the printed report's note, and the workbook's.
DEFINITIONS = (
    N_("受理量：本月收件的办件数。"),
    N_("办结量：本月作出准予或不予批准决定的办件数。"),
    N_("月末在办：截至统计截止日已收件、尚未办结或终止的办件数。"),
    N_("办结率：办结量 ÷（办结量 + 月末在办）。"),
    N_("按时办结率：本月办结的办件中，在到期日当天或之前办结的比例。"),
    N_("超期件数：本月超期办结的办件，加上统计截止日仍在办且已超期的办件。"),
    N_("平均用时：办结件从收件到办结所用的工作日（不计特别程序）的平均数；"
       "90%办件用时：九成办结件不超过的工作日数。"),
    N_("补齐补正率：本月收件的办件中，发出过补齐补正告知的比例。"),
    N_("满意率：好评 ÷（好评 + 差评）；差评为“不满意”和“非常不满意”。"),
    N_("分母为 0 的比率显示为“—”。完整口径见《统计口径说明》（docs/statistics.md）。"),
)


def ranked(rows: Sequence[Row], column: Column = ON_TIME_RATE) -> list[Row]:
    """Rows with a value of ``column``, best first (ties: more cases decided first)."""
    measured = [row for row in rows if column.value(row.figures) is not None]
    return sorted(measured, key=lambda row: (-float(column.value(row.figures) or 0),
                                             -row.figures.decided, row.key))


# A node's name less the name of its service centre: "桂平市政务服务中心" → "桂平市".
CENTRE_SUFFIXES = ("政务服务中心", "便民服务中心", "便民服务站", "党群服务中心", "服务中心",
                   "服务站")


def area_name(name: str) -> str:
    for suffix in CENTRE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)]
    return name


def short_name(name: str, area: str = "") -> str:
    """A row's name for print: "桂平市示范镇便民服务中心 民政办" → "示范镇 民政办" in a report
    on 桂平市 (each node's centre name less its suffix, then less the report's own area)."""
    parts = []
    for part in name.split(" "):
        shorter = area_name(part)
        if shorter != part and area and shorter.startswith(area) and len(shorter) > len(area):
            shorter = shorter[len(area):]
        parts.append(shorter)
    return " ".join(parts)


def shortened(report: MonthlyReport) -> MonthlyReport:
    """The report with the short names of ``short_name`` (the PDF's tables and charts)."""
    area = area_name(report.scope.name)

    def short(rows: list[Row]) -> list[Row]:
        return [replace(row, name=short_name(row.name, area)) for row in rows]

    return replace(report, townships=short(report.townships), stations=short(report.stations),
                   offices=short(report.offices), matters=short(report.matters))


def report_title(report: MonthlyReport) -> str:
    """"桂平市政务服务 2026年11月 月通报": the PDF's, the workbook's and the screen's."""
    return translate(N_("{name}政务服务 {month} 月通报")).format(
        name=area_name(report.scope.name), month=month_label(report.month))


def file_name(report: MonthlyReport, extension: str) -> str:
    """"月通报-450981000000-2026-11.pdf": a file name, the same in every language."""
    return f"月通报-{report.scope.code}-{report.month}{extension}"


def month_label(month: str) -> str:
    """"2026-11" → "2026年11月"."""
    year, number = month.split("-")
    return translate(N_("{year}年{month}月")).format(year=year, month=int(number))

