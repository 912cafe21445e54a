"""One case drilled into from the board: its clock, the clock of each timed stage of
its procedure (分环节时限, ``station.clock.steps``) and its steps, from headers only."""

from __future__ import annotations

from datetime import date

from peewee import Database

from forms.catalogue import Catalogue
from station.clock import deadlines, steps
from station.clock.calendar import WorkCalendar
from station.clock.deadlines import ClockPolicy, MatterLimits
from station.errors import StationError
from station.hubops.progress_read import case_headers, case_view
from station.supervision.board_shapes import CaseDetail, StepLine
from station.supervision.names import Names
from sync import lifecycle
from sync.hub.models import HubCase


class CaseNotAtHub(StationError):
    """枢纽站上没有办件 {case_no}。"""

    exit_code = 4


def case_detail(db: Database, case_no: str, catalogue: Catalogue, calendar: WorkCalendar,
                policy: ClockPolicy, names: Names, today: date) -> CaseDetail:
    with db.connection_context():
        case = HubCase.get_or_none(HubCase.case_no == case_no)
        if case is None:
            raise CaseNotAtHub(case_no=case_no)
        rows = sorted(case_headers(case_no), key=lambda r: str(r.hlc))
    view = case_view(case_no, case)
    state, matter_code = view.state, view.matter or ""
    filer = view.filed_by or case_no[:12]
    steps_done = [r for r in rows if lifecycle.is_case_event(r.type)]
    lines = [StepLine(deadlines.day_of_hlc(r.hlc), r.type, lifecycle.action_label(r.type),
                      names.node(r.node)) for r in steps_done]
    matter = catalogue.matters.get(matter_code)
    due, stages = None, []
    if matter is not None:
        due = deadlines.deadline(deadlines.clock_events(rows), MatterLimits.for_matter(matter),
                                 calendar, today, policy)
        tiers = {lifecycle.county_of(filer): "county", lifecycle.township_of(filer): "township"}
        events = [steps.StepEvent(line.type, line.day, tiers.get(row.node, "village"))
                  for line, row in zip(lines, steps_done, strict=True)]
        flow = steps.Flow(matter.tier, matter.offices if matter.is_sequential else ())
        stages = steps.step_clock(events, matter.procedure, flow, calendar, today, policy)
    return CaseDetail(case_no=case_no, matter=matter_code,
                      matter_name=matter.name if matter else matter_code, state=state,
                      state_label=lifecycle.label(state), deadline=due, stages=stages,
                      steps=lines)
