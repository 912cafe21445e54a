"""A node of the network: its 12-digit division code, tier and name.

Statistical division codes: province 2, city 2, county 2, township 3,
village 3 digits.  A county node ends in 000000, a township node in 000 (with
a non-zero township part), a village node has a non-zero village part.
"""

from __future__ import annotations

from dataclasses import dataclass

from station.errors import InvalidNodeCode, InvalidTier
from station.i18n import N_, _, translate

TIERS = ("village", "township", "county")
TIER_ALIASES = {
    "村": "village", "乡镇": "township", "乡": "township", "镇": "township", "县": "county",
}
TIER_LABELS = {
    "village": N_("村便民服务站"),
    "township": N_("乡镇便民服务中心"),
    "county": N_("县政务服务中心"),
}



def tier_name(tier: str) -> str:
    """A tier as people call it (an unknown one as given)."""
    return translate(TIER_LABELS[tier]) if tier in TIER_LABELS else tier

@dataclass(frozen=True)
class Node:
    code: str
    tier: str
    name: str

    @property
    def tier_label(self) -> str:
        return translate(TIER_LABELS[self.tier])


def normalise_tier(tier: str) -> str:
    value = TIER_ALIASES.get(tier.strip(), tier.strip().lower())
    if value not in TIERS:
        raise InvalidTier(tier=tier)
    return value


def tier_of_code(code: str) -> str:
    if len(code) != 12 or not code.isascii() or not code.isdigit():
        raise InvalidNodeCode(code=code, reason=_("必须是 12 位数字。"))
    if code[:6].endswith("00") or code[:2] == "00":
        raise InvalidNodeCode(code=code, reason=_("前 6 位应是县级行政区划代码。"))
    township, village = code[6:9], code[9:12]
    if township == "000":
        if village != "000":
            raise InvalidNodeCode(code=code, reason=_("乡镇部分为 000 时，村部分也必须为 000。"))
        return "county"
    return "township" if village == "000" else "village"


def check_node(code: str, tier: str, name: str) -> Node:
    """Validate a node's code against its tier; return the node."""
    tier = normalise_tier(tier)
    code = code.strip()
    actual = tier_of_code(code)
    if actual != tier:
        raise InvalidNodeCode(
            code=code,
            reason=_("这是{actual}的编码，与层级“{tier}”不符。").format(
                actual=translate(TIER_LABELS[actual]), tier=translate(TIER_LABELS[tier])
            ),
        )
    if not name.strip():
        raise InvalidNodeCode(code=code, reason=_("站点名称不能为空。"))
    return Node(code, tier, name.strip())
