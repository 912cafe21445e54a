"""Opening the SQLite file: WAL, synchronous=FULL, foreign keys, migrations."""

from __future__ import annotations

from pathlib import Path

from peewee import DatabaseError, SqliteDatabase

from station.errors import DiskRefusesWrites
from station.store.fields import Cipher
from station.store.migrations import migrate
from station.store.models import MODELS
from sync.storage import refuses_writes

PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),
    ("foreign_keys", 1),
    ("busy_timeout", 30000),
    ("secure_delete", 1),
)


class StoreDatabase(SqliteDatabase):
    """A SQLite database that carries the cipher its encrypted fields use."""

    def __init__(self, path: Path, cipher: Cipher | None) -> None:
        super().__init__(str(path), pragmas=PRAGMAS)
        self.cipher = cipher


def open_database(path: Path, cipher: Cipher | None) -> StoreDatabase:
    db = StoreDatabase(path, cipher)
    db.bind(MODELS, bind_refs=False, bind_backrefs=False)
    try:
        db.connect()
        migrate(db)
    except (DatabaseError, OSError) as error:
        reason = refuses_writes(error)
        if reason is None:
            raise
        db.close()
        raise DiskRefusesWrites(path=path, reason=reason) from None
    return db
