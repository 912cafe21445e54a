"""``station hub restore``: check a hub backup, put it in place, audit the result.

Order matters: the whole file is verified against its manifest (sizes and
SHA-256) before the database is touched; a database another program has open
is never replaced; a database that already holds a hub's data is replaced only
with ``--force``.  Afterwards the hub's own audit runs on what was restored.
Stations then re-send what the restored hub lacks: each asks the hub its head
for its node and pushes from there (``station.network.link.push_all``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg2

from station.app import Station
from station.errors import StationError
from station.hubops import backup_file, hub_runner
from station.hubops.audit import HubAudit, audit_hub
from station.hubops.backup import HubDatabase, locate, run_tool
from station.hubops.backup_file import Manifest
from sync.hub.blobs import BlobStore
from sync.hub.identity import open_database, start_new_log


class BackupOfAnotherHub(StationError):
    """这份备份属于站点 {found}，不是本站 {own} 的枢纽站：不能恢复到这里。"""

    exit_code = 4


class BackupWrongEngine(StationError):
    """这份备份来自 {found} 数据库，而要恢复到的是 {target} 数据库：请填写与备份相同类型的数据库地址。"""  # noqa: E501

    exit_code = 4


class HubDatabaseInUse(StationError):
    """枢纽站数据库 {where} 正在被使用：请先停止枢纽站服务，再恢复。"""

    exit_code = 1


class HubDatabaseNotEmpty(StationError):
    """枢纽站数据库 {where} 中已有数据。恢复会用备份覆盖它；确认要覆盖，请加上 --force 再运行。"""

    exit_code = 1


@dataclass
class Restored:
    manifest: Manifest
    where: str
    audit: HubAudit


def _sqlite_busy(path: Path) -> bool:
    """Another connection has the file open (a running hub): an exclusive lock fails."""
    try:
        probe = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    except sqlite3.Error:
        return True
    try:
        probe.execute("PRAGMA locking_mode=EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.Error:
        return True
    finally:
        probe.close()


def _sqlite_has_data(path: Path) -> bool:
    probe = sqlite3.connect(path)
    try:
        tables = [row[0] for row in probe.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(probe.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()
                   for name in tables if not name.startswith("sqlite_"))
    finally:
        probe.close()


def _restore_sqlite(path: Path, part: Path, force: bool) -> None:
    if path.exists():
        if _sqlite_busy(path):
            raise HubDatabaseInUse(where=path)
        if _sqlite_has_data(path) and not force:
            raise HubDatabaseNotEmpty(where=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".part")
    os.close(handle)
    shutil.copyfile(part, temporary)
    with open(temporary, "rb+") as out:
        os.fsync(out.fileno())
    for stale in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)  # a log of the old file must not replay onto the new
    os.replace(temporary, path)


def _pg_state(url: str) -> tuple[int, bool]:
    """(other sessions on the database, whether any table in it holds rows)."""
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND pid <> pg_backend_pid()")
            sessions = int(cursor.fetchone()[0])
            cursor.execute("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) "
                           "FROM pg_tables WHERE schemaname = 'public'")
            tables = [row[0] for row in cursor.fetchall()]
            filled = False
            for table in tables:
                cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
                if cursor.fetchone():
                    filled = True
                    break
        return sessions, filled
    finally:
        connection.close()


def _restore_postgres(url: str, part: Path, force: bool) -> None:
    where = url.rsplit("@", 1)[-1]  # never print a password given in the address
    sessions, filled = _pg_state(url)
    if sessions:
        raise HubDatabaseInUse(where=where)
    if filled and not force:
        raise HubDatabaseNotEmpty(where=where)
    run_tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--dbname={url}", str(part)])


def _store_sink(store: BlobStore) -> backup_file.MaterialSink:
    """Put a material from the backup into the store, checked against its address."""
    def sink(address: str, stream: IO[bytes], size: int) -> bool:
        if store.has(address):
            while stream.read(backup_file.BLOCK):  # still read: the tar goes on after it
                pass
            return True
        importer = getattr(store, "import_stream", None)
        if importer is not None:  # a folder: streamed, hashed on the way
            return bool(importer(address, stream, size))
        data = stream.read()
        if len(data) != size or hashlib.sha256(data).hexdigest() != address:
            return False
        store.put(address, data)
        return True
    return sink


def restore(station: Station, backup: Path, url: str | None, force: bool = False,
            silent_days: int = 7, blobs: str | None = None) -> Restored:
    """Verify ``backup``, restore it over this node's hub database (and its materials
    into the material store), audit it."""
    target = locate(station, url)
    store = hub_runner.blob_store(station, blobs)
    work = Path(tempfile.mkdtemp(prefix=".hub-restore-"))
    try:
        manifest = backup_file.verify(backup)  # all of it, before anything is written
        if manifest.node != station.node.code:
            raise BackupOfAnotherHub(found=manifest.node, own=station.node.code)
        if manifest.engine != target.engine:
            raise BackupWrongEngine(found=manifest.engine, target=target.engine)
        _check_target(target, force)  # refused before any material is written
        backup_file.verify(backup, into=work, materials_into=_store_sink(store))
        part = work / manifest.parts[0].name
        where = _put_in_place(target, part, force)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    db = open_database(url or None, target.path or Path())
    try:
        with db.connection_context():
            start_new_log()  # indices after the backup's will be handed out again
        return Restored(manifest, where, audit_hub(db, silent_days))
    finally:
        db.close()


def _check_target(target: HubDatabase, force: bool) -> None:
    """The refusals of ``_put_in_place`` (in use; holds data without --force), early."""
    if target.engine == "sqlite":
        assert target.path is not None
        if target.path.exists():
            if _sqlite_busy(target.path):
                raise HubDatabaseInUse(where=target.path)
            if _sqlite_has_data(target.path) and not force:
                raise HubDatabaseNotEmpty(where=target.path)
        return
    assert target.url is not None
    where = target.url.rsplit("@", 1)[-1]
    sessions, filled = _pg_state(target.url)
    if sessions:
        raise HubDatabaseInUse(where=where)
    if filled and not force:
        raise HubDatabaseNotEmpty(where=where)


def _put_in_place(target: HubDatabase, part: Path, force: bool) -> str:
    if target.engine == "sqlite":
        assert target.path is not None
        _restore_sqlite(target.path, part, force)
        return str(target.path)
    assert target.url is not None
    _restore_postgres(target.url, part, force)
    return target.url.rsplit("@", 1)[-1]
