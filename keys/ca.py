"""The county's certificate authority: X.509 certificates along the division codes.

Three kinds of certificate, all signed with ECDSA P-256 / SHA-256::

    root     the county's self-signed CA      P-256 key    CA, path length 1
    issuing  a township's issuing key          P-256 key    CA, path length 0
    node     any node's signing key            Ed25519 key  not a CA

The subject names the node: ``C=CN, OU=<tier>, CN=<name>,
serialNumber=<12-digit code>``.  A node's code must lie under its issuer's
code (``keys.hierarchy``): the county certifies its townships and villages and
its own node key, a township's issuing key certifies that township's villages.
``verify_node`` checks this at every link, so a certificate signed for a
village outside the signer's township is refused even though its signature is
good.  Revocation lists (``keys.revocation``) name serial numbers anywhere in
the county's tree.

ECDSA signatures are deterministic (RFC 6979) where the OpenSSL build offers
it, so signing never depends on the random number generator and the frozen
test vectors can be reproduced; verification does not care either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple, Protocol, cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.backends.openssl.backend import backend as _openssl
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from keys.errors import (
    CertificateExpired,
    CertificateMalformed,
    CertificateNotYetValid,
    CertificateRevoked,
    ChainInvalid,
    IssuerMissing,
    IssuingKeyNotAllowed,
    NotAnIssuer,
    NotUnderIssuer,
    PemInvalid,
    RequestForged,
    RequestMalformed,
    RevocationInvalid,
    SignatureForged,
    TierMismatch,
    UnsupportedKey,
)
from keys.hierarchy import Tier, is_under, tier_of


class Revocations(Protocol):
    """What a chain check needs of a revocation list (``keys.revocation.RevocationList``,
    which builds on this module: the protocol keeps the dependency one way)."""

    @property
    def issuer_key(self) -> str: ...

    @property
    def revoked(self) -> frozenset[int]: ...

SUITE = "ecdsa-p256-sha256"
COUNTRY = "CN"
ROOT_PATH_LENGTH = 1
# Certificates start one day before they are made: village PCs' clocks drift.
BACKDATE = timedelta(days=1)
CHINA_TIME = timezone(timedelta(hours=8), "UTC+8")
DEFAULT_ROOT_YEARS = 20
DEFAULT_DAYS = 3650
# Root -> township issuing -> village: no path has more certificates below the root.
MAX_BELOW_ROOT = 2
_SERIAL_BYTES = 20
_KEY_SEED_BYTES = 48  # 384 bits reduced mod n: bias below 2**-128 (FIPS 186-5 A.2.1)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

RandomBytes = Callable[[int], bytes]
PemItem = x509.Certificate | x509.CertificateSigningRequest | Sequence[x509.Certificate]


class NodeName(NamedTuple):
    """What a certificate or request says about its node."""

    code: str
    tier: Tier
    name: str


@dataclass(frozen=True)
class NodeIdentity:
    """A node whose certificate chain verified: trust its Ed25519 signatures."""

    code: str
    tier: Tier
    name: str
    serial: int
    public_key: Ed25519PublicKey = field(compare=False, repr=False)


# -- keys and names ---------------------------------------------------------


def new_issuing_key(randbytes: RandomBytes = os.urandom) -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key (the county root, or a township's issuing key)."""
    secret = int.from_bytes(randbytes(_KEY_SEED_BYTES), "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(secret, ec.SECP256R1())


def subject_name(code: str, tier: str, name: str) -> x509.Name:
    """The subject of a node's certificate (checks that code and tier agree)."""
    if tier_of(code) != tier:
        raise TierMismatch(code=code, tier=tier)
    if not name.strip():
        raise ValueError("a node needs a name")
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, tier),
            x509.NameAttribute(NameOID.COMMON_NAME, name.strip()),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, code),
        ]
    )


def node_name(item: x509.Certificate | x509.CertificateSigningRequest) -> NodeName:
    """Code, tier and name from a certificate's or request's subject.

    Raises CertificateMalformed when an attribute is missing, repeated or not
    text, NodeCodeInvalid for a bad code and TierMismatch when the tier does
    not fit the code.
    """
    fields = _subject_fields(item.subject)
    if fields is None:
        raise CertificateMalformed(code=_loose_code(item.subject))
    code, tier, name = fields
    if tier_of(code) != tier:
        raise TierMismatch(code=code, tier=tier)
    return NodeName(code, cast(Tier, tier), name)


def _subject_fields(subject: x509.Name) -> tuple[str, str, str] | None:
    values = []
    for oid in (NameOID.SERIAL_NUMBER, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COMMON_NAME):
        found = subject.get_attributes_for_oid(oid)
        if len(found) != 1 or not isinstance(found[0].value, str) or not found[0].value:
            return None
        values.append(found[0].value)
    return values[0], values[1], values[2]


def _loose_code(subject: x509.Name) -> str:
    found = subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    value = found[0].value if found else "?"
    return value if isinstance(value, str) else "?"


def utc_seconds(moment: datetime | None = None) -> datetime:
    """``moment`` (now by default) in UTC, to the second, as certificates keep it."""
    if moment is None:
        moment = datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("times must carry a time zone")
    return moment.astimezone(UTC).replace(microsecond=0)


def _is_p256(key: object) -> bool:
    return isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) and isinstance(
        key.curve, ec.SECP256R1
    )


def _sign(builder: x509.CertificateBuilder, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    if not _is_p256(key):
        raise UnsupportedKey(kind=_key_kind(key))
    deterministic = _openssl.ecdsa_deterministic_supported()
    return builder.sign(key, hashes.SHA256(), ecdsa_deterministic=deterministic or None)


def _key_kind(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"EC {key.curve.name}"
    return type(key).__name__


def _serial(randbytes: RandomBytes) -> int:
    # 159 random bits, never zero: positive and at most 20 bytes (RFC 5280 4.1.2.2).
    return (int.from_bytes(randbytes(_SERIAL_BYTES), "big") >> 1) or 1


def _key_identifier(key: x509.Certificate) -> x509.SubjectKeyIdentifier:
    try:
        return key.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _key_usage(*, sign: bool, certify: bool, commit: bool = False) -> x509.KeyUsage:
    """Key usage bits; ``commit`` (non-repudiation) for an office seal."""
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=commit,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certify,
        crl_sign=certify,
        encipher_only=False,
        decipher_only=False,
    )


# -- making certificates ----------------------------------------------------


def create_root(
    county_code: str,
    name: str,
    now: datetime | None = None,
    years: int = DEFAULT_ROOT_YEARS,
    *,
    randbytes: RandomBytes = os.urandom,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new county root: its P-256 key and self-signed CA certificate."""
    subject = subject_name(county_code, "county", name)
    moment = utc_seconds(now)
    key = new_issuing_key(randbytes)
    identifier = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(_serial(randbytes))
        .not_valid_before(moment - BACKDATE)
        .not_valid_after(moment + timedelta(days=365 * years + years // 4))
        .add_extension(x509.BasicConstraints(ca=True, path_length=ROOT_PATH_LENGTH), True)
        .add_extension(_key_usage(sign=True, certify=True), True)
        .add_extension(identifier, False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(identifier), False
        )
    )
    return key, _sign(builder, key)


def node_csr(
    signing_key: Ed25519PrivateKey, code: str, tier: str, name: str
) -> x509.CertificateSigningRequest:
    """A request to certify a node's Ed25519 signing key."""
    if not isinstance(signing_key, Ed25519PrivateKey):
        raise UnsupportedKey(kind=_key_kind(signing_key))
    subject = subject_name(code, tier, name)
    return x509.CertificateSigningRequestBuilder().subject_name(subject).sign(signing_key, None)


def issuing_csr(
    issuing_key: ec.EllipticCurvePrivateKey, code: str, name: str
) -> x509.CertificateSigningRequest:
    """A request to certify a township's P-256 issuing key."""
    if not _is_p256(issuing_key):
        raise UnsupportedKey(kind=_key_kind(issuing_key))
    if tier_of(code) != "township":
        raise IssuingKeyNotAllowed(code=code)
    subject = subject_name(code, "township", name)
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    deterministic = _openssl.ecdsa_deterministic_supported()
    return builder.sign(issuing_key, hashes.SHA256(), ecdsa_deterministic=deterministic or None)


def approve(
    csr: x509.CertificateSigningRequest,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate,
    *,
    now: datetime | None = None,
    days: int = DEFAULT_DAYS,
    randbytes: RandomBytes = os.urandom,
) -> x509.Certificate:
    """Sign ``csr`` with the issuer's key, if the issuer may certify that node.

    An Ed25519 key gets a node certificate, a P-256 key (townships only) an
    issuing certificate.  The certificate never outlives its issuer's.
    """
    moment = utc_seconds(now)
    if not csr.is_signature_valid:
        raise RequestForged()
    try:
        code, tier, name = node_name(csr)
    except CertificateMalformed:
        raise RequestMalformed() from None
    public_key = csr.public_key()
    issuing = _is_p256(public_key)
    if not issuing and not isinstance(public_key, Ed25519PublicKey):
        raise UnsupportedKey(kind=_key_kind(public_key))
    if issuing and tier != "township":
        raise IssuingKeyNotAllowed(code=code)

    if issuer_key.public_key() != issuer_cert.public_key():
        raise ValueError("the issuer's key does not belong to the issuer's certificate")
    issuer = node_name(issuer_cert)
    constraints = _constraints(issuer_cert)
    if constraints is None or not _may_sign_certificates(issuer_cert):
        raise NotAnIssuer(issuer=issuer.code)
    if issuing and constraints.path_length is not None and constraints.path_length < 1:
        raise NotAnIssuer(issuer=issuer.code)
    if not _may_certify(code, issuing, issuer.code, _self_signed(issuer_cert)):
        raise NotUnderIssuer(child=code, parent=issuer.code)
    _check_validity(issuer_cert, issuer.code, moment)

    not_after = min(moment + timedelta(days=days), issuer_cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name(code, tier, name))
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(_serial(randbytes))
        .not_valid_before(moment - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=issuing, path_length=0 if issuing else None), True)
        .add_extension(_key_usage(sign=not issuing, certify=issuing), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                _key_identifier(issuer_cert)
            ),
            False,
        )
    )
    return _sign(builder, issuer_key)


def _may_certify(
    child_code: str, child_is_ca: bool, issuer_code: str, issuer_is_root: bool
) -> bool:
    """Codes below the issuer; and the county root certifies the county's own node key."""
    if is_under(child_code, issuer_code):
        return True
    return child_code == issuer_code and issuer_is_root and not child_is_ca


def _constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def _is_ca(cert: x509.Certificate) -> bool:
    constraints = _constraints(cert)
    return constraints is not None and constraints.ca


def _may_sign_certificates(cert: x509.Certificate) -> bool:
    if not _is_ca(cert) or not _is_p256(cert.public_key()):
        return False
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        return False


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    return _issued_by(cert, cert)


# Signatures already found good: (child's DER, issuer's key) -> True.  A hub checks the
# same township and root certificates in every station's chain at every hello; an
# ECDSA verify is ~100 µs.  Keyed by the child's whole DER (its to-be-signed part and
# its signature) and the issuer's public key, so a hit is exactly the check that passed
# before; validity, revocation, names and constraints are still judged every time.
# Only successes are kept (a forger cannot fill it), at most _VERIFIED_MAX of them.
_VERIFIED_MAX = 4096
_verified: dict[tuple[bytes, bytes], bool] = {}


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key made ``child``'s signature (memoised on success)."""
    key = (child.public_bytes(serialization.Encoding.DER),
           issuer.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo))
    if _verified.get(key):
        return True
    try:
        child.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[key] = True
    return True


def _check_validity(cert: x509.Certificate, code: str, at: datetime) -> None:
    if at < cert.not_valid_before_utc:
        raise CertificateNotYetValid(code=code, not_before=shown_time(cert.not_valid_before_utc))
    if at > cert.not_valid_after_utc:
        raise CertificateExpired(code=code, not_after=shown_time(cert.not_valid_after_utc))


def shown_time(moment: datetime) -> str:
    """A time for a message, as people at the stations read it (China Standard Time)."""
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") + " (UTC+8)"


# -- verifying --------------------------------------------------------------


def verify_node(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    root: x509.Certificate,
    revocations: Revocations | None = None,
    at: datetime | None = None,
) -> NodeIdentity:
    """The node ``cert`` names, if its chain leads to ``root`` and nothing is wrong.

    ``chain`` holds the certificates between ``cert`` and the root in any
    order (extra ones are ignored; the root may be included).  Every link is
    checked: signature (ECDSA P-256 / SHA-256), validity at ``at``, the
    issuer's CA flag and path length, and that the child's code lies under
    its issuer's.  A serial on ``revocations`` anywhere in the chain refuses
    the node.
    """
    return _verify_path(cert, chain, root, revocations, utc_seconds(at))[0]


def _verify_path(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    root: x509.Certificate,
    revocations: Revocations | None,
    moment: datetime,
) -> tuple[NodeIdentity, list[x509.Certificate]]:
    """verify_node's work; also the certificates of the path below the root, leaf first."""
    root_code = _check_root(root, moment)
    if revocations is not None and revocations.issuer_key != root_key_id(root):
        raise RevocationInvalid()

    leaf = _checked_name(cert)
    public_key = cert.public_key()
    if not isinstance(public_key, Ed25519PublicKey) or _is_ca(cert):
        raise ChainInvalid(code=leaf.code, reason=CertificateMalformed(code=leaf.code))

    child, child_name = cert, leaf
    below: list[x509.Certificate] = []
    while True:
        _check_validity(child, child_name.code, moment)
        if revocations is not None and child.serial_number in revocations.revoked:
            raise CertificateRevoked(code=child_name.code)
        below.append(child)
        issuer = _find_issuer(child, child_name.code, root, chain)
        issuer_is_root = issuer == root
        issuer_name = NodeName(root_code, "county", "") if issuer_is_root else _checked_name(issuer)
        if not _may_sign_certificates(issuer):
            raise NotAnIssuer(issuer=issuer_name.code)
        path_length = cast(x509.BasicConstraints, _constraints(issuer)).path_length
        if path_length is not None and len(below) - 1 > path_length:
            raise NotAnIssuer(issuer=issuer_name.code)
        if not _may_certify(child_name.code, _is_ca(child), issuer_name.code, issuer_is_root):
            raise NotUnderIssuer(child=child_name.code, parent=issuer_name.code)
        if issuer_is_root:
            break
        if len(below) >= MAX_BELOW_ROOT:
            raise ChainInvalid(code=leaf.code, reason=IssuerMissing(code=issuer_name.code))
        child, child_name = issuer, issuer_name

    return NodeIdentity(leaf.code, leaf.tier, leaf.name, cert.serial_number, public_key), below


class VerifiedChains:
    """``verify_node`` for chains presented again and again: a hub sees every station's
    chain at each hello (once a minute at 500 stations), and checking it costs
    ~0.3 ms of signatures and name parsing.

    A chain that verified is remembered by its exact PEM bytes and root, with what
    can change its answer later: the path's validity window (root included) and its
    serials.  Presented again, it is accepted only while the moment is inside that
    window, no serial of the path below the root is on the revocation list given now,
    and that list is the root's; anything else goes through ``verify_node`` again, which gives the
    exact error.  Only successes are kept, at most ``limit`` of them (a forger cannot
    fill it: its chains do not verify).  Thread-safe (one dict, replaced whole)."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._known: dict[tuple[bytes, bytes], _Verified] = {}

    def verify(self, chain_pem: bytes, root: x509.Certificate,
               revocations: Revocations | None = None,
               at: datetime | None = None) -> NodeIdentity:
        """The node the chain names, as ``verify_node(chain[0], chain[1:], root, …)``
        would answer (PemInvalid for text that holds no certificate)."""
        moment = utc_seconds(at)
        key = (bytes(chain_pem), root.public_bytes(serialization.Encoding.DER))
        known = self._known.get(key)
        if known is not None and known.still_good(moment, revocations):
            return known.identity
        certificates = chain_from_pem(key[0])
        identity, path = _verify_path(certificates[0], certificates[1:], root, revocations,
                                      moment)
        if len(self._known) >= self.limit:
            self._known = {}
        self._known[key] = _Verified(
            identity, root_key_id(root), frozenset(c.serial_number for c in path),
            max(c.not_valid_before_utc for c in [*path, root]),
            min(c.not_valid_after_utc for c in [*path, root]))
        return identity


@dataclass(frozen=True)
class _Verified:
    identity: NodeIdentity
    root_key: str
    serials: frozenset[int]
    not_before: datetime
    not_after: datetime

    def still_good(self, moment: datetime, revocations: Revocations | None) -> bool:
        if not self.not_before <= moment <= self.not_after:
            return False
        if revocations is None:
            return True
        return revocations.issuer_key == self.root_key and not (self.serials
                                                                & revocations.revoked)


def root_key_id(root: x509.Certificate) -> str:
    """The hex key identifier of a root's key (as recorded in its revocation lists).

    Computed from the key itself (RFC 5280 method 1), whatever the certificate's
    SubjectKeyIdentifier extension says.
    """
    return x509.SubjectKeyIdentifier.from_public_key(root.public_key()).digest.hex()


def _checked_name(cert: x509.Certificate) -> NodeName:
    try:
        return node_name(cert)
    except CertificateMalformed as error:
        code = str(error.params["code"])
        raise ChainInvalid(code=code, reason=error) from None


def _check_root(root: x509.Certificate, at: datetime) -> str:
    name = _checked_name(root)
    if name.tier != "county" or not _self_signed(root) or not _may_sign_certificates(root):
        raise ChainInvalid(code=name.code, reason=CertificateMalformed(code=name.code))
    _check_validity(root, name.code, at)
    return name.code


def _find_issuer(
    child: x509.Certificate, code: str, root: x509.Certificate, chain: Sequence[x509.Certificate]
) -> x509.Certificate:
    """The certificate whose key signed ``child``: the root, or an intermediate in ``chain``.

    Self-signed certificates other than the root are never intermediates.
    """
    named = [c for c in [root, *chain] if c.subject == child.issuer and c != child]
    for candidate in named:
        if not _is_p256(candidate.public_key()):
            continue
        if candidate != root and candidate.subject == candidate.issuer:
            continue
        if not _issued_by(child, candidate):
            continue
        if child.signature_algorithm_oid != SignatureAlgorithmOID.ECDSA_WITH_SHA256:
            raise ChainInvalid(code=code, reason=CertificateMalformed(code=code))
        return candidate
    reason = SignatureForged(code=code) if named else IssuerMissing(code=code)
    raise ChainInvalid(code=code, reason=reason)


# -- files that travel ------------------------------------------------------


def to_pem(item: PemItem) -> bytes:
    """PEM text of a certificate, a request, or a chain (certificates in order)."""
    if isinstance(item, x509.Certificate | x509.CertificateSigningRequest):
        return item.public_bytes(serialization.Encoding.PEM)
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in item)


def certificate_from_pem(data: bytes) -> x509.Certificate:
    """The one certificate in ``data``; PemInvalid if there is not exactly one."""
    certificates = chain_from_pem(data)
    if len(certificates) != 1:
        raise PemInvalid()
    return certificates[0]


def chain_from_pem(data: bytes) -> list[x509.Certificate]:
    """Every certificate in ``data`` (at least one), in file order."""
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise PemInvalid() from None
    if not certificates:
        raise PemInvalid()
    return certificates


_CSR_BEGIN = b"-----BEGIN CERTIFICATE REQUEST-----"
_CSR_END = b"-----END CERTIFICATE REQUEST-----"


def requests_from_pem(data: bytes) -> list[x509.CertificateSigningRequest]:
    """Every certificate request in ``data`` (at least one), in file order."""
    requests = []
    rest = data
    while _CSR_BEGIN in rest:
        start = rest.index(_CSR_BEGIN)
        end = rest.find(_CSR_END, start)
        if end < 0:
            raise PemInvalid()
        block, rest = rest[start : end + len(_CSR_END)], rest[end + len(_CSR_END) :]
        try:
            requests.append(x509.load_pem_x509_csr(block))
        except ValueError:
            raise PemInvalid() from None
    if not requests:
        raise PemInvalid()
    return requests


def request_from_pem(data: bytes) -> x509.CertificateSigningRequest:
    """The one certificate request in ``data``; PemInvalid otherwise."""
    requests = requests_from_pem(data)
    if len(requests) != 1:
        raise PemInvalid()
    return requests[0]
