"""The county's revocation list: serial numbers no node may trust any more.

One list covers the whole county tree (certificates the root signed and those
its townships signed), so it is not an X.509 CRL, which speaks for a single
issuer.  Format 1 is ASCII text, one ``name: value`` per line, LF endings::

    bianmin-revocations/1
    suite: ecdsa-p256-sha256
    issuer-key: <hex key identifier of the county root>
    number: <decimal, no leading zeros>
    issued-at: <YYYY-MM-DDTHH:MM:SSZ>
    revoked: <lower-case hex serial, no leading zeros>     (zero or more, ascending)
    signature: <base64 of the DER ECDSA signature>

The signature is over every byte before the ``signature:`` line.  Readers
re-render that part from the parsed values and refuse anything that is not
byte-for-byte canonical, so one list has exactly one form.  Lists are
numbered: a station keeps the highest number it has seen (``newer``), so
replaying an old list never brings a revoked certificate back.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends.openssl.backend import backend as _openssl
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from keys.ca import SUITE, root_key_id, utc_seconds
from keys.errors import RevocationInvalid

FORMAT_LINE = "bianmin-revocations/1"
_TIME = "%Y-%m-%dT%H:%M:%SZ"
_SIGNATURE = "signature: "


@dataclass(frozen=True)
class RevocationList:
    """A revocation list whose signature was checked (obtain via ``load_revocations``)."""

    number: int
    issued_at: datetime
    revoked: frozenset[int]
    signature: bytes
    issuer_key: str

    def body(self) -> bytes:
        """The canonical signed bytes."""
        return _body(self.issuer_key, self.number, self.issued_at, self.revoked)

    def to_bytes(self) -> bytes:
        """The file: body and signature."""
        return self.body() + _signature_line(self.signature)

    def is_revoked(self, serial: int) -> bool:
        return serial in self.revoked


def _body(issuer_key: str, number: int, issued_at: datetime, revoked: Iterable[int]) -> bytes:
    lines = [
        FORMAT_LINE,
        f"suite: {SUITE}",
        f"issuer-key: {issuer_key}",
        f"number: {number}",
        f"issued-at: {issued_at.strftime(_TIME)}",
        *(f"revoked: {serial:x}" for serial in sorted(revoked)),
    ]
    return "".join(line + "\n" for line in lines).encode("ascii")


def issue_revocations(
    root_key: ec.EllipticCurvePrivateKey,
    number: int,
    revoked: Iterable[int],
    now: datetime | None = None,
) -> bytes:
    """The signed revocation list file; ``number`` must grow with every new list."""
    serials = frozenset(revoked)
    if number < 0 or any(serial <= 0 for serial in serials):
        raise ValueError("list numbers are non-negative and serial numbers positive")
    issuer_key = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()).digest.hex()
    body = _body(issuer_key, number, utc_seconds(now), serials)
    algorithm = ec.ECDSA(
        hashes.SHA256(), deterministic_signing=_openssl.ecdsa_deterministic_supported()
    )
    return body + _signature_line(root_key.sign(body, algorithm))


def load_revocations(data: bytes, root_cert: x509.Certificate) -> RevocationList:
    """The list in ``data`` if the county root signed it; RevocationInvalid otherwise."""
    parsed = _parse(data)
    if (
        parsed.issuer_key != root_key_id(root_cert)
        or parsed.body() + _signature_line(parsed.signature) != data
    ):
        raise RevocationInvalid()
    public_key = root_cert.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise RevocationInvalid()
    try:
        public_key.verify(parsed.signature, parsed.body(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise RevocationInvalid() from None
    return parsed


def newer(current: RevocationList | None, incoming: RevocationList) -> RevocationList:
    """The list to keep: ``incoming`` only if its number is higher than ``current``'s."""
    if current is None:
        return incoming
    if incoming.issuer_key != current.issuer_key:
        raise RevocationInvalid()
    return incoming if incoming.number > current.number else current


def _signature_line(signature: bytes) -> bytes:
    return (_SIGNATURE + base64.b64encode(signature).decode("ascii") + "\n").encode("ascii")


def _parse(data: bytes) -> RevocationList:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise RevocationInvalid() from None
    if not text.endswith("\n"):
        raise RevocationInvalid()
    lines = text[:-1].split("\n")
    if len(lines) < 6 or lines[0] != FORMAT_LINE:
        raise RevocationInvalid()
    fields = [line.partition(": ") for line in lines[1:]]
    if any(not sep for _, sep, _ in fields):
        raise RevocationInvalid()
    names = [name for name, _, _ in fields]
    values = [value for _, _, value in fields]
    head = ["suite", "issuer-key", "number", "issued-at"]
    if names[:4] != head or names[-1] != "signature" or set(names[4:-1]) - {"revoked"}:
        raise RevocationInvalid()
    if values[0] != SUITE:
        raise RevocationInvalid()
    try:
        issued_at = datetime.strptime(values[3] + "+0000", _TIME + "%z")
        number = int(values[2], 10)
        revoked = frozenset(int(value, 16) for value in values[4:-1])
        signature = base64.b64decode(values[-1], validate=True)
    except (ValueError, binascii.Error):
        raise RevocationInvalid() from None
    return RevocationList(number, issued_at, revoked, signature, values[1])
