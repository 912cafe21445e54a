"""What a store snapshot refers to, read with plain SQL from the snapshot itself.

The live models are bound to the open store; a snapshot (a second SQLite connection,
in memory or in a restore's staging folder) is read here without rebinding them, so
the app's own threads never see another database.  Drafts keep their scans' addresses
inside their sealed content, opened with the vault's field cipher.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from station.store.fields import Cipher, associated_data
from station.store.leftovers import BLOB_COLUMNS, draft_scans
from station.store.models import CaseDraft, OutgoingMaterial


@dataclass(frozen=True)
class References:
    """Files a snapshot needs: scans of cases (never missing) and of drafts, and the
    travelling copies (``outgoing/``) its events cite, which cannot be made again:
    their addresses are in signed envelopes."""

    cases: frozenset[str]
    drafts: frozenset[str]
    outgoing: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.cases | self.drafts


def references(db: sqlite3.Connection, cipher: Cipher) -> References:
    cases: set[str] = set()
    for column in BLOB_COLUMNS:
        table, name = column.model._meta.table_name, column.column_name
        cases.update(str(value) for (value,) in
                     db.execute(f'SELECT DISTINCT "{name}" FROM "{table}"'))
    drafts: set[str] = set()
    table, column = CaseDraft._meta.table_name, CaseDraft.content.column_name
    for row_id, sealed in db.execute(f'SELECT id, "{column}" FROM "{table}"'):
        plain = cipher.decrypt(bytes(sealed), associated_data(table, row_id, column), table)
        drafts.update(draft_scans(json.loads(plain.decode("utf-8"))))
    table, name = OutgoingMaterial._meta.table_name, OutgoingMaterial.address.column_name
    outgoing = {str(value) for (value,) in db.execute(f'SELECT "{name}" FROM "{table}"')}
    return References(frozenset(cases), frozenset(drafts - cases), frozenset(outgoing))


def put_setting(db: sqlite3.Connection, key: str, value: str) -> None:
    """A node setting (``setting`` table: clear key and value)."""
    with db:
        db.execute('INSERT OR REPLACE INTO "setting" (key, value) VALUES (?, ?)', (key, value))


def schema_of(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def intact(db: sqlite3.Connection) -> bool:
    return [row[0] for row in db.execute("PRAGMA integrity_check")] == ["ok"]
