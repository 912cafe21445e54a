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

    Rows are read and written ``batch`` (default ``BACKFILL_BATCH``) at a time, in
    primary-key order, each batch in its own transaction with one prepared UPDATE.
    A row either keeps NULL or gets its final value, so a backfill that is
    interrupted (killed, power lost) leaves a correct store, and the next unlock
    finishes the rest.
    """
    batch = batch or BACKFILL_BATCH
    db = Applicant._meta.database
    table = Applicant._meta.table_name
    done = 0
    after = ""  # keyset paging: the last id seen, so every row is visited once
    while True:
        with db.atomic("IMMEDIATE"):
            rows = list(Applicant.select(Applicant.id, Applicant.name)
                        .where(Applicant.name_index.is_null() & (Applicant.id > after))
                        .order_by(Applicant.id).limit(batch))
            if not rows:
                return done
            values = [(index.index("name", normalise_name(person.name)), person.id)
                      for person in rows]
            db.cursor().executemany(
                f'UPDATE "{table}" SET name_index = ? WHERE id = ? AND name_index IS NULL',
                values)
        done += len(rows)
        after = rows[-1].id
