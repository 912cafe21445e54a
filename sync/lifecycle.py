"""The case lifecycle as one transition table, enforced by stations and hubs alike.

A case's state is a fold of its events' clear headers (no payload, so
supervision needs no personal data).  Each row of ``TABLE`` names an event
type, the states it may follow, the state it leads to, the tiers and roles
allowed to emit it and the further conditions (the claim, the deciding tier
and office, the joint-review offices …).  A station checks a row before it
writes an event; the hub that first receives the event checks the same row
before it accepts the batch.  ``docs/lifecycle.md`` draws the table.

Everything here is pure: who the author is (``Actor``: tier, role, office)
and what the matter asks (``MatterRule``: deciding tier, deciding offices,
reviewing offices per tier) are given by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields

from sync.problems import ActionNotPermitted, ActionOutOfState, AlreadyClaimed, NotClaimHolder


def N_(message: str) -> str:  # noqa: N802 - marks a message for the catalogue (gettext)
    return message


ANY_TIER = ("village", "township", "county")
UPPER = ("township", "county")
FILERS = ("village", "township")
REVIEW_ROLES = ("reviewer", "signer", "admin")
SIGN_ROLES = ("signer",)
APPROVE_ROLES = ("signer", "admin")
TIER_ORDER = ("village", "township", "county")
# Who may accept and decide: the township and the county, and a village for the matters
# it decides itself (人民调解 …); AT_LEVEL and DECIDER keep each to its own cases.
DESKS = ANY_TIER

# -- states ------------------------------------------------------------------

NONE = "none"
QUEUED = "queued"  # filed (or supplemented), waiting to be accepted
SUPPLEMENT = "supplement"  # one-time notice sent; waiting for the materials
REVIEW = "review"  # accepted, under review at the current tier
JOINT = "joint"  # copied to every reviewing office; waiting for their opinions
SPECIAL = "special"  # 特别程序: the clock is suspended
DECIDED = "decided"  # approved or rejected
REFUSED = "refused"  # 不予受理
RETURNED = "returned"  # sent back to the village before acceptance
DELIVERED = "delivered"  # 送达
FOLLOWUP = "followup"  # a bad rating is being followed up
CLOSED = "closed"
WITHDRAWN = "withdrawn"  # 退件

STATE_LABELS = {
    NONE: N_("未收件"), QUEUED: N_("待受理"), SUPPLEMENT: N_("待补正"),
    REVIEW: N_("审查中"), JOINT: N_("联合审查中"), SPECIAL: N_("特别程序中"),
    DECIDED: N_("已决定"), REFUSED: N_("不予受理"), RETURNED: N_("已退回村站"),
    DELIVERED: N_("已送达"), FOLLOWUP: N_("差评整改中"), CLOSED: N_("已办结"),
    WITHDRAWN: N_("已撤回"),
}
OPEN = (QUEUED, SUPPLEMENT, REVIEW, JOINT, SPECIAL)  # before a decision
ON_DESK = (*OPEN, FOLLOWUP)  # what an office queue shows
STOPPED = (DECIDED, REFUSED, RETURNED, DELIVERED, FOLLOWUP, CLOSED, WITHDRAWN)

# -- event types ---------------------------------------------------------------

FILED = "case.filed"
NOTICE_AT_FILING = "case.notice_issued"  # the 缺件提示 the filing station printed on its receipt
CLAIMED = "case.claimed"
RELEASED = "case.released"
REASSIGNED = "case.reassigned"
RETURNED_EVENT = "case.returned"
RETURN_RECEIVED = "case.return_received"
RESUBMITTED = "case.resubmitted"  # corrected at the village after a return, sent again
SUPPLEMENT_REQUESTED = "case.supplement_requested"
SUPPLEMENTED = "case.supplemented"
ACCEPTED = "case.accepted"
REFUSED_EVENT = "case.refused"
JOINT_OPENED = "case.joint_opened"
OPINION = "case.opinion"
FORWARDED = "case.forwarded"
SPECIAL_STARTED = "case.special_started"
SPECIAL_ENDED = "case.special_ended"
EXTENSION_REQUESTED = "case.extension_requested"
EXTENSION_APPROVED = "case.extension_approved"
APPROVED = "case.approved"
REJECTED = "case.rejected"
WITHDRAWN_EVENT = "case.withdrawn"
DELIVERED_EVENT = "case.delivered"
RATED = "case.rated"  # 非常满意 / 满意 / 基本满意: the case closes
RATED_POOR = "case.rated_poor"  # 不满意 / 非常不满意: a follow-up opens
FOLLOWUP_CALLED = "case.followup_called"
FOLLOWUP_CLOSED = "case.followup_closed"
CLOSED_EVENT = "case.closed"  # delivered, the resident gave no rating
RESENT = "case.resent"  # an office sends a case again to its filer's replacement PC

# Conditions a row may ask for besides state, tier and role.
FILER = "filer"  # the author's node filed the case
HOLDER = "holder"  # the author holds the case's claim
AT_LEVEL = "at_level"  # the author's tier is the tier handling the case now
CASE_OFFICE = "case_office"  # the author's office reviews the case at this tier
UNCLAIMED = "unclaimed"  # nobody else holds the claim
SAME_OFFICE = "same_office"  # the author's office is the holder's (AB岗)
JOINT_POSSIBLE = "joint_possible"  # the matter names several offices at this tier
JOINT_PENDING = "joint_pending"  # the author's office has not given its opinion yet
BELOW_DECIDER = "below_decider"  # the case is decided at a higher tier
DECIDER = "decider"  # the author's office decides this matter at this tier
NOT_EXTENDED = "not_extended"
EXTENSION_PENDING = "extension_pending"
FOLLOWUP_OFFICE = "followup_office"  # the office that decided follows up its rating


@dataclass(frozen=True)
class Rule:
    type: str
    label: str  # what people read (Chinese; translated at the edge)
    before: tuple[str, ...]  # the states it may follow
    after: str | None  # the state it leads to; None: unchanged
    tiers: tuple[str, ...]
    roles: tuple[str, ...]  # empty: any user of that tier
    needs: tuple[str, ...] = ()


TABLE: dict[str, Rule] = {r.type: r for r in (
    Rule(FILED, N_("收件登记"), (NONE,), QUEUED, FILERS, ()),
    Rule(NOTICE_AT_FILING, N_("缺件提示（收件时）"), (QUEUED, SUPPLEMENT), None, ANY_TIER, ()),
    Rule(CLAIMED, N_("认领"), ON_DESK, None, UPPER, REVIEW_ROLES,
         (AT_LEVEL, CASE_OFFICE, UNCLAIMED)),
    Rule(RELEASED, N_("放回队列"), ON_DESK, None, UPPER, REVIEW_ROLES, (HOLDER,)),
    Rule(REASSIGNED, N_("转由同科室办理（AB岗）"), ON_DESK, None, UPPER, REVIEW_ROLES,
         (AT_LEVEL, CASE_OFFICE, SAME_OFFICE)),
    Rule(RETURNED_EVENT, N_("退回村站"), (QUEUED,), RETURNED, UPPER, REVIEW_ROLES,
         (HOLDER, AT_LEVEL)),
    Rule(RETURN_RECEIVED, N_("村站收到退回"), (RETURNED,), None, FILERS, (), (FILER,)),
    Rule(RESUBMITTED, N_("更正后重新报送"), (RETURNED,), QUEUED, FILERS, (), (FILER,)),
    Rule(SUPPLEMENT_REQUESTED, N_("一次性告知补齐补正"), (QUEUED,), SUPPLEMENT, DESKS,
         REVIEW_ROLES, (HOLDER, AT_LEVEL)),
    Rule(SUPPLEMENTED, N_("补齐材料"), (SUPPLEMENT,), QUEUED, FILERS, (), (FILER,)),
    Rule(ACCEPTED, N_("受理"), (QUEUED,), REVIEW, DESKS, REVIEW_ROLES, (HOLDER, AT_LEVEL)),
    Rule(REFUSED_EVENT, N_("不予受理"), (QUEUED,), REFUSED, DESKS, REVIEW_ROLES,
         (HOLDER, AT_LEVEL)),
    Rule(JOINT_OPENED, N_("抄告相关科室联合审查"), (REVIEW,), JOINT, UPPER, REVIEW_ROLES,
         (HOLDER, AT_LEVEL, JOINT_POSSIBLE)),
    Rule(OPINION, N_("出具联审意见"), (JOINT,), None, UPPER, REVIEW_ROLES,
         (AT_LEVEL, JOINT_PENDING)),
    Rule(FORWARDED, N_("报上级审批"), (REVIEW,), REVIEW, UPPER, REVIEW_ROLES,
         (HOLDER, AT_LEVEL, BELOW_DECIDER)),
    Rule(SPECIAL_STARTED, N_("进入特别程序"), (REVIEW, JOINT), SPECIAL, UPPER, REVIEW_ROLES,
         (HOLDER, AT_LEVEL)),
    Rule(SPECIAL_ENDED, N_("特别程序结束"), (SPECIAL,), None, UPPER, REVIEW_ROLES,
         (HOLDER, AT_LEVEL)),
    Rule(EXTENSION_REQUESTED, N_("申请延长办理期限"), (REVIEW, JOINT, SPECIAL), None, UPPER,
         REVIEW_ROLES, (HOLDER, AT_LEVEL, NOT_EXTENDED)),
    Rule(EXTENSION_APPROVED, N_("批准延长办理期限"), (REVIEW, JOINT, SPECIAL), None, UPPER,
         APPROVE_ROLES, (AT_LEVEL, CASE_OFFICE, EXTENSION_PENDING)),
    Rule(APPROVED, N_("准予批准"), (REVIEW,), DECIDED, DESKS, SIGN_ROLES, (HOLDER, DECIDER)),
    Rule(REJECTED, N_("不予批准"), (REVIEW,), DECIDED, DESKS, SIGN_ROLES, (HOLDER, DECIDER)),
    Rule(WITHDRAWN_EVENT, N_("申请人撤回（退件）"), (*OPEN, RETURNED), WITHDRAWN, FILERS, (),
         (FILER,)),
    Rule(DELIVERED_EVENT, N_("送达"), (DECIDED, REFUSED), DELIVERED, FILERS, (), (FILER,)),
    Rule(RATED, N_("评价（满意）"), (DELIVERED,), CLOSED, FILERS, (), (FILER,)),
    Rule(RATED_POOR, N_("评价（差评）"), (DELIVERED,), FOLLOWUP, FILERS, (), (FILER,)),
    Rule(FOLLOWUP_CALLED, N_("差评已回访"), (FOLLOWUP,), None, UPPER, REVIEW_ROLES,
         (FOLLOWUP_OFFICE,)),
    Rule(FOLLOWUP_CLOSED, N_("差评整改完成"), (FOLLOWUP,), CLOSED, UPPER, REVIEW_ROLES,
         (FOLLOWUP_OFFICE,)),
    Rule(CLOSED_EVENT, N_("办结（未评价）"), (DELIVERED,), CLOSED, FILERS, (), (FILER,)),
    # The filing station's PC was replaced (new keys): an office that can read the case
    # sends its filing and steps again, sealed to the new PC.  No state changes.
    Rule(RESENT, N_("补发给收件站点的新电脑"), (*ON_DESK, RETURNED, DECIDED, REFUSED, DELIVERED),
         None, UPPER, REVIEW_ROLES),
)}


# -- who acts, on what -----------------------------------------------------------


@dataclass(frozen=True)
class MatterRule:
    """What the lifecycle needs to know of a matter (from the catalogue)."""

    code: str
    tier: str  # the deciding tier
    deciders: tuple[str, ...]  # offices that decide, at the deciding tier
    reviewers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tier -> offices
    # Deciders act one after the other, in their order (残联 then 民政局): each passes
    # the case on (case.forwarded at the same tier) and only the last one decides.
    sequential: bool = False

    def offices_at(self, tier: str) -> tuple[str, ...]:
        listed = self.reviewers.get(tier, ())
        if tier == self.tier:
            listed = tuple(dict.fromkeys((*listed, *self.deciders)))
        return listed

    def desks_at(self, tier: str) -> tuple[str, ...]:
        """The offices a case arriving at ``tier`` waits for (the first one in turn)."""
        if self.sequential and tier == self.tier:
            return self.deciders[:1]
        return self.offices_at(tier)

    def passes_on(self, tier: str, office: str | None) -> str | None:
        """In a sequential flow, the office after ``office`` at the deciding tier."""
        if not self.sequential or tier != self.tier or office not in self.deciders[:-1]:
            return None
        return self.deciders[self.deciders.index(office) + 1]

    def decides(self, office: str | None) -> bool:
        return office == self.deciders[-1] if self.sequential else office in self.deciders


@dataclass(frozen=True)
class Actor:
    node: str
    tier: str
    user: str
    role: str | None = None  # None: not known (the node has not listed its staff)
    office: str | None = None

    @property
    def holder(self) -> str:
        return f"{self.node}/{self.user}"


@dataclass(frozen=True)
class Fact:
    """The header fields the lifecycle reads."""

    type: str
    node: str
    author: str
    case_no: str
    matter: str | None = None


@dataclass(frozen=True)
class CaseView:
    case_no: str
    state: str = NONE
    holder: str | None = None  # "node/user" holding the claim
    filed_by: str | None = None  # the node that filed the case
    matter: str | None = None
    level: str | None = None  # the tier handling the case now
    offices: tuple[str, ...] = ()  # "node:office" reviewing at that tier
    pending: tuple[str, ...] = ()  # joint review: "node:office" still to give an opinion
    resume: str | None = None  # the state a special procedure returns to
    accepted: bool = False
    extension: str = ""  # "" / "requested" / "approved"
    outcome: str | None = None  # approved / rejected / refused
    decided_by: str | None = None  # "node:office"
    called_back: bool = False

    def to_json(self) -> dict[str, object]:
        return {"case_no": self.case_no, "state": self.state, "holder": self.holder,
                "filed_by": self.filed_by, "matter": self.matter, "level": self.level,
                "offices": list(self.offices), "pending": list(self.pending),
                "resume": self.resume, "accepted": self.accepted,
                "extension": self.extension, "outcome": self.outcome,
                "decided_by": self.decided_by, "called_back": self.called_back}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> CaseView:
        def text(key: str) -> str | None:
            item = value.get(key)
            return str(item) if item is not None else None

        def listed(key: str) -> tuple[str, ...]:
            item = value.get(key) or []
            return tuple(str(x) for x in item) if isinstance(item, list) else ()

        return cls(str(value["case_no"]), str(value.get("state") or NONE), text("holder"),
                   text("filed_by"), text("matter"), text("level"), listed("offices"),
                   listed("pending"), text("resume"), bool(value.get("accepted")),
                   str(value.get("extension") or ""), text("outcome"), text("decided_by"),
                   bool(value.get("called_back")))


def label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def action_label(type_: str) -> str:
    rule = TABLE.get(type_)
    return rule.label if rule else type_


def township_of(code: str) -> str:
    return code[:9] + "000"


def county_of(code: str) -> str:
    return code[:6] + "000000"


def node_at(tier: str, filer: str) -> str:
    """The node handling a case filed at ``filer`` when it is at ``tier``."""
    return {"township": township_of(filer), "county": county_of(filer)}.get(tier, filer)


def next_tier(tier: str) -> str:
    return TIER_ORDER[min(TIER_ORDER.index(tier) + 1, len(TIER_ORDER) - 1)]


def _offices(matter: MatterRule | None, tier: str, filer: str) -> tuple[str, ...]:
    if matter is None:
        return ()
    node = node_at(tier, filer)
    return tuple(f"{node}:{office}" for office in matter.desks_at(tier))


def first_level(matter: MatterRule | None) -> str:
    """Where a filed (or corrected and resent) case is accepted: a village-level matter at
    the village itself, any other at the township first."""
    return "village" if matter is not None and matter.tier == "village" else "township"


def village_desk(view: CaseView, actor: Actor) -> bool:
    """The filing village handles a village-level case itself: one desk, no claim."""
    return view.level == "village" and actor.tier == "village" and actor.node == view.filed_by


def _desk(actor: Actor) -> str:
    return f"{actor.node}:{actor.office}"


# -- checking and applying ----------------------------------------------------------


def rule_for(type_: str) -> Rule | None:
    return TABLE.get(type_)


def is_case_event(type_: str) -> bool:
    return type_ in TABLE


def check(view: CaseView, fact: Fact, actor: Actor, matter: MatterRule | None,
          holder_office: Callable[[str], str | None] | None = None) -> None:
    """Raise unless the table lets ``actor`` emit ``fact`` on ``view``."""
    rule = TABLE.get(fact.type)
    if rule is None:
        return
    who = f"{actor.node}/{actor.user}"
    action = rule.label

    def refuse(reason: str) -> ActionNotPermitted:
        return ActionNotPermitted(who=who, case_no=view.case_no, action=action, reason=reason)

    if actor.tier not in rule.tiers:
        raise refuse(f"{_tiers(rule.tiers)}站点才能办理")
    if rule.roles and actor.role not in rule.roles:
        raise refuse(f"需要{_roles(rule.roles)}角色")
    if view.state not in rule.before:
        raise ActionOutOfState(case_no=view.case_no, state=label(view.state), action=action)
    for need in rule.needs:
        _check_need(need, view, actor, matter, holder_office, refuse)


def _check_need(need: str, view: CaseView, actor: Actor, matter: MatterRule | None,
                holder_office: Callable[[str], str | None] | None,
                refuse: Callable[[str], Exception]) -> None:
    if need == FILER and actor.node != view.filed_by:
        raise refuse(N_("只有收件的站点才能办理"))
    elif need == HOLDER and view.holder != actor.holder and not village_desk(view, actor):
        raise NotClaimHolder(case_no=view.case_no, holder=view.holder or "-")
    elif need == AT_LEVEL and (actor.tier != view.level
                               or actor.node != node_at(view.level or "", view.filed_by or "")):
        raise refuse(N_("案件当前不在本级办理"))
    elif need == CASE_OFFICE and view.offices and _desk(actor) not in view.offices:
        raise refuse(N_("本科室不办理此案件"))
    elif need == UNCLAIMED and view.holder not in (None, actor.holder):
        raise AlreadyClaimed(case_no=view.case_no, holder=view.holder)
    elif need == SAME_OFFICE:
        if view.holder is None:
            raise refuse(N_("案件尚未被认领，请直接认领"))
        office = holder_office(view.holder) if holder_office else None
        if view.holder.split("/", 1)[0] != actor.node or office != actor.office:
            raise refuse(N_("只能转给同一科室的人员"))
    elif need == JOINT_POSSIBLE and len(_offices(matter, actor.tier, view.filed_by or "")) < 2:
        raise refuse(N_("该事项在本级只有一个审查科室，无需联合审查"))
    elif need == JOINT_PENDING and _desk(actor) not in view.pending:
        raise refuse(N_("本科室不在待出具意见的科室之列"))
    elif need == BELOW_DECIDER:
        if matter is None:
            raise refuse(N_("本站点的事项目录中没有该事项"))
        if (TIER_ORDER.index(actor.tier) >= TIER_ORDER.index(matter.tier)
                and matter.passes_on(actor.tier, actor.office) is None):
            raise refuse(N_("该事项由本级决定，无需上报"))
    elif need == DECIDER:
        if matter is None:
            raise refuse(N_("本站点的事项目录中没有该事项"))
        if actor.tier != matter.tier:
            raise refuse(f"该事项由{_tiers((matter.tier,))}决定")
        if not matter.decides(actor.office):
            deciders = matter.deciders[-1:] if matter.sequential else matter.deciders
            raise refuse(f"该事项由{'、'.join(deciders)}决定")
    elif need == NOT_EXTENDED and view.extension:
        raise refuse(N_("办理期限已申请或批准过延长"))
    elif need == EXTENSION_PENDING and view.extension != "requested":
        raise refuse(N_("没有待批准的延期申请"))
    elif need == FOLLOWUP_OFFICE and view.decided_by != _desk(actor):
        raise refuse(N_("差评由作出决定的科室跟进"))


def apply(view: CaseView, fact: Fact, office: str | None,
          matter: MatterRule | None) -> CaseView:
    """The case after ``fact`` (no checks: call ``check`` first, or trust the source).

    ``office`` is the author's office (None when unknown)."""
    rule = TABLE.get(fact.type)
    if rule is None:
        return view
    desk = f"{fact.node}:{office}"
    holder = f"{fact.node}/{fact.author}"
    changes: dict[str, object] = {}
    if rule.after is not None:
        changes["state"] = rule.after
    kind = fact.type
    if kind == FILED:
        level = first_level(matter)
        changes.update(filed_by=fact.node, matter=fact.matter, level=level,
                       offices=_offices(matter, level, fact.node))
    elif kind == RESUBMITTED:  # the same case, on the first reviewing desk again
        level = first_level(matter)
        changes.update(level=level, holder=None, pending=(),
                       offices=_offices(matter, level, view.filed_by or ""))
    elif kind in (CLAIMED, REASSIGNED):
        changes["holder"] = holder
    elif kind in (RELEASED, RETURNED_EVENT, REFUSED_EVENT):
        changes["holder"] = None
    if kind == ACCEPTED:
        changes["accepted"] = True
    elif kind == REFUSED_EVENT:
        changes.update(outcome="refused", decided_by=desk)
    elif kind == JOINT_OPENED:
        mine = desk
        changes["pending"] = tuple(o for o in _offices(matter, view.level or "",
                                                       view.filed_by or "") if o != mine)
        if not changes["pending"]:
            changes["state"] = REVIEW
    elif kind == OPINION:
        left = tuple(o for o in view.pending if o != desk)
        changes["pending"] = left
        if not left:
            changes["state"] = REVIEW
    elif kind == FORWARDED:
        following = matter.passes_on(view.level or "", office) if matter else None
        if following is not None:  # sequential: the next office at the same tier
            node = node_at(view.level or "", view.filed_by or "")
            changes.update(holder=None, pending=(), offices=(f"{node}:{following}",))
        else:
            level = next_tier(view.level or "township")
            changes.update(level=level, holder=None, pending=(),
                           offices=_offices(matter, level, view.filed_by or ""))
    elif kind == SPECIAL_STARTED:
        changes["resume"] = view.state
    elif kind == SPECIAL_ENDED:
        changes.update(state=view.resume or REVIEW, resume=None)
    elif kind == EXTENSION_REQUESTED:
        changes["extension"] = "requested"
    elif kind == EXTENSION_APPROVED:
        changes["extension"] = "approved"
    elif kind in (APPROVED, REJECTED):
        changes.update(outcome="approved" if kind == APPROVED else "rejected",
                       decided_by=desk, holder=None)
    elif kind == RATED_POOR and view.decided_by:
        node = view.decided_by.split(":", 1)[0]
        changes.update(offices=(view.decided_by,), holder=None,
                       level=_tier_of_node(node, view.filed_by or ""))
    elif kind == FOLLOWUP_CALLED:
        changes["called_back"] = True
    elif kind in (FOLLOWUP_CLOSED, WITHDRAWN_EVENT):
        changes["holder"] = None
    return changed(view, **changes)


_CASE_FIELDS = frozenset(f.name for f in fields(CaseView))


def changed(view: CaseView, **changes: object) -> CaseView:
    """``dataclasses.replace(view, **changes)`` without its per-call work over the
    fields (a hub folds the case of every event pushed to it); ``CaseView`` checks
    nothing when it is built, so the result is the same."""
    unknown = changes.keys() - _CASE_FIELDS
    if unknown:
        raise TypeError(f"CaseView has no field {', '.join(sorted(unknown))}")
    case = object.__new__(CaseView)
    case.__dict__.update(view.__dict__)
    case.__dict__.update(changes)
    return case


def _tier_of_node(node: str, filer: str) -> str:
    if node == county_of(filer):
        return "county"
    if node == township_of(filer):
        return "township"
    return "village"


def step(view: CaseView, fact: Fact, actor: Actor, matter: MatterRule | None,
         holder_office: Callable[[str], str | None] | None = None) -> CaseView:
    check(view, fact, actor, matter, holder_office)
    return apply(view, fact, actor.office, matter)


def fold(case_no: str, facts: Iterable[tuple[Fact, str | None]],
         matter: MatterRule | None) -> CaseView:
    """A case from trusted facts (each with its author's office), in order; facts the
    table forbids in the state reached are skipped, as a hub keeps but flags them."""
    view = CaseView(case_no)
    for fact, office in facts:
        rule = TABLE.get(fact.type)
        if rule is None or view.state not in rule.before:
            continue
        view = apply(view, fact, office, matter)
    return view


def _tiers(tiers: Iterable[str]) -> str:
    names = {"village": "村级", "township": "乡镇级", "county": "县级"}
    return "或".join(names.get(t, t) for t in tiers)


def _roles(roles: Iterable[str]) -> str:
    names = {"agent": "代办员", "reviewer": "审核员", "signer": "签发人", "admin": "管理员",
             "auditor": "审计员"}
    return "或".join(names.get(r, r) for r in roles)


def tier_authors() -> dict[str, tuple[str, ...]]:
    """Event type -> the tiers that may emit it (the hub's first, tier-only check)."""
    return {rule.type: rule.tiers for rule in TABLE.values()}
