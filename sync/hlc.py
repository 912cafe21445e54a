"""Hybrid logical clock (Kulkarni et al., 2014): event times that order causally.

A ``Timestamp`` is (wall milliseconds, counter, node).  The wall part stays
close to physical time; the counter breaks ties and carries causality when
wall clocks disagree or go backwards; the node makes the order total.  The
string form ``"{wall_ms:013d}-{counter:04d}-{node}"`` is fixed width up to the
node, so sorting the strings sorts the timestamps.

Village PCs have wrong clocks.  ``HybridClock.observe`` refuses to adopt a
remote time further ahead of the local wall clock than ``max_skew_ms``
(``ClockSkew``): otherwise one station three days ahead would drag every
clock it syncs with three days forward, for good.  The caller logs the skew
and stamps the event with its own ``tick()``.  ``tick()`` itself never
refuses: a station with a wrong clock still gets strictly increasing stamps.

The clock is pure: it reads time only through the ``now_ms`` it is given and
keeps its state in memory; the caller persists ``last`` and passes it back
after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sync.errors import ClockSkew

WALL_DIGITS = 13
COUNTER_DIGITS = 4
MAX_WALL_MS = 10**WALL_DIGITS - 1
MAX_COUNTER = 10**COUNTER_DIGITS - 1
DEFAULT_MAX_SKEW_MS = 24 * 60 * 60 * 1000
_NODE = re.compile(r"[0-9A-Za-z_.:-]+")
_TEXT = re.compile(r"([0-9]{13})-([0-9]{4})-([0-9A-Za-z_.:-]+)")
_HOUR_MS = 60 * 60 * 1000


@dataclass(frozen=True, order=True)
class Timestamp:
    """A point of hybrid logical time; ordered by (wall_ms, counter, node)."""

    wall_ms: int
    counter: int
    node: str

    def __post_init__(self) -> None:
        if type(self.wall_ms) is not int or not 0 <= self.wall_ms <= MAX_WALL_MS:
            raise ValueError(f"wall_ms must be an int in [0, {MAX_WALL_MS}]")
        if type(self.counter) is not int or not 0 <= self.counter <= MAX_COUNTER:
            raise ValueError(f"counter must be an int in [0, {MAX_COUNTER}]")
        if type(self.node) is not str or not _NODE.fullmatch(self.node):
            raise ValueError("node must be non-empty [0-9A-Za-z_.:-]")

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:04d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Timestamp:
        """The timestamp written by ``str()``; ValueError for anything else."""
        match = _TEXT.fullmatch(text) if type(text) is str else None
        if match is None:
            raise ValueError("not a hybrid logical timestamp")
        return cls(int(match[1]), int(match[2]), match[3])


def _advance(wall_ms: int, counter: int) -> tuple[int, int]:
    """The next (wall, counter) after one: a full counter borrows a millisecond."""
    if counter < MAX_COUNTER:
        return wall_ms, counter + 1
    return wall_ms + 1, 0


class HybridClock:
    """One node's hybrid logical clock."""

    def __init__(
        self,
        node: str,
        now_ms: Callable[[], int],
        *,
        max_skew_ms: int = DEFAULT_MAX_SKEW_MS,
        last: Timestamp | None = None,
    ) -> None:
        Timestamp(0, 0, node)  # validates the node name
        if max_skew_ms < 0:
            raise ValueError("max_skew_ms must be >= 0")
        self.node = node
        self.max_skew_ms = max_skew_ms
        self._now_ms = now_ms
        self._wall, self._counter = (last.wall_ms, last.counter) if last else (0, -1)

    @property
    def last(self) -> Timestamp | None:
        """The latest timestamp issued (persist it to resume after a restart)."""
        if self._counter < 0:
            return None
        return Timestamp(self._wall, self._counter, self.node)

    def _issue(self, wall_ms: int, counter: int) -> Timestamp:
        stamp = Timestamp(wall_ms, counter, self.node)
        self._wall, self._counter = wall_ms, counter
        return stamp

    def tick(self) -> Timestamp:
        """A stamp for a local event, later than every stamp issued or observed."""
        now = self._now_ms()
        if now > self._wall:
            return self._issue(now, 0)
        return self._issue(*_advance(self._wall, self._counter))

    def observe(self, remote: Timestamp) -> Timestamp:
        """Merge a received stamp; the result is later than it and than local time.

        ClockSkew (and no change to the clock) when ``remote`` is more than
        ``max_skew_ms`` ahead of the local wall clock.
        """
        now = self._now_ms()
        ahead = remote.wall_ms - now
        if ahead > self.max_skew_ms:
            raise ClockSkew(node=remote.node, skew_hours=round(ahead / _HOUR_MS, 1))
        wall = max(self._wall, remote.wall_ms, now)
        if wall == self._wall and wall == remote.wall_ms:
            counter = max(self._counter, remote.counter)
        elif wall == self._wall:
            counter = self._counter
        elif wall == remote.wall_ms:
            counter = remote.counter
        else:
            return self._issue(wall, 0)
        return self._issue(*_advance(wall, counter))
