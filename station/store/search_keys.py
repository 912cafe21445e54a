"""Residents' partial search keys (schema 9): blind-indexed, in the table ``search_key``.

What a village desk has is often not the whole ID number or name, but "the last four
digits of her ID, born 1956", "the phone ends in 2345, surname 王", or "秀英".  For
each resident the store keeps, beside the encrypted values, keyed HMACs
(``BlindIndexer``) of:

- the last 4 characters of the ID number with the birth year, and with the surname;
- the last 4 digits of the phone with the birth year, and with the surname;
- each distinct character of the normalised name.

Each kind has its own purpose string in the MAC input, so a value of one kind never
equals a value of another.  What the keys reveal to someone holding the store file
without the key is in docs/storage.md ("Partial search keys").
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from keys.blind import BlindIndexer
from station.store.models import Applicant, SearchKey
from station.store.names import normalise_name

# Written in ``applicant.search_version``.  When the keys change meaning, a migration
# sets the column to NULL and the backfill rewrites them at the next unlock.
VERSION = 1

ID_TAIL_YEAR = "id-tail-year"
ID_TAIL_SURNAME = "id-tail-surname"
PHONE_TAIL_YEAR = "phone-tail-year"
PHONE_TAIL_SURNAME = "phone-tail-surname"
NAME_CHAR = "name-char"
TAIL = 4

# Residents given their keys per transaction while backfilling (see names.BACKFILL_BATCH):
# each costs four decryptions, ~7 HMACs and ~7 inserts at random places of the key
# table, so a batch holds the write lock for about half a second.
BACKFILL_BATCH = 5000
# SQLite's page cache while backfilling (KiB): the inserts land all over the growing
# key table, and with the default 2 MiB cache each batch re-reads and re-writes most of
# its pages (80,000 residents: 24 s at the first unlock with 2,000 a batch and the
# default cache, 10 s with this and 5,000 a batch).
BACKFILL_CACHE_KIB = 65536


def name_characters(name: str) -> set[str]:
    """The characters of a name that are indexed: normalised, without the middle dot."""
    return set(normalise_name(name)) - {"·"}


def surname_of(name: str) -> str:
    """The first character of the normalised name (a compound surname such as 欧阳 is
    found by its first character, then confirmed against the decrypted name)."""
    text = normalise_name(name)
    return text[:1]


def tail_key(index: BlindIndexer, purpose: str, tail: str, detail: str) -> str:
    """The key of a tail (last 4 characters, upper case) with a birth year or surname."""
    return index.index(purpose, f"{tail.upper()}\x1f{detail}")


def keys_for(index: BlindIndexer, name: str, id_number: str, phone: str,
             birth_date: str) -> set[str]:
    """Every search key of one resident."""
    year, surname = birth_date[:4], surname_of(name)
    keys = {index.index(NAME_CHAR, char) for char in name_characters(name)}
    tails = [(ID_TAIL_YEAR, ID_TAIL_SURNAME, id_number.strip().upper()[-TAIL:])]
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= TAIL:
        tails.append((PHONE_TAIL_YEAR, PHONE_TAIL_SURNAME, digits[-TAIL:]))
    for by_year, by_surname, tail in tails:
        if len(tail) == TAIL:
            if year.isdigit():
                keys.add(tail_key(index, by_year, tail, year))
            if surname:
                keys.add(tail_key(index, by_surname, tail, surname))
    return keys


def replace_keys(applicant_id: str, keys: Iterable[str]) -> None:
    """Set one resident's keys (inside the caller's transaction)."""
    SearchKey.delete().where(SearchKey.applicant == applicant_id).execute()
    rows = [{"key": key, "applicant": applicant_id} for key in sorted(keys)]
    if rows:
        SearchKey.insert_many(rows).execute()


def keys_pending() -> bool:
    """Whether some residents still lack their search keys (a backfill is owed)."""
    table = Applicant._meta.table_name
    return Applicant._meta.database.execute_sql(
        f'SELECT 1 FROM "{table}" WHERE "search_version" IS NULL LIMIT 1').fetchone() is not None


def backfill_search_keys(index: BlindIndexer, batch: int | None = None,
                         stop: threading.Event | None = None) -> int:
    """Give residents written before schema 9 their search keys (needs the unlocked key).

    Like ``names.backfill_name_index``: ``batch`` residents per transaction, found
    through a partial index of the rows still without keys, so each batch costs the
    same; their values are opened in Python, their old keys (if any) deleted and the
    new ones inserted, and the row marked, all in that transaction.  An interrupted
    backfill leaves whole batches done and the rest unmarked; the next unlock
    finishes it.  ``stop``: set by another thread to end it after the batch under way
    (the station is closing).  Returns the number of residents done.
    """
    batch = batch or BACKFILL_BATCH
    db = Applicant._meta.database
    table = Applicant._meta.table_name
    fields = [Applicant._meta.fields[n] for n in ("name", "id_number", "phone", "birth_date")]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    waiting = '"search_version" IS NULL'  # a partial index holds exactly these rows
    pending = f'SELECT 1 FROM "{table}" WHERE {waiting} LIMIT 1'
    select = f'SELECT "_rowid_", "id", {columns} FROM "{table}" WHERE {waiting} LIMIT ?'
    mark = f'UPDATE "{table}" SET "search_version" = ? WHERE "_rowid_" = ?'
    # Read first: an up-to-date store takes no write lock at open and keeps its cache.
    if db.execute_sql(pending).fetchone() is None:
        return 0
    cache = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = {-BACKFILL_CACHE_KIB:d}")
    try:
        return _backfill(index, batch, fields, select, mark, pending, stop)
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(cache):d}")


def _backfill(index: BlindIndexer, batch: int, fields: list[Any], select: str, mark: str,
              pending: str, stop: threading.Event | None) -> int:
    db = Applicant._meta.database
    done = 0
    while True:
        if (stop is not None and stop.is_set()) or db.execute_sql(pending).fetchone() is None:
            return done
        with db.atomic("IMMEDIATE"):
            rows = db.execute_sql(select, (batch,)).fetchall()
            if not rows:
                return done
            ids = [row[1] for row in rows]
            marks = ", ".join("?" * len(ids))
            db.execute_sql(f'DELETE FROM "search_key" WHERE "applicant_id" IN ({marks})', ids)
            keys: list[tuple[str, str]] = []
            for _rowid, row, *stored in rows:
                values = [f.open_stored(row, v) for f, v in zip(fields, stored, strict=True)]
                keys += [(key, row) for key in keys_for(index, *values)]
            cursor = db.cursor()
            cursor.executemany(
                'INSERT OR IGNORE INTO "search_key" ("key", "applicant_id") VALUES (?, ?)', keys)
            cursor.executemany(mark, [(VERSION, row[0]) for row in rows])
        done += len(rows)
