"""The division-code hierarchy that certificates follow.

Statistical division codes have 12 digits: province 2, city 2, county 2,
township 3, village 3.  A county node ends in 000000, a township node in 000
(with a non-zero township part), a village node has a non-zero village part.
A village lies under a township when their first 9 digits agree, and a
township or village under a county when their first 6 digits agree.

This duplicates the few lines of ``station.node.tier_of_code`` on purpose:
``keys`` depends on nothing else in the program.
"""

from __future__ import annotations

from typing import Literal

from keys.errors import NodeCodeInvalid

Tier = Literal["county", "township", "village"]
TIERS: tuple[Tier, ...] = ("county", "township", "village")
CODE_LENGTH = 12
# How many leading digits a node shares with everything under it.
_PREFIX = {"county": 6, "township": 9}


def tier_of(code: str) -> Tier:
    """The tier a well-formed 12-digit code names; NodeCodeInvalid otherwise."""
    if len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        raise NodeCodeInvalid(code=code)
    if code[:2] == "00" or code[4:6] == "00":
        raise NodeCodeInvalid(code=code)
    township, village = code[6:9], code[9:12]
    if township == "000":
        if village != "000":
            raise NodeCodeInvalid(code=code)
        return "county"
    return "township" if village == "000" else "village"


def is_under(child_code: str, parent_code: str) -> bool:
    """Whether ``child_code`` lies strictly below ``parent_code``.

    A county contains its townships and villages, a township its villages;
    a village contains nothing and no node contains itself.  Malformed codes
    raise NodeCodeInvalid rather than answer "no".
    """
    child, parent = tier_of(child_code), tier_of(parent_code)
    if parent not in _PREFIX or TIERS.index(child) <= TIERS.index(parent):
        return False
    prefix = _PREFIX[parent]
    return child_code[:prefix] == parent_code[:prefix]
