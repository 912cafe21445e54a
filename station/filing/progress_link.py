"""What the receipt prints for looking a case up: its check code, and the public
progress page's address when this station knows one (``docs/progress.md``)."""

from __future__ import annotations

from station.app import Station
from station.cases.check_code import own_check_code, page_url
from station.documents.layout import ProgressLink
from station.trust import directory, progress_address


def progress_link(station: Station, case_no: str) -> ProgressLink | None:
    """The check code and page of a case filed here (None for a case filed elsewhere).

    The address is this station's own setting, else the one the county published in
    its directory entry; with neither, the receipt prints the code without a QR."""
    code = own_check_code(case_no)
    if code is None:
        return None
    base = progress_address.own_address() or progress_address.published_address(
        directory.stored_entries(), station.node)
    return ProgressLink(code, page_url(base, case_no, code) if base else None)
