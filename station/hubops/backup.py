"""``station hub backup``: a consistent copy of a running hub, in one file.

A hub holds its events, receipts, the session log and the bookkeeping of its
materials in its database, and the materials' bytes in its material store
(``sync.hub.blobs``).  The database is copied at one instant: SQLite with its
online backup (a read snapshot while the hub keeps writing); PostgreSQL with
``pg_dump`` (one snapshot transaction).  Then, for a store that is a folder, every
material it holds is streamed into the same file: materials are only ever added
and never change (content addressed), so every material the snapshot names
complete is among them.  For an object store (S3), the backup records its
address only: the object store's own replication and versioning keep the scans.
The hub stores sealed envelopes and encrypted materials as received: the backup
holds nothing in clear that the hub did not.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playhouse.db_url import parse

from station.app import Station
from station.errors import StationError
from station.hubops import backup_file, hub_runner
from station.hubops.audit import HubDatabaseMissing
from station.hubops.backup_file import Manifest
from sync.hub.blobs import BlobStore
from sync.hub.blobs_fs import FilesystemStore
from sync.hub.models import SCHEMA_VERSION

SQLITE_PART = "hub.sqlite3"
POSTGRES_PART = "hub.pgdump"


class DatabaseToolMissing(StationError):
    """找不到 PostgreSQL 工具 {tool}：请先安装 postgresql-client（版本与数据库服务器一致）。"""

    exit_code = 5


class DatabaseToolFailed(StationError):
    """{tool} 未能完成：{reason}"""

    exit_code = 1


class SqliteCopyFailed(StationError):
    """无法复制枢纽站数据库 {path}：{reason}"""

    exit_code = 1


@dataclass(frozen=True)
class HubDatabase:
    """Where a hub's database is: a SQLite file, or a PostgreSQL URL."""

    engine: str  # "sqlite" or "postgresql"
    path: Path | None = None
    url: str | None = None


def locate(station: Station, url: str | None) -> HubDatabase:
    """The hub database ``station hub serve`` uses with the same ``--db``."""
    if not url:
        return HubDatabase("sqlite", path=station.layout.root / hub_runner.DB_NAME)
    if url.startswith(("postgres://", "postgresql://", "postgresext://")):
        return HubDatabase("postgresql", url=url.replace("postgresext://", "postgresql://", 1))
    return HubDatabase("sqlite", path=Path(parse(url)["database"]))


def run_tool(argv: list[str]) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DatabaseToolMissing(tool=argv[0]) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise DatabaseToolFailed(tool=argv[0], reason=lines[-1] if lines else done.returncode)


def _copy_sqlite(path: Path, into: Path) -> Path:
    if not path.exists():
        raise HubDatabaseMissing(path=path)
    copy = into / SQLITE_PART
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: a single read snapshot of the whole file
            target.execute("PRAGMA journal_mode=DELETE")
            found = target.execute("PRAGMA integrity_check").fetchone()[0]
            if found != "ok":
                raise SqliteCopyFailed(path=path, reason=found)
        finally:
            target.close()
            source.close()
    except sqlite3.Error as error:
        raise SqliteCopyFailed(path=path, reason=str(error)) from None
    return copy


def _dump_postgres(url: str, into: Path) -> Path:
    dump = into / POSTGRES_PART
    run_tool(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={dump}", f"--dbname={url}"])
    return dump


def take(station: Station, url: str | None, target: Path,
         blobs: str | None = None) -> Manifest:
    """Write the backup of this node's hub (database, and the materials of a folder
    store) to ``target``."""
    where = locate(station, url)
    store: BlobStore = hub_runner.blob_store(station, blobs)
    work = Path(tempfile.mkdtemp(prefix=".hub-backup-", dir=target.parent
                                 if target.parent.exists() else None))
    try:
        if where.engine == "sqlite":
            assert where.path is not None
            part = _copy_sqlite(where.path, work)
        else:
            assert where.url is not None
            part = _dump_postgres(where.url, work)
        made_at = datetime.now(UTC).isoformat(timespec="seconds")
        if isinstance(store, FilesystemStore):  # listed after the snapshot: a superset
            materials = tuple((a, store.size(a)) for a in store.addresses())
            manifest = Manifest(station.node.code, where.engine, SCHEMA_VERSION, made_at,
                                (backup_file.describe(part),), store.label, materials, True)
            backup_file.write(target, manifest, {part.name: part}, store.open)
        else:
            manifest = Manifest(station.node.code, where.engine, SCHEMA_VERSION, made_at,
                                (backup_file.describe(part),), store.label, (), False)
            backup_file.write(target, manifest, {part.name: part})
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)
