"""Who may emit which event: the tier check every hub applies to every event.

The case part of the table lives in ``sync/lifecycle.py`` (states, roles,
offices, the claim); this module adds the event families that are not about
a case's life (access traces, node, trust, user and office changes) and
answers the first, tier-only question for any event type.
"""

from __future__ import annotations

from functools import lru_cache

from sync import lifecycle
from sync.envelope import Header
from sync.problems import CaseNumberNotOwn, EventNotPermitted

ANY = lifecycle.ANY_TIER
UPPER = lifecycle.UPPER
TIER_NAMES = {"village": "村级", "township": "乡镇级", "county": "县级"}

# Event type (or a prefix ending in ".") -> the tiers whose nodes may emit it.
AUTHORS: dict[str, tuple[str, ...]] = {
    **lifecycle.tier_authors(),
    "access.": ANY,
    "node.": ANY,
    "trust.": ANY,
    "user.": ANY,
    "office.": ANY,
    "consent.": ANY,  # 资料共享: a resident agreed that a material be used again
}


@lru_cache(maxsize=1024)  # asked for every pushed event; AUTHORS never changes
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
                                action=lifecycle.action_label(header.type))


def check_case_number(header: Header) -> None:
    """CaseNumberNotOwn unless a ``case.filed`` carries a case number of its author's node:
    the part before the first '-' is the node code (a township desk files a walk-in
    resident's case under the township's own code, so it is the author there too)."""
    if header.type == lifecycle.FILED and header.case_no is not None \
            and header.case_no.split("-", 1)[0] != header.node:
        raise CaseNumberNotOwn(case_no=header.case_no, node=header.node)


def fact_of(header: Header) -> lifecycle.Fact:
    assert header.case_no is not None
    return lifecycle.Fact(header.type, header.node, header.author, header.case_no, header.matter)
