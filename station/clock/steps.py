"""Per-step time limits (分环节时限): each limited stage of a case's procedure, its start,
due date and state, from the case's event headers and the matter's steps.

Pure, like ``deadlines``: the caller gives the events (type, China day, the tier and
office that wrote them), the procedure, a ``WorkCalendar`` and today.

A *stage* is a run of consecutive procedure steps done in one place: one tier, or at
the deciding tier of a sequential matter one office.  Its limit is the sum of its
steps' ``days``; stages without any ``days`` are not timed.  A stage starts when the
case reaches it: the village at filing; the first upper tier when it accepts the case;
a tier when the one below forwards the case to it; in a sequential flow the next
office when the one before passes the case on.  It is done when the case leaves it
(forwarded, passed on, decided, refused or withdrawn).  Pauses inside it (补正 after
acceptance, 特别程序) do not count, as for the whole case.  States: done, red (past its
due), paused, yellow (the policy's share of its days used), running; not_started.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from station.clock.calendar import WorkCalendar
from station.clock.deadlines import (
    ACCEPTED,
    APPROVED,
    FILED,
    REFUSED,
    REJECTED,
    SPECIAL_ENDED,
    SPECIAL_STARTED,
    SUPPLEMENT_REQUESTED,
    SUPPLEMENTED,
    WITHDRAWN,
    ClockPolicy,
)

FORWARDED = "case.forwarded"  # the lifecycle's 报上级审批 / 转下一部门
TIERS = ("village", "township", "county")
DONE, NOT_STARTED, RUNNING, YELLOW, RED, PAUSED = (
    "done", "not_started", "running", "yellow", "red", "paused")
_ENDS = frozenset({APPROVED, REJECTED, REFUSED, WITHDRAWN})
_PAUSE_STARTS = frozenset({SUPPLEMENT_REQUESTED, SPECIAL_STARTED})
_PAUSE_ENDS = frozenset({SUPPLEMENTED, SPECIAL_ENDED})

Place = tuple[str, str | None]  # (tier, office); office only at a sequential deciding tier


class _Step(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def tier(self) -> str: ...

    @property
    def office(self) -> str: ...

    @property
    def days(self) -> int | None: ...


@dataclass(frozen=True)
class StepEvent:
    """One event of the case as the step clock sees it."""

    type: str
    day: date
    tier: str  # the tier of the node that wrote it
    office: str | None = None


@dataclass(frozen=True)
class Flow:
    """What the step clock needs of a matter: its deciding tier and, when its offices
    act in turn (``flow = "sequential"``), their order."""

    tier: str
    sequence: tuple[str, ...] = ()  # empty: the offices of a tier work as one


@dataclass(frozen=True)
class StepClock:
    """One timed stage and where it stands on a given day."""

    names: tuple[str, ...]
    tier: str
    office: str | None
    days: int
    state: str
    started_on: date | None = None
    due: date | None = None
    done_on: date | None = None
    yellow_on: date | None = None
    used: int = 0
    paused_days: int = 0
    overdue: bool = False  # past ``due`` (today, or on the day it was done)

    def to_json(self) -> dict[str, Any]:
        return {name: value.isoformat() if isinstance(value, date)
                else list(value) if isinstance(value, tuple) else value
                for name, value in self.__dict__.items()}


@dataclass
class _Visit:
    start: date
    end: date | None = None
    paused: int = 0
    pause_from: date | None = None


@dataclass
class _Walk:
    flow: Flow
    calendar: WorkCalendar
    visits: dict[Place, _Visit] = field(default_factory=dict)
    place: Place | None = None

    def arrive(self, place: Place, day: date) -> None:
        self.leave(day)
        self.visits.setdefault(place, _Visit(day))
        self.place = place

    def leave(self, day: date) -> None:
        visit = self.visits.get(self.place) if self.place else None
        if visit is not None and visit.end is None:
            self.resume(day)
            visit.end = day
        self.place = None

    def pause(self, day: date) -> None:
        visit = self.visits.get(self.place) if self.place else None
        if visit is not None and visit.pause_from is None:
            visit.pause_from = day

    def resume(self, day: date) -> None:
        visit = self.visits.get(self.place) if self.place else None
        if visit is not None and visit.pause_from is not None:
            visit.paused += max(self.calendar.workdays_between(visit.pause_from, day), 0)
            visit.pause_from = None

    def entry(self, tier: str) -> Place:
        """Where a case arriving at ``tier`` stands (the first office in turn)."""
        sequence = self.flow.sequence
        return (tier, sequence[0] if sequence and tier == self.flow.tier else None)

    def forward(self, day: date) -> None:
        tier, office = self.place or ("township", None)
        sequence = self.flow.sequence
        if office is not None and office in sequence[:-1]:
            self.arrive((tier, sequence[sequence.index(office) + 1]), day)
            return
        upper = TIERS[min(TIERS.index(tier) + 1, len(TIERS) - 1)]
        self.arrive(self.entry(upper), day)


def place_of(step: _Step, flow: Flow) -> Place:
    sequential = bool(flow.sequence) and step.tier == flow.tier
    return (step.tier, step.office if sequential else None)


def stages(procedure: Sequence[_Step], flow: Flow) -> list[tuple[tuple[str, ...], Place, int]]:
    """(step names, place, days) of each run of steps in one place that has a limit."""
    runs: list[tuple[list[str], Place, list[int | None]]] = []
    for step in procedure:
        place = place_of(step, flow)
        if runs and runs[-1][1] == place:
            runs[-1][0].append(step.name)
            runs[-1][2].append(step.days)
        else:
            runs.append(([step.name], place, [step.days]))
    return [(tuple(names), place, sum(d or 0 for d in days))
            for names, place, days in runs if any(d is not None for d in days)]


def _walk(events: Iterable[StepEvent], flow: Flow, calendar: WorkCalendar) -> _Walk:
    walk = _Walk(flow, calendar)
    for event in events:
        if event.type == FILED and not walk.visits:
            walk.arrive(("village", None), event.day)
        elif event.type == ACCEPTED and (walk.place is None or walk.place[0] != event.tier):
            walk.arrive(walk.entry(event.tier), event.day)
        elif event.type == FORWARDED:
            walk.forward(event.day)
        elif event.type in _ENDS:
            walk.leave(event.day)
            break
        elif event.type in _PAUSE_STARTS:
            walk.pause(event.day)
        elif event.type in _PAUSE_ENDS:
            walk.resume(event.day)
    return walk


def step_clock(
    events: Iterable[StepEvent],
    procedure: Sequence[_Step],
    flow: Flow,
    calendar: WorkCalendar,
    today: date,
    policy: ClockPolicy | None = None,
) -> list[StepClock]:
    """Each timed stage of the procedure, in order, on ``today`` (a China day)."""
    policy = policy or ClockPolicy()
    walk = _walk(events, flow, calendar)
    clocks = []
    for names, place, days in stages(procedure, flow):
        tier, office = place
        visit = walk.visits.get(place)
        if visit is None:
            clocks.append(StepClock(names, tier, office, days, NOT_STARTED))
            continue
        end = visit.end or today
        paused = visit.paused
        if visit.pause_from is not None:  # open: assumed to end today
            paused += max(calendar.workdays_between(visit.pause_from, end), 0)
        due = calendar.add_workdays(visit.start, days + paused)
        used = max(calendar.workdays_between(visit.start, end) - paused, 0)
        threshold = policy.yellow_threshold(days)
        yellow_on = calendar.add_workdays(visit.start, threshold + paused)
        overdue = end > due
        if visit.end is not None:
            state = DONE
        elif overdue:
            state = RED
        elif visit.pause_from is not None:
            state = PAUSED
        elif used >= threshold:
            state = YELLOW
        else:
            state = RUNNING
        clocks.append(StepClock(names, tier, office, days, state, visit.start, due,
                                visit.end, yellow_on, used, paused, overdue))
    return clocks
