"""Verify many envelopes' signatures on every core.

Ed25519 in ``cryptography`` releases the GIL while it verifies, so threads
verify as fast as processes.  A batch's signatures are checked here, in
chunks, on one thread pool shared by the whole process (one thread per CPU,
created on first use); the caller then walks the outcomes in log order, so
which error is reported, and for which event, does not change.  ``start``
hands one chunk to the pool and returns at once: a hub parses the next chunk
of a push (Python, holding the GIL) while the pool verifies the last.

While chunks are on the pool, the interpreter's switch interval is cut to
``SWITCH_INTERVAL`` (and put back when the last is done).  A pool thread needs
the GIL back after every verify; it asks the thread holding it to let go only
after the switch interval (5 ms by default), so while the caller parses and
stages in Python a pool thread would verify about one envelope per 5 ms, and
the batch's signatures were left for the caller to wait for at the end.

Pure: no database, no hub or station state; the checks themselves are
``sync.envelope.verify_envelope``.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sync.envelope import Envelope, verify_envelope

INLINE_BELOW = 64  # fewer envelopes than this: verified on the caller's thread
CHUNKS_PER_THREAD = 4  # a batch is cut into about this many chunks per thread
SWITCH_INTERVAL = 0.0005  # seconds: the switch interval while chunks are on the pool

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_on_pool = 0  # chunks handed to the pool and not yet verified
_interval_before: float | None = None  # the switch interval to put back (None: not cut)
_on_pool_lock = threading.Lock()

Outcome = Exception | None  # None: the signature verified


def threads() -> int:
    """How many threads the shared pool has: one per CPU."""
    return os.cpu_count() or 1


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(threads(), thread_name_prefix="verify")
        return _pool


def _forget_pool() -> None:
    """In a forked child (a hub worker process): the parent's pool threads are not
    here, so start a pool of its own when first needed."""
    global _pool, _pool_lock, _on_pool, _on_pool_lock
    _pool, _pool_lock = None, threading.Lock()
    _on_pool, _on_pool_lock = 0, threading.Lock()  # the parent's chunks are not here
    _put_back_interval()


def _count_on_pool(change: int) -> None:
    """Count chunks onto (+1) and off (-1) the pool; cut the switch interval while any
    is on it, put it back after the last."""
    global _on_pool, _interval_before
    with _on_pool_lock:
        _on_pool += change
        if _on_pool == 1 and change > 0 and _interval_before is None:
            interval = sys.getswitchinterval()
            if interval > SWITCH_INTERVAL:
                _interval_before = interval
                sys.setswitchinterval(SWITCH_INTERVAL)
        elif _on_pool == 0:
            _put_back_interval()


def _put_back_interval() -> None:
    global _interval_before
    if _interval_before is not None:
        sys.setswitchinterval(_interval_before)
        _interval_before = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _outcome(envelope: Envelope, key: object) -> Outcome:
    try:
        verify_envelope(envelope, key)
    except Exception as error:  # any error: the caller raises it in log order, as before
        return error
    return None


def _chunk(pairs: Sequence[tuple[Envelope, object]]) -> list[Outcome]:
    return [_outcome(envelope, key) for envelope, key in pairs]


def _pooled_chunk(pairs: Sequence[tuple[Envelope, object]]) -> list[Outcome]:
    """``_chunk`` on a pool thread, counted off the pool when done."""
    try:
        return _chunk(pairs)
    finally:
        _count_on_pool(-1)


def _submit(pool: ThreadPoolExecutor, pairs: Sequence[tuple[Envelope, object]]
            ) -> Future[list[Outcome]]:
    _count_on_pool(+1)
    try:
        return pool.submit(_pooled_chunk, pairs)
    except BaseException:  # not handed over (the pool shut down): not on it
        _count_on_pool(-1)
        raise


def chunk_size(count: int) -> int:
    """How many envelopes of a batch of ``count`` go into one chunk on the pool."""
    return max(INLINE_BELOW // 2, -(-count // (threads() * CHUNKS_PER_THREAD)))


class Pending:
    """The outcomes of one chunk handed to the pool by ``start`` (or already known)."""

    def __init__(self, future: Future[list[Outcome]] | None,
                 outcomes: list[Outcome] | None = None) -> None:
        self._future = future
        self._outcomes = outcomes

    def outcomes(self) -> list[Outcome]:
        """Waits for the chunk; the outcome of each pair, in order (as ``verify_all``)."""
        if self._outcomes is None:
            assert self._future is not None
            self._outcomes = self._future.result()
        return self._outcomes


def start(pairs: Sequence[tuple[Envelope, object]], inline: bool = False) -> Pending:
    """Start verifying one chunk on the pool and return at once, so the caller can parse
    the next chunk meanwhile (verified on the caller's thread when ``inline`` or when
    there is one CPU)."""
    if inline or threads() < 2:
        return Pending(None, _chunk(pairs))
    return Pending(_submit(_shared_pool(), pairs))


def verify_all(pairs: Sequence[tuple[Envelope, object]]) -> list[Outcome]:
    """For each (envelope, public key), in order: None when the key signed the envelope,
    else the error ``verify_envelope`` raised (not raised here: the caller decides, in
    log order, what an event that does not verify with this key means)."""
    if len(pairs) < INLINE_BELOW or threads() < 2:
        return _chunk(pairs)
    size = chunk_size(len(pairs))
    chunks = [pairs[start:start + size] for start in range(0, len(pairs), size)]
    pool = _shared_pool()
    futures = [_submit(pool, chunk) for chunk in chunks]
    outcomes: list[Outcome] = []
    try:
        for future in futures:
            outcomes.extend(future.result())
    finally:  # as Executor.map: chunks not started when one failed are not run
        for future in futures:
            if future.cancel():
                _count_on_pool(-1)
    return outcomes
