"""The check code (查询码) printed beside the case number on the receipt.

The public progress page (``station progress serve``) answers only for a case
number together with its check code, so case numbers, which follow a pattern,
cannot be walked to read other people's cases.  The code is derived from the
``event_id`` of the case's first ``case.filed`` event: a random 128-bit value
made at filing, travelling in the clear header every hub stores, and printed
nowhere.  The filing station and the county's hub therefore both know it, with
no new header field and no personal data, and every case filed before this
module existed has one too.  Someone holding only the receipt's number cannot
compute it.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from station.outbox import CASE_FILED
from station.store.models import Event

# 32 symbols without 0/O, 1/I: nothing a resident reading it aloud can confuse
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 6  # 30 bits
PAGE_PATH = "/p/"  # the progress page of a case: {base}/p/{case_no}?c={code}
_CONTEXT = b"bianmin-station/progress-check-code/v1\x00"


def check_code(case_no: str, filed_event_id: str) -> str:
    """The case's check code from the id of its first ``case.filed`` event."""
    mac = hmac.new(bytes.fromhex(filed_event_id), _CONTEXT + case_no.encode("utf-8"),
                   hashlib.sha256).digest()
    number = int.from_bytes(mac[:8], "big")
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(LENGTH))


def normalise(code: str) -> str:
    """What a person typed, as the code is printed: upper case, no spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()


def matches(case_no: str, filed_event_id: str, given: str) -> bool:
    """Whether ``given`` is the case's check code (compared in constant time)."""
    expected = check_code(case_no, filed_event_id).encode("ascii")
    return hmac.compare_digest(expected, normalise(given).encode("utf-8", "replace"))


def page_url(base: str, case_no: str, code: str) -> str:
    """The address of the case's public progress page (what the receipt's QR holds)."""
    return f"{base.rstrip('/')}{PAGE_PATH}{quote(case_no, safe='')}?c={code}"


def own_check_code(case_no: str) -> str | None:
    """The check code of a case this station filed (None if it filed no such case)."""
    filed = (Event.select(Event.id)
             .where((Event.case_no == case_no) & (Event.type == CASE_FILED))
             .order_by(Event.seq).first())
    return check_code(case_no, filed.id) if filed else None
