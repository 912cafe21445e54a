"""One-time enrolment codes: how a new node proves the parent invited it.

The parent prints a code such as ``7K3M-Q0ZD-8F2A-R``: 12 random Crockford
base32 symbols (60 bits) and one check symbol.  The check symbol is
Crockford's: the 60-bit value mod 37, written with the alphabet followed by
``*~$=U``.  Because 37 is prime and larger than every symbol difference, any
single mistyped symbol and any swap of two neighbours changes the value mod
37, so ``parse_code`` catches it before anything is sent.  New codes are
drawn again until their check symbol is a letter or digit, so nobody has to
read ``*~$=`` aloud; the reader still accepts them.

The parent keeps only ``code_digest(code)``.  The new node sends its
certificate request(s) with ``request_proof``: an HMAC-SHA256 over the exact
PEM bytes, keyed by that digest, so the code itself never travels and the
parent checks the proof with what it stored.  Expiry and one-time use live
in the parent's store, which records an ``EnrolmentGrant`` per code.

Over the network a request first reaches the parent's hub, which screens it
before storing anything.  The hub is given only ``screen_key(digest)``, a
one-way derivation of the digest, and the request carries a second HMAC,
``request_screen``, keyed by that screen key.  So the hub refuses a request
made without the code, yet a copy of the hub's database cannot make a proof
the parent would approve (that still needs the digest).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from keys.ca import node_name, requests_from_pem, shown_time
from keys.errors import (
    EnrolmentCodeExpired,
    EnrolmentCodeMistyped,
    EnrolmentCodeUsed,
    EnrolmentProofInvalid,
    EnrolmentRequestMismatch,
    RequestMalformed,
    UnsupportedKey,
)
from keys.recovery import ALPHABET, GROUP

DATA_SYMBOLS = 12
CHECK_SYMBOLS = ALPHABET + "*~$=U"
CHECK_MODULUS = 37
DEFAULT_LIFETIME = timedelta(days=7)
_DATA_BITS = 5 * DATA_SYMBOLS  # 60
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_CHECK_VALUES = {symbol: value for value, symbol in enumerate(CHECK_SYMBOLS)}
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None})
_DIGEST_DOMAIN = b"bianmin-enrolment-code/1\x00"
_PROOF_DOMAIN = b"bianmin-enrolment-proof/1\x00"
_SCREEN_KEY_DOMAIN = b"bianmin-enrolment-screen-key/1\x00"
_SCREEN_DOMAIN = b"bianmin-enrolment-screen/1\x00"

RandomBytes = Callable[[int], bytes]


def _check_symbol(number: int) -> str:
    return CHECK_SYMBOLS[number % CHECK_MODULUS]


def _display(symbols: str) -> str:
    data, check = symbols[:DATA_SYMBOLS], symbols[DATA_SYMBOLS:]
    groups = [data[i : i + GROUP] for i in range(0, DATA_SYMBOLS, GROUP)]
    return "-".join([*groups, check])


def new_code(randbytes: RandomBytes = os.urandom) -> str:
    """A fresh code, displayed as ``XXXX-XXXX-XXXX-C``."""
    while True:
        number = int.from_bytes(randbytes(8), "big") >> (64 - _DATA_BITS)
        check = _check_symbol(number)
        if check.isalnum():
            break
    data = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(DATA_SYMBOLS)))
    return _display(data + check)


def parse_code(text: str) -> str:
    """The code as displayed, from what a person typed; EnrolmentCodeMistyped if wrong.

    Forgives case, spaces and dashes, and reads O as 0 and I or L as 1.
    """
    cleaned = "".join(text.split()).upper().translate(_LOOK_ALIKES)
    if len(cleaned) != DATA_SYMBOLS + 1:
        raise EnrolmentCodeMistyped()
    data, check = cleaned[:DATA_SYMBOLS], cleaned[DATA_SYMBOLS]
    if any(symbol not in _VALUES for symbol in data) or check not in _CHECK_VALUES:
        raise EnrolmentCodeMistyped()
    number = 0
    for symbol in data:
        number = (number << 5) | _VALUES[symbol]
    if _check_symbol(number) != check:
        raise EnrolmentCodeMistyped()
    return _display(cleaned)


def code_digest(code: str) -> str:
    """What the parent stores instead of the code (hex SHA-256, domain-separated)."""
    symbols = parse_code(code).replace("-", "")
    return hashlib.sha256(_DIGEST_DOMAIN + symbols.encode("ascii")).hexdigest()


def _proof(digest: str, csr_pem: bytes) -> str:
    return hmac.new(bytes.fromhex(digest), _PROOF_DOMAIN + csr_pem, hashlib.sha256).hexdigest()


def request_proof(code: str, csr_pem: bytes) -> str:
    """The new node's proof that it holds ``code``, bound to the exact request bytes."""
    return _proof(code_digest(code), csr_pem)


def check_proof(digest: str, csr_pem: bytes, proof: str) -> bool:
    """Whether ``proof`` was made over ``csr_pem`` with the code behind ``digest``."""
    expected = _proof(digest, csr_pem).encode("ascii")
    return hmac.compare_digest(expected, proof.strip().lower().encode("utf-8"))


def screen_key(digest: str) -> str:
    """What the parent gives its hub to screen requests (hex; cannot make proofs)."""
    return hmac.new(bytes.fromhex(digest), _SCREEN_KEY_DOMAIN, hashlib.sha256).hexdigest()


def _screen(key: str, csr_pem: bytes) -> str:
    return hmac.new(bytes.fromhex(key), _SCREEN_DOMAIN + csr_pem, hashlib.sha256).hexdigest()


def request_screen(code: str, csr_pem: bytes) -> str:
    """The new node's second proof, the one its parent's hub can check."""
    return _screen(screen_key(code_digest(code)), csr_pem)


def check_screen(key: str, csr_pem: bytes, screen: str) -> bool:
    """Whether ``screen`` was made over ``csr_pem`` with the code behind ``key``."""
    expected = _screen(key, csr_pem).encode("ascii")
    return hmac.compare_digest(expected, screen.strip().lower().encode("utf-8"))


@dataclass
class EnrolmentGrant:
    """The parent's record of one printed code."""

    digest: str
    child_code: str
    tier: str
    expires_at: datetime
    used_at: datetime | None = None

    def check(self, now: datetime) -> None:
        """EnrolmentCodeUsed or EnrolmentCodeExpired unless the code may still be used."""
        if self.used_at is not None:
            raise EnrolmentCodeUsed(child=self.child_code, used_at=shown_time(self.used_at))
        if now >= self.expires_at:
            expires_at = shown_time(self.expires_at)
            raise EnrolmentCodeExpired(child=self.child_code, expires_at=expires_at)

    def admit(
        self, csr_pem: bytes, proof: str, now: datetime
    ) -> list[x509.CertificateSigningRequest]:
        """The requests in ``csr_pem`` if this grant covers them (does not mark it used).

        One Ed25519 node request, plus one P-256 issuing request for a
        township, all naming the invited node.  Signatures and the issuer's
        rights are checked later by ``keys.ca.approve``.
        """
        self.check(now)
        if not check_proof(self.digest, csr_pem, proof):
            raise EnrolmentProofInvalid()
        requests = requests_from_pem(csr_pem)
        node_keys = issuing_keys = 0
        for request in requests:
            found = node_name(request)
            if found.code != self.child_code or found.tier != self.tier:
                raise EnrolmentRequestMismatch(expected=self.child_code, found=found.code)
            key = request.public_key()
            if isinstance(key, Ed25519PublicKey):
                node_keys += 1
            elif isinstance(key, ec.EllipticCurvePublicKey):
                issuing_keys += 1
            else:
                raise UnsupportedKey(kind=type(key).__name__)
        if node_keys != 1 or issuing_keys > (1 if self.tier == "township" else 0):
            raise RequestMalformed()
        return requests
