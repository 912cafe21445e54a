"""Once-per-hub work in exactly one worker process: the forwarding lock.

A hub served by several worker processes (``station hub serve --workers N``, which
needs PostgreSQL) forwards upward and pulls down (``sync.hub.forward.Forwarder``) from
one process at a time.  Every worker runs ``ForwardingLeader.run`` in a thread: it asks
PostgreSQL for a session-level advisory lock (``pg_try_advisory_lock``) on a connection
of its own, and forwards for as long as it holds it.  When the holder dies, its
PostgreSQL session ends, the lock is freed, and another worker takes it at its next try
(every ``retry`` seconds).  A forwarding round is idempotent, so the moment two processes
might overlap (a holder whose lock connection broke while a round was running) only
repeats work.

On SQLite the hub is one process: it forwards without a lock (``database`` None).

Which process holds the lock is written to the hub's database (``HubState`` key
``forward:holder``: pid and host) and logged, so that every worker's ``/metrics``
reports the same holder and an operator can find it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from peewee import Database, PostgresqlDatabase

from sync.hub.models import HubState, upsert

log = logging.getLogger("bianmin.hub.leader")
# The advisory lock's key: one per database (every hub has a database of its own).
LOCK_KEY = int.from_bytes(b"bianmin\x01", "big") & ((1 << 63) - 1)
HOLDER = "forward:holder"
RETRY = 2.0

_holding = threading.Event()  # this process holds the lock now


class Forwarding(Protocol):
    """What the leader runs while it holds the lock (``sync.hub.forward.Forwarder``)."""

    stop: threading.Event
    wake: threading.Event

    def run(self) -> None: ...


def holds_lock() -> bool:
    """Does this process forward now?"""
    return _holding.is_set()


def holder() -> dict[str, Any] | None:
    """The process that last took the forwarding lock, as recorded in the database
    (``{"pid": …, "host": …, "since": …}``), or None (none has, or SQLite)."""
    row = HubState.get_or_none(HubState.key == HOLDER)
    if row is None:
        return None
    try:
        value = json.loads(row.value)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class ForwardingLeader:
    """Forward while holding the hub's advisory lock; try again while not."""

    def __init__(self, database: Database, make_forwarder: Callable[[], Forwarding],
                 retry: float = RETRY) -> None:
        self.database = database
        self.make_forwarder = make_forwarder
        self.retry = retry
        self.stop = threading.Event()
        self._lock_db: PostgresqlDatabase | None = None

    def run(self) -> None:
        if not isinstance(self.database, PostgresqlDatabase):
            self._forward_while(lambda: True)  # one process: no lock needed
            return
        try:
            while not self.stop.is_set():
                try:
                    if self._take():
                        self._record()
                        self._forward_while(self._still_held)
                        self._release()  # a new session for the next try
                except Exception as error:  # the database away: try again later
                    log.warning("forwarding lock: %s", error)
                    self._release()
                self.stop.wait(self.retry)
        finally:
            self._release()

    def _take(self) -> bool:
        """Try for the lock once, on this leader's own connection (kept between tries)."""
        assert isinstance(self.database, PostgresqlDatabase)
        if self._lock_db is None:
            lock_db = PostgresqlDatabase(self.database.database,
                                         **self.database.connect_params)
            lock_db.connect()
            self._lock_db = lock_db
        taken = bool(self._lock_db.execute_sql("SELECT pg_try_advisory_lock(%s)",
                                                (LOCK_KEY,)).fetchone()[0])
        if taken:
            _holding.set()
            log.warning("forwarding lock taken by process %d", os.getpid())
        return taken

    def _still_held(self) -> bool:
        """The lock's session is alive (a broken connection has lost the lock)."""
        if self._lock_db is None:
            return False
        try:
            self._lock_db.execute_sql("SELECT 1").fetchone()
        except Exception as error:
            log.warning("forwarding lock lost by process %d: %s", os.getpid(), error)
            return False
        return True

    def _record(self) -> None:
        value = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                            "since": int(time.time())})
        with self.database.connection_context(), self.database.atomic():
            upsert(HubState, key=HOLDER, value=value)

    def _forward_while(self, held: Callable[[], bool]) -> None:
        forwarder = self.make_forwarder()
        thread = threading.Thread(target=forwarder.run, name="forwarder", daemon=True)
        thread.start()
        try:
            while not self.stop.is_set() and thread.is_alive() and held():
                self.stop.wait(self.retry)
        finally:
            forwarder.stop.set()
            forwarder.wake.set()
            thread.join()

    def _release(self) -> None:
        _holding.clear()
        lock_db, self._lock_db = self._lock_db, None
        if lock_db is not None:
            try:
                lock_db.close()  # ends the session: the lock is freed with it
            except Exception as error:
                log.warning("forwarding lock connection not closed: %s", error)
