"""Scanned materials: content-addressed, encrypted in chunks (DESIGN.md §3).

A blob's address is an HMAC of its plaintext under a key of this station, so
the same scan stored twice is kept once, and the address reveals nothing to
someone without the key (a plain SHA-256 would let anyone holding a copy of
an ID-card photo prove it is here).  Writing is one pass: the plaintext is
hashed and encrypted into a temp file in ``tmp/``, fsynced, then renamed into
place; a crash leaves at most a temp file of ciphertext, swept on next open.
Reading checks every chunk's tag, truncation, and finally that the
plaintext's HMAC is the address (so two blobs swapped on disk fail).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from keys.errors import DecryptionFailed
from keys.stream import StreamEncryptor, iter_decrypt
from station.fileio import fsync_directory

READ_SIZE = 1024 * 1024
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
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def sweep_temp(self) -> int:
        """Remove temp files a crash left behind (they hold only ciphertext)."""
        removed = 0
        for leftover in self.tmp.glob("blob-*"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def path_of(self, address: str) -> Path:
        return self.root / address[:2] / address[2:4] / address

    def put_file(self, path: Path) -> StoredBlob:
        with path.open("rb") as src:
            return self.put(src)

    def put(self, src: BinaryIO) -> StoredBlob:
        mac = hmac.new(self._address_key, digestmod=hashlib.sha256)
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix="blob-", dir=self.tmp)
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as dst:
                encryptor = StreamEncryptor(self._keys[self._version], self._version, dst, AAD)
                while chunk := src.read(READ_SIZE):
                    mac.update(chunk)
                    encryptor.write(chunk)
                    size += len(chunk)
                encryptor.finish()
                dst.flush()
                os.fsync(dst.fileno())
            address = mac.hexdigest()
            final = self.path_of(address)
            if final.exists():
                tmp_path.unlink()
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_path, final)
                fsync_directory(final.parent)
            return StoredBlob(address, size)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise

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
