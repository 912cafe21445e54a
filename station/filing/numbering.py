"""Case numbers: readable, and unique across the network.

``<12-digit node code>-<YYYYMMDD>-<4-digit daily sequence>``, e.g.
``450981104201-20261121-0003``.  The node code makes numbers unique between
stations; the daily sequence is taken inside the filing transaction (a
``BEGIN IMMEDIATE`` write lock), so two filings never get the same number.
After a restore, numbers the hub holds for this node count as taken.
"""

from __future__ import annotations

from datetime import date

from station import outbox
from station.store.models import Case, Event


def next_case_no(node_code: str, day: date) -> str:
    prefix = f"{node_code}-{day:%Y%m%d}-"
    # An index range (":" sorts right after "9"), not LIKE, which SQLite
    # cannot answer from the index; the day's numbers compared as numbers.
    today = Case.select(Case.case_no).where(
        (Case.case_no > prefix) & (Case.case_no < prefix + ":")
    )
    numbers = [int(c.case_no[len(prefix):]) for c in today]
    # cases this node filed on a PC whose work came back only as the hub's records
    # (a restore from an older backup): their numbers are taken
    held = Event.select(Event.case_no).where((Event.type == outbox.RECOVERED)
                                             & (Event.case_no > prefix)
                                             & (Event.case_no < prefix + ":"))
    numbers += [int(str(e.case_no)[len(prefix):]) for e in held]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"
