"""Child process for the kill -9 backfill test: unlocks a station whose residents
have no name index and kills itself (SIGKILL) midway through the backfill.

The backfill runs in batches of ``batch`` rows; the process kills itself when it
is about to compute the ``kill_at``-th index, i.e. inside a batch, before that
batch is written.  Prints nothing unless the backfill unexpectedly finishes.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import station.app
from keys.blind import BlindIndexer
from station.app import Station
from station.store import names


class KillingIndexer:
    """A blind indexer that SIGKILLs its own process at the n-th call."""

    def __init__(self, inner: BlindIndexer, kill_at: int) -> None:
        self.inner = inner
        self.kill_at = kill_at
        self.calls = 0

    def index(self, kind: str, value: str) -> str:
        self.calls += 1
        if self.calls == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return self.inner.index(kind, value)


def main(data: str, documents: str, passphrase: str, batch: str, kill_at: str) -> None:
    def backfill(index: BlindIndexer) -> int:
        return names.backfill_name_index(
            KillingIndexer(index, int(kill_at)), int(batch))  # type: ignore[arg-type]

    station.app.backfill_name_index = backfill  # type: ignore[assignment]
    Station.open(Path(data), None, passphrase, Path(documents)).close()
    sys.stdout.write("finished\n")


if __name__ == "__main__":
    main(*sys.argv[1:6])
