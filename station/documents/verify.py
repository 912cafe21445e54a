"""Checking a sealed document: intact, sealed by an office of this county, not revoked.

For every signature in the file, pyHanko checks the signature over its byte
ranges (intact), the chain to the county root given as the only trust anchor
(trusted) and how much of the file it covers; ``keys.office_seal`` then
checks the seal's own rules (a seal certificate, of the node its issuer
belongs to, under this county's tree) and the county's revocation list,
which pyHanko does not know.  A document holds when every seal does and the
last one covers the whole file (earlier seals may be followed by later
seals only).

``verify_pdf`` raises for what cannot be checked at all (InputFileInvalid,
PdfUnreadable, PdfNotSigned) and otherwise returns a ``PdfVerification``;
its ``failure()`` is the SealCheckFailed to show when it does not hold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from keys.ca import utc_seconds
from keys.errors import CertificateRevoked, KeysError, SealRevoked, TrustError
from keys.office_seal import SealName, seal_name, verify_seal
from keys.revocation import RevocationList
from station.documents.sign import asn1_certificate, read_pdf
from station.errors import (
    PdfAppended,
    PdfNotSigned,
    PdfTampered,
    PdfUnreadable,
    SealCheckFailed,
    SealUntrusted,
)

__all__ = ["PdfVerification", "SealCheck", "verify_pdf"]

log = logging.getLogger("station")
# pyHanko reports a path it cannot build as a warning with a traceback; with no
# handler of its own that would reach stderr through logging's last resort.
# The verdict is ours to report, so its records only go where the program's
# own handlers (if any) send them.
for _library in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_library).addHandler(logging.NullHandler())


@dataclass(frozen=True)
class SealCheck:
    """One signature of the file and what holds about it."""

    field: str
    office: str | None
    node_code: str | None
    node_name: str | None
    serial: int | None
    signed_at: datetime | None  # as the signer reported it (PAdES /M)
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # a seal of an office of this county, chain valid now
    revoked: bool  # the seal or its issuer is on the county's list
    covers_whole_file: bool  # nothing was added after it
    problem: Exception | None  # why it does not hold; None when it does

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        from station import i18n

        return {
            "field": self.field,
            "office": self.office,
            "node_code": self.node_code,
            "node_name": self.node_name,
            "serial": self.serial,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "intact": self.intact,
            "trusted": self.trusted,
            "revoked": self.revoked,
            "covers_whole_file": self.covers_whole_file,
            "ok": self.ok,
            "problem": i18n.render(self.problem) if self.problem else None,
        }


@dataclass(frozen=True)
class PdfVerification:
    path: Path
    seals: tuple[SealCheck, ...]

    @property
    def ok(self) -> bool:
        return bool(self.seals) and all(seal.ok for seal in self.seals)

    @property
    def last(self) -> SealCheck:
        return self.seals[-1]

    def failure(self) -> SealCheckFailed | None:
        """The error to show when the document does not hold (None when it does)."""
        for seal in self.seals:
            if seal.problem is not None:
                return SealCheckFailed(path=self.path, reason=seal.problem)
        return None

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "ok": self.ok,
                "seals": [seal.to_json() for seal in self.seals]}


def verify_pdf(
    path: Path,
    root: x509.Certificate,
    revocations: RevocationList | None,
    *,
    at: datetime | None = None,
) -> PdfVerification:
    """Check every seal of ``path`` against the county ``root`` and ``revocations`` at ``at``."""
    moment = utc_seconds(at)
    data = read_pdf(path)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as error:
        raise PdfUnreadable(path=path) from error
    if not signatures:
        raise PdfNotSigned(path=path)
    context = ValidationContext(trust_roots=[asn1_certificate(root)], moment=moment,
                                allow_fetching=False, revocation_mode="soft-fail")
    checks = [_check(signature, root, revocations, moment, context) for signature in signatures]
    return PdfVerification(path, tuple(_after_last(checks)))


def _check(signature: Any, root: x509.Certificate, revocations: RevocationList | None,
           moment: datetime, context: ValidationContext) -> SealCheck:
    field = str(signature.field_name)
    try:
        cert = _certificate(signature.signer_cert)
        chain = [_certificate(c) for c in signature.other_embedded_certs]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        log.info("seal %s: certificates unreadable: %s", field, error)
        return _broken(field)
    name = _name(cert)
    try:
        status = validate_pdf_signature(signature, context)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
        log.info("seal %s: signature unreadable: %s", field, error)
        return _broken(field, name, cert.serial_number)
    intact = bool(status.intact and status.valid)
    seal_problem: KeysError | None = None
    revoked = False
    try:
        verify_seal(cert, chain, root, revocations, moment)
    except (SealRevoked, CertificateRevoked) as error:
        revoked, seal_problem = True, error
    except TrustError as error:
        seal_problem = error
    # pyHanko reports no trust once the signed bytes changed; then our own chain
    # check alone says whether the seal is one of this county's.
    chain_holds = seal_problem is None or revoked
    trusted = chain_holds and (bool(status.trusted) or not intact)
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problem: Exception | None
    if not intact:
        problem = PdfTampered()
    elif not trusted:
        problem = seal_problem if seal_problem is not None and not revoked else SealUntrusted()
    elif revoked:
        problem = seal_problem
    elif not covers and not _only_later_seals(status):
        problem = PdfAppended()
    else:
        problem = None
    return SealCheck(
        field=field,
        office=name.office if name else None,
        node_code=name.code if name else None,
        node_name=name.node_name if name else None,
        serial=cert.serial_number,
        signed_at=status.signer_reported_dt,
        intact=intact,
        trusted=trusted,
        revoked=revoked,
        covers_whole_file=covers,
        problem=problem,
    )


def _after_last(checks: list[SealCheck]) -> list[SealCheck]:
    """Only another seal may follow a seal: the last one must cover the whole file."""
    last = checks[-1]
    if last.problem is None and not last.covers_whole_file:
        checks[-1] = replace(last, problem=PdfAppended())
    return checks


def _only_later_seals(status: Any) -> bool:
    level = getattr(status, "modification_level", None)
    return bool(status.docmdp_ok) and level is not None and level <= ModificationLevel.FORM_FILLING


def _broken(field: str, name: SealName | None = None, serial: int | None = None) -> SealCheck:
    return SealCheck(field, name.office if name else None, name.code if name else None,
                     name.node_name if name else None, serial, None, False, False, False, False,
                     PdfTampered())


def _certificate(value: Any) -> x509.Certificate:
    if value is None:
        raise ValueError("no signer certificate")
    return x509.load_der_x509_certificate(value.dump())


def _name(cert: x509.Certificate) -> SealName | None:
    try:
        return seal_name(cert)
    except TrustError:
        return None
