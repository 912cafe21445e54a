"""Document numbers (文书编号): one sequence per issuing node, office, kind and year.

Two notices for one case get two numbers, so each can be told apart on paper
and listed as its own version.  The sequence is kept in this node's store and
taken inside one write transaction, so two reviewers of the same office never
get the same number; a number taken for a document that then failed to print
is simply not used (gaps are allowed, repeats are not).
"""

from __future__ import annotations

from station.app import Station
from station.documents.organ import document_number
from station.store.models import Setting

__all__ = ["next_number"]

PREFIX = "document_number."


def next_number(station: Station, office: str, kind: str, year: int) -> str:
    """Take the next number for a document of ``kind`` that ``office`` issues in ``year``."""
    key = f"{PREFIX}{office}.{kind}.{year}"
    with station.db.atomic("IMMEDIATE"):
        stored = Setting.get_or_none(Setting.key == key)
        sequence = (int(stored.value) if stored else 0) + 1
        Setting.replace(key=key, value=str(sequence)).execute()
    node = station.node
    return document_number(node.name, office, kind, year, sequence, node.code)
