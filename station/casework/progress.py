"""Progress lookup (办件进度查询): state, current office and deadline from headers only.

A resident phones with the number on the receipt; any node answers from the
case's event headers (no payload, no personal data): where the case is, who
has it, by when it must be decided, and any follow-up of a bad rating.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from station.app import Station
from station.cases import case_state, conflicts
from station.casework import clock_policy
from station.clock import deadlines
from station.errors import CaseNotFound
from station.trust import directory
from sync import lifecycle


def _policy() -> deadlines.ClockPolicy:
    return clock_policy.policy_from_settings()


def deadline_of(station: Station, case_no: str, known: list[case_state.Step] | None = None,
                today: date | None = None) -> tuple[deadlines.Deadline | None,
                                                    deadlines.FollowUp | None]:
    known = case_state.steps(station, case_no) if known is None else known
    day = today or case_state.china_today()
    policy = _policy()
    due = case_state.clock(station, case_no, day, known, policy)
    if due is None:
        return None, None
    events = case_state.clock_events(station, case_no, known)
    return due, deadlines.followup(events, station.calendar, day, policy)


def status(station: Station, case_no: str, today: date | None = None,
           known: list[case_state.Step] | None = None) -> dict[str, Any]:
    """What anyone may be told about a case from its receipt number (``known``: its
    steps, when the caller has read them already)."""
    known = case_state.steps(station, case_no) if known is None else known
    if not known:
        raise CaseNotFound(case_no=case_no)
    view = case_state.view(station, case_no, known)
    due, follow = deadline_of(station, case_no, known, today)
    names = _node_names()
    offices = [{"node": o.split(":", 1)[0], "office": o.split(":", 1)[1],
                "node_name": names.get(o.split(":", 1)[0], "")} for o in view.offices]
    matter = station.catalogue.matters.get(view.matter or "")
    return {
        "case_no": case_no,
        "matter": view.matter, "matter_name": matter.name if matter else "",
        "state": view.state, "state_label": lifecycle.label(view.state),
        "level": view.level, "offices": offices,
        "pending_opinions": [p.split(":", 1)[1] for p in view.pending],
        "claimed": view.holder is not None, "outcome": view.outcome,
        "deadline": _deadline_json(due), "follow_up": _follow_json(follow),
        "steps": [{"type": s.fact.type, "label": lifecycle.action_label(s.fact.type),
                   "node": s.fact.node, "day": s.day.isoformat()} for s in known],
        "not_applied": [{"type": c["type"], "label": lifecycle.action_label(c["type"]),
                         "state": c["state"], "state_label": lifecycle.label(c["state"]),
                         "at": c["at"]} for c in conflicts.of_case(case_no)],
    }


def _node_names() -> dict[str, str]:
    return {code: str(entry.get("name", ""))
            for code, entry in directory.stored_entries().items()}


def _deadline_json(due: deadlines.Deadline | None) -> dict[str, Any] | None:
    if due is None:
        return None
    return {"state": due.state, "due": _day(due.due), "legal_due": _day(due.legal_due),
            "accept_by": _day(due.accept_by), "started_on": _day(due.started_on),
            "used": due.used, "allowed": due.allowed, "paused": due.paused,
            "paused_days": due.paused_days, "extended": due.extended,
            "overdue": due.overdue, "legal_overdue": due.legal_overdue,
            "provisional": due.provisional}


def _follow_json(follow: deadlines.FollowUp | None) -> dict[str, Any] | None:
    if follow is None:
        return None
    return {"state": follow.state, "rated_on": _day(follow.rated_on),
            "callback_by": _day(follow.callback_by), "fix_by": _day(follow.fix_by),
            "called": follow.called, "closed": follow.closed,
            "callback_overdue": follow.callback_overdue, "fix_overdue": follow.fix_overdue}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
