"""The clock policy of this station, kept in Setting rows (pure rules: station/clock/).

A deployment configures the yellow share and the follow-up days with
``station clock policy``; an unset key means the default of ``ClockPolicy``.
The card rule (points per red and yellow card, ``CardRule``) is kept beside it, under
the same prefix, and read by the supervision board (``card_rule_from_settings``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import fields, replace
from typing import TYPE_CHECKING

from station import outbox
from station.clock.cards import CardRule
from station.clock.deadlines import ClockPolicy
from station.errors import (
    CallbackDaysInvalid,
    FixDaysInvalid,
    RedPointsInvalid,
    StationError,
    YellowPointsInvalid,
    YellowShareInvalid,
)
from station.store.models import Setting
from station.trust import users

if TYPE_CHECKING:
    from station.app import Station

log = logging.getLogger("station.clock")

PREFIX = "clock."
POLICY_SET = "node.clock_policy_set"  # the outbox event (node.* may be emitted at any tier)
CARD_RULE_SET = "node.card_rule_set"
_PARSERS = {"yellow_share": float, "followup_callback_days": int, "followup_fix_days": int}


def _stored(shape: type) -> dict[str, str]:
    """The stored settings of a dataclass's fields (``clock.<field>``), by field name."""
    keys = [PREFIX + f.name for f in fields(shape)]
    return {s.key[len(PREFIX):]: s.value for s in Setting.select().where(Setting.key.in_(keys))}


def policy_from_settings() -> ClockPolicy:
    """The policy stored in the open station's settings; defaults for what is unset.

    A stored value that is not valid (it can only come from editing the
    database) is logged and its default used, so supervision never stops.
    """
    policy = ClockPolicy()
    for name, text in _stored(ClockPolicy).items():
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


def parse_share(text: str) -> float:
    """0.8, 80% or 1: a share in (0, 1]; YellowShareInvalid otherwise."""
    cleaned = text.strip()
    try:
        value = float(cleaned[:-1]) / 100 if cleaned.endswith("%") else float(cleaned)
    except ValueError:
        raise YellowShareInvalid(value=text) from None
    if not 0 < value <= 1:  # also NaN
        raise YellowShareInvalid(value=text)
    return value


def parse_days(text: str, error: type[CallbackDaysInvalid | FixDaysInvalid]) -> int:
    """A count of working days: 0 or a positive whole number."""
    cleaned = text.strip()
    if not cleaned.isascii() or not cleaned.isdigit():
        raise error(value=text)
    return int(cleaned)


def changed_policy(policy: ClockPolicy, yellow: str | None = None,
                   callback_days: str | None = None, fix_days: str | None = None) -> ClockPolicy:
    """``policy`` with the values typed (None: unchanged); the Invalid errors otherwise."""
    values = policy.to_json()
    if yellow is not None:
        values["yellow_share"] = parse_share(yellow)
    if callback_days is not None:
        values["followup_callback_days"] = parse_days(callback_days, CallbackDaysInvalid)
    if fix_days is not None:
        values["followup_fix_days"] = parse_days(fix_days, FixDaysInvalid)
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


# -- the card rule (红黄牌扣分) ---------------------------------------------------------

def card_rule_from_settings(station: Station) -> CardRule:
    """The card rule stored in ``station``'s settings (its open store); defaults for what
    is unset.  As for the policy, a damaged stored value is logged and its default used,
    so the board never stops."""
    del station  # the settings are read through the open store, as the policy's are
    rule = CardRule()
    for name, text in _stored(CardRule).items():
        try:
            rule = replace(rule, **{name: float(text)})
        except (ValueError, StationError):
            log.warning("card rule setting %s%s=%r is not valid; default used",
                        PREFIX, name, text)
    return rule


def parse_points(text: str, error: type[RedPointsInvalid | YellowPointsInvalid]) -> float:
    """Points per card: 0 or a positive number (2, 0.5); ``error`` otherwise."""
    cleaned = text.strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise error(value=text) from None
    if not math.isfinite(value) or value < 0:
        raise error(value=text)
    return value


def changed_card_rule(rule: CardRule, red_points: str | None = None,
                      yellow_points: str | None = None) -> CardRule:
    """``rule`` with the points typed (None: unchanged); the Invalid errors otherwise."""
    values = rule.to_json()
    if red_points is not None:
        values["red_points"] = parse_points(red_points, RedPointsInvalid)
    if yellow_points is not None:
        values["yellow_points"] = parse_points(yellow_points, YellowPointsInvalid)
    return CardRule(**values)


def save_card_rule(station: Station, rule: CardRule) -> CardRule:
    """Store ``rule`` (admin only), with an event in the outbox; returns it."""
    users.require_role(station, "clock policy", "admin")
    with station.db.atomic("IMMEDIATE"):
        for name, value in rule.to_json().items():
            Setting.replace(key=PREFIX + name, value=repr(value)).execute()
        outbox.append(station.node.code, station.user, CARD_RULE_SET, rule.to_json())
    log.info("card rule set: %s", rule.to_json())
    return rule
