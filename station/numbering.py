"""Case numbers: readable, and unique across the network.

``<12-digit node code>-<YYYYMMDD>-<4-digit daily sequence>``, e.g.
``450981104201-20261121-0003``.  The node code makes numbers unique between
stations; the daily sequence is taken inside the filing transaction (a
``BEGIN IMMEDIATE`` write lock), so two filings never get the same number.
"""

from __future__ import annotations

from datetime import date

from station.store.models import Case


def next_case_no(node_code: str, day: date) -> str:
    prefix = f"{node_code}-{day:%Y%m%d}-"
    last = (
        Case.select(Case.case_no)
        .where(Case.case_no.startswith(prefix))
        .order_by(Case.case_no.desc())
        .first()
    )
    number = int(last.case_no[len(prefix):]) + 1 if last else 1
    return f"{prefix}{number:04d}"
