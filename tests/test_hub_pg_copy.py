"""Rows copied into PostgreSQL in binary read back exactly as given (sync/hub/pg_copy.py).

A push's events go into ``hub_event`` by ``COPY … (FORMAT binary)``: every value
is sent as data, so text that would need escaping in an INSERT or a text COPY
(tabs, newlines, backslashes, quotes, Chinese), NULLs, any bytes in the
envelope and 64-bit numbers must come back byte for byte.  A table with a column
type the module does not write is refused (None), so the caller inserts as before.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from network import postgres_databases
from peewee import IntegrityError, PostgresqlDatabase

from sync.hub import pg_copy


@pytest.fixture
def db() -> Iterator[PostgresqlDatabase]:
    with postgres_databases("copy") as (url,):
        database = PostgresqlDatabase(url.rsplit("/", 1)[1], host="127.0.0.1", port=5432,
                                      user="postgres")
        database.connect()
        database.execute_sql("CREATE TABLE t (id SERIAL PRIMARY KEY, big BIGINT NOT NULL, "
                             "name TEXT, data BYTEA, UNIQUE (big))")
        try:
            yield database
        finally:
            database.close()


def test_values_that_need_escaping_elsewhere_come_back_exactly(db: PostgresqlDatabase) -> None:
    form = pg_copy.copy_format(db, "t", ("id", "big", "name", "data"))
    assert form is not None and form.sequence is not None
    ids = pg_copy.next_ids(db, form.sequence, 4)
    assert ids == sorted(ids) and len(set(ids)) == 4
    rows = [(ids[0], 2**62 + 7, "tab\there\nnew line\\back'quote\"", b"\x00\xff\t\n\\"),
            (ids[1], -5, "桂平市示范镇 民政办", bytes(range(256)) * 5),
            (ids[2], 0, None, None),
            (ids[3], 1, "", b"")]
    with db.atomic():
        form.copy(db, rows)
    back = db.execute_sql("SELECT id, big, name, data FROM t ORDER BY id").fetchall()
    assert [(i, b, n, None if d is None else bytes(d)) for i, b, n, d in back] == rows
    # the sequence moved on: a row inserted by the column's default gets a new id
    (fresh,) = db.execute_sql("INSERT INTO t (big) VALUES (99) RETURNING id").fetchone()
    assert fresh > ids[-1]


def test_a_duplicate_is_an_integrity_error_and_nothing_is_kept(db: PostgresqlDatabase) -> None:
    form = pg_copy.copy_format(db, "t", ("id", "big", "name", "data"))
    assert form is not None and form.sequence is not None
    ids = pg_copy.next_ids(db, form.sequence, 2)
    with pytest.raises(IntegrityError), db.atomic():
        form.copy(db, [(ids[0], 1, "a", b"a"), (ids[1], 1, "b", b"b")])
    assert db.execute_sql("SELECT count(*) FROM t").fetchone()[0] == 0


def test_a_column_of_another_type_is_not_copied(db: PostgresqlDatabase) -> None:
    db.execute_sql("CREATE TABLE u (id SERIAL PRIMARY KEY, at TIMESTAMP)")
    assert pg_copy.copy_format(db, "u", ("id", "at")) is None
    assert pg_copy.copy_format(db, "t", ("id", "missing")) is None
