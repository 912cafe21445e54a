"""Who may emit which event, and a case's state folded from event headers alone.

The hub enforces this table on every pushed event (a station enforces the
same table before it writes).  Supervision needs no payload: a case's state
here is computed from clear headers only.  The review issue grows the case
part of this table into the full lifecycle; this module stays the one place
it lives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sync.envelope import Header
from sync.problems import EventNotPermitted, EventOutOfState

ANY = ("village", "township", "county")
UPPER = ("township", "county")

CASE_FILED = "case.filed"
CASE_NOTICE = "case.notice_issued"
CASE_CLAIMED = "case.claimed"
CASE_RELEASED = "case.released"
CASE_RETURNED = "case.returned"
CASE_RETURN_RECEIVED = "case.return_received"

# Event type (or a prefix ending in ".") -> the tiers whose nodes may emit it.
AUTHORS: dict[str, tuple[str, ...]] = {
    CASE_FILED: ("village", "township"),
    CASE_NOTICE: ANY,
    CASE_CLAIMED: UPPER,
    CASE_RELEASED: UPPER,
    CASE_RETURNED: UPPER,
    CASE_RETURN_RECEIVED: ("village", "township"),
    "access.": ANY,
    "node.": ANY,
    "trust.": ANY,
    "user.": ANY,
    "office.": ANY,
}

# Case states, from headers.
NONE, QUEUED, CLAIMED, RETURNED = "none", "queued", "claimed", "returned"
STATE_LABELS = {NONE: "未收件", QUEUED: "待认领", CLAIMED: "审核中", RETURNED: "已退回村站"}

# Event type -> the states it may follow, and the state it leads to.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    CASE_FILED: ((NONE,), QUEUED),
    CASE_CLAIMED: ((QUEUED,), CLAIMED),
    CASE_RELEASED: ((CLAIMED,), QUEUED),
    CASE_RETURNED: ((CLAIMED,), RETURNED),
}


def allowed_tiers(type_: str) -> tuple[str, ...]:
    if type_ in AUTHORS:
        return AUTHORS[type_]
    for prefix, tiers in AUTHORS.items():
        if prefix.endswith(".") and type_.startswith(prefix):
            return tiers
    return ()


def check_author(header: Header, tier: str) -> None:
    """EventNotPermitted unless a node of ``tier`` may emit ``header.type``."""
    if tier not in allowed_tiers(header.type):
        raise EventNotPermitted(tier=TIER_NAMES.get(tier, tier), node=header.node,
                                event_type=header.type)


TIER_NAMES = {"village": "村级", "township": "乡镇级", "county": "县级"}


@dataclass(frozen=True)
class CaseView:
    case_no: str
    state: str = NONE
    holder: str | None = None  # "node/user" holding the claim
    filed_by: str | None = None  # the node that filed the case
    matter: str | None = None


def step(view: CaseView, header: Header) -> CaseView:
    """The case after ``header``; EventOutOfState when the table forbids it."""
    rule = TRANSITIONS.get(header.type)
    if rule is None:
        return view
    before, after = rule
    if view.state not in before:
        raise EventOutOfState(case_no=view.case_no, state=STATE_LABELS[view.state],
                              event_type=header.type)
    holder = view.holder
    if header.type == CASE_CLAIMED:
        holder = f"{header.node}/{header.author}"
    elif header.type in (CASE_RELEASED, CASE_RETURNED):
        holder = None
    filed_by = header.node if header.type == CASE_FILED else view.filed_by
    matter = header.matter if header.type == CASE_FILED else view.matter
    return CaseView(view.case_no, after, holder, filed_by, matter)


def fold(case_no: str, headers: Iterable[Header]) -> CaseView:
    """A case's state from its events' headers, in the order given (hub log order)."""
    view = CaseView(case_no)
    for header in headers:
        view = step(view, header)
    return view
