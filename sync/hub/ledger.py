"""A signed request's bookkeeping, written in the request's own transaction.

Every genuine signed request leaves three records: its nonce (the replay memory,
``HubNonce``), its line in the sync log (``HubSession``) and the peer's
``last_seen`` (``HubPeer``).  Written one by one they took the database's write lock
four or five times per request (a DELETE of expired nonces, the nonce INSERT, the
handler's transaction, the session row, last_seen): on a busy hub about half of its
CPU per station.  Here they share one transaction with the handler's own writes:

* ``sync.httpsig.verify_request`` asks the nonce store last; ``Ledger.check`` looks
  the nonce up (a read: a replay sent after the first copy is refused at once, before
  any work) and notes the request as this thread's ``Entry``.
* The handler's first ``HubService.write()`` opens the request's transaction and
  inserts the nonce as its first statement; the handler's own blocks are savepoints
  inside it.  A request that writes nothing gets the transaction when it answers.
* When the answer is made (``Auth.process_response``), the session row and, when it is
  old enough, last_seen go into the same transaction, and it commits before a byte of
  the answer is sent: a receipt still names only events that are on disk.

The replay guarantee is the database's, never a process's memory: the nonce's primary
key refuses a second copy, so of two copies racing on two threads or two processes
(several hub processes on one PostgreSQL database) exactly one commits; the other's
transaction is rolled back whole and it is answered RequestReplayed.

Expired nonces are deleted in one statement at most every ``PURGE_EVERY`` seconds per
process; ``last_seen`` is written at most every ``SEEN_EVERY`` seconds per peer and
process (the screens and the audit that read it show minutes and days).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from peewee import Database, IntegrityError, fn

from sync.errors import ReplayCacheFull, RequestReplayed
from sync.hub.models import HubNonce

PURGE_EVERY = 60.0  # seconds between two deletions of expired nonces, per process
SEEN_EVERY = 60.0  # a peer's last_seen is written again once it is this old, per process
PER_NODE = 20_000  # live nonces one key id may hold (ReplayCacheFull beyond)


@dataclass
class Entry:
    """One genuine signed request whose nonce is not yet written."""

    key_id: str
    nonce: str
    expires: int
    transaction: Any = None  # the request's open transaction (peewee's atomic context)
    replayed: bool = False  # its nonce was found held: refused, nothing of it is kept


class Ledger:
    """The replay memory and the per-request bookkeeping of one hub process."""

    def __init__(self, db: Database, begin: Callable[[], Any], per_node: int = PER_NODE) -> None:
        self.db = db
        self.begin = begin  # a new top-level write transaction (HubService's)
        self.per_node = per_node
        # Plain SQL, made once: building peewee queries cost more CPU than running them.
        p, table = db.param, HubNonce._meta.table_name
        self._check_sql = (
            f"SELECT COALESCE(SUM(CASE WHEN expires >= {p} THEN 1 ELSE 0 END), 0),"
            f" COALESCE(MAX(CASE WHEN nonce = {p} THEN 1 ELSE 0 END), 0)"
            f" FROM {table} WHERE key_id = {p}")
        self._insert_sql = f"INSERT INTO {table} (key_id, nonce, expires) VALUES ({p}, {p}, {p})"
        self._purge_sql = f"DELETE FROM {table} WHERE expires < {p}"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._purged = float("-inf")  # the first commit purges
        self._seen: dict[str, float] = {}  # peer -> monotonic time last_seen was written

    def current(self) -> Entry | None:
        """The signed request this thread is answering, if its bookkeeping is pending."""
        entry: Entry | None = getattr(self._local, "entry", None)
        return entry

    # -- while verifying -----------------------------------------------------

    def check(self, key_id: str, nonce: str, expires: int, now: int) -> bool:
        """True when the nonce is held already (a replay); ReplayCacheFull when the key id
        holds ``per_node`` live nonces.  Otherwise the request becomes this thread's
        entry; its nonce is written with its first write (``open``)."""
        live, held = self.db.execute_sql(self._check_sql, (now, nonce, key_id)).fetchone()
        if held:
            return True
        if int(live) >= self.per_node:
            oldest = (HubNonce.select(fn.MIN(HubNonce.expires))
                      .where((HubNonce.key_id == key_id) & (HubNonce.expires >= now)).scalar())
            raise ReplayCacheFull(count=self.per_node,
                                  retry_after=max(1, int(oldest or now) - now + 1))
        self.close()  # a previous request's leftovers on this thread, if any
        self._local.entry = Entry(key_id, nonce, expires)
        return False

    # -- the request's transaction -----------------------------------------------

    def open(self, entry: Entry) -> None:
        """Begin the request's transaction and write its nonce first; RequestReplayed
        (everything rolled back) when another copy of the request wrote it first."""
        if entry.replayed:
            raise RequestReplayed(key_id=entry.key_id, nonce=entry.nonce)
        if entry.transaction is not None:
            return
        transaction = self.begin()
        transaction.__enter__()
        try:
            self.db.execute_sql(self._insert_sql, (entry.key_id, entry.nonce, entry.expires))
        except IntegrityError as error:
            transaction.__exit__(type(error), error, None)  # rolls back
            entry.replayed = True
            raise RequestReplayed(key_id=entry.key_id, nonce=entry.nonce) from None
        except BaseException as error:
            transaction.__exit__(type(error), error, None)
            raise
        entry.transaction = transaction

    def commit(self, entry: Entry) -> None:
        """Delete expired nonces when it is time, then commit the request's transaction
        (a failed commit is rolled back and raised)."""
        transaction, entry.transaction = entry.transaction, None
        if transaction is None:
            return
        try:
            if self._purge_due():
                self.db.execute_sql(self._purge_sql, (int(time.time()),))
        except BaseException as error:
            transaction.__exit__(type(error), error, None)
            raise
        transaction.__exit__(None, None, None)

    def close(self) -> None:
        """Forget this thread's entry; a transaction still open is rolled back."""
        entry = self.current()
        self._local.entry = None
        if entry is not None and entry.transaction is not None:
            transaction, entry.transaction = entry.transaction, None
            transaction.__exit__(RuntimeError, RuntimeError("not committed"), None)

    # -- when to write what ------------------------------------------------------

    def seen_due(self, peer: str) -> bool:
        """Whether ``peer``'s last_seen should be written now (and note that it is)."""
        now = time.monotonic()
        with self._lock:
            last = self._seen.get(peer)
            if last is not None and now - last < SEEN_EVERY:
                return False
            if len(self._seen) >= 100_000:
                self._seen.clear()
            self._seen[peer] = now
            return True

    def _purge_due(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._purged < PURGE_EVERY:
                return False
            self._purged = now
            return True
