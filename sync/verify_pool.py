"""Verify many envelopes' signatures on every core.

Ed25519 in ``cryptography`` releases the GIL while it verifies, so threads
verify as fast as processes.  A batch's signatures are checked here, in
chunks, on one thread pool shared by the whole process (one thread per CPU,
created on first use); the caller then walks the outcomes in log order, so
which error is reported, and for which event, does not change.

Pure: no database, no hub or station state; the checks themselves are
``sync.envelope.verify_envelope``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

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


def verify_all(pairs: Sequence[tuple[Envelope, object]]) -> list[Outcome]:
    """For each (envelope, public key), in order: None when the key signed the envelope,
    else the error ``verify_envelope`` raised (not raised here: the caller decides, in
    log order, what an event that does not verify with this key means)."""
    if len(pairs) < INLINE_BELOW or threads() < 2:
        return _chunk(pairs)
    size = max(INLINE_BELOW // 2, -(-len(pairs) // (threads() * CHUNKS_PER_THREAD)))
    chunks = [pairs[start:start + size] for start in range(0, len(pairs), size)]
    outcomes: list[Outcome] = []
    for part in _shared_pool().map(_chunk, chunks):
        outcomes.extend(part)
    return outcomes
