"""A case's life as this node knows it: its own events and the ones it pulled.

The same fold as the hub's (``sync.lifecycle``), over clear headers only: no
payload is opened here, so any node can answer "where is this case" from a
receipt number without reading personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from keys.ca import CHINA_TIME as CHINA
from station import outbox
from station.app import Station
from station.cases import conflicts
from station.cases.matter_rules import rule_of
from station.clock import deadlines
from station.errors import StationError
from station.store.models import Case, Event, InboxEvent, SyncEnvelope, User
from station.trust import directory
from sync import lifecycle
from sync.envelope import parse_envelope
from sync.errors import SyncError
from sync.hlc import Timestamp
from sync.lifecycle import Actor, CaseView, Fact, MatterRule


@dataclass(frozen=True)
class Step:
    """One event of a case, as the timeline shows it."""

    fact: Fact
    office: str | None
    at: datetime  # when it happened (the author's clock)
    own: bool  # written here
    digest: str | None = None  # the envelope digest of a pulled event

    @property
    def day(self) -> date:
        return self.at.astimezone(CHINA).date()

    def to_json(self) -> dict[str, Any]:
        return {"type": self.fact.type, "label": lifecycle.action_label(self.fact.type),
                "node": self.fact.node, "author": self.fact.author, "office": self.office,
                "at": self.at.isoformat(timespec="seconds")}


def _own_office(name: str) -> str | None:
    user = User.get_or_none(User.name == name)
    return user.office if user else None


def office_of(node: str, user: str, me: str) -> str | None:
    """The office of ``node/user``: from our users, or from the node's directory entry."""
    if node == me:
        return _own_office(user)
    return directory.staff_of(node).get(user, (None, None))[1]


def _recovered_step(seq: int, case_no: str) -> Step | None:
    """A case step this node wrote on an earlier PC, from the envelope the hub gave back
    (``chain_resume``): the fold needs it (the filing above all)."""
    row = SyncEnvelope.get_or_none(SyncEnvelope.seq == seq)
    if row is None:
        return None
    header = parse_envelope(bytes(row.envelope)).header
    if not header.type.startswith("case."):
        return None
    at = datetime.fromtimestamp(Timestamp.parse(header.hlc).wall_ms / 1000, UTC)
    return Step(Fact(header.type, header.node, header.author, case_no, header.matter), None,
                at, True, row.digest)


def steps(station: Station, case_no: str) -> list[Step]:
    """The case's events known here, in the order they happened as seen from here:
    pulled ones in hub order, each own event after what had arrived when it was written."""
    me = station.node.code
    refused = conflicts.seqs(case_no)  # kept by the hub, not applied: the case moved on
    own = []
    for e in Event.select().where((Event.case_no == case_no) & (
            Event.type.startswith("case.") | (Event.type == outbox.RECOVERED))).order_by(Event.seq):
        if e.seq in refused:
            continue
        if e.type == outbox.RECOVERED:  # written on the PC this one replaced: its header
            recovered = _recovered_step(e.seq, case_no)
            if recovered is not None:
                own.append(recovered)
            continue
        own.append(Step(Fact(e.type, me, e.author, case_no, e.matter_code),
                        _own_office(e.author), datetime.fromisoformat(e.at), True))
    pulled: list[tuple[str, Step]] = []
    for row in InboxEvent.select().where(InboxEvent.case_no == case_no).order_by(
            InboxEvent.hub_index):
        header = parse_envelope(bytes(row.envelope)).header
        if header.node == me or not header.type.startswith("case."):
            continue
        at = datetime.fromtimestamp(Timestamp.parse(header.hlc).wall_ms / 1000, UTC)
        step = Step(Fact(header.type, header.node, header.author, case_no, header.matter),
                    office_of(header.node, header.author, me), at, False, row.digest)
        pulled.append((row.received_at, step))
    merged: list[Step] = []
    i = 0
    for received, step in pulled:
        while i < len(own) and own[i].at.isoformat() < received:
            merged.append(own[i])
            i += 1
        merged.append(step)
    merged.extend(own[i:])
    return merged


def matter_rule(station: Station, code: str | None) -> MatterRule | None:
    matter = station.catalogue.matters.get(code or "")
    return rule_of(matter) if matter is not None else None


def view(station: Station, case_no: str, known: list[Step] | None = None) -> CaseView:
    known = steps(station, case_no) if known is None else known
    code = next((s.fact.matter for s in known if s.fact.matter), None)
    return lifecycle.fold(case_no, [(s.fact, s.office) for s in known],
                          matter_rule(station, code))


def allowed(station: Station, view: CaseView, types: Iterable[str]) -> set[str]:
    """Which of ``types`` the lifecycle table lets this user take on ``view`` now."""
    found = set()
    for type_ in types:
        try:
            check(station, view, type_)
        except (SyncError, StationError):
            continue
        found.add(type_)
    return found


def me(station: Station) -> Actor:
    user = User.get_or_none(User.name == station.user)
    return Actor(station.node.code, station.node.tier, station.user,
                 user.role if user else None, user.office if user else None)


def holder_office(station: Station) -> Any:
    def find(holder: str) -> str | None:
        node, _, user = holder.partition("/")
        return office_of(node, user, station.node.code)
    return find


def check(station: Station, current: CaseView, type_: str) -> None:
    """Raise unless this user may write ``type_`` on the case now (the hub checks again)."""
    actor = me(station)
    fact = Fact(type_, actor.node, actor.user, current.case_no, current.matter)
    lifecycle.check(current, fact, actor, matter_rule(station, current.matter),
                    holder_office(station))


def refresh(station: Station, case_no: str) -> CaseView:
    """Store the case's state and deadline as its events now say."""
    known = steps(station, case_no)
    now = view(station, case_no, known)
    case = Case.get_or_none(Case.case_no == case_no)
    if case is not None and now.state != lifecycle.NONE:
        due = clock(station, case_no, known=known)
        with station.db.atomic("IMMEDIATE"):
            Case.update(status=now.state, updated_at=outbox.utc_now(),
                        deadline=due.due if due else case.deadline).where(
                Case.case_no == case_no).execute()
    return now


def redate(station: Station) -> int:
    """Store every case's deadline again from the clock (after a calendar update: the
    county's published days may move a date counted provisionally); how many moved."""
    moved = 0
    for case in Case.select(Case.case_no, Case.deadline).where(Case.deadline.is_null(False)):
        due = clock(station, case.case_no)
        if due is not None and due.due != case.deadline:
            with station.db.atomic("IMMEDIATE"):
                Case.update(deadline=due.due).where(Case.case_no == case.case_no).execute()
            moved += 1
    return moved


def china_today() -> date:
    return datetime.now(CHINA).date()


def clock_events(station: Station, case_no: str, known: list[Step]) -> list[deadlines.ClockEvent]:
    """The clock's events from the steps known here.  The receipt day of a case filed
    here is the day on its receipt (the Case row's ``filed_at``), as printed; so is the
    day of the 缺件提示 written with it."""
    case = Case.get_or_none(Case.case_no == case_no)
    received = (datetime.fromisoformat(case.filed_at).astimezone(CHINA).date()
                if case is not None and case.node_code == station.node.code else None)
    at_filing = (lifecycle.FILED, deadlines.MISSING_AT_FILING)  # both written as it was filed
    return [deadlines.ClockEvent(s.fact.type,
                                 received if received and s.own and s.fact.type in at_filing
                                 else s.day)
            for s in known]


def clock(station: Station, case_no: str, today: date | None = None,
          known: list[Step] | None = None,
          policy: deadlines.ClockPolicy | None = None) -> deadlines.Deadline | None:
    """THE clock of a case (docs/clock.md): every promise — the receipt's 承诺办结日期,
    ``case status``, the case detail, the review desk, every document — reads ``due``
    from here.  None when the matter is not in this node's catalogue."""
    known = steps(station, case_no) if known is None else known
    code = next((s.fact.matter for s in known if s.fact.matter), None)
    if code is None:
        case = Case.get_or_none(Case.case_no == case_no)
        code = case.matter_code if case is not None else None
    matter = station.catalogue.matters.get(code or "")
    if matter is None:
        return None
    return deadlines.deadline(clock_events(station, case_no, known),
                              deadlines.MatterLimits.for_matter(matter), station.calendar,
                              today or china_today(), policy)
