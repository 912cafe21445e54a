"""Scanned materials: content-addressed, encrypted in chunks (DESIGN.md §3).

A blob's address is an HMAC of its plaintext under a key of this station, so
the same scan stored twice is kept once, and the address reveals nothing to
someone without the key (a plain SHA-256 would let anyone holding a copy of
an ID-card photo prove it is here).  Writing is one pass: the plaintext is
hashed and encrypted into a temp file in ``tmp/``, fsynced, then renamed into
place; a crash leaves at most a temp file of ciphertext, swept on next open, or
a blob nothing refers to, swept once it is old (``station/store/leftovers.py``).
The hash runs in a helper thread (hashlib releases the GIL) while this thread
encrypts and writes, so storing a scan costs about what its slower half costs.

Reading checks every chunk's tag, truncation, and finally that the
plaintext's HMAC is the address (so two blobs swapped on disk fail).

A filing's pages go through ``put_files`` on every core: ``PAGE_WORKERS`` pages
are hashed and encrypted at once (AES-GCM in ``cryptography`` ≥ 50 releases the
GIL on large buffers, as hashlib does), and each finished temp file is fsynced
on an I/O thread while the workers go on to the next page, so no core waits on
the disk and concurrent fsyncs share the filesystem's journal commits.  Only
when every temp file is on disk are they renamed into place, and the folder is
fsynced once.  Temp files hold only ciphertext, from the first byte written.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import queue
import tempfile
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from keys.errors import DecryptionFailed
from keys.stream import TAG_LENGTH, StreamEncryptor, iter_decrypt
from station.fileio import fsync_directory

CHUNK_SIZE = 1024 * 1024  # scans are megabytes: fewer, larger AEAD chunks
HASH_AHEAD = 2  # chunks the hashing thread may lag behind
PAGE_WORKERS = max(2, os.cpu_count() or 1)  # pages hashed and encrypted at once
SYNC_WORKERS = 8  # temp files fsynced at once
AAD = b"bianmin-material"

_Buffers = tuple[list[bytearray], bytearray]  # a page worker's ring of chunks, its output
_spare: queue.SimpleQueue[_Buffers] = queue.SimpleQueue()  # kept for the next scan


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
        return ([bytearray(CHUNK_SIZE) for _ in range(HASH_AHEAD + 1)],
                bytearray(CHUNK_SIZE + TAG_LENGTH))


def _give_back(buffers: _Buffers) -> None:
    """Keep up to ``PAGE_WORKERS`` sets (4 MiB each) for the next filing."""
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
        """Store several scans on every core (see the module's docstring), then make
        all their names durable at once; the blobs come back in the order given."""
        pages = ThreadPoolExecutor(PAGE_WORKERS)
        syncs = ThreadPoolExecutor(SYNC_WORKERS)
        writing = [pages.submit(self._write_file, path) for path in paths]
        written: list[_Written] = []
        try:
            synced = []
            for future in writing:
                done = future.result()
                written.append(done)
                synced.append(syncs.submit(_fsync_file, done.tmp))
            for sync in synced:
                sync.result()
        except BaseException:
            pages.shutdown(wait=True, cancel_futures=True)
            syncs.shutdown(wait=True)
            for future in writing:
                if not future.cancelled() and future.exception() is None:
                    future.result().tmp.unlink(missing_ok=True)
            raise
        pages.shutdown()
        syncs.shutdown()
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

    def _write_file(self, path: Path) -> _Written:
        with path.open("rb", buffering=0) as src:
            return self._write(src)

    def _write(self, src: BinaryIO) -> _Written:
        """Hash and encrypt ``src`` into a new temp file (written, not fsynced).

        Each chunk is read once, into one of a few buffers that are kept for the next
        scan (fresh megabyte buffers cost page faults): the hashing thread and AES-GCM
        read the same bytes, so the address is of what was encrypted even if the file
        changes meanwhile, and the ciphertext goes to the file from one more buffer.
        The next chunk is read before this one is encrypted, to know which is last."""
        mac = hmac.new(self._address_key, digestmod=hashlib.sha256)
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix="blob-", dir=self.tmp)
        tmp_path = Path(tmp_name)
        buffers = _take_buffers()
        ring, out = buffers
        try:
            with ThreadPoolExecutor(1) as hasher, os.fdopen(fd, "wb", buffering=0) as dst:
                encryptor = StreamEncryptor(
                    self._keys[self._version], self._version, dst, AAD, CHUNK_SIZE
                )
                hashing: deque[Future[None]] = deque()
                slot = 0
                chunk: memoryview | None = _fill(src, ring[slot])
                while chunk is not None:
                    hashing.append(hasher.submit(mac.update, chunk))
                    slot = (slot + 1) % len(ring)
                    if len(hashing) == len(ring):  # the next slot must be hashed first
                        hashing.popleft().result()
                    following = _fill(src, ring[slot]) if len(chunk) == CHUNK_SIZE else None
                    last = not following
                    encryptor.write_chunk(chunk, last, out)
                    size += len(chunk)
                    chunk = None if last else following
                for pending in hashing:
                    pending.result()
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
