"""``station restore FILE``: a station's backup put back on a new PC.

Nothing is written in place until everything has been checked:

1. the target folder must hold no station (never overwritten) and nothing else;
2. the vault from the header opens with the passphrase (or the recovery key, which
   then gives the user a new passphrase, as ``station recover`` does);
3. the whole body is decrypted and authenticated to its last chunk while it is
   unpacked into a staging folder beside the target (ciphertext and the store's
   own file only: the same bytes the data folder holds);
4. the manifest lists exactly what arrived; the store passes ``integrity_check``
   and is not from a newer program; every scan decrypts and matches its content
   address, every travelling copy (``outgoing/``) its SHA-256; every scan a case
   refers to and every copy an event cites is there;
5. the store is marked ``chain.resume`` (the next sync continues the node's chain
   from what the hub already holds), everything is fsynced, and the staging folder
   is renamed to the target.

Any failure removes the staging folder: the target is as it was (absent or empty).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keys.errors import DecryptionFailed, StreamTruncated, VaultCorrupt, VaultTooNew
from keys.stream import iter_decrypt
from keys.vault import Vault
from keys.vault_file import VAULT_FILE, parse_document
from station.app import Station
from station.backup import contents
from station.backup.errors import (
    BackupDamaged,
    BackupTruncated,
    RestoreNotWritten,
    RestoreTargetHasStation,
    RestoreTargetNotEmpty,
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
    read_header,
    read_header_of,
)
from station.errors import StoreTooNew
from station.fileio import fsync_directory
from station.network.hub_tls import CA_FILE
from station.paths import DataLayout
from station.store.blobs import BlobStore
from station.store.migrations import LATEST
from station.trust import users

log = logging.getLogger("station")

CHAIN_RESUME = "chain.resume"  # read by the next sync (the lead's chain work)
ADDRESS = re.compile(r"[0-9a-f]{64}")
COPY_BLOCK = 1 << 20
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WithPassphrase:
    passphrase: str
    user: str | None = None  # default: the user who made the station


@dataclass(frozen=True)
class WithRecoveryKey:
    recovery_key: str
    new_passphrase: str
    user: str | None = None


Unlock = WithPassphrase | WithRecoveryKey


@dataclass(frozen=True)
class BackupInfo:
    """What the header tells before anything is unlocked (shown before restoring)."""

    header: BackupHeader
    users: list[str]


@dataclass(frozen=True)
class Restored:
    header: BackupHeader
    data: Path
    user: str
    cases: int
    scans: int
    office_keys_dropped: int = 0

    def to_json(self) -> dict[str, Any]:
        return {**self.header.summary(), "data": str(self.data), "user": self.user,
                "cases": self.cases, "scans": self.scans,
                "office_keys_dropped": self.office_keys_dropped}


def backup_info(path: Path) -> BackupInfo:
    header = read_header_of(Path(path))
    try:
        document = parse_document(header.vault_file, Path(path))
    except (VaultCorrupt, VaultTooNew):
        raise BackupDamaged(path=path) from None
    return BackupInfo(header, list(document.slots))


def holds_station(data: Path) -> bool:
    layout = DataLayout(data)
    return Vault.exists(layout.vault_dir) or layout.database.exists()


def check_target(data: Path) -> None:
    """Refuse a folder that holds a station, or anything at all."""
    if holds_station(data):
        raise RestoreTargetHasStation(path=data)
    if data.exists() and (not data.is_dir() or any(data.iterdir())):
        raise RestoreTargetNotEmpty(path=data)


def restore_backup(backup: Path, data: Path, unlock: Unlock, documents: Path | None = None,
                   progress: Progress | None = None, now: datetime | None = None) -> Restored:
    """Check ``backup`` whole, then make it the station in ``data`` (absent or empty)."""
    backup, data = Path(backup), Path(data)
    info = backup_info(backup)
    check_target(data)
    staging = _staging_beside(data)
    try:
        vault, user = _unlock(staging, info, unlock, backup)
        arrived = _unpack(backup, info.header, vault, staging, progress)
        cases, scans = _check(staging, info.header, vault, arrived, backup)
        _mark_resume(staging, info.header, now)
        _sync_tree(staging)
        _place(staging, data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("station restored from a backup made %s: %d cases, %d scans",
             info.header.created_at, cases, scans)
    dropped = 0
    if isinstance(unlock, WithRecoveryKey):
        # As after ``station recover``: the old personal key went with the old passphrase.
        with Station.open(data, user, unlock.new_passphrase, documents) as station:
            dropped = users.renew_after_recovery(station)
    return Restored(info.header, data, user, cases, scans, dropped)


# -- steps ----------------------------------------------------------------------------

def _staging_beside(data: Path) -> Path:
    """A fresh folder on the target's file system (the final rename stays a rename)."""
    folder = data.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return Path(tempfile.mkdtemp(prefix=f".{data.name}.restore-", dir=folder))
    except OSError as error:
        raise RestoreNotWritten(path=data, reason=error.strerror or str(error)) from None


def _unlock(staging: Path, info: BackupInfo, unlock: Unlock, backup: Path) -> tuple[Vault, str]:
    if not info.users:
        raise BackupDamaged(path=backup)
    user = unlock.user or info.users[0]
    (staging / VAULT_FILE).write_bytes(info.header.vault_file)
    if isinstance(unlock, WithRecoveryKey):
        vault = Vault.recover(staging, unlock.recovery_key, user, unlock.new_passphrase)
    else:
        vault = Vault.unlock(staging, user, unlock.passphrase)
    if vault.key_version != info.header.key_version:
        raise BackupDamaged(path=backup)
    return vault, user


class _Plaintext(io.RawIOBase):
    """The body's plaintext as a file tarfile reads, chunk by authenticated chunk."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._held = chunks, b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._held) < size:
            more = next(self._chunks, None)
            if more is None:
                break
            self._held += more
        if size < 0:
            size = len(self._held)
        data, self._held = self._held[:size], self._held[size:]
        return data

    def drain(self) -> None:
        """Read to the end, so the final chunk (and so truncation) is checked."""
        for _chunk in self._chunks:
            pass


class _Counting(io.RawIOBase):
    def __init__(self, src: io.BufferedReader, total: int, progress: Progress | None) -> None:
        self._src, self._total, self._progress, self._done = src, total, progress, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._src.read(size)
        self._done += len(data)
        if self._progress is not None:
            self._progress(self._done, self._total)
        return data


def _unpack(backup: Path, header: BackupHeader, vault: Vault, staging: Path,
            progress: Progress | None) -> dict[str, tuple[int, str]]:
    """Every member written under ``staging``: name → (size, SHA-256)."""
    arrived: dict[str, tuple[int, str]] = {}
    key = body_key(vault, header.salt)
    try:
        with backup.open("rb") as raw:
            if read_header(raw, backup).raw != header.raw:
                raise BackupDamaged(path=backup)  # the file changed since it was read
            src = _Counting(raw, backup.stat().st_size, progress)
            plain = _Plaintext(iter_decrypt({header.key_version: key}, src,  # type: ignore[arg-type]
                                            header.raw, what=backup.name))
            with tarfile.open(fileobj=plain, mode="r|") as tar:
                for member in tar:
                    name = _member_name(member, backup)
                    handle = tar.extractfile(member)
                    if handle is None or name in arrived:
                        raise BackupDamaged(path=backup)
                    arrived[name] = _extract(handle, staging / name)
            plain.drain()
    except StreamTruncated:
        raise BackupTruncated(path=backup) from None
    except DecryptionFailed:
        raise BackupDamaged(path=backup) from None
    except (tarfile.TarError, EOFError):
        raise BackupDamaged(path=backup) from None
    except OSError as error:
        raise RestoreNotWritten(path=staging.parent,
                                reason=error.strerror or str(error)) from None
    return arrived


def _member_name(member: tarfile.TarInfo, backup: Path) -> str:
    name = member.name
    if member.isfile():
        if name in (DATABASE_MEMBER, MANIFEST_MEMBER, CALENDAR_MEMBER, CA_FILE):
            return name
        folder, _, leaf = name.partition("/")
        if folder in (MATERIALS_FOLDER, OUTGOING_FOLDER) and ADDRESS.fullmatch(leaf):
            return name
        if (folder == CATALOGUE_FOLDER and leaf and "/" not in leaf and "\\" not in leaf
                and "\x00" not in leaf and not leaf.startswith(".")):
            return name
    log.warning("station backup: unexpected member %r", name)
    raise BackupDamaged(path=backup)


def _extract(handle: Any, path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with path.open("xb") as out:
        while block := handle.read(COPY_BLOCK):
            digest.update(block)
            size += len(block)
            out.write(block)
    return size, digest.hexdigest()


def _check(staging: Path, header: BackupHeader, vault: Vault,
           arrived: dict[str, tuple[int, str]], backup: Path) -> tuple[int, int]:
    """(cases, scans) once every member and every scan is proven whole."""
    if MANIFEST_MEMBER not in arrived or DATABASE_MEMBER not in arrived:
        raise BackupDamaged(path=backup)
    try:
        manifest = json.loads((staging / MANIFEST_MEMBER).read_text(encoding="utf-8"))
        listed = {str(name): (int(v["size"]), str(v["sha256"]))
                  for name, v in manifest["members"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupDamaged(path=backup) from None
    (staging / MANIFEST_MEMBER).unlink()
    if listed != {k: v for k, v in arrived.items() if k != MANIFEST_MEMBER}:
        log.warning("station backup: members differ from the manifest")
        raise BackupDamaged(path=backup)
    db = sqlite3.connect(staging / DATABASE_MEMBER)
    try:
        if not contents.intact(db):
            raise BackupDamaged(path=backup)
        schema = contents.schema_of(db)
        if schema > LATEST:
            raise StoreTooNew(found=schema, supported=LATEST)
        code = db.execute("SELECT value FROM setting WHERE key = 'code'").fetchone()
        if code is None or code[0] != header.node_code:
            raise BackupDamaged(path=backup)
        refs = contents.references(db, vault.field_cipher())
        cases = int(db.execute('SELECT count(*) FROM "cases"').fetchone()[0])
    except sqlite3.DatabaseError:
        raise BackupDamaged(path=backup) from None
    finally:
        db.close()
    scans = [name.partition("/")[2] for name in arrived
             if name.startswith(MATERIALS_FOLDER + "/")]
    outgoing = {name.partition("/")[2]: digest for name, (_size, digest) in arrived.items()
                if name.startswith(OUTGOING_FOLDER + "/")}
    if not refs.cases <= set(scans) or not refs.outgoing <= set(outgoing):
        raise BackupDamaged(path=backup)
    if any(address != digest for address, digest in outgoing.items()):
        raise BackupDamaged(path=backup)  # a travelling copy's name is its SHA-256
    blobs = BlobStore(staging / MATERIALS_FOLDER, vault.material_keys(), vault.key_version,
                      vault.subkey("material-address"))
    for address in scans:
        try:
            for _chunk in blobs.iter_plaintext(address):
                pass  # each chunk authenticated; at the end, the content address checked
        except DecryptionFailed:
            log.warning("station backup: scan %s does not check", address[:12])
            raise BackupDamaged(path=backup) from None
    return cases, len(scans)


def _mark_resume(staging: Path, header: BackupHeader, now: datetime | None) -> None:
    restored = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    value = json.dumps({"reason": "restore", "backup_created": header.created_at,
                        "restored_at": restored})
    db = sqlite3.connect(staging / DATABASE_MEMBER)
    try:
        contents.put_setting(db, CHAIN_RESUME, value)
    finally:
        db.close()


def _sync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb+") as handle:
                os.fsync(handle.fileno())
        fsync_directory(Path(folder))


def _place(staging: Path, data: Path) -> None:
    try:
        data.parent.mkdir(parents=True, exist_ok=True)
        check_target(data)  # again: nothing may have appeared meanwhile
        if data.exists():
            data.rmdir()  # empty (checked): a rename over a folder is not portable
        os.replace(staging, data)
        fsync_directory(data.parent)
    except OSError as error:
        raise RestoreNotWritten(path=data, reason=error.strerror or str(error)) from None
