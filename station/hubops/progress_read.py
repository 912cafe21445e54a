"""A case's public progress, read from the county hub's clear headers only.

Used by ``station progress serve``.  Reads ``HubEvent`` headers (type, node,
HLC), the case's folded ``HubCase`` view, peer names, and the envelope header
of the case's first ``case.filed`` event for its check code
(``station.cases.check_code``).  No payload is opened; nothing personal is
stored at a hub, so nothing personal can be shown.  An unknown case and a
wrong check code give the same answer: None.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from peewee import Database

from forms.catalogue import Catalogue
from station.cases import check_code
from station.clock import deadlines
from station.clock.calendar import WorkCalendar
from sync import lifecycle
from sync.envelope import parse_envelope
from sync.errors import EnvelopeMalformed
from sync.hub.models import HubCase, HubEvent, HubFlag, HubPeer

# Steps a resident is not told about: who on the desk holds the case.
HIDDEN_STEPS = frozenset({lifecycle.CLAIMED, lifecycle.RELEASED, lifecycle.REASSIGNED})


@dataclass(frozen=True)
class Step:
    day: date
    type: str  # the event type; its label is lifecycle.action_label
    where: str  # the name of the node that took it


@dataclass(frozen=True)
class CaseProgress:
    case_no: str
    matter_name: str
    state: str  # a lifecycle state
    outcome: str | None
    handled_by: list[str]  # "node name office" for each office holding it now
    deadline: deadlines.Deadline | None  # None: the matter is not in the catalogue
    provisional: bool  # the dates count days of a year whose schedule is not published
    steps: list[Step] = field(default_factory=list)


def filed_event_id(case_no: str) -> str | None:
    """The event id of the case's first ``case.filed``, as its filing node sent it."""
    filer = case_no[:12]
    row = (HubEvent.select(HubEvent.envelope)
           .where((HubEvent.case_no == case_no) & (HubEvent.type == lifecycle.FILED)
                  & (HubEvent.node == filer))
           .order_by(HubEvent.seq).first())
    if row is None:
        return None
    try:
        return parse_envelope(bytes(row.envelope)).header.event_id
    except EnvelopeMalformed:
        return None


def read_progress(db: Database, case_no: str, code: str, catalogue: Catalogue,
                  holidays: Mapping[date, bool], today: date) -> CaseProgress | None:
    """The case's progress on ``today``, or None for an unknown case or a wrong code.

    ``holidays``: the county's published day table (``calendar.load_overrides``)."""
    with db.connection_context():
        event_id = filed_event_id(case_no)
        if event_id is None or not check_code.matches(case_no, event_id, code):
            return None
        case = HubCase.get_or_none(HubCase.case_no == case_no)
        rows = case_headers(case_no)
        names = {p.node: p.name for p in HubPeer.select(HubPeer.node, HubPeer.name)}
    view = case_view(case_no, case)
    matter = catalogue.matters.get(view.matter or (case.matter if case else "") or "")
    warned: list[str] = []
    calendar = WorkCalendar(holidays, warned.append)
    due = None
    if matter is not None:
        due = deadlines.deadline(deadlines.clock_events(rows),
                                 deadlines.MatterLimits.for_matter(matter), calendar, today)
    ordered = sorted(rows, key=lambda r: str(r.hlc))
    steps = [Step(deadlines.day_of_hlc(r.hlc), r.type, names.get(r.node, ""))
             for r in ordered if lifecycle.is_case_event(r.type) and r.type not in HIDDEN_STEPS]
    return CaseProgress(case_no, matter.name if matter else "", view.state, view.outcome,
                        _handled_by(view, names), due, bool(warned), steps)


def case_headers(case_no: str) -> list[HubEvent]:
    """The case's event headers (node, seq, type, HLC) the hub folded: without the
    events it flagged (``HubFlag``), in log order.  Call inside a connection."""
    flagged = {(f.node, f.seq) for f in HubFlag.select(HubFlag.node, HubFlag.seq)
               .where(HubFlag.case_no == case_no)}
    return [r for r in HubEvent.select(HubEvent.node, HubEvent.seq, HubEvent.type, HubEvent.hlc)
            .where(HubEvent.case_no == case_no).order_by(HubEvent.id)
            if (r.node, r.seq) not in flagged]


def case_view(case_no: str, case: HubCase | None) -> lifecycle.CaseView:
    """The folded view; from the plain columns for a row an older hub wrote."""
    if case is None:  # the filing arrived, its fold not yet: it waits to be accepted
        return lifecycle.CaseView(case_no, lifecycle.QUEUED, filed_by=case_no[:12])
    stored = json.loads(case.view or "{}")
    if stored:
        return lifecycle.CaseView.from_json(stored)
    offices = json.loads(case.offices or "[]")
    return lifecycle.CaseView(case_no, case.state, filed_by=case.filed_by, matter=case.matter,
                              level=case.level, offices=tuple(str(o) for o in offices))


def _handled_by(view: lifecycle.CaseView, names: dict[str, str]) -> list[str]:
    holders = list(view.offices) or ([view.decided_by] if view.decided_by else [])
    if not holders:
        filer = view.filed_by or view.case_no[:12]
        return [names.get(filer, "")] if names.get(filer) else []
    shown = []
    for holder in holders:
        node, _sep, office = holder.partition(":")
        shown.append(f"{names.get(node, '')} {office}".strip())
    return shown
