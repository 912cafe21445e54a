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
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from keys.errors import DecryptionFailed
from keys.stream import StreamEncryptor, iter_decrypt
from station.fileio import fsync_directory

READ_SIZE = 1024 * 1024
CHUNK_SIZE = 1024 * 1024  # scans are megabytes: fewer, larger AEAD chunks
HASH_AHEAD = 4  # chunks the hashing thread may lag behind
PAGE_WORKERS = 2
AAD = b"bianmin-material"


@dataclass(frozen=True)
class StoredBlob:
    address: str
    size: int


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
        """Store several scans, two at a time (one's fsync overlaps the other's
        hashing and encryption), then make all their names durable at once."""
        with ThreadPoolExecutor(PAGE_WORKERS) as pool:
            stored = list(pool.map(lambda p: self.put_file(p, sync_folder=False), paths))
        if stored:
            fsync_directory(self.root)
        return stored

    def put(self, src: BinaryIO, sync_folder: bool = True) -> StoredBlob:
        mac = hmac.new(self._address_key, digestmod=hashlib.sha256)
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix="blob-", dir=self.tmp)
        tmp_path = Path(tmp_name)
        try:
            with ThreadPoolExecutor(1) as hasher, os.fdopen(fd, "wb", buffering=0) as dst:
                encryptor = StreamEncryptor(
                    self._keys[self._version], self._version, dst, AAD, CHUNK_SIZE
                )
                hashing: deque[Future[None]] = deque()
                while chunk := src.read(READ_SIZE):
                    hashing.append(hasher.submit(mac.update, chunk))
                    if len(hashing) > HASH_AHEAD:
                        hashing.popleft().result()
                    encryptor.write(chunk)
                    size += len(chunk)
                encryptor.finish()
                for pending in hashing:
                    pending.result()
                os.fsync(dst.fileno())
            address = mac.hexdigest()
            self.stored_here.add(address)
            final = self.path_of(address)
            if final.exists():
                tmp_path.unlink()
                # Young again: the leftover sweep keeps it while this filing commits.
                os.utime(final)
            else:
                os.replace(tmp_path, final)
                if sync_folder:
                    fsync_directory(self.root)
            return StoredBlob(address, size)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise

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
