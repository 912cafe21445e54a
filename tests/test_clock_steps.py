"""Per-step limits drive per-step yellow and red: township 15 working days from its
acceptance, then 残联 5 and 民政局 5 in turn (450981-CL-001), counted like the case."""

from __future__ import annotations

from datetime import date

from forms.catalogue import load_catalogue
from station.clock.calendar import WorkCalendar
from station.clock.steps import Flow, StepEvent, stages, step_clock

CATALOGUE = load_catalogue()
MATTER = CATALOGUE.get("450981-CL-001")
FLOW = Flow(MATTER.tier, MATTER.offices)  # sequential: 残联 then 民政局
CALENDAR = WorkCalendar()  # November 2026 has no public holiday

FILED = StepEvent("case.filed", date(2026, 11, 2), "village")  # Monday
ACCEPTED = StepEvent("case.accepted", date(2026, 11, 3), "township", "民政办")
TO_COUNTY = StepEvent("case.forwarded", date(2026, 11, 20), "township", "民政办")
PASSED_ON = StepEvent("case.forwarded", date(2026, 11, 30), "county", "残联")
APPROVED = StepEvent("case.approved", date(2026, 12, 7), "county", "民政局")


def clocks(events: list[StepEvent], today: date) -> list[dict]:
    return [c.to_json() for c in step_clock(events, MATTER.procedure, FLOW, CALENDAR, today)]


def states(events: list[StepEvent], today: date) -> list[str]:
    return [c["state"] for c in clocks(events, today)]


def test_the_timed_stages_come_from_the_catalogue() -> None:
    assert stages(MATTER.procedure, FLOW) == [
        (("受理、初审（含入户调查）",), ("township", None), 15),
        (("审核残疾类别和等级，转县民政局",), ("county", "残联"), 5),
        (("审定补贴对象和标准",), ("county", "民政局"), 5),
    ]
    untimed = CATALOGUE.get("450981-MZ-001")
    assert step_clock([FILED], untimed.procedure, Flow(untimed.tier), CALENDAR,
                      date(2026, 11, 2)) == []


def test_nothing_runs_before_the_township_accepts() -> None:
    assert states([FILED], date(2026, 11, 2)) == ["not_started"] * 3


def test_the_township_step_turns_yellow_then_red_on_its_own_limit() -> None:
    events = [FILED, ACCEPTED]
    (township, *_rest) = clocks(events, date(2026, 11, 18))
    assert (township["started_on"], township["due"], township["yellow_on"]) == (
        "2026-11-03", "2026-11-24", "2026-11-19")
    assert township["state"] == "running" and township["used"] == 11
    assert states(events, date(2026, 11, 19))[0] == "yellow"
    assert states(events, date(2026, 11, 24))[0] == "yellow"
    assert states(events, date(2026, 11, 25))[0] == "red"


def test_a_special_procedure_inside_the_step_does_not_count() -> None:
    events = [FILED, ACCEPTED, StepEvent("case.special_started", date(2026, 11, 5), "township"),
              StepEvent("case.special_ended", date(2026, 11, 9), "township")]
    township = clocks(events, date(2026, 11, 25))[0]
    assert township["paused_days"] == 2 and township["due"] == "2026-11-26"
    assert township["state"] == "yellow"
    paused = clocks(events[:3], date(2026, 11, 6))[0]
    assert paused["state"] == "paused"


def test_each_office_in_turn_has_its_own_limit() -> None:
    events = [FILED, ACCEPTED, TO_COUNTY]
    township, cl, mz = clocks(events, date(2026, 11, 26))
    assert township["state"] == "done" and township["done_on"] == "2026-11-20"
    assert not township["overdue"]
    assert (cl["started_on"], cl["due"], cl["state"]) == ("2026-11-20", "2026-11-27", "yellow")
    assert mz["state"] == "not_started"
    assert states(events, date(2026, 11, 30))[1] == "red"
    events.append(PASSED_ON)
    township, cl, mz = clocks(events, date(2026, 12, 3))
    assert cl["state"] == "done" and cl["overdue"] and cl["done_on"] == "2026-11-30"
    assert (mz["started_on"], mz["due"], mz["state"]) == ("2026-11-30", "2026-12-07", "running")
    assert states(events, date(2026, 12, 4))[2] == "yellow"
    assert states(events, date(2026, 12, 8))[2] == "red"
    events.append(APPROVED)
    assert states(events, date(2026, 12, 9)) == ["done", "done", "done"]
    assert not clocks(events, date(2026, 12, 9))[2]["overdue"]


def test_the_desk_shows_each_begun_step_with_its_own_date() -> None:
    from station.ui.screens.review_special import clock_text

    limits = clocks([FILED, ACCEPTED, TO_COUNTY], date(2026, 11, 30))
    text = clock_text({"deadline": None, "follow_up": None, "step_limits": limits})
    assert text.splitlines() == [
        "分环节：乡镇“受理、初审（含入户调查）”限 15 个工作日，2026-11-24 前（本环节已完成）",
        "分环节：残联“审核残疾类别和等级，转县民政局”限 5 个工作日，2026-11-27 前（已超期）",
    ]
