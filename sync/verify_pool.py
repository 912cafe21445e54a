"""Verify many envelopes' signatures on every core.

Ed25519 in ``cryptography`` releases the GIL while it verifies, so threads
verify as fast as processes.  A batch's signatures are checked here, in
chunks, on one thread pool shared by the whole process (one thread per CPU,
created on first use); the caller then walks the outcomes in log order, so
which error is reported, and for which event, does not change.  ``start``
hands one chunk to the pool and returns at once: a hub parses the next chunk
of a push (Python, holding the GIL) while the pool verifies the last.

Pure: no database, no hub or station state; the checks themselves are
``sync.envelope.verify_envelope``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sync.envelope import Envelope, verify_envelope

INLINE_BELOW = 64  # fewer envelopes than this: verified on the caller's thread
CHUNKS_PER_THREAD = 4  # a batch is cut into about this many chunks per thread

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()

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
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


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
    return Pending(_shared_pool().submit(_chunk, pairs))


def verify_all(pairs: Sequence[tuple[Envelope, object]]) -> list[Outcome]:
    """For each (envelope, public key), in order: None when the key signed the envelope,
    else the error ``verify_envelope`` raised (not raised here: the caller decides, in
    log order, what an event that does not verify with this key means)."""
    if len(pairs) < INLINE_BELOW or threads() < 2:
        return _chunk(pairs)
    size = chunk_size(len(pairs))
    chunks = [pairs[start:start + size] for start in range(0, len(pairs), size)]
    outcomes: list[Outcome] = []
    for part in _shared_pool().map(_chunk, chunks):
        outcomes.extend(part)
    return outcomes
