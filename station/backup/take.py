"""``station backup --to FILE``: a consistent, encrypted copy of a running station.

Order matters:

1. the backup is recorded in the chain first (``access.backed_up``), so the copy
   holds its own record and a station restored from it continues from there;
2. the store is copied with SQLite's online backup into memory, in one step: one
   read snapshot while the app (another thread or process) keeps writing;
3. the scans that snapshot refers to, and the travelling copies its events cite
   (``outgoing/``: their addresses are in signed envelopes, so they cannot be made
   again), are copied after it: both are stored before the transaction that refers to
   them and never change, so each is whole on disk.  A draft's scan removed since (the
   draft discarded) is left out; a case's never is;
4. everything streams through the AEAD into ``FILE.part``, fsynced, then renamed:
   the file is whole under its name or absent, and no plaintext file is ever made.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import sqlite3
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from keys.stream import StreamEncryptor
from keys.vault_file import vault_path
from station import outbox
from station.app import Station
from station.backup import contents
from station.backup.errors import (
    BackupNotWritten,
    BackupSourceDamaged,
    StationBusy,
    StoreNotIntact,
)
from station.backup.file_format import (
    CALENDAR_MEMBER,
    CATALOGUE_FOLDER,
    DATABASE_MEMBER,
    MANIFEST_MEMBER,
    MATERIALS_FOLDER,
    OUTGOING_FOLDER,
    BackupHeader,
    body_key,
    new_salt,
)
from station.fileio import fsync_directory
from station.network.hub_tls import CA_FILE

log = logging.getLogger("station")

VAULT_TRIES = 5
CHUNK_SIZE = 64 * 1024  # the stream's default: a cut at a piece's end is certain to show
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BackupMade:
    path: Path
    created_at: str
    size: int
    cases: int
    scans: int

    def to_json(self) -> dict[str, object]:
        return {"path": str(self.path), "created_at": self.created_at, "size": self.size,
                "cases": self.cases, "scans": self.scans}


class _Sink(io.RawIOBase):
    """The encryptor as a file tarfile can write to, counting what passes."""

    def __init__(self, encryptor: StreamEncryptor, counted: Callable[[int], None]) -> None:
        self._encryptor, self._counted = encryptor, counted

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._encryptor.write(bytes(data))
        self._counted(len(data))
        return len(data)


def snapshot(database: Path) -> sqlite3.Connection:
    """The store as of one instant, in memory (the caller closes it)."""
    source = sqlite3.connect(database, timeout=30)
    memory = sqlite3.connect(":memory:")
    try:
        source.backup(memory)  # one step: one read transaction over the whole file
    finally:
        source.close()
    if not contents.intact(memory):
        memory.close()
        raise StoreNotIntact()
    return memory


def take_backup(station: Station, target: Path, progress: Progress | None = None,
                now: datetime | None = None) -> BackupMade:
    """Write the backup of ``station`` to ``target``."""
    target = Path(target)
    created = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, outbox.ACCESS_BACKED_UP,
                      {"file": target.name, "created_at": created})
    vault_file, memory = _consistent_snapshot(station)
    try:
        refs = contents.references(memory, station.vault.field_cipher())
        cases = int(memory.execute('SELECT count(*) FROM "cases"').fetchone()[0])
        schema = contents.schema_of(memory)
        image = memory.serialize()
    finally:
        memory.close()
    scans = _present(station.layout.materials, refs.all, refs.cases)
    outgoing_dir = station.layout.root / OUTGOING_FOLDER
    outgoing = _present(outgoing_dir, refs.outgoing, refs.outgoing)
    node = station.node
    header = BackupHeader(node.code, node.tier, node.name, created, schema, vault_file,
                          station.vault.key_version, new_salt())
    extras = list(_published(station.layout.root))
    total = (len(image) + sum(size for _, size in [*scans, *outgoing])
             + sum(p.stat().st_size for _, p in extras))
    members = _members(image, [(MATERIALS_FOLDER, station.layout.materials, scans),
                               (OUTGOING_FOLDER, outgoing_dir, outgoing)], extras)
    written = _write(target, header, body_key(station.vault, header.salt), members, total,
                     progress)
    log.info("station backup written: %d scans, %d bytes", len(scans), written)
    return BackupMade(target, created, written, cases, len(scans))


def _consistent_snapshot(station: Station) -> tuple[bytes, sqlite3.Connection]:
    """The vault file and a store snapshot that belong together: a passphrase changed
    meanwhile rewraps keys in both, so the vault must read the same before and after."""
    path = vault_path(station.layout.vault_dir)
    for _attempt in range(VAULT_TRIES):
        before = path.read_bytes()
        memory = snapshot(station.layout.database)
        if path.read_bytes() == before:
            return before, memory
        memory.close()
    raise StationBusy()


def _present(folder: Path, wanted: frozenset[str],
             needed: frozenset[str]) -> list[tuple[str, int]]:
    """(address, size) of each wanted file; one of ``needed`` missing is an error."""
    found, missing = [], 0
    for address in sorted(wanted):
        try:
            found.append((address, (folder / address).stat().st_size))
        except FileNotFoundError:
            if address in needed:
                missing += 1
            # else: a draft discarded since the snapshot took its scan with it
    if missing:
        raise BackupSourceDamaged(count=missing)
    return found


def _published(root: Path) -> Iterator[tuple[str, Path]]:
    """The county's catalogue, calendar and hub CA certificate, when present here."""
    folder = root / CATALOGUE_FOLDER
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file():
                yield f"{CATALOGUE_FOLDER}/{path.name}", path
    for name in (CALENDAR_MEMBER, CA_FILE):
        if (root / name).is_file():
            yield name, root / name


Member = tuple[str, int, Callable[[], io.BufferedIOBase | io.BytesIO]]


def _members(image: bytes, stored: list[tuple[str, Path, list[tuple[str, int]]]],
             extras: list[tuple[str, Path]]) -> Iterator[Member]:
    yield DATABASE_MEMBER, len(image), lambda: io.BytesIO(image)
    for prefix, folder, files in stored:
        for address, size in files:
            yield (f"{prefix}/{address}", size,
                   lambda p=folder / address: p.open("rb"))  # type: ignore[misc]
    for name, path in extras:
        yield name, path.stat().st_size, lambda p=path: p.open("rb")  # type: ignore[misc]


def _write(target: Path, header: BackupHeader, key: bytes, members: Iterator[Member],
           total: int, progress: Progress | None) -> int:
    part = target.with_name(target.name + ".part")
    done = 0

    def counted(size: int) -> None:
        nonlocal done
        done += size
        if progress is not None:
            progress(min(done, total), total)

    try:
        with part.open("wb") as out:
            raw = header.encode()
            out.write(raw)
            encryptor = StreamEncryptor(key, header.key_version, out, raw, CHUNK_SIZE)
            listed: dict[str, dict[str, object]] = {}
            with tarfile.open(fileobj=_Sink(encryptor, counted), mode="w|",
                              format=tarfile.PAX_FORMAT) as tar:
                for name, size, opener in members:
                    digest = hashlib.sha256()
                    with opener() as source:
                        tar.addfile(_info(name, size), _Hashing(source, digest))
                    listed[name] = {"size": size, "sha256": digest.hexdigest()}
                text = json.dumps({"members": listed}, indent=1).encode("utf-8")
                tar.addfile(_info(MANIFEST_MEMBER, len(text)), io.BytesIO(text))
            encryptor.finish()
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
        fsync_directory(target.parent)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise BackupNotWritten(path=target, reason=error.strerror or str(error)) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode = size, 0o600
    return info


class _Hashing:
    """A source read by tarfile, hashed on the way (the manifest's checksums)."""

    def __init__(self, source: io.BufferedIOBase | io.BytesIO, digest: hashlib._Hash) -> None:
        self._source, self._digest = source, digest

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._digest.update(data)
        return data
