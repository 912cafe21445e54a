"""The statutory clock (station/deadlines.py): deadlines from event headers, on the 2026
schedule, with pauses, extensions, Art. 32 implied acceptance, yellow and red, a year
without holiday data, follow-ups of bad ratings, and the policy set through the command.
"""

from __future__ import annotations

import logging
import math
import uuid
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cli import station as run
from conftest import PASSPHRASE, VILLAGE
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.catalogue import load_catalogue
from station.clock import deadlines
from station.clock.calendar import WorkCalendar
from station.clock.deadlines import (
    ClockEvent,
    ClockPolicy,
    MatterLimits,
    clock_events,
    day_of_hlc,
    deadline,
    followup,
)
from station.errors import CallbackDaysInvalid, DayCountInvalid, FixDaysInvalid, YellowShareInvalid
from sync.envelope import ZERO_HASH, Header
from sync.hlc import Timestamp

E = ClockEvent
LIMITS = MatterLimits(promised_days=5, legal_days=20)


def quiet(overrides: dict[date, bool] | None = None) -> tuple[WorkCalendar, list[str]]:
    messages: list[str] = []
    return WorkCalendar(overrides, on_warning=messages.append), messages


def accepted_on(day: date, *more: ClockEvent) -> list[ClockEvent]:
    return [E("case.filed", day), E("case.accepted", day), *more]


# -- the 2026 vectors of DOMAIN.md ----------------------------------------------------


@pytest.mark.parametrize(("start", "promised", "due"), [
    (date(2026, 9, 28), 5, date(2026, 10, 10)),  # 10-10 is a make-up Saturday
    (date(2026, 2, 13), 3, date(2026, 2, 25)),  # across the Spring Festival
])
def test_2026_vectors_through_deadline(start: date, promised: int, due: date) -> None:
    cal, messages = quiet()
    result = deadline(accepted_on(start), MatterLimits(promised, 20), cal, start)
    assert (result.due, result.started_on, result.acceptance) == (due, start, "explicit")
    assert result.state == "running" and result.used == 0 and result.allowed == promised
    assert result.to_json()["due"] == due.isoformat() and result.to_json()["paused"] is False
    on_due = deadline(accepted_on(start), MatterLimits(promised, 20), cal, due)
    assert on_due.used == promised and not on_due.overdue and on_due.state == "yellow"
    after = deadline(accepted_on(start), MatterLimits(promised, 20), cal, due + timedelta(1))
    assert after.overdue and after.state == "red"
    assert messages == []


def test_legal_limit_and_its_overdue_flag() -> None:
    cal, _ = quiet()
    start = date(2026, 9, 28)
    legal_due = cal.add_workdays(start, 20)
    assert legal_due == date(2026, 10, 30)  # across the National Day week
    between = deadline(accepted_on(start), LIMITS, cal, date(2026, 10, 20))
    assert between.legal_due == legal_due and between.overdue and not between.legal_overdue
    late = deadline(accepted_on(start), LIMITS, cal, legal_due + timedelta(1))
    assert late.legal_overdue and late.state == "red"


# -- pauses -----------------------------------------------------------------------------


def test_a_supplement_after_acceptance_pauses_the_clock() -> None:
    cal, _ = quiet()
    mon = date(2026, 11, 2)
    plain = deadline(accepted_on(mon), LIMITS, cal, mon)
    assert plain.due == date(2026, 11, 9)
    # Notice on Wednesday (counts), materials complete the next Monday (does not count).
    events = accepted_on(mon, E("case.supplement_requested", date(2026, 11, 4)))
    waiting = deadline(events, LIMITS, cal, date(2026, 11, 6))
    assert waiting.paused and waiting.state == "paused" and waiting.paused_days == 2
    assert waiting.used == 2 and waiting.due == date(2026, 11, 11)  # if work resumed tomorrow
    events.append(E("case.supplemented", date(2026, 11, 9)))
    resumed = deadline(events, LIMITS, cal, date(2026, 11, 10))
    assert not resumed.paused and resumed.paused_days == 3  # Thu, Fri, Mon
    assert resumed.due == date(2026, 11, 12) == cal.add_workdays(plain.due, 3)
    assert resumed.used == 3 and resumed.state == "running"


def test_a_supplement_before_acceptance_restarts_the_acceptance_window() -> None:
    cal, _ = quiet()
    filed = date(2026, 11, 2)
    assert deadline([E("case.filed", filed)], LIMITS, cal, filed).accept_by == date(2026, 11, 9)
    events = [E("case.filed", filed), E("case.supplement_requested", date(2026, 11, 4))]
    waiting = deadline(events, LIMITS, cal, date(2026, 11, 20))  # the resident takes weeks
    assert waiting.state == "paused" and waiting.started_on is None and waiting.due is None
    events.append(E("case.supplemented", date(2026, 11, 16)))
    restarted = deadline(events, LIMITS, cal, date(2026, 11, 20))
    assert restarted.accept_by == date(2026, 11, 23) and restarted.state == "not_started"
    # the clock runs from the day the materials were complete, accepted or not yet
    assert restarted.due == date(2026, 11, 23) and restarted.acceptance is None
    implied = deadline(events, LIMITS, cal, date(2026, 11, 24))
    assert (implied.acceptance, implied.started_on) == ("implied", date(2026, 11, 16))
    assert implied.due == date(2026, 11, 23) and implied.state == "red"
    explicit = deadline([*events, E("case.accepted", date(2026, 11, 18))], LIMITS, cal,
                        date(2026, 11, 20))
    assert (explicit.acceptance, explicit.started_on) == ("explicit", date(2026, 11, 16))
    assert explicit.due == restarted.due and explicit.state == "yellow"


def test_the_clock_runs_from_receipt_and_acceptance_does_not_move_it() -> None:
    """One promise: the receipt's date (5 working days after the village received complete
    papers on Monday 2026-11-02) is ``due`` before, at and after the office's acceptance."""
    cal, _ = quiet()
    filed = [E("case.filed", date(2026, 11, 2))]
    promised = cal.add_workdays(date(2026, 11, 2), 5)
    assert promised == date(2026, 11, 9)
    before = deadline(filed, LIMITS, cal, date(2026, 11, 3))
    assert (before.state, before.due, before.started_on) == ("not_started", promised, None)
    for accepted in (date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 9)):
        after = deadline([*filed, E("case.accepted", accepted)], LIMITS, cal, accepted)
        assert (after.due, after.started_on, after.acceptance) == (
            promised, date(2026, 11, 2), "explicit")
    # a 即办件 still not accepted the next working day is overdue, accepted or not
    late = deadline(filed, MatterLimits(0, 0), cal, date(2026, 11, 3))
    assert late.due == date(2026, 11, 2) and late.overdue and late.state == "red"


def test_papers_incomplete_at_the_village_promise_nothing_until_complete() -> None:
    cal, _ = quiet()
    events = [E("case.filed", date(2026, 11, 2)), E("case.notice_issued", date(2026, 11, 2))]
    waiting = deadline(events, LIMITS, cal, date(2026, 11, 5))
    assert waiting.due is None and waiting.state == "paused"
    done = deadline([*events, E("case.supplemented", date(2026, 11, 5))], LIMITS, cal,
                    date(2026, 11, 5))
    assert done.due == date(2026, 11, 12) and done.accept_by == date(2026, 11, 12)
    accepted = deadline([*events, E("case.accepted", date(2026, 11, 6))], LIMITS, cal,
                        date(2026, 11, 6))  # the office accepts: complete that day
    assert (accepted.started_on, accepted.due) == (date(2026, 11, 6), date(2026, 11, 13))


def test_a_special_procedure_is_not_counted() -> None:
    cal, _ = quiet()
    limits = MatterLimits(10, 20)
    mon = date(2026, 11, 2)
    assert deadline(accepted_on(mon), limits, cal, mon).due == date(2026, 11, 16)
    events = accepted_on(mon, E("case.special_started", date(2026, 11, 5)))
    during = deadline(events, limits, cal, date(2026, 11, 10))
    assert during.state == "paused" and during.paused_days == 3 and during.used == 3
    events.append(E("case.special_ended", date(2026, 11, 11)))
    after = deadline(events, limits, cal, date(2026, 11, 12))
    assert after.paused_days == 4 and after.due == date(2026, 11, 20)
    assert after.used == 4 and after.state == "running"


def test_overlapping_pauses_count_once() -> None:
    cal, _ = quiet()
    events = accepted_on(date(2026, 11, 2),
                         E("case.special_started", date(2026, 11, 3)),
                         E("case.supplement_requested", date(2026, 11, 4)),
                         E("case.special_ended", date(2026, 11, 6)),
                         E("case.supplemented", date(2026, 11, 10)))
    result = deadline(events, MatterLimits(10, 20), cal, date(2026, 11, 11))
    assert result.paused_days == 5  # 4, 5, 6, 9, 10 November
    assert result.due == cal.add_workdays(date(2026, 11, 16), 5)


def test_an_overdue_case_stays_red_during_a_pause() -> None:
    cal, _ = quiet()
    events = accepted_on(date(2026, 11, 2), E("case.special_started", date(2026, 11, 12)))
    result = deadline(events, LIMITS, cal, date(2026, 11, 13))
    assert result.paused and result.due == date(2026, 11, 9) and result.state == "red"


# -- extension, decisions ---------------------------------------------------------------


def test_an_extension_adds_its_days_once() -> None:
    cal, _ = quiet()
    mon = date(2026, 11, 2)
    events = accepted_on(mon, E("case.extension_approved", date(2026, 11, 6)))
    extended = deadline(events, LIMITS, cal, date(2026, 11, 6))
    assert extended.extended and (extended.allowed, extended.legal_allowed) == (15, 30)
    assert extended.due == cal.add_workdays(mon, 15) == date(2026, 11, 23)
    assert extended.legal_due == cal.add_workdays(mon, 30)
    twice = deadline([*events, E("case.extension_approved", date(2026, 11, 9))], LIMITS, cal,
                     date(2026, 11, 9))
    assert twice.due == extended.due  # Art. 42 allows one extension


def test_limits_from_the_catalogue_joint_matters_extend_by_fifteen() -> None:
    catalogue = load_catalogue()
    single = MatterLimits.for_matter(catalogue.get("450981-MZ-003"))
    joint = MatterLimits.for_matter(catalogue.get("450981-NY-001"))
    assert single == MatterLimits(10, 15, 10)
    assert joint == MatterLimits(15, 20, 15)
    with pytest.raises(DayCountInvalid):
        MatterLimits(-1, 20)


def test_a_decision_stops_the_clock() -> None:
    cal, _ = quiet()
    events = accepted_on(date(2026, 11, 2), E("case.approved", date(2026, 11, 6)))
    result = deadline(events, LIMITS, cal, date(2026, 12, 31))
    assert (result.state, result.outcome, result.decided_on) == (
        "stopped", "approved", date(2026, 11, 6))
    assert result.used == 4 and not result.overdue
    late = deadline(accepted_on(date(2026, 11, 2), E("case.rejected", date(2026, 11, 10))),
                    LIMITS, cal, date(2026, 12, 31))
    assert late.state == "stopped" and late.overdue and not late.legal_overdue
    ignored = deadline([*events, E("case.special_started", date(2026, 11, 9))], LIMITS, cal,
                       date(2026, 12, 31))
    assert ignored == result  # nothing after the decision moves the clock


def test_refused_and_withdrawn_stop_the_clock() -> None:
    cal, _ = quiet()
    filed = date(2026, 11, 2)
    refused = deadline([E("case.filed", filed), E("case.refused", date(2026, 11, 4))], LIMITS,
                       cal, date(2026, 12, 1))
    assert (refused.state, refused.outcome, refused.started_on, refused.due) == (
        "stopped", "refused", None, None)
    withdrawn = deadline(accepted_on(filed, E("case.withdrawn", date(2026, 11, 3))), LIMITS,
                         cal, date(2026, 12, 1))
    assert (withdrawn.state, withdrawn.outcome, withdrawn.decided_on) == (
        "stopped", "withdrawn", None)
    assert withdrawn.stopped_on == date(2026, 11, 3) and withdrawn.used == 1


def test_other_event_types_are_ignored() -> None:
    cal, _ = quiet()
    base = accepted_on(date(2026, 11, 2))
    noisy = [*base, E("case.claimed", date(2026, 11, 3)), E("access.viewed", date(2026, 11, 4)),
             E("case.opinion", date(2026, 11, 5))]
    assert deadline(noisy, LIMITS, cal, date(2026, 11, 6)) == deadline(
        base, LIMITS, cal, date(2026, 11, 6))
    assert deadline([], LIMITS, cal, date(2026, 11, 6)).state == "not_started"


# -- Art. 32 ---------------------------------------------------------------------------


def test_no_answer_within_five_working_days_counts_as_accepted_from_receipt() -> None:
    cal, _ = quiet()
    filed = date(2026, 9, 28)
    events = [E("case.filed", filed)]
    last = deadline(events, LIMITS, cal, date(2026, 10, 10))  # the fifth working day
    assert last.accept_by == date(2026, 10, 10) and last.state == "not_started"
    assert last.started_on is None and last.due == date(2026, 10, 10)  # as the receipt said
    implied = deadline(events, LIMITS, cal, date(2026, 10, 11))
    assert (implied.acceptance, implied.started_on) == ("implied", filed)
    assert implied.due == date(2026, 10, 10) and implied.state == "red"
    # A late acceptance does not move the start; a late notice only pauses the running clock.
    late = deadline([*events, E("case.accepted", date(2026, 10, 13))], LIMITS, cal,
                    date(2026, 10, 13))
    assert (late.acceptance, late.started_on) == ("implied", filed)
    notice = deadline([*events, E("case.supplement_requested", date(2026, 10, 12))], LIMITS, cal,
                      date(2026, 10, 14))
    assert (notice.acceptance, notice.started_on, notice.paused) == ("implied", filed, True)
    # Within the window an explicit acceptance does not move the start either.
    early = deadline([*events, E("case.accepted", date(2026, 10, 9))], LIMITS, cal,
                     date(2026, 10, 9))
    assert (early.acceptance, early.started_on) == ("explicit", filed)
    assert early.due == implied.due == cal.add_workdays(filed, 5)


def test_a_decision_without_an_acceptance_event_counts_from_receipt() -> None:
    cal, _ = quiet()
    filed = date(2026, 11, 2)
    result = deadline([E("case.filed", filed), E("case.approved", date(2026, 11, 3))], LIMITS,
                      cal, date(2026, 11, 3))
    assert (result.acceptance, result.started_on, result.used) == ("implied", filed, 1)


# -- yellow and red ----------------------------------------------------------------------


def test_yellow_at_the_share_and_red_when_overdue() -> None:
    cal, _ = quiet()
    mon, limits = date(2026, 11, 2), MatterLimits(10, 20)
    events = accepted_on(mon)
    states = {}
    for n in range(0, 11):
        day = cal.add_workdays(mon, n)
        states[n] = deadline(events, limits, cal, day).state
    assert [states[n] for n in range(11)] == ["running"] * 8 + ["yellow"] * 3
    due = cal.add_workdays(mon, 10)
    assert due == date(2026, 11, 16) and deadline(events, limits, cal, due).yellow_on == \
        cal.add_workdays(mon, 8)
    assert deadline(events, limits, cal, due + timedelta(1)).state == "red"
    half = ClockPolicy(yellow_share=0.5)
    assert deadline(events, limits, cal, cal.add_workdays(mon, 5), half).state == "yellow"
    assert deadline(events, limits, cal, cal.add_workdays(mon, 4), half).state == "running"


def test_red_the_calendar_day_after_the_due_day() -> None:
    cal, _ = quiet()
    result = deadline(accepted_on(date(2026, 11, 2)), MatterLimits(4, 20), cal,
                      date(2026, 11, 7))
    assert result.due == date(2026, 11, 6)  # a Friday; the Saturday after is overdue
    assert result.used == 4 and result.overdue and result.state == "red"


# -- a year without holiday data ---------------------------------------------------------


def test_a_case_running_into_2027_counts_the_statutory_holidays_and_is_provisional() -> None:
    cal, messages = quiet()
    events = accepted_on(date(2026, 12, 28))
    result = deadline(events, MatterLimits(20, 20), cal, date(2027, 1, 5))
    assert result.due == date(2027, 1, 26)  # 29-31 Dec, 元旦 1 Jan rests, then 17 weekdays
    assert result.used == 5 and result.state == "running" and result.provisional
    assert result.to_json()["provisional"] is True
    assert messages == ["2027 年的节假日安排尚未发布，暂按法定节假日计算工作日（调休未知），"
                        "以公布的安排为准。"]
    weekdays = [date(2026, 12, 28) + timedelta(days=i) for i in range(1, 40)]
    assert result.due == [d for d in weekdays if d.weekday() < 5 and d != date(2027, 1, 1)][19]

    county, _ = quiet({date(2027, 1, 1): False, date(2027, 1, 4): False})
    moved = deadline(events, MatterLimits(20, 20), county, date(2027, 1, 5))
    assert moved.due == date(2027, 1, 27) and moved.used == 4
    within_2026 = deadline(accepted_on(date(2026, 12, 1)), MatterLimits(5, 15), cal,
                           date(2026, 12, 2))
    assert not within_2026.provisional  # its due date lies in a published year


def test_the_default_calendar_logs_an_unpublished_year_and_never_crashes(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="station.clock"):
        result = deadline(accepted_on(date(2027, 3, 1)), MatterLimits(15, 20), WorkCalendar(),
                          date(2027, 3, 10))
    assert any("2027" in r.getMessage() for r in caplog.records if r.name == "station.clock")
    assert result.due == date(2027, 3, 22) and result.state == "running"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        deadline(accepted_on(date(2026, 3, 2)), MatterLimits(15, 20), WorkCalendar(),
                 date(2026, 3, 10))  # 2026 has data: no warning


# -- follow-up of a bad rating -----------------------------------------------------------


def test_a_bad_rating_opens_a_follow_up_with_its_own_deadlines() -> None:
    cal, _ = quiet()
    fri = date(2026, 11, 20)
    assert followup(accepted_on(fri), cal, fri) is None
    events = [E("case.approved", date(2026, 11, 19)), E("case.rated_poor", fri)]
    opened = followup(events, cal, fri)
    assert opened is not None
    assert (opened.callback_by, opened.fix_by) == (date(2026, 11, 23), date(2026, 12, 11))
    assert opened.state == "running" and not opened.called and not opened.closed
    assert followup(events, cal, date(2026, 11, 23)).state == "yellow"  # type: ignore[union-attr]
    missed = followup(events, cal, date(2026, 11, 24))
    assert missed is not None and missed.state == "red" and missed.callback_overdue
    events.append(E("case.followup_called", date(2026, 11, 23)))
    called = followup(events, cal, date(2026, 11, 24))
    assert called is not None and called.called and called.called_on == date(2026, 11, 23)
    assert called.state == "running" and not called.callback_overdue
    late = followup(events, cal, date(2026, 12, 14))
    assert late is not None and late.state == "red" and late.fix_overdue
    events.append(E("case.followup_closed", date(2026, 12, 10)))
    closed = followup(events, cal, date(2026, 12, 31))
    assert closed is not None and closed.state == "stopped" and not closed.fix_overdue
    assert closed.to_json()["closed_on"] == "2026-12-10"


def test_follow_up_days_come_from_the_policy_and_a_new_bad_rating_starts_again() -> None:
    cal, _ = quiet()
    policy = ClockPolicy(followup_callback_days=2, followup_fix_days=5)
    events = [E("case.rated_poor", date(2026, 11, 2)), E("case.followup_called", date(2026, 11, 3)),
              E("case.followup_closed", date(2026, 11, 5))]
    first = followup(events, cal, date(2026, 11, 5), policy)
    assert first is not None and (first.callback_by, first.fix_by) == (
        date(2026, 11, 4), date(2026, 11, 9))
    events.append(E("case.rated_poor", date(2026, 11, 16)))
    again = followup(events, cal, date(2026, 11, 16), policy)
    assert again is not None and again.rated_on == date(2026, 11, 16)
    assert not again.called and not again.closed and again.fix_by == date(2026, 11, 23)


# -- from event headers ----------------------------------------------------------------


def header(type_: str, moment: datetime, counter: int = 0) -> Header:
    node = VILLAGE[1]
    stamp = Timestamp(int(moment.timestamp() * 1000), counter, node)
    return Header(event_id=uuid.uuid4().hex, node=node, seq=1, prev=ZERO_HASH,
                  case_no=f"{node}-20260928-0001", matter="450981-MZ-003", type=type_,
                  hlc=str(stamp), author="agent", recipients=())


def test_china_days_from_hybrid_logical_timestamps() -> None:
    late_utc = datetime(2026, 9, 27, 16, 0, tzinfo=UTC)  # midnight starting 28 September in China
    assert day_of_hlc(str(Timestamp(int(late_utc.timestamp() * 1000), 0, "n"))) == date(
        2026, 9, 28)
    assert day_of_hlc(Timestamp(int(late_utc.timestamp() * 1000) - 1, 0, "n")) == date(
        2026, 9, 27)
    with pytest.raises(ValueError):
        day_of_hlc("yesterday")


def test_clock_events_from_headers_in_time_order_without_other_types() -> None:
    t0 = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)
    headers = [header("case.accepted", t0, 1), header("access.viewed", t0 + timedelta(hours=1)),
               header("case.filed", t0, 0), header("case.approved", t0 + timedelta(days=3))]
    events = clock_events(headers)
    assert events == [E("case.filed", date(2026, 9, 28)), E("case.accepted", date(2026, 9, 28)),
                      E("case.approved", date(2026, 10, 1))]
    cal, _ = quiet()
    result = deadline(events, LIMITS, cal, date(2026, 10, 20))
    assert result.decided_on == date(2026, 10, 1) and result.used == 2  # 1 Oct is a holiday


# -- properties --------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=60, deadline=None)
@given(start=DAYS, promised=st.integers(0, 30), pause_at=st.integers(0, 40),
       pause_len=st.integers(0, 40), kind=st.sampled_from(["special", "supplement"]))
def test_a_pause_never_makes_the_due_date_earlier(start: date, promised: int, pause_at: int,
                                                 pause_len: int, kind: str) -> None:
    cal, _ = quiet()
    limits = MatterLimits(promised, max(promised, 20))
    begin, end = start + timedelta(pause_at), start + timedelta(pause_at + pause_len)
    names = {"special": ("case.special_started", "case.special_ended"),
             "supplement": ("case.supplement_requested", "case.supplemented")}[kind]
    today = end + timedelta(1)
    plain = deadline(accepted_on(start), limits, cal, today)
    paused = deadline(accepted_on(start, E(names[0], begin), E(names[1], end)), limits, cal,
                      today)
    assert paused.due is not None and plain.due is not None
    assert paused.due >= plain.due and paused.legal_due >= plain.legal_due  # type: ignore[operator]
    assert paused.due <= cal.add_workdays(plain.due, paused.paused_days)
    assert paused.used <= plain.used


@settings(max_examples=60, deadline=None)
@given(start=DAYS, promised=st.integers(0, 30), offsets=st.lists(st.integers(0, 60), min_size=2,
                                                                    max_size=2, unique=True),
       share=st.floats(0.05, 1.0))
def test_used_grows_with_time_and_yellow_comes_before_red(
        start: date, promised: int, offsets: list[int], share: float) -> None:
    cal, _ = quiet()
    policy = ClockPolicy(yellow_share=share)
    earlier, later = (start + timedelta(n) for n in sorted(offsets))
    first = deadline(accepted_on(start), MatterLimits(promised, 30), cal, earlier, policy)
    second = deadline(accepted_on(start), MatterLimits(promised, 30), cal, later, policy)
    assert first.used <= second.used
    assert first.yellow_on is not None and first.due is not None
    assert start <= first.yellow_on <= first.due
    assert first.overdue == (earlier > first.due)
    if not first.overdue:
        assert (first.state == "yellow") == (first.used >= math.ceil(share * promised - 1e-9))
        assert (first.state == "yellow") == (earlier >= first.yellow_on)
    order = ["running", "yellow", "red"]
    assert order.index(first.state) <= order.index(second.state)


def test_a_same_day_matter_received_on_saturday_is_due_on_monday() -> None:
    """即办件 (0 days) accepted on a Saturday: due the next working day, as
    WorkCalendar.add_workdays counts 0 days."""
    cal, _ = quiet()
    saturday = date(2026, 12, 5)
    d = deadline(accepted_on(saturday), MatterLimits(0, 1), cal, saturday)
    assert d.due == cal.add_workdays(saturday, 0) == date(2026, 12, 7)
    assert d.state == "yellow" and not d.overdue and d.yellow_on == saturday
    after = deadline(accepted_on(saturday), MatterLimits(0, 1), cal, date(2026, 12, 8))
    assert after.overdue and after.state == "red"


# -- the policy ------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "error"), [
    ({"yellow_share": 0}, YellowShareInvalid),
    ({"yellow_share": 1.01}, YellowShareInvalid),
    ({"yellow_share": float("nan")}, YellowShareInvalid),
    ({"yellow_share": True}, YellowShareInvalid),
    ({"followup_callback_days": -1}, CallbackDaysInvalid),
    ({"followup_callback_days": 1.5}, CallbackDaysInvalid),
    ({"followup_fix_days": -3}, FixDaysInvalid),
])
def test_an_invalid_policy_is_refused(values: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        ClockPolicy(**values)  # type: ignore[arg-type]


def test_policy_command_shows_sets_and_validates(tmp_path: Path) -> None:
    env = {"STATION_DATA": str(tmp_path / "data"), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(tmp_path / "printed")}
    made = run("init", "--tier", "county", "--code", "450981000000", "--name", "县中心",
                   "--operator", "admin", env=env)
    assert made.code == 0, made.err
    shown = run("clock", "policy", "--json", env=env)
    assert shown.code == 0, shown.err
    assert shown.json() == {"yellow_share": 0.8, "followup_callback_days": 1,
                            "followup_fix_days": 15, "red_points": 2.0, "yellow_points": 0.5}
    text = run("clock", "policy", env=env)
    assert "80%" in text.out and "15 个工作日内" in text.out

    changed = run("clock", "policy", "--yellow", "75%", "--fix-days", "10", "--json", env=env)
    assert changed.code == 0, changed.err
    expected = {"yellow_share": 0.75, "followup_callback_days": 1, "followup_fix_days": 10,
                "red_points": 2.0, "yellow_points": 0.5}
    assert changed.json() == expected
    assert run("clock", "policy", "--json", env=env).json() == expected  # kept

    for args, fragment in ((("--yellow", "0"), "黄牌比例“0”"),
                           (("--yellow", "1.2"), "黄牌比例“1.2”"),
                           (("--callback-days", "-1"), "差评回访天数“-1”"),
                           (("--fix-days", "两周"), "差评整改天数“两周”")):
        refused = run("clock", "policy", *args, env=env)
        assert refused.code == 4 and fragment in refused.err, refused.err
    english = run("clock", "policy", "--yellow", "abc", "--lang", "en", env=env)
    assert english.code == 4 and "yellow-card share" in english.err
    assert run("clock", "policy", "--json", env=env).json() == expected  # nothing changed

    added = run("user", "add", "clerk", "--role", "agent", env={
        **env, "STATION_USER": "admin", "STATION_NEW_PASSPHRASE": PASSPHRASE})
    assert added.code == 0, added.err
    clerk = {**env, "STATION_USER": "clerk"}
    assert run("clock", "policy", "--json", env=clerk).json() == expected
    denied = run("clock", "policy", "--yellow", "0.9", env=clerk)
    assert denied.code == 3 and "设置时限规则" in denied.err, denied.err


def test_policy_settings_round_trip_and_a_damaged_value_falls_back(station: object) -> None:
    from station.casework.clock_policy import PREFIX, policy_from_settings, save_policy
    from station.store.models import Event, Setting

    assert policy_from_settings() == ClockPolicy()
    chosen = ClockPolicy(yellow_share=0.9, followup_callback_days=0, followup_fix_days=20)
    save_policy(station, chosen)  # type: ignore[arg-type]
    assert policy_from_settings() == chosen
    logged = Event.select().where(Event.type == "node.clock_policy_set").get()
    assert logged.payload == chosen.to_json()
    Setting.replace(key=PREFIX + "yellow_share", value="lots").execute()
    assert policy_from_settings() == ClockPolicy(0.8, 0, 20)


def test_module_is_pure() -> None:
    source = Path(deadlines.__file__).read_text(encoding="utf-8")
    for forbidden in ("station.store", "peewee", "open(", "requests", "Path("):
        assert forbidden not in source, forbidden
