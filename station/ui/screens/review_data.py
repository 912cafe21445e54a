"""What the 审核 screen reads and does, run on the station worker (never on the Tk thread).

The queue comes from the hub (``review.desk``) with each case's deadline state
from its headers (``progress.status``; for a follow-up of a bad rating, its
call-back and fix deadlines) and the actions the lifecycle table lets this
user take on it now; an opened case is taken in (``intake.receive``), read
with ``show_case`` and checked against the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from station.app import Station
from station.cases import case_state
from station.cases.matter_rules import rule_of
from station.cases.register import show_case
from station.casework import intake, progress, review, review_queue
from station.casework.review import Verdict
from station.documents.organ import organ_name
from station.errors import StationError
from station.i18n import N_, _
from station.trust import directory, users
from station.ui.screens.review_confirm import Parties
from sync import lifecycle
from sync.lifecycle import CaseView
from sync.problems import AlreadyClaimed

REVIEW_TIERS = ("township", "county")
# The actions offered in the opinion panel, in button order.
ACTIONS = (lifecycle.ACCEPTED, lifecycle.REFUSED_EVENT, lifecycle.RETURNED_EVENT,
           lifecycle.JOINT_OPENED, lifecycle.OPINION, lifecycle.FORWARDED, lifecycle.APPROVED,
           lifecycle.REJECTED)
# The actions of the 期限与回访 tab: special procedure, extension, follow-up of a bad rating.
TIME_ACTIONS = (lifecycle.SPECIAL_STARTED, lifecycle.SPECIAL_ENDED,
                lifecycle.EXTENSION_REQUESTED, lifecycle.EXTENSION_APPROVED,
                lifecycle.FOLLOWUP_CALLED, lifecycle.FOLLOWUP_CLOSED)
CHECKED = (*ACTIONS, *TIME_ACTIONS, lifecycle.SUPPLEMENT_REQUESTED, lifecycle.RELEASED)
# What the table lets a user of the case's office do without holding its claim: the
# desk opens such a case as soon as it is picked (a joint opinion, approving a
# colleague's extension request, following up a bad rating).
UNCLAIMED_WORK = frozenset({lifecycle.OPINION, lifecycle.EXTENSION_APPROVED,
                            lifecycle.FOLLOWUP_CALLED, lifecycle.FOLLOWUP_CLOSED})

STATE_NAMES = {
    lifecycle.QUEUED: N_("待受理"), lifecycle.SUPPLEMENT: N_("待补正"),
    lifecycle.REVIEW: N_("审查中"), lifecycle.JOINT: N_("联合审查中"),
    lifecycle.SPECIAL: N_("特别程序中"), lifecycle.DECIDED: N_("已决定"),
    lifecycle.REFUSED: N_("不予受理"), lifecycle.RETURNED: N_("已退回村站"),
    lifecycle.DELIVERED: N_("已送达"), lifecycle.FOLLOWUP: N_("差评整改中"),
    lifecycle.CLOSED: N_("已办结"), lifecycle.WITHDRAWN: N_("已撤回"),
}
DEADLINE_NAMES = {
    "running": N_("计时中"), "yellow": N_("即将到期"), "red": N_("已超期"),
    "paused": N_("暂停计时"), "stopped": N_("已停止计时"), "not_started": N_("未开始计时"),
}


def can_review(station: Station) -> bool:
    """The 审核 screen is for reviewers, signers and admins at township and county nodes."""
    if station.node.tier not in REVIEW_TIERS:
        return False
    try:
        users.require_role(station, "review", *lifecycle.REVIEW_ROLES)
    except StationError:
        return False
    return True


def me(station: Station) -> str:
    """This user as the hub names a claim holder."""
    return f"{station.node.code}/{station.user}"


def holder_name(station: Station, holder: str | None) -> str:
    """A claim holder as colleagues know them: "赵审核（民政办）" for this node's staff."""
    if not holder:
        return ""
    node, _sep, name = holder.partition("/")
    known = users.name_and_office(name) if node == station.node.code else None
    if known is None:
        return holder
    shown, office = known
    return _("{name}（{office}）").format(name=shown, office=office) if office else shown


def load_queue(station: Station) -> list[dict[str, Any]]:
    """The office queue from the hub, each case with its matter name, its deadline (or
    the follow-up's deadlines), who holds it and what this user may do on it now (from
    the headers pulled here; syncing is left to the background sync thread)."""
    rows = review.desk(station)
    mine, office = me(station), review_queue.my_office(station)
    for row in rows:
        row["mine"] = row.get("holder") == mine
        row["holder_name"] = holder_name(station, row.get("holder"))
        row["opinion_due"] = office in (row.get("pending") or [])
        matter = station.catalogue.matters.get(row.get("matter") or "")
        row["matter_name"] = matter.name if matter else ""
        known = case_state.steps(station, row["case_no"])
        try:
            status = progress.status(station, row["case_no"], known=known)
        except StationError:  # not pulled here yet: no deadline to show, nothing to do
            row["deadline"] = row["follow_up"] = None
            row["allowed"] = set()
        else:
            row["deadline"], row["follow_up"] = status["deadline"], status["follow_up"]
            row["allowed"] = allowed_actions(station, row["case_no"], known)[1]
        row["opens"] = bool(row["mine"] or row["opinion_due"]
                            or row["allowed"] & UNCLAIMED_WORK)
    return rows


@dataclass
class Material:
    name: str
    required: bool
    pages: int  # received pages here (0: not received)
    source: str = ""  # 复用自办件 …；已核验（民政办，2026-11-05）: shown when either is so


@dataclass
class CaseWork:
    """An opened case: what the desk shows and what it may do with it."""

    case_no: str
    view: CaseView
    details: dict[str, Any]
    labels: dict[str, str]  # form field name -> label
    materials: list[Material]
    allowed: set[str] = field(default_factory=set)
    clock: dict[str, Any] = field(default_factory=dict)  # progress.status: deadline, follow_up
    procedures: tuple[str, ...] = ()  # the matter's special procedures (catalogue)
    parties: Parties = field(default_factory=lambda: Parties("", "", "", ""))
    passes_to: str | None = None  # sequential flow: the office this one passes the case to


def allowed_actions(station: Station, case_no: str,
                    known: list[case_state.Step] | None = None) -> tuple[CaseView, set[str]]:
    """The case as known here, and the actions the lifecycle table lets this user take."""
    view = case_state.view(station, case_no, known)
    return view, case_state.allowed(station, view, CHECKED)


def open_case(station: Station, case_no: str) -> CaseWork:
    """Take the case in (claimed, or copied for a joint opinion) and read it."""
    intake.receive(station, case_no)
    details = show_case(station, case_no)
    matter = station.catalogue.matters.get(details["matter"]["code"])
    received: dict[str, int] = {}
    sources: dict[str, str] = {}  # show_case gives each page its material's source line
    for item in details["materials"]:
        received[item["name"]] = received.get(item["name"], 0) + 1
        sources[item["name"]] = item["source"]
    specs = list(matter.materials) if matter else []
    needed = {m.name for m in matter.required_materials(details["form"] or {})} if matter else set()
    materials = [Material(m.name, m.name in needed, received.pop(m.name, 0)) for m in specs]
    materials += [Material(name, False, pages) for name, pages in received.items()]
    for material in materials:
        if material.pages:
            material.source = sources.get(material.name, "")
    labels = {f.name: f.label for f in matter.fields} if matter else {}
    known = case_state.steps(station, case_no)
    view, allowed = allowed_actions(station, case_no, known)
    status = progress.status(station, case_no, known=known)
    clock = {"deadline": status["deadline"], "follow_up": status["follow_up"],
             "step_limits": status.get("step_limits") or []}
    procedures = tuple(matter.special_procedures) if matter else ()
    passes_to = (rule_of(matter).passes_on(station.node.tier, case_state.me(station).office)
                 if matter else None)
    parties = parties_of(station, view, details["applicant"]["name"])
    if passes_to:  # sequential flow: 转 the next office at this tier, not 报上级
        parties = replace(parties, upper=organ_name(station.node.name, passes_to,
                                                    station.node.code))
    return CaseWork(case_no, view, details, labels, materials, allowed, clock, procedures,
                    parties, passes_to)


def parties_of(station: Station, view: CaseView, applicant: str) -> Parties:
    """Whose seal, which station, which upper node: named from the trust directory."""
    names = {code: str(entry.get("name") or code)
             for code, entry in directory.stored_entries().items()}
    filer = view.filed_by or view.case_no[:12]
    upper = lifecycle.node_at(lifecycle.next_tier(station.node.tier), filer)
    office = review_queue.my_office(station) or ""
    return Parties(organ_name(station.node.name, office, station.node.code),
                   names.get(filer, filer), applicant, names.get(upper, upper))


def accept(station: Station, case_no: str, opinion: str, verdicts: list[Verdict],
           override: str) -> CaseView:
    """受理 with the desk's material verdicts (the service refuses it again when a
    required one is 缺少 or 不清晰 and no reason is given)."""
    return review.accept(station, case_no, opinion, verdicts, override)


def return_case(station: Station, case_no: str, reason: str) -> CaseView:
    """退回村站 with the reason (the village reads it and may correct and resend)."""
    review_queue.return_to_village(station, case_no, reason)
    return case_state.view(station, case_no)


@dataclass(frozen=True)
class Taken:
    """A claim lost: a colleague holds the case (named as people know them)."""

    case_no: str
    holder: str


def claim(station: Station, case_no: str) -> CaseView | Taken:
    """Claim at the hub; when someone else holds the case already, who."""
    try:
        return review.claim(station, case_no)
    except AlreadyClaimed as error:
        holder = str(error.params.get("holder") or "")
        if not holder or holder == "?":
            holder = case_state.view(station, case_no).holder or holder
        return Taken(case_no, holder_name(station, holder) or "—")


def act(station: Station, case_no: str, action: str, opinion: str, procedure: str = "",
        days: int = 0) -> CaseView:
    """Run one action of the opinion panel or of the 期限与回访 tab (the services sync
    with the hub).  ``opinion`` is the text the action records (opinion, reason, result
    or note); a special procedure also names the ``procedure`` and its expected ``days``."""
    if action == lifecycle.ACCEPTED:
        return review.accept(station, case_no, opinion)
    if action == lifecycle.REFUSED_EVENT:
        return review.refuse(station, case_no, opinion)
    if action == lifecycle.JOINT_OPENED:
        return review.open_joint(station, case_no, opinion)
    if action == lifecycle.OPINION:
        return review.give_opinion(station, case_no, opinion)
    if action == lifecycle.FORWARDED:
        return review.forward(station, case_no, opinion)
    if action in (lifecycle.APPROVED, lifecycle.REJECTED):
        return review.decide(station, case_no, action == lifecycle.APPROVED, opinion)
    if action == lifecycle.SPECIAL_STARTED:
        return review.start_special(station, case_no, procedure, opinion, days)
    if action == lifecycle.SPECIAL_ENDED:
        return review.end_special(station, case_no, opinion)
    if action == lifecycle.EXTENSION_REQUESTED:
        return review.request_extension(station, case_no, opinion)
    if action == lifecycle.EXTENSION_APPROVED:
        return review.approve_extension(station, case_no, opinion)
    if action in (lifecycle.FOLLOWUP_CALLED, lifecycle.FOLLOWUP_CLOSED):
        return review.follow_up(station, case_no, opinion,
                                closed=action == lifecycle.FOLLOWUP_CLOSED)
    raise ValueError(action)
