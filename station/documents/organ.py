"""The organ (机关) that issues a document: its name on the seal and the document number.

A node is named after its service centre ("桂平市政务服务中心",
"桂平市示范镇便民服务中心"); the organ is the office of the area
("桂平市民政局", "示范镇民政办").  ``area_name`` drops the centre's
suffix; a township keeps its own name only (示范镇, not 桂平市示范镇), as its
seals read.  ``organ_name`` is what the seal's ring and the issuing-body line
print.

Document numbers (文书编号) read like 示民政补〔2026〕3号: the area's first
character, the office without its 局/办, a character for the kind of
document, the year and the sequence, which is kept per issuing node, office,
kind and year (``station.casework.document_numbers``).
"""

from __future__ import annotations

import re

from station.errors import StationError
from station.i18n import _
from station.node import tier_of_code

__all__ = ["KIND_MARKS", "area_name", "document_number", "organ_name"]

_CENTRE_SUFFIXES = (
    "政务服务中心", "便民服务中心", "便民服务站", "党群服务中心", "服务中心", "服务站",
)
# 桂平市示范镇 -> 示范镇: the last township-level name after a county-level one.
_TOWNSHIP = re.compile(r"^.+?(?:市|县|区|旗)(?P<own>.+?(?:镇|乡|街道|苏木))$")
_OFFICE_ENDINGS = ("办公室", "局", "办", "所", "站", "委")

KIND_MARKS = {
    "supplement": "补", "accept": "受", "refuse": "不受", "extend": "延",
    "special": "特", "approve": "准", "reject": "不准", "service": "送",
}


def area_name(node_name: str, node_code: str = "") -> str:
    """The area a node serves, from its name: 桂平市政务服务中心 -> 桂平市."""
    area = node_name.strip()
    for suffix in _CENTRE_SUFFIXES:
        if area.endswith(suffix) and len(area) > len(suffix):
            area = area[: -len(suffix)]
            break
    if _tier(node_code) == "township":
        found = _TOWNSHIP.match(area)
        if found:
            area = found.group("own")
    return area


def organ_name(node_name: str, office: str, node_code: str = "") -> str:
    """The issuing organ: 桂平市政务服务中心 + 民政局 -> 桂平市民政局."""
    return f"{area_name(node_name, node_code)}{office}"


def document_number(node_name: str, office: str, kind: str, year: int, sequence: int,
                    node_code: str = "") -> str:
    """The printed 文书编号, e.g. 示民政补〔2026〕3号."""
    area = area_name(node_name, node_code)
    short = office
    for ending in _OFFICE_ENDINGS:
        if short.endswith(ending) and len(short) > len(ending):
            short = short[: -len(ending)]
            break
    return _("{area}{office}{kind}〔{year}〕{number}号").format(
        area=area[:1], office=short, kind=KIND_MARKS.get(kind, ""), year=year,
        number=sequence)


def _tier(node_code: str) -> str | None:
    if not node_code:
        return None
    try:
        return tier_of_code(node_code)
    except StationError:
        return None
