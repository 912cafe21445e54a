"""Residents' names as a search key: normalised, then blind-indexed."""

from __future__ import annotations

import re
import unicodedata

from keys.blind import BlindIndexer
from station.store.models import Applicant

# The separator in transliterated names (阿卜杜拉·艾则孜) comes in many shapes.
NAME_DOTS = re.compile(r"[·•・‧∙．.]")


def normalise_name(name: str) -> str:
    """Full-width to normal, no spaces, one kind of middle dot."""
    text = unicodedata.normalize("NFKC", name)
    return NAME_DOTS.sub("·", "".join(text.split()))


# Rows given their name index per transaction while backfilling: large enough that
# the per-statement and per-commit costs vanish, small enough that a write lock is
# held for a fraction of a second.
BACKFILL_BATCH = 5000


def backfill_name_index(index: BlindIndexer, batch: int | None = None) -> int:
    """Give rows from before schema 3 their name index (needs the unlocked key).

    Rows are read and written ``batch`` (default ``BACKFILL_BATCH``) at a time,
    each batch in its own transaction: one SELECT of the rows still without an
    index (through the name index itself, so each batch costs the same), the
    names opened and indexed in Python, one prepared UPDATE.  A row either keeps
    NULL or gets its final value, so a backfill that is interrupted (killed,
    power lost) leaves a correct store, and the next unlock finishes the rest.
    """
    batch = batch or BACKFILL_BATCH
    db = Applicant._meta.database
    table = Applicant._meta.table_name
    name = Applicant._meta.fields["name"]
    # Rows are addressed by rowid (stable inside the transaction): cheaper than the id.
    select = (f'SELECT "_rowid_", "id", "{name.column_name}" FROM "{table}" '
              'WHERE "name_index" IS NULL LIMIT ?')
    update = (f'UPDATE "{table}" SET "name_index" = ? '
              'WHERE "_rowid_" = ? AND "name_index" IS NULL')
    done = 0
    pending = f'SELECT 1 FROM "{table}" WHERE "name_index" IS NULL LIMIT 1'
    while True:
        # Read first: an up-to-date store (every open after the first) takes no write
        # lock, so opening never waits for another program writing the store.
        if db.execute_sql(pending).fetchone() is None:
            return done
        with db.atomic("IMMEDIATE"):
            rows = db.execute_sql(select, (batch,)).fetchall()
            if not rows:
                return done
            values = [(index.index("name", normalise_name(name.open_stored(row, stored))), rowid)
                      for rowid, row, stored in rows]
            written = db.cursor().executemany(update, values).rowcount
        done += len(rows)
        if written != len(rows):  # cannot happen inside one write transaction; never loop
            return done
