"""The shapes of the supervision board (电子监察): plain, frozen, JSON-ready.

Computed by ``board.read_board`` from the derived case table; shown by the 监察
screen.  Red: open and past its due day.  Yellow: open, not red, not paused, and
the policy's share of its days used (``station.clock.deadlines``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from station.clock.cards import CardRule

__all__ = ["RED", "YELLOW", "Board", "BoardCase", "BoardGroup", "CardRule", "CaseDetail",
           "LateFollowUp", "StepLine"]

RED, YELLOW = "red", "yellow"


@dataclass(frozen=True)
class BoardCase:
    """An open case that is red or yellow today (headers only)."""

    case_no: str
    light: str  # RED or YELLOW
    matter: str  # matter code
    matter_name: str
    station: str  # filing node code
    station_name: str
    office: str  # "node:office" handling it now ("" before acceptance)
    office_name: str  # "石龙镇 民政办"
    received_on: date
    due: date
    used: int  # working days used to today
    allowed: int  # working days allowed (promise + extension)
    overdue_days: int  # working days past ``due`` (0 for yellow)


@dataclass(frozen=True)
class BoardGroup:
    """An office's or a station's lights today and cards this month."""

    key: str
    name: str
    red: int  # open cases red today
    yellow: int  # open cases yellow today
    red_cards: int  # cards this month: cases that went past due (open or decided late)
    yellow_cards: int  # cases that reached yellow this month
    points: float  # CardRule.points(red_cards, yellow_cards)


@dataclass(frozen=True)
class LateFollowUp:
    """A bad rating whose call-back or fix is late (or late today)."""

    case_no: str
    office: str
    office_name: str
    rated_on: date
    callback_by: date
    fix_by: date
    called_on: date | None
    closed_on: date | None
    callback_late: bool
    fix_late: bool


@dataclass(frozen=True)
class Board:
    today: date
    made_at: datetime
    offices: list[BoardGroup] = field(default_factory=list)
    stations: list[BoardGroup] = field(default_factory=list)
    cases: list[BoardCase] = field(default_factory=list)  # red first, most overdue first
    followups: list[LateFollowUp] = field(default_factory=list)
    open_cases: int = 0  # open cases in scope (what was looked at)
    lit_cases: int = 0  # red and yellow cases in all (``cases`` lists the most urgent)

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            return value.isoformat() if isinstance(value, date) else value

        return {"today": self.today.isoformat(),
                "made_at": self.made_at.isoformat(timespec="seconds"),
                "offices": [asdict(g) for g in self.offices],
                "stations": [asdict(g) for g in self.stations],
                "cases": [{k: plain(v) for k, v in asdict(c).items()} for c in self.cases],
                "followups": [{k: plain(v) for k, v in asdict(f).items()}
                              for f in self.followups],
                "open_cases": self.open_cases, "lit_cases": self.lit_cases}


@dataclass(frozen=True)
class StepLine:
    """One event of a case as the hub holds its header: when, what, where."""

    day: date
    type: str  # the lifecycle's event type
    label: str  # what people call it (lifecycle.action_label)
    where: str  # the name of the node that wrote it


@dataclass(frozen=True)
class CaseDetail:
    """A case drilled into on the board: its clock, its timed stages, its steps."""

    case_no: str
    matter: str
    matter_name: str
    state: str  # the lifecycle state
    state_label: str
    deadline: Any  # station.clock.deadlines.Deadline, or None for an unknown matter
    stages: list[Any] = field(default_factory=list)  # station.clock.steps.StepClock
    steps: list[StepLine] = field(default_factory=list)
