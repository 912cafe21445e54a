"""The clock policy of this station, kept in Setting rows (pure rules: station/clock/).

A deployment configures the yellow share and the follow-up days with
``station clock policy``; an unset key means the default of ``ClockPolicy``.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from typing import TYPE_CHECKING

from station import outbox
from station.clock.deadlines import ClockPolicy
from station.errors import StationError
from station.store.models import Setting
from station.trust import users

if TYPE_CHECKING:
    from station.app import Station

log = logging.getLogger("station.clock")

PREFIX = "clock."
POLICY_SET = "node.clock_policy_set"  # the outbox event (node.* may be emitted at any tier)
_PARSERS = {"yellow_share": float, "followup_callback_days": int, "followup_fix_days": int}


def policy_from_settings() -> ClockPolicy:
    """The policy stored in the open station's settings; defaults for what is unset.

    A stored value that is not valid (it can only come from editing the
    database) is logged and its default used, so supervision never stops.
    """
    keys = [PREFIX + f.name for f in fields(ClockPolicy)]
    stored = {s.key[len(PREFIX):]: s.value for s in Setting.select().where(Setting.key.in_(keys))}
    policy = ClockPolicy()
    for name, text in stored.items():
        try:
            policy = _with(policy, name, _PARSERS[name](text))
        except (ValueError, StationError):
            log.warning("clock policy setting %s%s=%r is not valid; default used",
                        PREFIX, name, text)
    return policy


def _with(policy: ClockPolicy, name: str, value: object) -> ClockPolicy:
    values = policy.to_json()
    values[name] = value
    return ClockPolicy(**values)


def save_policy(station: Station, policy: ClockPolicy) -> ClockPolicy:
    """Store ``policy`` (admin only), with an event in the outbox; returns it."""
    users.require_role(station, "clock policy", "admin")
    with station.db.atomic("IMMEDIATE"):
        for name, value in policy.to_json().items():
            Setting.replace(key=PREFIX + name, value=str(value)).execute()
        outbox.append(station.node.code, station.user, POLICY_SET, policy.to_json())
    log.info("clock policy set: %s", policy.to_json())
    return policy
