"""Admission control: how many signed requests the hub works on at once.

A single-process hub serves with a fixed pool of waitress threads; when threads wait
on the database's write lock, further connections queue behind them until clients
time out (measured: 124 of 500 stations waited 30 s just for ``/v1/health``).  Past
``limit`` signed requests in progress the hub answers at once ``429`` (``busy``) with
a short ``Retry-After``, and keeps a reserve of threads free, so ``/v1/health`` and
``/metrics`` (never counted here) always get one.
"""

from __future__ import annotations

import random
import threading

from sync.problems import HubBusy

RESERVE = 2  # threads kept for /v1/health and /metrics
# Without --max-busy nothing is refused: on a 500-station storm here a limit of 6
# doubled the storm's wall time (refused stations sleep before retrying) and never
# reproduced the 30 s waits it is for; an operator turns it on where threads stall.
UNLIMITED = 1_000_000
RETRY_AFTER = (1, 3)  # seconds, drawn at random so refused clients do not return together


def default_limit(threads: int) -> int:
    """The suggested ``--max-busy`` for a waitress pool of ``threads``."""
    return max(1, threads - RESERVE)


class Admission:
    """A counter of signed requests in progress, refusing past ``limit``."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(limit)
        self.limit = limit
        self.in_progress = 0
        self.refused = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        """Take a place, or raise HubBusy (429 with Retry-After)."""
        with self._lock:
            if self.in_progress >= self.limit:
                self.refused += 1
                raise HubBusy(retry_after=random.randint(*RETRY_AFTER))
            self.in_progress += 1

    def leave(self) -> None:
        with self._lock:
            self.in_progress -= 1
