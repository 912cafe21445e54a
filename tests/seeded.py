"""Deterministic randomness for frozen test vectors."""

from __future__ import annotations

import hashlib


class SeededRandom:
    """Deterministic stand-in for os.urandom: SHAKE-256 of a seed, read in order."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode("utf-8")
        self._used = 0

    def __call__(self, size: int) -> bytes:
        stream = hashlib.shake_256(self._seed).digest(self._used + size)
        self._used += size
        return stream[-size:] if size else b""
