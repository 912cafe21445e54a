"""Schema versions.  ``PRAGMA user_version`` holds the version of a store.

Each migration moves a store from version N-1 to N inside one transaction.
Never edit a released migration: add the next one, so an old store opens
after an upgrade.
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import SqliteDatabase

from station.errors import StoreTooNew
from station.store.models import MODELS


def _v1_initial(db: SqliteDatabase) -> None:
    db.create_tables(MODELS)
    db.execute_sql("CREATE INDEX cases_filed_desc ON cases (filed_at DESC, case_no DESC)")


MIGRATIONS: dict[int, Callable[[SqliteDatabase], None]] = {
    1: _v1_initial,
}
LATEST = max(MIGRATIONS)


def schema_version(db: SqliteDatabase) -> int:
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])


def migrate(db: SqliteDatabase) -> int:
    """Bring the store to LATEST; refuse a store written by a newer program."""
    current = schema_version(db)
    if current > LATEST:
        raise StoreTooNew(found=current, supported=LATEST)
    for version in range(current + 1, LATEST + 1):
        with db.atomic("IMMEDIATE"):
            MIGRATIONS[version](db)
            db.execute_sql(f"PRAGMA user_version = {version:d}")
    return LATEST
