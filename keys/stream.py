"""Streaming AEAD for scanned materials, in the style of age's STREAM.

Format 1::

    header = b"BMS1" | key_version (4, BE) | chunk_size (4, BE) | salt (16 random bytes)
    chunk i = AES-256-GCM(file_key, nonce_i, plaintext_i, aad = header || caller_aad)
    nonce_i = i (11 bytes, BE) | 0x01 on the final chunk, else 0x00
    file_key = HKDF-SHA256(material key, salt, "bianmin-station/material-stream/v1")

Every chunk but the last holds exactly ``chunk_size`` plaintext bytes; the last
holds 1 to ``chunk_size`` bytes, or 0 only when the whole material is empty,
so each plaintext has exactly one encoding.  The counter in the nonce catches
reordered, duplicated or dropped chunks; the final flag catches truncation,
including a cut exactly at a chunk boundary (StreamTruncated).  The per-file
key from a random salt means counters never repeat under one key.

Chunks are released as they verify: a consumer must treat the output as
provisional until iteration ends without an error.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator, Mapping
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keys.errors import DecryptionFailed, StreamTruncated

MAGIC = b"BMS1"
SALT_LENGTH = 16
TAG_LENGTH = 16
DEFAULT_CHUNK_SIZE = 64 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
_HEADER = struct.Struct(">4sII16s")
HEADER_LENGTH = _HEADER.size
_MAX_CHUNKS = 2**88
_INFO = b"bianmin-station/material-stream/v1"


def _file_aead(key: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO)
    return AESGCM(hkdf.derive(key))


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class StreamEncryptor:
    """Encrypts a material written in pieces of any size; call ``finish()`` at the end.

    A stream without ``finish()`` reads back as truncated, never as complete.
    """

    def __init__(
        self,
        key: bytes,
        key_version: int,
        dst: BinaryIO,
        aad: bytes = b"",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        *,
        randbytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        """``randbytes`` supplies the salt; only tests building frozen vectors replace it."""
        if len(key) != 32:
            raise ValueError("a material key is 32 bytes")
        if not 0 <= key_version < 2**32:
            raise ValueError("key_version must fit in 4 bytes")
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk_size must be 1 to {MAX_CHUNK_SIZE}")
        salt = randbytes(SALT_LENGTH)
        header = _HEADER.pack(MAGIC, key_version, chunk_size, salt)
        self._aead = _file_aead(key, salt)
        self._aad = header + bytes(aad)
        self._dst = dst
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._counter = 0
        self._finished = False
        self.plaintext_size = 0
        dst.write(header)

    def write(self, data: bytes) -> None:
        """Buffer ``data``; emit every chunk known not to be the last."""
        if self._finished:
            raise ValueError("write after finish")
        view = memoryview(data).cast("B")
        total = len(view)
        self.plaintext_size += total
        size = self._chunk_size
        buffer = self._buffer
        pos = 0
        if buffer:
            need = size - len(buffer)
            if total <= need:
                buffer += view
                return
            buffer += view[:need]
            pos = need
            self._emit(buffer, last=False)
            buffer.clear()
        # A full chunk is held back until more data shows it is not the last one.
        while total - pos > size:
            self._emit(view[pos : pos + size], last=False)
            pos += size
        buffer += view[pos:]

    def write_chunk(self, chunk: bytes | bytearray | memoryview, last: bool,
                    out: bytearray) -> None:
        """Encrypt one whole chunk through ``out`` (a reused buffer of at least
        ``len(chunk) + TAG_LENGTH`` bytes) and write it: the same bytes as ``write``
        and ``finish`` give, for a caller that cuts its own chunks and knows which is
        the last (every chunk but the last holds exactly ``chunk_size`` bytes; the last
        1 to ``chunk_size``, 0 only when it is the only one).  Nothing is copied."""
        if self._finished:
            raise ValueError("write after finish")
        if self._buffer:
            raise ValueError("write_chunk after a partial write")
        size = len(chunk)
        if size > self._chunk_size or (not last and size != self._chunk_size) or (
                last and size == 0 and self._counter):
            raise ValueError("a chunk must be whole (or the last one)")
        if self._counter >= _MAX_CHUNKS:
            raise ValueError("material too large for one stream")
        view = memoryview(out)[:size + TAG_LENGTH]
        self._aead.encrypt_into(_nonce(self._counter, last), chunk, self._aad, view)
        while view:  # a raw file may take part of a write
            view = view[self._dst.write(view):]
        self._counter += 1
        self.plaintext_size += size
        if last:
            self._finished = True

    def finish(self) -> None:
        """Emit the final chunk (empty only if nothing was written)."""
        if self._finished:
            raise ValueError("finish called twice")
        self._emit(self._buffer, last=True)
        self._buffer = bytearray()
        self._finished = True

    def _emit(self, chunk: bytes | bytearray | memoryview, last: bool) -> None:
        if self._counter >= _MAX_CHUNKS:
            raise ValueError("material too large for one stream")
        self._dst.write(self._aead.encrypt(_nonce(self._counter, last), chunk, self._aad))
        self._counter += 1


def encrypt_stream(
    key: bytes,
    key_version: int,
    src: BinaryIO,
    dst: BinaryIO,
    aad: bytes = b"",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    randbytes: Callable[[int], bytes] = os.urandom,
) -> int:
    """Encrypt all of ``src`` into ``dst``; returns the plaintext size."""
    encryptor = StreamEncryptor(key, key_version, dst, aad, chunk_size, randbytes=randbytes)
    read_size = max(chunk_size, 1024 * 1024)
    while data := src.read(read_size):
        encryptor.write(data)
    encryptor.finish()
    return encryptor.plaintext_size


def _read_exact(src: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes; fewer only at end of file."""
    data = src.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    missing = size - len(data)
    while missing:
        more = src.read(missing)
        if not more:
            break
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)


def iter_decrypt(
    keys: Mapping[int, bytes], src: BinaryIO, aad: bytes = b"", what: str = "材料"
) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk, each after its tag checks.

    DecryptionFailed on any alteration or unknown key version; StreamTruncated
    when the stream ends before its final chunk.
    """
    header = _read_exact(src, HEADER_LENGTH)
    if len(header) < HEADER_LENGTH:
        raise StreamTruncated(what=what)
    magic, key_version, chunk_size, salt = _HEADER.unpack(header)
    key = keys.get(key_version)
    if magic != MAGIC or key is None or not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise DecryptionFailed(what=what)
    aead = _file_aead(key, salt)
    full_aad = header + bytes(aad)
    block = chunk_size + TAG_LENGTH
    counter = 0
    current = _read_exact(src, block)
    while True:
        following = _read_exact(src, block) if len(current) == block else b""
        if following:
            yield _open(aead, counter, current, False, full_aad, what)
            current = following
            counter += 1
            continue
        yield _open_final(aead, counter, current, block, full_aad, what)
        return


def _open(aead: AESGCM, counter: int, sealed: bytes, last: bool, aad: bytes, what: str) -> bytes:
    try:
        return aead.decrypt(_nonce(counter, last), sealed, aad)
    except InvalidTag:
        raise DecryptionFailed(what=what) from None


def _open_final(
    aead: AESGCM, counter: int, sealed: bytes, block: int, aad: bytes, what: str
) -> bytes:
    if len(sealed) < TAG_LENGTH:
        raise StreamTruncated(what=what)
    try:
        plaintext = aead.decrypt(_nonce(counter, True), sealed, aad)
    except InvalidTag:
        if len(sealed) == block:
            # A genuine middle chunk at the very end: the rest was cut off.
            _open(aead, counter, sealed, False, aad, what)
            raise StreamTruncated(what=what) from None
        raise DecryptionFailed(what=what) from None
    if not plaintext and counter > 0:
        raise DecryptionFailed(what=what)
    return plaintext


def decrypt_stream(
    keys: Mapping[int, bytes],
    src: BinaryIO,
    dst: BinaryIO,
    aad: bytes = b"",
    what: str = "材料",
) -> int:
    """Decrypt ``src`` into ``dst``; returns the plaintext size.

    On failure ``dst`` holds a partial plaintext: write to a temp file and
    discard it when this raises.
    """
    total = 0
    for chunk in iter_decrypt(keys, src, aad, what):
        dst.write(chunk)
        total += len(chunk)
    return total
