"""Scanned materials: content-addressed, encrypted in chunks (DESIGN.md §3).

A blob's address is an HMAC of its plaintext under a key of this station, so
the same scan stored twice is kept once, and the address reveals nothing to
someone without the key (a plain SHA-256 would let anyone holding a copy of
an ID-card photo prove it is here).  Writing is one pass: the plaintext is
hashed and encrypted into a temp file in ``tmp/``, fsynced, then renamed into
place; a crash leaves at most a temp file of ciphertext, swept on next open, or
a blob nothing refers to, swept once it is old (``station/store/leftovers.py``).
Each chunk is read once, hashed, then encrypted from the same memory, so the
address is of the bytes that were encrypted even if the source file changes.

Reading checks every chunk's tag, truncation, and finally that the
plaintext's HMAC is the address (so two blobs swapped on disk fail).

A filing's pages go through ``put_files``: each page is read, hashed and
encrypted on one thread of a pool shared by the process, ``PAGE_WORKERS`` pages
at once (hashlib and AES-GCM in ``cryptography`` ≥ 50 release the GIL on large
buffers).  More pages than cores are in flight: the scheduler shares the cores
per runnable thread, so a filing keeps its share beside other busy programs.
Each page's thread fsyncs its temp file when the page is written, while other
pages are still being encrypted.  Only when every temp file is on disk are they
renamed into place, in order, and the folder is fsynced once.  Temp files hold
only ciphertext, from the first byte written.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import queue
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from keys.errors import DecryptionFailed
from keys.stream import TAG_LENGTH, StreamEncryptor, iter_decrypt
from station.fileio import fsync_directory

CHUNK_SIZE = 1024 * 1024  # scans are megabytes: fewer, larger AEAD chunks
# Pages stored at once, one thread each (3 MiB of buffers each).  More than the
# cores: under load the scheduler shares the CPU per runnable thread.
PAGE_WORKERS = 8
AAD = b"bianmin-material"

_Buffers = tuple[list[bytearray], bytearray]  # a page's two chunks read, its output
_spare: queue.SimpleQueue[_Buffers] = queue.SimpleQueue()  # kept for the next scan
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _page_pool() -> ThreadPoolExecutor:
    """The pool ``put_files`` stores pages on: shared by the process, its threads
    started on first use and kept (starting them for every filing costs ~1.5 ms)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(PAGE_WORKERS, thread_name_prefix="blob-page")
        return _pool


def _forget_pool() -> None:
    """In a forked child the parent's pool threads are not there: start anew."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


@dataclass(frozen=True)
class StoredBlob:
    address: str
    size: int


@dataclass(frozen=True)
class _Written:
    """A blob encrypted into a temp file, not yet fsynced nor in place."""

    tmp: Path
    address: str
    size: int


def _fill(src: BinaryIO, buffer: bytearray) -> memoryview:
    """Read into ``buffer`` until it is full or the file ends; the part filled."""
    view = memoryview(buffer)
    filled = 0
    readinto = getattr(src, "readinto", None)
    while filled < len(view):
        if readinto is not None:
            got = readinto(view[filled:])
        else:
            data = src.read(len(view) - filled)
            got = len(data)
            view[filled:filled + got] = data
        if not got:
            break
        filled += got
    return view[:filled]


def _take_buffers() -> _Buffers:
    try:
        return _spare.get_nowait()
    except queue.Empty:
        return ([bytearray(CHUNK_SIZE), bytearray(CHUNK_SIZE)],
                bytearray(CHUNK_SIZE + TAG_LENGTH))


def _give_back(buffers: _Buffers) -> None:
    """Keep up to ``PAGE_WORKERS`` sets (3 MiB each) for the next filing: fresh
    megabyte buffers cost page faults."""
    if _spare.qsize() < PAGE_WORKERS:
        _spare.put(buffers)


def _fsync_file(path: Path) -> None:
    # Opened for writing: Windows flushes only a handle that may write.
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(
        self,
        root: Path,
        keys: Mapping[int, bytes],
        current_version: int,
        address_key: bytes,
    ) -> None:
        self.root = root
        self.tmp = root.parent / "tmp"
        self._keys = dict(keys)
        self._version = current_version
        self._address_key = address_key
        # What this session stored: at close, any of it nothing refers to (a filing that
        # failed after storing its pages) makes the next open sweep (open_markers.py).
        self.stored_here: set[str] = set()
        for folder in (self.root, self.tmp):
            if not folder.exists():
                folder.mkdir(parents=True)
                fsync_directory(folder.parent)

    def sweep_temp(self) -> int:
        """Remove temp files a crash left behind (they hold only ciphertext)."""
        removed = 0
        for leftover in self.tmp.glob("blob-*"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def path_of(self, address: str) -> Path:
        # One flat folder: ext4 and NTFS index large folders, and one folder
        # means one fsync per filing instead of one per page.
        return self.root / address

    def put_file(self, path: Path, sync_folder: bool = True) -> StoredBlob:
        with path.open("rb") as src:
            return self.put(src, sync_folder)

    def put_files(self, paths: Sequence[Path]) -> list[StoredBlob]:
        """Store several scans at once (see the module's docstring), then make all
        their names durable; the blobs come back in the order given.  If any page
        fails, no page is placed and every temp file of the batch is removed."""
        pool = _page_pool()
        writing = [pool.submit(self._write_synced, path) for path in paths]
        try:
            written = [future.result() for future in writing]
        except BaseException:
            for future in writing:
                future.cancel()
            wait(writing)
            for future in writing:
                if not future.cancelled() and future.exception() is None:
                    future.result().tmp.unlink(missing_ok=True)
            raise
        stored = []
        try:
            for done in written:
                stored.append(self._place(done))
        except BaseException:
            for rest in written[len(stored):]:
                rest.tmp.unlink(missing_ok=True)
            raise
        if stored:
            fsync_directory(self.root)
        return stored

    def put(self, src: BinaryIO, sync_folder: bool = True) -> StoredBlob:
        written = self._write(src)
        try:
            _fsync_file(written.tmp)
            placed = self._place(written)
        except BaseException:
            written.tmp.unlink(missing_ok=True)
            raise
        if sync_folder:
            fsync_directory(self.root)
        return placed

    def _write_synced(self, path: Path) -> _Written:
        """One page of ``put_files``, on a pool thread: written and fsynced."""
        with path.open("rb", buffering=0) as src:
            written = self._write(src)
        try:
            _fsync_file(written.tmp)
        except BaseException:
            written.tmp.unlink(missing_ok=True)
            raise
        return written

    def _write(self, src: BinaryIO) -> _Written:
        """Hash and encrypt ``src`` into a new temp file (written, not fsynced).

        Each chunk is read once, into one of two buffers kept for the next scan,
        hashed, and encrypted from the same memory into a third, from which it is
        written.  The next chunk is read before this one is encrypted, to know
        which is the last."""
        mac = hmac.new(self._address_key, digestmod=hashlib.sha256)
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix="blob-", dir=self.tmp)
        tmp_path = Path(tmp_name)
        buffers = _take_buffers()
        ring, out = buffers
        try:
            with os.fdopen(fd, "wb", buffering=0) as dst:
                encryptor = StreamEncryptor(
                    self._keys[self._version], self._version, dst, AAD, CHUNK_SIZE
                )
                slot = 0
                chunk: memoryview | None = _fill(src, ring[slot])
                while chunk is not None:
                    mac.update(chunk)
                    slot ^= 1
                    following = _fill(src, ring[slot]) if len(chunk) == CHUNK_SIZE else None
                    last = not following
                    encryptor.write_chunk(chunk, last, out)
                    size += len(chunk)
                    chunk = None if last else following
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
        _give_back(buffers)
        return _Written(tmp_path, mac.hexdigest(), size)

    def _place(self, written: _Written) -> StoredBlob:
        """Rename a fsynced temp file to its address (the caller fsyncs the folder)."""
        self.stored_here.add(written.address)
        final = self.path_of(written.address)
        if final.exists():
            written.tmp.unlink()
            # Young again: the leftover sweep keeps it while this filing commits.
            os.utime(final)
        else:
            os.replace(written.tmp, final)
        return StoredBlob(written.address, written.size)

    def remove(self, address: str) -> None:
        """Delete a blob nothing refers to any more (the caller checked)."""
        self.path_of(address).unlink(missing_ok=True)

    def iter_plaintext(self, address: str) -> Iterator[bytes]:
        """Yield the plaintext in chunks; raise DecryptionFailed on any damage."""
        what = f"材料 {address[:12]}"
        mac = hmac.new(self._address_key, digestmod=hashlib.sha256)
        with self.path_of(address).open("rb") as src:
            for chunk in iter_decrypt(self._keys, src, AAD, what):
                mac.update(chunk)
                yield chunk
        if not hmac.compare_digest(mac.hexdigest(), address):
            raise DecryptionFailed(what=what)

    def read(self, address: str) -> bytes:
        return b"".join(self.iter_plaintext(address))
