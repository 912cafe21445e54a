"""Opening the SQLite file: WAL, synchronous=FULL, foreign keys, migrations."""

from __future__ import annotations

from pathlib import Path

from peewee import SqliteDatabase

from station.store.fields import Cipher
from station.store.migrations import migrate
from station.store.models import MODELS

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
    db.connect()
    migrate(db)
    return db
