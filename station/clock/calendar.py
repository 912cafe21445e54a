"""Working days (工作日) for case deadlines.

The law counts time limits in working days excluding legal holidays
(行政许可法 Art. 82).  The State Council publishes each year's holidays in
November; ``chinesecalendar`` carries them only up to its release year.

Order of authority for a day:

1. the override table the county publishes (``True`` = 班 working day,
   ``False`` = 休 rest day);
2. ``chinesecalendar``;
3. for a year neither knows, the statutory holidays of 《全国年节及纪念日放假办法》
   (as amended in 2024; lunar dates from the ``holidays`` package, its statutory days
   only, never its guessed 调休) and otherwise Monday to Friday, with a warning once
   per year.  Such a day is *provisional*: the make-up working days (调休) are not
   known until the State Council publishes them (``WorkCalendar.provisional``).

The override table counts as published only for the dates it lists: in a year
``chinesecalendar`` has no data for, every date the table does not list falls
back to the statutory rule and triggers the (once per year) warning.  A county
file therefore should list every holiday and every make-up working day.

Override file (TOML, published by the county)::

    [days]
    "2027-01-01" = "休"        # or "holiday"
    "2027-02-07" = "班"        # or "workday"
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import holidays
from holidays.constants import PUBLIC

from station.errors import CalendarFileInvalid, DateInvalid, DayCountInvalid
from station.i18n import _

__all__ = [
    "WorkCalendar",
    "load_overrides",
    "parse_date",
]

_REST_WORDS = frozenset({"休", "holiday"})
_WORK_WORDS = frozenset({"班", "workday"})

log = logging.getLogger("station.clock")

# The statutory holidays of 《全国年节及纪念日放假办法》 (2024): the names the
# ``holidays`` China calendar gives them; its other entries (休息日（由 … 调休）) are
# a published year's make-up swaps, never counted for a year without data.
_STATUTORY = frozenset({"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节",
                        "国庆节"})
_ESTIMATED = "（推定）"

_DATE_FORMS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def _warn(message: str) -> None:
    """The default for a year whose schedule is unknown: one clean log line (no
    Python warning with a source line on the agent's terminal)."""
    log.warning("%s", message)


class WorkCalendar:
    """Answers "is this a working day" and counts working days."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._on_warning = on_warning or _warn
        self._warned_years: set[int] = set()
        self._statutory: dict[int, frozenset[date]] = {}
        # answers already given: chinesecalendar checks its whole range at every call
        self._workdays: dict[date, bool] = {}
        self._provisional: dict[date, bool] = {}

    @classmethod
    def from_file(
        cls, path: Path | None, on_warning: Callable[[str], None] | None = None
    ) -> WorkCalendar:
        """A calendar with the county's override file, or none when ``path`` is None."""
        overrides = load_overrides(path) if path is not None else {}
        return cls(overrides, on_warning)

    def overrides(self) -> dict[date, bool]:
        """The county's published day table this calendar reads first (a copy)."""
        return dict(self._overrides)

    def is_workday(self, day: date) -> bool:
        known = self._workdays.get(day)
        if known is None:
            known = self._workdays[day] = self._is_workday(_as_date(day))
        return known

    def _is_workday(self, day: date) -> bool:
        listed = self._overrides.get(day)
        if listed is not None:
            return listed
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self._warn_once(day.year)
            return day.weekday() < 5 and day not in self._statutory_days(day.year)

    def is_provisional(self, day: date) -> bool:
        """Whether ``day`` is counted by the statutory rule, its year's schedule (调休)
        not yet published (neither the county's table nor ``chinesecalendar`` has it)."""
        known = self._provisional.get(day)
        if known is None:
            known = self._provisional[day] = self._is_provisional(_as_date(day))
        return known

    def _is_provisional(self, day: date) -> bool:
        if day in self._overrides:
            return False
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return True
        return False

    def provisional(self, start: date, end: date) -> bool:
        """Whether a date counted from ``start`` to ``end`` depends on a provisional day:
        one of the days from ``start`` to ``end`` (both included) is provisional."""
        first, last = sorted((_as_date(start), _as_date(end)))
        return any(self.is_provisional(first + timedelta(days=i))
                   for i in range((last - first).days + 1))

    def add_workdays(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start`` (``start`` itself not counted).

        0 days (即办件, done on the spot) is ``start`` when it is a working day, else the
        next working day: papers received on a Saturday are dealt with on Monday, and
        no promise falls on a day the office is closed.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise DayCountInvalid(count=n)
        day = _as_date(start)
        if n == 0:
            while not self.is_workday(day):
                day += timedelta(days=1)
            return day
        remaining = n
        while remaining:
            day += timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``.

        Negative when ``end`` is before ``start``, so that
        ``workdays_between(a, b) == -workdays_between(b, a)``.
        """
        first, last = _as_date(start), _as_date(end)
        if last < first:
            return -self.workdays_between(last, first)
        count = 0
        day = first
        while day < last:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count

    def _statutory_days(self, year: int) -> frozenset[date]:
        known = self._statutory.get(year)
        if known is None:
            found = holidays.China(years=year, observed=False, categories=(PUBLIC,),
                                   language="zh_CN")
            known = frozenset(day for day, name in found.items()
                              if all(part.removesuffix(_ESTIMATED).strip() in _STATUTORY
                                     for part in name.split(";")))
            self._statutory[year] = known
        return known

    def _warn_once(self, year: int) -> None:
        if year in self._warned_years:
            return
        self._warned_years.add(year)
        self._on_warning(
            _("{year} 年的节假日安排尚未发布，暂按法定节假日计算工作日（调休未知），"
              "以公布的安排为准。").format(year=year)
        )


def parse_date(text: str) -> date:
    """A date typed by a person: 2026-09-28, 2026/9/28, 2026年9月28日 or 20260928."""
    cleaned = text.strip()
    for form in _DATE_FORMS:
        match = form.fullmatch(cleaned)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                break
    raise DateInvalid(text=text)


def load_overrides(path: Path) -> dict[date, bool]:
    """Read the county's holiday file: ``{day: True for 班, False for 休}``."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CalendarFileInvalid(
            file=path, detail=_("无法读取（{reason}）").format(reason=error.strerror or error)
        ) from error
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CalendarFileInvalid(
            file=path, detail=_("不是有效的 TOML 格式（{reason}）").format(reason=error)
        ) from error
    days = document.get("days")
    if not isinstance(days, dict):
        raise CalendarFileInvalid(file=path, detail=_("缺少 [days] 表"))
    overrides: dict[date, bool] = {}
    for key, value in days.items():
        try:
            day = parse_date(key)
        except DateInvalid as error:
            raise CalendarFileInvalid(
                file=path, detail=_("日期“{key}”无法识别").format(key=key)
            ) from error
        overrides[day] = _day_kind(path, key, value)
    return overrides


def _day_kind(path: Path, key: str, value: object) -> bool:
    word = value.strip().lower() if isinstance(value, str) else None
    if word in _WORK_WORDS:
        return True
    if word in _REST_WORDS:
        return False
    raise CalendarFileInvalid(
        file=path,
        detail=_("“{key}”的值“{value}”无效，应为“休”或“班”").format(key=key, value=value),
    )


def _as_date(day: date) -> date:
    return day.date() if isinstance(day, datetime) else day
