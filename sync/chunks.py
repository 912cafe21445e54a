"""Resumable material upload, tus-like: the hub keeps an offset, the client resumes there.

Pure: the client plans chunks from an offset it got from the hub; the hub
decides about each chunk from the offset it holds.  A chunk at the wrong
offset gets ``WrongOffset`` (HTTP 409) naming the hub's offset, so a client
that lost its connection loses at most the one chunk that was in flight.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sync.errors import UploadOffsetInvalid

CHUNK = 1 << 20  # 1 MiB: small enough to resend over a weak village link
# A pipelined upload (sync/client.py) keeps up to DEPTH parts of PART bytes sent and not
# yet answered on one connection, so the link never waits for an answer, and a cut still
# costs at most one CHUNK: PART * DEPTH == CHUNK.
PART = CHUNK // 4
DEPTH = CHUNK // PART
MAX_MATERIAL = 64 << 20  # hard cap per material, whatever the client declares


def chunk_plan(size: int, offset: int, chunk: int = CHUNK) -> list[tuple[int, int]]:
    """(start, length) of every chunk still to send, from ``offset`` to ``size``."""
    if not 0 <= offset <= size:
        raise UploadOffsetInvalid(offset=offset, size=size)
    return [(start, min(chunk, size - start)) for start in range(offset, size, chunk)]


@dataclass(frozen=True)
class Appended:
    new_offset: int


@dataclass(frozen=True)
class Complete:
    """The last byte arrived: the material is whole (its address is checked by the caller)."""

    total: int


@dataclass(frozen=True)
class WrongOffset:
    """409: the hub holds ``expected_offset`` bytes; resume from there."""

    expected_offset: int


@dataclass(frozen=True)
class BadChunk:
    """The chunk's SHA-256 does not match: nothing stored, send it again."""


@dataclass(frozen=True)
class TooLarge:
    """The chunk would pass ``limit`` (the declared total or ``MAX_MATERIAL``)."""

    limit: int


ChunkResult = Appended | Complete | WrongOffset | BadChunk | TooLarge


def accept_chunk(expected_offset: int, offset: int, data: bytes, sha256_hex: str,
                 total: int) -> ChunkResult:
    """The hub's decision about one chunk; the shell appends ``data`` on Appended/Complete."""
    if total > MAX_MATERIAL:
        return TooLarge(MAX_MATERIAL)
    if offset != expected_offset:
        return WrongOffset(expected_offset)
    end = offset + len(data)
    if end > total:
        return TooLarge(total)
    if hashlib.sha256(data).hexdigest() != sha256_hex.lower():
        return BadChunk()
    return Complete(total) if end == total else Appended(end)
