"""Working days: 2026 schedule vectors, overrides, unpublished years, county files."""

from __future__ import annotations

import ast
import inspect
import logging
import re
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

import polib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import station.clock.calendar as calendar_module
from station import errors
from station.clock.calendar import WorkCalendar, load_overrides, parse_date
from station.errors import CalendarFileInvalid, DateInvalid, DayCountInvalid, StationError
from station.i18n import LOCALE_DIR, render, set_language


def quiet(overrides: dict[date, bool] | None = None) -> tuple[WorkCalendar, list[str]]:
    messages: list[str] = []
    return WorkCalendar(overrides, on_warning=messages.append), messages


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 9, 28), 5, date(2026, 10, 10)),  # 10-10 is a make-up Saturday
        (date(2026, 2, 13), 3, date(2026, 2, 25)),  # across the Spring Festival
        (date(2026, 9, 28), 0, date(2026, 9, 28)),
    ],
)
def test_2026_vectors(start: date, n: int, expected: date) -> None:
    cal, messages = quiet()
    assert cal.add_workdays(start, n) == expected
    assert cal.workdays_between(start, expected) == n
    assert messages == []


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2026, 12, 5), date(2026, 12, 7)),  # a Saturday: the Monday
        (date(2026, 10, 3), date(2026, 10, 8)),  # National Day: the first day back
        (date(2026, 12, 7), date(2026, 12, 7)),  # a working day: that day
    ],
)
def test_zero_days_is_the_first_working_day_from_start(start: date, expected: date) -> None:
    """即办件: nothing is promised for a day the office is closed."""
    cal, messages = quiet()
    assert cal.add_workdays(start, 0) == expected
    assert cal.is_workday(expected)
    assert messages == []


def test_make_up_saturday_and_holiday() -> None:
    cal, _ = quiet()
    assert cal.is_workday(date(2026, 10, 10)) is True
    assert cal.is_workday(date(2026, 10, 1)) is False
    assert cal.is_workday(datetime(2026, 10, 1, 9, 30)) is False


def test_overrides_win_over_the_library() -> None:
    cal = WorkCalendar({date(2026, 10, 10): False, date(2026, 10, 1): True})
    assert cal.is_workday(date(2026, 10, 10)) is False
    assert cal.is_workday(date(2026, 10, 1)) is True


def test_workdays_between_is_antisymmetric() -> None:
    cal, _ = quiet()
    assert cal.workdays_between(date(2026, 10, 10), date(2026, 9, 28)) == -5
    assert cal.workdays_between(date(2026, 9, 28), date(2026, 9, 28)) == 0


@pytest.mark.parametrize("n", [-1, True, 2.5])
def test_bad_day_count(n: object) -> None:
    cal, _ = quiet()
    with pytest.raises(DayCountInvalid) as caught:
        cal.add_workdays(date(2026, 1, 5), n)  # type: ignore[arg-type]
    assert str(n) in str(caught.value)


WARNING_2027 = ("2027 年的节假日安排尚未发布，暂按法定节假日计算工作日（调休未知），"
                "以公布的安排为准。")
# 《全国年节及纪念日放假办法》 (2024) in 2027: 元旦; 除夕 to 初三; 清明; 劳动节 two days;
# 端午; 中秋; 国庆 three days (lunar dates from the ``holidays`` package).
STATUTORY_2027 = [date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7),
                  date(2027, 2, 8), date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 2),
                  date(2027, 6, 9), date(2027, 9, 15), date(2027, 10, 1), date(2027, 10, 2),
                  date(2027, 10, 3)]


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # 元旦 (Fri), then the weekend
        (date(2027, 2, 4), 1, date(2027, 2, 9)),  # 除夕 02-05, the weekend, 初三 02-08
        (date(2027, 9, 30), 1, date(2027, 10, 4)),  # 国庆 1-3 Oct (Fri-Sun), no 调休 invented
        (date(2027, 1, 1), 0, date(2027, 1, 4)),
    ],
)
def test_unpublished_year_counts_the_statutory_holidays(start: date, n: int,
                                                        expected: date) -> None:
    cal, messages = quiet()
    assert cal.add_workdays(start, n) == expected
    assert messages == [WARNING_2027]


def test_unpublished_year_rests_on_every_statutory_day_and_invents_no_swap() -> None:
    cal, messages = quiet()
    year = [date(2027, 1, 1) + timedelta(days=i) for i in range(365)]
    rest = [d for d in year if not cal.is_workday(d)]
    assert [d for d in rest if d.weekday() < 5] == [d for d in STATUTORY_2027
                                                    if d.weekday() < 5]
    assert all(not cal.is_workday(d) for d in year if d.weekday() >= 5)  # no 调休 Saturday
    assert cal.workdays_between(date(2027, 1, 1), date(2027, 12, 31)) == 261 - 7
    assert messages == [WARNING_2027]  # once per year
    cal.add_workdays(date(2028, 3, 1), 2)
    assert len(messages) == 2 and messages[1].startswith("2028 年")


def test_provisional_tells_whether_a_date_depends_on_an_unpublished_year() -> None:
    cal, _ = quiet({date(2027, 1, 1): False})
    assert not cal.provisional(date(2026, 12, 1), date(2026, 12, 31))
    assert cal.provisional(date(2026, 12, 31), date(2027, 1, 4))  # 2 and 3 Jan not listed
    assert not cal.is_provisional(date(2027, 1, 1))  # the county listed it
    assert cal.is_provisional(date(2027, 2, 5)) and not cal.is_provisional(date(2026, 2, 16))
    assert cal.provisional(date(2027, 1, 4), date(2026, 12, 31))  # either order


def test_default_warning_is_one_clean_log_line(caplog: pytest.LogCaptureFixture) -> None:
    cal = WorkCalendar()
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="station.clock"):
        warnings.simplefilter("error")  # never a raw Python warning
        cal.add_workdays(date(2027, 3, 1), 10)
        cal.is_workday(date(2027, 6, 1))
    lines = [r.getMessage() for r in caplog.records if r.name == "station.clock"]
    assert lines == [WARNING_2027]


def test_overrides_in_an_unpublished_year() -> None:
    messages: list[str] = []
    cal = WorkCalendar(
        {date(2027, 1, 1): False, date(2027, 1, 2): True}, on_warning=messages.append
    )
    assert cal.is_workday(date(2027, 1, 1)) is False
    assert cal.is_workday(date(2027, 1, 2)) is True
    assert messages == []  # listed dates count as published
    assert cal.is_workday(date(2027, 1, 4)) is True
    assert len(messages) == 1


def test_warning_in_english() -> None:
    messages: list[str] = []
    set_language("en")
    try:
        WorkCalendar(on_warning=messages.append).is_workday(date(2027, 1, 4))
    finally:
        set_language("zh")
    assert "2027" in messages[0] and "statutory holidays" in messages[0]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays-2027.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[days]\n"2027-01-01" = "休"\n"2027-02-07" = "班"\n'
        '"2027-02-08" = "holiday"\n2027-02-20 = "Workday"\n',
    )
    assert load_overrides(path) == {
        date(2027, 1, 1): False,
        date(2027, 2, 7): True,
        date(2027, 2, 8): False,
        date(2027, 2, 20): True,
    }
    cal = WorkCalendar.from_file(path, on_warning=lambda _: None)
    assert cal.is_workday(date(2027, 2, 7)) is True  # a Sunday made a working day
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_from_file_none() -> None:
    cal = WorkCalendar.from_file(None)
    assert cal.add_workdays(date(2026, 9, 28), 5) == date(2026, 10, 10)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ('[days\n"2027-01-01" = "休"\n', "TOML"),
        ('[days]\n"2027-02-30" = "休"\n', "2027-02-30"),
        ('[days]\n"next monday" = "班"\n', "next monday"),
        ('[days]\n"2027-01-01" = "放假"\n', "放假"),
        ('[days]\n"2027-01-01" = true\n', "True"),
        ('days = "2027-01-01"\n', "[days]"),
        ('[holidays]\n"2027-01-01" = "休"\n', "[days]"),
    ],
)
def test_malformed_override_file(tmp_path: Path, text: str, bad: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CalendarFileInvalid) as caught:
        load_overrides(path)
    message = str(caught.value)
    assert str(path) in message and bad in message


def test_unreadable_override_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(CalendarFileInvalid, match=r"missing\.toml"):
        WorkCalendar.from_file(path)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[days]")
    with pytest.raises(CalendarFileInvalid, match=r"binary\.toml"):
        load_overrides(binary)


@pytest.mark.parametrize(
    "text", ["2026-09-28", " 2026/9/28 ", "2026.09.28", "2026年9月28日", "20260928"]
)
def test_parse_date(text: str) -> None:
    assert parse_date(text) == date(2026, 9, 28)


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-13-01", "2026-02-29", "26-9-28"])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(DateInvalid) as caught:
        parse_date(text)
    assert isinstance(caught.value, StationError)
    assert f"“{text}”" in str(caught.value)


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 6, 30)),
    n=st.integers(min_value=0, max_value=200),
)
def test_add_workdays_properties(start: date, n: int) -> None:
    cal, _ = quiet()
    end = cal.add_workdays(start, n)
    assert cal.is_workday(end)
    if n == 0:  # the first working day from start on
        assert end >= start and cal.workdays_between(start, end) == (0 if end == start else 1)
        assert all(not cal.is_workday(start + timedelta(days=d))
                   for d in range((end - start).days))
        return
    assert cal.workdays_between(start, end) == n
    # the earliest such date: one day less falls one working day short
    assert cal.workdays_between(start, end - timedelta(days=1)) == n - 1


# -- message catalogue: every Chinese message of this module has an English entry


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def _calendar_messages() -> set[str]:
    source = Path(calendar_module.__file__).read_text(encoding="utf-8")
    found = {
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }
    for error in (errors.CalendarError, DateInvalid, DayCountInvalid, CalendarFileInvalid):
        found.add(inspect.cleandoc(error.__doc__ or ""))
    return found


def test_catalogue_has_every_calendar_message() -> None:
    english = {entry.msgid: entry.msgstr for path in sorted((LOCALE_DIR / "en").glob("*.po"))
               for entry in polib.pofile(str(path))}
    for message in _calendar_messages():
        assert english.get(message), f"no English for {message!r}"
        assert _placeholders(english[message]) == _placeholders(message), message


def test_error_renders_in_english(tmp_path: Path) -> None:
    path = write(tmp_path, '[days]\n"2027-01-01" = "放假"\n')
    set_language("en")
    try:
        with pytest.raises(CalendarFileInvalid) as caught:
            load_overrides(path)
        text = render(caught.value)
    finally:
        set_language("zh")
    assert str(path) in text and "放假" in text and "holiday" in text.lower()
