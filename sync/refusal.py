"""拒绝入网: the approver's refusal of an enrolment request, as both sides make and check it.

The approver signs (``sync.signed``) ``{"kind": "enrolment-refusal", "issuer",
"node", "request", "reason", "refused_at"}``, where ``request`` is the SHA-256
of the refused request's canonical JSON: a refusal names one request, so a
new request (made with a new code) is never refused by an old refusal.  The
hub keeps it only if its signer is the request's approver
(``sync/hub/enrolments.py``); the new node reads the reason.
"""

from __future__ import annotations

import hashlib

from sync.signed import canonical

REFUSAL_KIND = "enrolment-refusal"
MAX_REASON = 200  # characters of a reason


def request_digest(request: object) -> str:
    """What a refusal names: the SHA-256 of the request's canonical JSON."""
    return hashlib.sha256(canonical(request)).hexdigest()


def clean_reason(reason: str) -> str:
    """The reason as it is sent: runs of white space (line breaks too) made one space."""
    return " ".join(reason.split())


def reason_fits(reason: object) -> bool:
    """Written text, not blank, at most MAX_REASON characters."""
    return isinstance(reason, str) and bool(reason.strip()) and len(reason) <= MAX_REASON
