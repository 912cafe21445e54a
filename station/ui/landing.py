"""Where a user lands after login, and whether the 入网 screen is offered.

Home by role: at a township or county, reviewers and signers land on 审核,
auditors on 审计, admins on 管理 (or 设置 while there is no 管理 screen);
everyone at a village, and agents anywhere, on 新建办件 (filing works before
enrolment too).  A station not yet enrolled gets the 入网 entry.
Runs on the worker (it reads the store).
"""

from __future__ import annotations

from dataclasses import dataclass

from station.app import Station
from station.network.enrol_desk import is_enrolled, role_of

ENROL_TIERS = ("township", "county")  # where admins issue codes and approve requests
BY_ROLE = {"reviewer": "review", "signer": "review", "auditor": "audit", "admin": "admin"}


@dataclass(frozen=True)
class Landing:
    home: str  # a screen key; the window falls back to 设置 for a missing 管理
    enrol: bool  # show the 入网 entry
    enrolled: bool


def landing(station: Station) -> Landing:
    role = role_of(station)
    joined = is_enrolled()
    admin_here = role == "admin" and station.node.tier in ENROL_TIERS
    home = BY_ROLE.get(role, "new_case") if station.node.tier in ENROL_TIERS else "new_case"
    may_join = not joined and station.node.tier != "county"  # the county makes its own root
    return Landing(home, enrol=may_join or admin_here, enrolled=joined)
