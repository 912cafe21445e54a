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


def backfill_name_index(index: BlindIndexer) -> int:
    """Give rows from before schema 3 their name index (needs the unlocked key)."""
    missing = list(Applicant.select().where(Applicant.name_index.is_null()))
    if not missing:
        return 0
    db = Applicant._meta.database
    with db.atomic("IMMEDIATE"):
        for person in missing:
            Applicant.update(name_index=index.index("name", normalise_name(person.name))).where(
                Applicant.id == person.id).execute()
    return len(missing)
