"""The statutory clock (限时办结): a case's deadlines from its event headers alone.

Pure: no store, no I/O.  The caller gives the case's events (type and China
day, see ``clock_events``), the matter's limits, a ``WorkCalendar`` and
today; supervision therefore needs no personal data.  The rules, the day
conventions and worked examples are in ``docs/clock.md``; in short:

- Day N of a period is the N-th working day *after* its start day
  (``WorkCalendar.add_workdays``): the start day itself never counts
  (行政许可法 Art. 82 counts working days; the day of acceptance is not
  counted, as for every period in Chinese law).
- One clock for every promise: the decision clock runs from receipt (收件), the
  day the station received complete papers for the organ (代办), or after a
  one-time notice the day the materials were complete (``started_on``).  The
  receipt's promised date, ``case status`` and every document read ``due``.
  Acceptance does not move the start; before it ``due`` is what the receipt
  promised.
- Acceptance (Art. 32): a refusal or a one-time notice must come within
  ``ACCEPTANCE_DAYS`` working days after receipt (``accept_by``).  After a
  notice, the window starts again from the day the materials are complete.
  When neither came in time, the case counts as accepted from receipt (or
  from the day the materials were complete): ``acceptance == "implied"``.
- Pauses (supplement after acceptance, 特别程序 Art. 45): the day a pause
  starts still counts; the days after it up to and including the day it ends
  do not; the clock runs again the day after.  An open pause is assumed to
  end today, so ``due`` is what it would be if work resumed tomorrow.
- Extension (延长, Art. 42): once per case, ``extension_days`` are added to
  both the promised and the legal limit.
- States: stopped (approved, rejected, refused, withdrawn) > red (overdue:
  the day is after ``due``) > paused > yellow (``used`` reached the policy's
  share of ``allowed``) > running; not_started before acceptance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from keys.ca import CHINA_TIME
from station.clock.calendar import WorkCalendar
from station.errors import (
    CallbackDaysInvalid,
    DayCountInvalid,
    FixDaysInvalid,
    YellowShareInvalid,
)
from sync.hlc import Timestamp

__all__ = [
    "ACCEPTANCE_DAYS",
    "CLOCK_TYPES",
    "ClockEvent",
    "ClockPolicy",
    "Deadline",
    "FollowUp",
    "MatterLimits",
    "clock_events",
    "day_of_hlc",
    "deadline",
    "followup",
]

# Event types the clock reads (the lifecycle's names); every other type is ignored.
FILED = "case.filed"
MISSING_AT_FILING = "case.notice_issued"  # papers incomplete when received: nothing promised
SUPPLEMENT_REQUESTED = "case.supplement_requested"
SUPPLEMENTED = "case.supplemented"
ACCEPTED = "case.accepted"
REFUSED = "case.refused"
SPECIAL_STARTED = "case.special_started"
SPECIAL_ENDED = "case.special_ended"
EXTENSION_APPROVED = "case.extension_approved"
APPROVED = "case.approved"
REJECTED = "case.rejected"
WITHDRAWN = "case.withdrawn"
RATED_POOR = "case.rated_poor"
FOLLOWUP_CALLED = "case.followup_called"
FOLLOWUP_CLOSED = "case.followup_closed"
CLOCK_TYPES = frozenset({
    FILED, MISSING_AT_FILING, SUPPLEMENT_REQUESTED, SUPPLEMENTED, ACCEPTED, REFUSED,
    SPECIAL_STARTED, SPECIAL_ENDED, EXTENSION_APPROVED, APPROVED, REJECTED, WITHDRAWN, RATED_POOR,
    FOLLOWUP_CALLED, FOLLOWUP_CLOSED,
})

ACCEPTANCE_DAYS = 5  # Art. 32: refusal or one-time notice within five (working) days
EXTENSION_DAYS = 10  # Art. 42 para. 1: twenty days, ten more with approval
JOINT_EXTENSION_DAYS = 15  # Art. 42 para. 3: joint handling, forty-five days, fifteen more

# States
NOT_STARTED, RUNNING, YELLOW, RED, PAUSED, STOPPED = (
    "not_started", "running", "yellow", "red", "paused", "stopped")
STATES = (NOT_STARTED, RUNNING, YELLOW, RED, PAUSED, STOPPED)

# How the case came to be accepted
EXPLICIT, IMPLIED = "explicit", "implied"

# Kinds of pause
_SUPPLEMENT, _SPECIAL = "supplement", "special"


class _HasHeader(Protocol):
    @property
    def type(self) -> str: ...

    @property
    def hlc(self) -> str: ...


@dataclass(frozen=True)
class ClockEvent:
    """One event as the clock sees it: its type and the China day it happened."""

    type: str
    day: date

    def __post_init__(self) -> None:
        if isinstance(self.day, datetime):
            object.__setattr__(self, "day", self.day.date())
        if not isinstance(self.day, date):
            raise TypeError("ClockEvent.day must be a date")


def day_of_hlc(hlc: str | Timestamp) -> date:
    """The China day (UTC+8) of a hybrid logical timestamp; ValueError if malformed."""
    stamp = hlc if isinstance(hlc, Timestamp) else Timestamp.parse(hlc)
    return datetime.fromtimestamp(stamp.wall_ms / 1000, tz=CHINA_TIME).date()


def clock_events(headers: Iterable[_HasHeader]) -> list[ClockEvent]:
    """Clock events from event headers (anything with ``type`` and ``hlc``), in HLC order.

    Types the clock does not read are dropped.  Sorting by the HLC string sorts
    by time (its fixed-width form), so the same-day order of events is kept.
    """
    chosen = sorted((Timestamp.parse(h.hlc), h.type) for h in headers if h.type in CLOCK_TYPES)
    return [ClockEvent(type_, day_of_hlc(stamp)) for stamp, type_ in chosen]


def _share(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise YellowShareInvalid(value=value)
    if not (0 < value <= 1):  # also refuses NaN
        raise YellowShareInvalid(value=value)
    return float(value)


def _is_days(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class ClockPolicy:
    """What a deployment configures: the yellow share and the follow-up limits."""

    yellow_share: float = 0.8  # yellow once this share of the allowed days is used
    followup_callback_days: int = 1  # 差评 call back within this many working days
    followup_fix_days: int = 15  # and fix within this many

    def __post_init__(self) -> None:
        object.__setattr__(self, "yellow_share", _share(self.yellow_share))
        if not _is_days(self.followup_callback_days):
            raise CallbackDaysInvalid(value=self.followup_callback_days)
        if not _is_days(self.followup_fix_days):
            raise FixDaysInvalid(value=self.followup_fix_days)

    def yellow_threshold(self, allowed: int) -> int:
        """Working days used from which a period of ``allowed`` days is yellow."""
        return math.ceil(self.yellow_share * allowed - 1e-9)

    def to_json(self) -> dict[str, Any]:
        return {"yellow_share": self.yellow_share,
                "followup_callback_days": self.followup_callback_days,
                "followup_fix_days": self.followup_fix_days}


@dataclass(frozen=True)
class MatterLimits:
    """A matter's limits in working days (from the catalogue)."""

    promised_days: int
    legal_days: int
    extension_days: int = EXTENSION_DAYS

    def __post_init__(self) -> None:
        for value in (self.promised_days, self.legal_days, self.extension_days):
            if not _is_days(value):
                raise DayCountInvalid(count=value)

    @classmethod
    def for_matter(cls, matter: Any) -> MatterLimits:
        """Limits of a catalogue ``Matter``; joint matters extend by 15 days (Art. 42)."""
        extension = JOINT_EXTENSION_DAYS if getattr(matter, "is_joint", False) else EXTENSION_DAYS
        return cls(matter.promised_days, matter.legal_days, extension)


@dataclass(frozen=True)
class Deadline:
    """Where a case stands against its limits on a given day."""

    state: str  # one of STATES
    received_on: date | None = None
    accept_by: date | None = None  # Art. 32 window (restarted after a supplement)
    acceptance: str | None = None  # "explicit", "implied" or None (not yet)
    started_on: date | None = None  # receipt of complete papers: the clock runs from here
    due: date | None = None  # promised limit (+ extension)
    legal_due: date | None = None  # legal limit (+ extension)
    yellow_on: date | None = None  # the day the yellow share is reached
    paused: bool = False
    paused_days: int = 0  # working days not counted because of pauses
    extended: bool = False
    used: int = 0  # working days counted so far (to the decision or today)
    allowed: int = 0  # promised days (+ extension)
    legal_allowed: int = 0  # legal days (+ extension)
    overdue: bool = False  # past ``due`` (today, or on the day it stopped)
    legal_overdue: bool = False  # past ``legal_due``
    outcome: str | None = None  # "approved", "rejected", "refused", "withdrawn"
    decided_on: date | None = None  # approved or rejected on
    stopped_on: date | None = None  # decided, refused or withdrawn on
    provisional: bool = False  # ``due`` depends on a year whose 调休 is not published

    def to_json(self) -> dict[str, Any]:
        return {name: value.isoformat() if isinstance(value, date) else value
                for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class FollowUp:
    """The follow-up of a bad rating (差评回访整改) and where it stands."""

    state: str  # running, yellow, red or stopped (closed)
    rated_on: date
    callback_by: date
    fix_by: date
    called: bool = False
    called_on: date | None = None
    closed: bool = False
    closed_on: date | None = None
    callback_overdue: bool = False  # not called back by callback_by (today or when done)
    fix_overdue: bool = False  # not closed by fix_by (today or when done)

    def to_json(self) -> dict[str, Any]:
        return {name: value.isoformat() if isinstance(value, date) else value
                for name, value in self.__dict__.items()}


# -- counting ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pause:
    """Days after ``start`` up to and including ``end`` are not counted."""

    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start < day <= self.end


class _Counter:
    """Working days after a start day that are not inside a pause."""

    def __init__(self, calendar: WorkCalendar, start: date, pauses: list[_Pause]) -> None:
        self.calendar, self.start, self.pauses = calendar, start, pauses

    def counts(self, day: date) -> bool:
        return self.calendar.is_workday(day) and not any(p.covers(day) for p in self.pauses)

    def nth(self, n: int) -> date:
        """The day the n-th counted day is reached; for 0, the start day if it counts,
        else the next day that does (as ``WorkCalendar.add_workdays``)."""
        day, remaining = self.start, n
        if n == 0:
            while not self.counts(day):
                day += timedelta(days=1)
            return day
        while remaining:
            day += timedelta(days=1)
            if self.counts(day):
                remaining -= 1
        return day

    def through(self, end: date) -> int:
        """Counted days after the start up to and including ``end``."""
        count, day = 0, self.start
        while day < end:
            day += timedelta(days=1)
            count += self.counts(day)
        return count


def _paused_days(calendar: WorkCalendar, pauses: list[_Pause], end: date) -> int:
    """Working days up to ``end`` inside any pause (overlapping pauses count once)."""
    if not pauses:
        return 0
    count, day = 0, min(p.start for p in pauses)
    while day < end:
        day += timedelta(days=1)
        count += any(p.covers(day) for p in pauses) and calendar.is_workday(day)
    return count


def _ordered(events: Iterable[ClockEvent], kinds: frozenset[str]) -> list[ClockEvent]:
    """The events of ``kinds`` by day; the given order is kept within a day."""
    return sorted((e for e in events if e.type in kinds), key=lambda e: e.day)


_CASE_TYPES = CLOCK_TYPES - {RATED_POOR, FOLLOWUP_CALLED, FOLLOWUP_CLOSED}


# -- the case clock ------------------------------------------------------------------


@dataclass
class _Fold:
    """The case's clock facts, folded from its events in order."""

    calendar: WorkCalendar
    received: date
    window_start: date
    started: date | None = None
    acceptance: str | None = None
    extended: bool = False
    outcome: str | None = None
    stopped: date | None = None

    def __post_init__(self) -> None:
        self.open: dict[str, date] = {}
        self.closed: list[_Pause] = []

    @property
    def accept_by(self) -> date:
        return self.calendar.add_workdays(self.window_start, ACCEPTANCE_DAYS)

    def imply_acceptance(self, day: date) -> None:
        """Art. 32: no refusal and no notice by ``accept_by`` -> accepted from receipt."""
        if (self.started is None and _SUPPLEMENT not in self.open
                and day > self.accept_by):
            self.accept(IMPLIED)

    def accept(self, how: str) -> None:
        """Accepted: the clock runs from receipt of complete papers, whatever the day."""
        self.started, self.acceptance = self.window_start, how

    def pause(self, kind: str, day: date) -> None:
        self.open.setdefault(kind, day)

    def resume(self, kind: str, day: date) -> None:
        begun = self.open.pop(kind, None)
        if begun is not None:
            self.closed.append(_Pause(begun, day))

    def stop(self, outcome: str, day: date) -> None:
        self.outcome, self.stopped = outcome, day
        for kind in list(self.open):
            self.resume(kind, day)

    def apply(self, event: ClockEvent) -> None:
        day = max(event.day, self.received)  # a wrong PC clock cannot go before receipt
        self.imply_acceptance(day)
        kind = event.type
        if kind in (SUPPLEMENT_REQUESTED, MISSING_AT_FILING):
            self.pause(_SUPPLEMENT, day)
        elif kind == SUPPLEMENTED:
            if self.started is None and _SUPPLEMENT in self.open:
                self.window_start = day  # "restarts the day after the materials are complete"
            self.resume(_SUPPLEMENT, day)
        elif kind == SPECIAL_STARTED:
            self.pause(_SPECIAL, day)
        elif kind == SPECIAL_ENDED:
            self.resume(_SPECIAL, day)
        elif kind == ACCEPTED:
            if self.started is None:
                if _SUPPLEMENT in self.open:  # accepting ends a notice: papers complete today
                    self.window_start = day
                self.resume(_SUPPLEMENT, day)
                self.accept(EXPLICIT)
        elif kind == EXTENSION_APPROVED:
            self.extended = True  # the law allows one extension; a second adds nothing
        elif kind in (APPROVED, REJECTED):
            if self.started is None:  # a decision implies acceptance, counted from receipt
                self.accept(IMPLIED)
            self.stop(kind.removeprefix("case."), day)
        elif kind in (REFUSED, WITHDRAWN):
            self.stop(kind.removeprefix("case."), day)

    def pauses(self, end: date) -> list[_Pause]:
        """Closed pauses, and the open ones as if they ended on ``end``."""
        return self.closed + [_Pause(start, max(start, end)) for start in self.open.values()]


def deadline(
    events: Iterable[ClockEvent],
    limits: MatterLimits,
    calendar: WorkCalendar,
    today: date,
    policy: ClockPolicy | None = None,
) -> Deadline:
    """The case's deadlines and state on ``today`` (a China day)."""
    policy = policy or ClockPolicy()
    ordered = _ordered(events, _CASE_TYPES)
    filed = [e.day for e in ordered if e.type == FILED]
    if not ordered:
        return Deadline(state=NOT_STARTED)
    received = filed[0] if filed else ordered[0].day
    fold = _Fold(calendar, received, received)
    for event in ordered:
        if fold.outcome is not None:
            break
        fold.apply(event)
    if fold.outcome is None:
        fold.imply_acceptance(today)
    end = fold.stopped or today
    pauses = fold.pauses(end)
    paused = bool(fold.open) and fold.outcome is None
    paused_days = _paused_days(calendar, pauses, end)
    common: dict[str, Any] = {
        "received_on": received, "accept_by": fold.accept_by,
        "acceptance": fold.acceptance, "started_on": fold.started, "paused": paused,
        "paused_days": paused_days, "extended": fold.extended, "outcome": fold.outcome,
        "stopped_on": fold.stopped,
        "decided_on": fold.stopped if fold.outcome in ("approved", "rejected") else None,
    }
    extension = limits.extension_days if fold.extended else 0
    allowed, legal_allowed = limits.promised_days + extension, limits.legal_days + extension
    # Before acceptance the clock already runs from receipt of complete papers (the
    # receipt's promise); while they are incomplete nothing is promised.
    start = fold.started
    if start is None and _SUPPLEMENT not in fold.open and fold.outcome is None:
        start = fold.window_start
    if start is None:
        state = STOPPED if fold.outcome else PAUSED if paused else NOT_STARTED
        return Deadline(state=state, allowed=allowed, legal_allowed=legal_allowed, **common)
    counter = _Counter(calendar, start, pauses)
    due, legal_due = counter.nth(allowed), counter.nth(legal_allowed)
    threshold = policy.yellow_threshold(allowed)
    used = counter.through(end)
    overdue, legal_overdue = end > due, end > legal_due
    if fold.outcome:
        state = STOPPED
    elif overdue:
        state = RED
    elif paused:
        state = PAUSED
    elif fold.started is None:
        state = NOT_STARTED
    elif used >= threshold:
        state = YELLOW
    else:
        state = RUNNING
    # a limit of 0 days (即办件) has nothing to spend: yellow from the start
    yellow_on = counter.nth(threshold) if threshold else start
    return Deadline(state=state, due=due, legal_due=legal_due, yellow_on=yellow_on,
                    used=used, allowed=allowed, legal_allowed=legal_allowed, overdue=overdue,
                    legal_overdue=legal_overdue,
                    provisional=calendar.provisional(start, max(due, legal_due)), **common)


# -- the follow-up of a bad rating ----------------------------------------------------


def followup(
    events: Iterable[ClockEvent],
    calendar: WorkCalendar,
    today: date,
    policy: ClockPolicy | None = None,
) -> FollowUp | None:
    """The follow-up opened by the latest bad rating (差评), or None without one.

    Call back within ``followup_callback_days`` and fix within
    ``followup_fix_days`` working days after the rating day.  Yellow when an
    open step has used the policy's share of its days, red when an open step
    is past its day, stopped once closed.
    """
    policy = policy or ClockPolicy()
    ordered = _ordered(events, frozenset({RATED_POOR, FOLLOWUP_CALLED, FOLLOWUP_CLOSED}))
    rated = [i for i, e in enumerate(ordered) if e.type == RATED_POOR]
    if not rated:
        return None
    rated_on = ordered[rated[-1]].day
    after = ordered[rated[-1] + 1:]
    called_on = next((e.day for e in after if e.type == FOLLOWUP_CALLED), None)
    closed_on = next((e.day for e in after if e.type == FOLLOWUP_CLOSED), None)
    callback_by = calendar.add_workdays(rated_on, policy.followup_callback_days)
    fix_by = calendar.add_workdays(rated_on, policy.followup_fix_days)
    callback_end = called_on or closed_on or today
    fix_end = closed_on or today
    used = calendar.workdays_between(rated_on, today)
    open_steps = [by_days for done, by_days in (
        (called_on or closed_on, policy.followup_callback_days),
        (closed_on, policy.followup_fix_days)) if done is None]
    if closed_on is not None:
        state = STOPPED
    elif (called_on is None and today > callback_by) or today > fix_by:
        state = RED
    elif any(used >= policy.yellow_threshold(days) for days in open_steps):
        state = YELLOW
    else:
        state = RUNNING
    return FollowUp(state=state, rated_on=rated_on, callback_by=callback_by, fix_by=fix_by,
                    called=called_on is not None, called_on=called_on,
                    closed=closed_on is not None, closed_on=closed_on,
                    callback_overdue=callback_end > callback_by, fix_overdue=fix_end > fix_by)
