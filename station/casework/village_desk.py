"""The village's own desk, for the matters it decides itself (tier = "village", e.g.
人民调解申请): 受理, 不予受理 and the decision, written here and sent up by the
background sync like every village step.  No claim (the filing village is the case's
only desk), no electronic seal (a village holds none: its papers, such as the 调解协议书,
are signed and sealed by hand); the lifecycle table decides who may act (a signer of the
deciding office for the decision), and 受理 is guarded like the office desks'."""

from __future__ import annotations

from typing import Any

from station import outbox
from station.app import Station
from station.cases import case_state
from station.casework import accept_guard
from station.errors import ReasonRequired
from station.i18n import translate
from sync import lifecycle
from sync.lifecycle import CaseView


def _act(station: Station, case_no: str, type_: str, payload: dict[str, Any]) -> CaseView:
    view = case_state.view(station, case_no)
    case_state.check(station, view, type_)
    actor = case_state.me(station)
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, type_,
                      {**payload, "office": actor.office}, case_no=case_no,
                      matter_code=view.matter)
    return case_state.refresh(station, case_no)


def _needed(text: str, type_: str) -> str:
    if not text.strip():
        raise ReasonRequired(action=translate(lifecycle.action_label(type_)))
    return text.strip()


def accept(station: Station, case_no: str, opinion: str, override: str = "") -> CaseView:
    case_state.check(station, case_state.view(station, case_no), lifecycle.ACCEPTED)
    body = accept_guard.payload(station, case_no, opinion, None, override)
    return _act(station, case_no, lifecycle.ACCEPTED, body)


def refuse(station: Station, case_no: str, reason: str) -> CaseView:
    reason = _needed(reason, lifecycle.REFUSED_EVENT)
    return _act(station, case_no, lifecycle.REFUSED_EVENT, {"reason": reason})


def decide(station: Station, case_no: str, approve: bool, opinion: str) -> CaseView:
    type_ = lifecycle.APPROVED if approve else lifecycle.REJECTED
    return _act(station, case_no, type_, {"opinion": _needed(opinion, type_)})
