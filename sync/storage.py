"""Is a database error the disk refusing a write (full, read-only, failing)?

A hub on a full or read-only disk must say so in one plain line, at start and while it
runs, and change nothing: the station keeps what it sent and sends it again later.
SQLite reports such a disk as "database or disk is full", "attempt to write a readonly
database" or a bare "disk I/O error" (a write past a file-size limit); PostgreSQL as
SQLSTATE 53100 (disk_full); the file system as ENOSPC, EROFS, EFBIG or EDQUOT.
"""

from __future__ import annotations

import errno

SQLITE_WORDS = ("database or disk is full", "readonly database", "read-only database",
                "disk i/o error", "unable to open database file")
DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EFBIG, errno.EDQUOT}
PG_DISK_FULL = "53100"


def refuses_writes(error: BaseException | None) -> str | None:
    """The database's own words when ``error`` (or what caused it) is the disk refusing
    a write, else None."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, OSError) and error.errno in DISK_ERRNOS:
            return error.strerror or str(error)
        if getattr(error, "pgcode", None) == PG_DISK_FULL:
            return str(error).strip().splitlines()[0]
        text = str(error).strip().lower()
        if any(words in text for words in SQLITE_WORDS):
            return str(error).strip()
        error = error.__cause__ or error.__context__
        seen += 1
    return None
