"""Rows into a PostgreSQL table by ``COPY … FROM STDIN (FORMAT binary)``.

A multi-row ``INSERT`` of a push's events is one statement of some 2,000
literals (each envelope written out as escaped text) that the server parses
and plans before it stores a row; ``COPY`` in binary streams the values as
they are, and costs the server about a third of that.  ``COPY`` returns no
rows, so the caller takes the ids from the table's sequence first
(``next_ids``) and copies them in with the rows: the same ``nextval`` the
column's default would have called.

Only the column types a hub's tables use are encoded here (``integer``,
``bigint``, ``text``, ``bytea``); ``copy_format`` answers None for a table
with any other, and the caller then inserts as before.  Values are passed as
data, never written into the statement.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from typing import Any

import peewee
from peewee import Database

# peewee's translation of driver errors (IntegrityError …), as db.execute_sql applies it
_DRIVER_ERRORS: Any = vars(peewee)["__exception_wrapper__"]
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)  # no flags, no extension
_TRAILER = struct.pack(">h", -1)
_NULL = struct.pack(">i", -1)
_INT4 = struct.Struct(">ii")
_INT8 = struct.Struct(">iq")
_LENGTH = struct.Struct(">i")
_FIELDS = struct.Struct(">h")
_KINDS = {"integer": "int4", "bigint": "int8", "text": "text", "bytea": "bytea"}


class CopyFormat:
    """How to write one table's rows in binary ``COPY``: each column's kind, in order,
    and the sequence its ``id`` is drawn from (None: no serial id)."""

    def __init__(self, table: str, columns: Sequence[str], kinds: Sequence[str],
                 sequence: str | None) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.kinds = tuple(kinds)
        self.sequence = sequence

    def encode(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """The binary ``COPY`` stream of ``rows`` (values in ``columns`` order)."""
        parts = [_SIGNATURE]
        add = parts.append
        count = _FIELDS.pack(len(self.columns))
        kinds = self.kinds
        for row in rows:
            add(count)
            for kind, value in zip(kinds, row, strict=True):
                if value is None:
                    add(_NULL)
                elif kind == "text":
                    data = value.encode("utf-8")
                    add(_LENGTH.pack(len(data)))
                    add(data)
                elif kind == "bytea":
                    data = bytes(value)
                    add(_LENGTH.pack(len(data)))
                    add(data)
                elif kind == "int8":
                    add(_INT8.pack(8, value))
                else:
                    add(_INT4.pack(4, value))
        add(_TRAILER)
        return b"".join(parts)

    def copy(self, db: Database, rows: Sequence[Sequence[Any]]) -> None:
        """Copy ``rows`` into the table, inside the connection's current transaction."""
        stream = io.BytesIO(self.encode(rows))
        with _DRIVER_ERRORS:  # driver errors as peewee's, as execute_sql
            db.cursor().copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) "
                                "FROM STDIN WITH (FORMAT binary)", stream)


def copy_format(db: Database, table: str, columns: Sequence[str]) -> CopyFormat | None:
    """The ``CopyFormat`` of ``columns`` of ``table`` as the database declares them;
    None when one of them has a type this module does not write."""
    rows = db.execute_sql(
        "SELECT attname, format_type(atttypid, atttypmod), "
        "pg_get_serial_sequence(%s, 'id') FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        (table, table)).fetchall()
    declared = {name: kind for name, kind, _ in rows}
    sequence = rows[0][2] if rows else None
    kinds = [_KINDS.get(declared.get(column, "")) for column in columns]
    if any(kind is None for kind in kinds):
        return None
    return CopyFormat(table, columns, [str(kind) for kind in kinds], sequence)


def next_ids(db: Database, sequence: str, count: int) -> list[int]:
    """``count`` new values of ``sequence``, ascending (one round trip)."""
    rows = db.execute_sql("SELECT nextval(%s) FROM generate_series(1, %s)",
                          (sequence, count)).fetchall()
    return sorted(int(value) for (value,) in rows)
