"""Who sees the 监察 screen: the admins and auditors of a township or county node (the
nodes that run a hub).  A village station and every other role does not."""

from __future__ import annotations

from station.app import Station
from station.errors import StationError
from station.trust import users

SUPERVISING_TIERS = ("township", "county")
SUPERVISING_ROLES = ("admin", "auditor")


def can_supervise(station: Station) -> bool:
    """True for a township's or county's admins and auditors."""
    if station.node.tier not in SUPERVISING_TIERS:
        return False
    try:
        users.require_role(station, "audit", *SUPERVISING_ROLES)
    except StationError:
        return False
    return True
