"""The review desk's actions: accept, ask once for what is missing, refuse, joint
review, forward, special procedure, extension, decide, follow up a bad rating.

Each action checks the lifecycle table here first (``case_state.check``),
writes one event to this node's log (with a signed document where the law
asks for one in writing) and syncs; the hub checks the same table again
before it accepts the event.  Claims go through the hub first, so two
reviewers can never both hold a case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from station import outbox
from station.app import Station
from station.cases import case_documents, case_state, material_checks
from station.casework import accept_guard, document_issue, intake, review_queue
from station.errors import NothingMissing, VerdictInvalid
from station.network import link
from station.trust import users
from sync import lifecycle
from sync.lifecycle import CaseView

VERDICTS = ("ok", "missing", "unclear")


@dataclass(frozen=True)
class Verdict:
    """A reviewer's finding on one material (补齐补正: missing or unclear, with why)."""

    name: str
    verdict: str  # ok / missing / unclear
    reason: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise VerdictInvalid(name=self.name, verdict=self.verdict)


def current(station: Station, case_no: str, sync: bool = True) -> CaseView:
    """The case as this node knows it now (after a sync round when ``sync``)."""
    if sync:
        link.sync_once(station)
    return case_state.view(station, case_no)


def _act(station: Station, case_no: str, type_: str, payload: dict[str, Any],
         document: str | None = None, details: Mapping[str, Any] | None = None,
         sync: bool = True, also: Callable[[str], object] | None = None) -> CaseView:
    """Check, write one event (with its signed document), sync; the case after it.
    ``also`` (given the actor's office) writes more in the event's transaction."""
    view = current(station, case_no, sync)
    case_state.check(station, view, type_)
    actor = case_state.me(station)
    if station.node.tier == "village":
        document = None  # a village-level matter: papers signed and sealed by hand there
    if document is not None:
        case = intake.receive(station, case_no)
        ref = document_issue.issue(station, case, document, actor.office or "",
                                   dict(details or {}))
        payload = {**payload, "documents": [ref]}
    with station.db.atomic("IMMEDIATE"):
        event = outbox.append(station.node.code, station.user, type_,
                              {**payload, "office": actor.office}, case_no=case_no,
                              matter_code=view.matter)
        if document is not None:
            case_documents.record(case_no, payload["documents"][0], event.id)
        if also is not None:
            also(actor.office or "")
    if sync:
        link.sync_once(station)
    return case_state.view(station, case_no)


# -- claims ---------------------------------------------------------------------


def claim(station: Station, case_no: str) -> CaseView:
    """Claim at the hub (exactly one reviewer wins), take the case in, record the claim."""
    view = current(station, case_no, sync=False)
    if view.state not in lifecycle.ON_DESK:  # not pulled yet (or sent again): sync first
        view = current(station, case_no)
    case_state.check(station, view, lifecycle.CLAIMED)
    review_queue.claim(station, case_no)
    intake.receive(station, case_no)
    return case_state.view(station, case_no)


def release(station: Station, case_no: str) -> CaseView:
    view = current(station, case_no)
    case_state.check(station, view, lifecycle.RELEASED)
    client = link.client_for(station)
    link.connect(station, client)
    client.release(case_no, station.user)
    return _act(station, case_no, lifecycle.RELEASED, {})


def reassign(station: Station, case_no: str, reason: str) -> CaseView:
    """Take over a colleague's case in the same office (AB岗, when they are away)."""
    return _act(station, case_no, lifecycle.REASSIGNED, {"reason": reason})


# -- acceptance -------------------------------------------------------------------


def accept(station: Station, case_no: str, opinion: str = "",
           verdicts: list[Verdict] | None = None, override: str = "") -> CaseView:
    """受理: refused while a required material is 缺少 or 不清晰 (by ``verdicts`` or
    not received), unless ``override`` says why; the reason goes into the event."""
    marks = {v.name: (v.verdict, v.reason) for v in verdicts or []}
    current(station, case_no)  # take in what the village sent meanwhile (a supplement)
    body = accept_guard.payload(station, case_no, opinion, marks, override)
    # 受理 finds the received materials 齐全, but those marked or accepted as missing:
    # the verdict is kept against each page's content address (资料共享, material_checks.Check).
    checked = sorted(accept_guard.received(case_no)
                     - {name for name, (verdict, _r) in marks.items() if verdict != "ok"}
                     - {m["name"] for m in body.get("override", {}).get("materials", [])})
    body["checked"] = checked
    day = datetime.now().astimezone().date()  # as case numbers and the desk read days
    return _act(station, case_no, lifecycle.ACCEPTED, body, "accept",
                also=lambda office: material_checks.record_checks(case_no, office, station.user,
                                                        checked, day))


def request_supplement(station: Station, case_no: str, verdicts: list[Verdict],
                       note: str = "") -> CaseView:
    """One notice listing everything missing or unclear (补齐补正告知书, signed)."""
    missing = [v for v in verdicts if v.verdict != "ok"]
    if not missing:
        raise NothingMissing(case_no=case_no)
    listed = [{"name": v.name, "verdict": v.verdict, "reason": v.reason} for v in missing]
    return _act(station, case_no, lifecycle.SUPPLEMENT_REQUESTED,
                {"missing": listed, "note": note}, "supplement",
                {"missing": listed, "note": note})


def refuse(station: Station, case_no: str, reason: str) -> CaseView:
    """不予受理, with the signed notice saying why."""
    return _act(station, case_no, lifecycle.REFUSED_EVENT, {"reason": reason}, "refuse",
                {"reason": reason})


# -- review ---------------------------------------------------------------------------


def open_joint(station: Station, case_no: str, note: str = "") -> CaseView:
    """Copy the case to every other reviewing office at this tier (抄告相关)."""
    return _act(station, case_no, lifecycle.JOINT_OPENED, {"note": note})


def give_opinion(station: Station, case_no: str, opinion: str, agree: bool = True) -> CaseView:
    return _act(station, case_no, lifecycle.OPINION, {"opinion": opinion, "agree": agree})


def forward(station: Station, case_no: str, opinion: str) -> CaseView:
    """Send the reviewed case up to the deciding tier, with this office's opinion."""
    return _act(station, case_no, lifecycle.FORWARDED, {"opinion": opinion})


def start_special(station: Station, case_no: str, procedure: str, reason: str,
                  expected_days: int) -> CaseView:
    """特别程序: the clock stops; the applicant is told in writing."""
    details = {"procedure": procedure, "reason": reason, "expected_days": expected_days}
    return _act(station, case_no, lifecycle.SPECIAL_STARTED, details, "special", details)


def end_special(station: Station, case_no: str, result: str = "") -> CaseView:
    return _act(station, case_no, lifecycle.SPECIAL_ENDED, {"result": result})


def request_extension(station: Station, case_no: str, reason: str) -> CaseView:
    return _act(station, case_no, lifecycle.EXTENSION_REQUESTED, {"reason": reason})


def approve_extension(station: Station, case_no: str, note: str = "") -> CaseView:
    """The head approves the extension; the applicant gets the signed 延期告知书 (``note``:
    the reason told to them)."""
    return _act(station, case_no, lifecycle.EXTENSION_APPROVED, {"note": note}, "extend",
                {"reason": note})


def decide(station: Station, case_no: str, approve: bool, opinion: str) -> CaseView:
    """准予 / 不予批准, signed with the office seal."""
    kind = "approve" if approve else "reject"
    return _act(station, case_no, lifecycle.APPROVED if approve else lifecycle.REJECTED,
                {"opinion": opinion}, kind, {"opinion": opinion})


# -- follow-up of a bad rating ------------------------------------------------------------


def follow_up(station: Station, case_no: str, note: str, closed: bool = False) -> CaseView:
    """Record the call-back (回访), or that the problem is fixed (整改完成)."""
    type_ = lifecycle.FOLLOWUP_CLOSED if closed else lifecycle.FOLLOWUP_CALLED
    return _act(station, case_no, type_, {"note": note})


def desk(station: Station, office: str | None = None) -> list[dict[str, Any]]:
    """The office queue with deadline states (from headers only)."""
    users.require_role(station, "queue", *lifecycle.REVIEW_ROLES)
    return review_queue.queue(station, office)
