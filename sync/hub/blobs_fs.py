"""A hub's materials in a folder on its own disk (the default ``BlobStore``).

Layout under ``root``: a finished material at ``ab/cd/<address>`` (the first two
pairs of hex digits of its address), the parts of an upload in progress at
``uploads/<address>/<offset>``.  Every file is written to a temporary name in its
own folder, fsynced, renamed into place and the folder fsynced, so after a crash
(power cut, kill -9) a name holds either the whole file or nothing.  A material is
only ever renamed into place after its SHA-256 was checked against its address.

Several processes may share one root (hub workers on one machine): names are
unique per writer until the rename, and a rename onto an existing finished
material replaces identical bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, BinaryIO

from keys.atomic import TEMP_SUFFIX, fsync_directory, temp_prefix, write_atomic
from sync import storage
from sync.hub.blobs import BlobMissing, BlobStoreUnavailable

UPLOADS = "uploads"
BLOCK = 1 << 20
HEX = frozenset("0123456789abcdef")


def _is_address(name: str) -> bool:
    return len(name) == 64 and all(c in HEX for c in name)


class FilesystemStore:
    """Materials as files under ``root``, content addressed."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.label = f"file://{self.root.resolve()}"

    # -- where things are ------------------------------------------------------

    def path_of(self, address: str) -> Path:
        return self.root / address[:2] / address[2:4] / address

    def _parts(self, address: str) -> Path:
        return self.root / UPLOADS / address

    def _unavailable(self, error: OSError) -> BlobStoreUnavailable:
        reason = storage.refuses_writes(error) or error.strerror or str(error)
        return BlobStoreUnavailable(self.label, reason)

    # -- writing -------------------------------------------------------------------

    def _write(self, target: Path, data: bytes) -> None:
        """``data`` under ``target``: temp file, fsync, rename, fsync of the folder."""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
        except OSError as error:
            raise self._unavailable(error) from None

    def _stream_in(self, address: str, blocks: Iterable[bytes], size: int | None) -> bool:
        """Write ``blocks`` to a temp file beside the material, hashing as it goes, and
        rename it into place only if their SHA-256 is ``address`` (and their length
        ``size``, if given).  OSError goes to the caller."""
        target = self.path_of(address)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=temp_prefix(target),
                                             suffix=TEMP_SUFFIX)
        try:
            digest, length = hashlib.sha256(), 0
            with os.fdopen(handle, "wb") as out:
                for block in blocks:
                    digest.update(block)
                    length += len(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != address or (size is not None and length != size):
                return False
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)
        fsync_directory(target.parent)
        return True

    def put(self, address: str, data: bytes) -> None:
        if self.has(address):
            return
        self._write(self.path_of(address), data)

    def put_part(self, address: str, offset: int, data: bytes) -> None:
        self._write(self._parts(address) / str(offset), data)

    def import_stream(self, address: str, source: IO[bytes], size: int | None = None) -> bool:
        """Copy a material from ``source`` (streaming, hashing as it goes); True when its
        SHA-256 equals ``address`` (and its size ``size``, if given) and it is now held,
        False when it does not (nothing is kept).  For restores and migrations."""
        try:
            return self._stream_in(address, iter(lambda: source.read(BLOCK), b""), size)
        except OSError as error:
            raise self._unavailable(error) from None

    def finish(self, address: str, total: int) -> bool:
        folder = self._parts(address)
        try:
            offsets = sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit()) \
                if folder.is_dir() else []
        except OSError as error:
            raise self._unavailable(error) from None
        if not offsets:
            return self.has(address)  # another writer finished it meanwhile
        try:
            ok = self._stream_in(address, _joined(folder, offsets, total), total)
        except FileNotFoundError:
            ok = self.has(address)  # the parts went: another writer finished it
        except OSError as error:
            raise self._unavailable(error) from None
        self.discard(address)
        return ok

    def discard(self, address: str) -> None:
        folder = self._parts(address)
        if not folder.exists():
            return
        try:
            shutil.rmtree(folder, ignore_errors=True)
            fsync_directory(folder.parent)
        except OSError as error:
            raise self._unavailable(error) from None

    # -- reading ---------------------------------------------------------------------

    def read(self, address: str, start: int, length: int) -> bytes:
        try:
            with self.path_of(address).open("rb") as handle:
                handle.seek(start)
                return handle.read(length)
        except FileNotFoundError:
            raise BlobMissing(address) from None
        except OSError as error:
            raise self._unavailable(error) from None

    def open(self, address: str) -> BinaryIO:
        """The finished material as a file, for streaming it whole (backups)."""
        try:
            return self.path_of(address).open("rb")
        except FileNotFoundError:
            raise BlobMissing(address) from None

    def size(self, address: str) -> int:
        try:
            return self.path_of(address).stat().st_size
        except FileNotFoundError:
            raise BlobMissing(address) from None

    def has(self, address: str) -> bool:
        return self.path_of(address).is_file()

    def addresses(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if len(first.name) != 2 or not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                if len(second.name) != 2 or not second.is_dir():
                    continue
                for item in sorted(second.iterdir()):
                    if _is_address(item.name) and item.is_file():
                        yield item.name


def _joined(folder: Path, offsets: list[int], total: int) -> Iterator[bytes]:
    """The parts' bytes in offset order, up to ``total``; a gap or an overlap ends them
    early (the length then differs from ``total``: not the material)."""
    at = 0
    for offset in offsets:
        if offset != at or at >= total:
            return
        with (folder / str(offset)).open("rb") as part:
            while block := part.read(BLOCK):
                yield block
                at += len(block)
