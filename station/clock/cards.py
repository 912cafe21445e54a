"""The card rule (红黄牌扣分): points deducted per red and per yellow card, pure.

A deployment sets it in 管理 → 时限规则 (kept by ``station.casework.clock_policy``);
the supervision board (``station.supervision``) deducts them per office and station.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from station.errors import RedPointsInvalid, YellowPointsInvalid


def _points(value: object, error: type[RedPointsInvalid | YellowPointsInvalid]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(value=value)
    if not math.isfinite(value) or value < 0:
        raise error(value=value)
    return float(value)


@dataclass(frozen=True)
class CardRule:
    """Points per card (a deployment's rule, 管理 → 时限规则): deducted per office."""

    red_points: float = 2.0  # 红牌: a case past its due day (open, or decided late)
    yellow_points: float = 0.5  # 黄牌: a case that reached the yellow share

    def __post_init__(self) -> None:
        object.__setattr__(self, "red_points", _points(self.red_points, RedPointsInvalid))
        object.__setattr__(self, "yellow_points",
                           _points(self.yellow_points, YellowPointsInvalid))

    def points(self, red: int, yellow: int) -> float:
        return red * self.red_points + yellow * self.yellow_points

    def to_json(self) -> dict[str, Any]:
        return {"red_points": self.red_points, "yellow_points": self.yellow_points}
