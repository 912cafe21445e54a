"""Office seals (电子印章): an office's P-256 key and its certificate for signing documents.

A decision, a refusal or a notice carries the seal of the office that issues
it (the 民政局 of the county, the 民政办 of a township).  The seal is an ECDSA
P-256 key with an X.509 certificate issued inside the county's tree::

    county office      seal certificate signed by the county root
    township office    seal certificate signed by the township's issuing key

The subject names the office and its node::

    C=CN, O=<node name>, OU=seal, CN=<office>, serialNumber=<12-digit node code>

Key usage is digitalSignature and contentCommitment (non-repudiation), with
the extended key usage id-kp-documentSigning (RFC 9336); a seal is never a
CA.  An issuer certifies seals for its *own* node code only (a township
cannot make a seal that claims to be the county's, nor one for another
township), and a seal never outlives its issuer's certificate.  Villages hold
no issuing key, so they have no seals: they print and deliver.

``verify_seal`` checks a seal chain up to the county root at a given time:
every signature, validity period, CA flag and path length, the township's
place under the county, the seal's code against its issuer's, and the
county's revocation list for the seal and its issuer.  The chain checks come
first, so a revoked seal from this county is reported as revoked, and a
seal from elsewhere as not trusted.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

# The CA's own checks are reused as they are: a seal chain is a county chain
# with a different leaf.
from keys.ca import (
    BACKDATE,
    COUNTRY,
    RandomBytes,
    _check_root,
    _check_validity,
    _checked_name,
    _constraints,
    _find_issuer,
    _is_ca,
    _is_p256,
    _key_identifier,
    _key_kind,
    _key_usage,
    _may_sign_certificates,
    _serial,
    _sign,
    new_issuing_key,
    node_name,
    root_key_id,
    shown_time,
    utc_seconds,
)
from keys.errors import (
    CertificateRevoked,
    ChainInvalid,
    IssuerMissing,
    NodeCodeInvalid,
    NotAnIssuer,
    NotASeal,
    NotUnderIssuer,
    OfficeNameInvalid,
    RevocationInvalid,
    SealExpired,
    SealNotForIssuer,
    SealNotYetValid,
    SealRevoked,
    UnsupportedKey,
)
from keys.hierarchy import Tier, is_under, tier_of

if TYPE_CHECKING:
    from keys.revocation import RevocationList

SEAL_UNIT = "seal"
DEFAULT_SEAL_DAYS = 5 * 365 + 1
MAX_OFFICE_NAME = 64  # ub-common-name (RFC 5280)
# id-kp-documentSigning (RFC 9336); older readers know Microsoft's document signing OID.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
_SEAL_TIERS = ("county", "township")


class SealName(NamedTuple):
    """What a seal certificate says about its office."""

    code: str
    tier: Tier
    node_name: str
    office: str


@dataclass(frozen=True)
class SealIdentity:
    """A seal whose chain verified: the office, its node, and the certificate's facts."""

    code: str
    tier: Tier
    node_name: str
    office: str
    serial: int
    not_after: datetime


# -- names --------------------------------------------------------------------


def check_office_name(office: str) -> str:
    """``office`` if it can name a seal; OfficeNameInvalid otherwise."""
    if (
        not office
        or office != office.strip()
        or len(office) > MAX_OFFICE_NAME
        or not office.isprintable()
    ):
        raise OfficeNameInvalid(office=office, maximum=MAX_OFFICE_NAME)
    return office


def seal_subject(code: str, node_name: str, office: str) -> x509.Name:
    """The subject of an office seal certificate."""
    tier = tier_of(code)
    if tier not in _SEAL_TIERS:
        raise NotAnIssuer(issuer=code)
    if not node_name.strip():
        raise ValueError("a seal needs its node's name")
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, node_name.strip()),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, SEAL_UNIT),
            x509.NameAttribute(NameOID.COMMON_NAME, check_office_name(office)),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, code),
        ]
    )


def seal_name(cert: x509.Certificate) -> SealName:
    """Code, node name and office from a seal certificate; NotASeal otherwise."""
    values: list[str] = []
    for oid in (
        NameOID.ORGANIZATIONAL_UNIT_NAME,
        NameOID.SERIAL_NUMBER,
        NameOID.ORGANIZATION_NAME,
        NameOID.COMMON_NAME,
    ):
        found = cert.subject.get_attributes_for_oid(oid)
        if len(found) != 1 or not isinstance(found[0].value, str) or not found[0].value:
            raise NotASeal(subject=cert.subject.rfc4514_string())
        values.append(found[0].value)
    unit, code, node, office = values
    try:
        tier = tier_of(code)
    except NodeCodeInvalid:
        raise NotASeal(subject=cert.subject.rfc4514_string()) from None
    if unit != SEAL_UNIT or tier not in _SEAL_TIERS:
        raise NotASeal(subject=cert.subject.rfc4514_string())
    return SealName(code, tier, node, office)


# -- making seals -------------------------------------------------------------


def certify_seal(
    public_key: ec.EllipticCurvePublicKey,
    code: str,
    office: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate,
    *,
    now: datetime | None = None,
    days: int = DEFAULT_SEAL_DAYS,
    randbytes: RandomBytes = os.urandom,
) -> x509.Certificate:
    """The seal certificate of ``office`` of node ``code``, signed by its node's issuer.

    The issuer is the county root (county offices) or the township's issuing
    certificate (township offices) and must belong to node ``code`` itself
    (SealNotForIssuer otherwise).  The seal ends when its issuer does, if
    that comes before ``days``.
    """
    moment = utc_seconds(now)
    if not _is_p256(public_key):
        raise UnsupportedKey(kind=_key_kind(public_key))
    office = check_office_name(office)
    if issuer_key.public_key() != issuer_cert.public_key():
        raise ValueError("the issuer's key does not belong to the issuer's certificate")
    issuer = node_name(issuer_cert)
    if not _may_sign_certificates(issuer_cert) or issuer.tier not in _SEAL_TIERS:
        raise NotAnIssuer(issuer=issuer.code)
    tier_of(code)
    if code != issuer.code:
        raise SealNotForIssuer(issuer=issuer.code, code=code)
    _check_validity(issuer_cert, issuer.code, moment)

    not_after = min(moment + timedelta(days=days), issuer_cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(seal_subject(code, issuer.name, office))
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(_serial(randbytes))
        .not_valid_before(moment - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(_key_usage(sign=True, certify=False, commit=True), True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                _key_identifier(issuer_cert)
            ),
            False,
        )
    )
    return _sign(builder, issuer_key)


def new_seal(
    code: str,
    office: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate,
    *,
    now: datetime | None = None,
    days: int = DEFAULT_SEAL_DAYS,
    randbytes: RandomBytes = os.urandom,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A fresh seal key for ``office`` of node ``code`` and its certificate."""
    key = new_issuing_key(randbytes)
    cert = certify_seal(
        key.public_key(), code, office, issuer_key, issuer_cert,
        now=now, days=days, randbytes=randbytes,
    )
    return key, cert


# -- verifying ----------------------------------------------------------------


def verify_seal(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    root: x509.Certificate,
    revocations: RevocationList | None = None,
    at: datetime | None = None,
) -> SealIdentity:
    """The office ``cert`` seals for, if its chain leads to ``root`` at ``at``.

    ``chain`` holds the certificates between the seal and the root in any
    order (extra ones are ignored; the root may be included).  Raises
    NotASeal, SealExpired, SealNotYetValid, ChainInvalid (another county, a
    forged or missing link), NotAnIssuer, NotUnderIssuer, SealNotForIssuer,
    CertificateExpired for an expired issuer; and, once the chain holds,
    SealRevoked or CertificateRevoked (the township's issuing certificate).
    """
    moment = utc_seconds(at)
    root_code = _check_root(root, moment)
    if revocations is not None and revocations.issuer_key != root_key_id(root):
        raise RevocationInvalid()

    name = seal_name(cert)
    subject = cert.subject.rfc4514_string()
    if not _is_p256(cert.public_key()) or _is_ca(cert) or not _is_seal_usage(cert):
        raise NotASeal(subject=subject)
    _check_seal_validity(cert, name, moment)

    issuer = _find_issuer(cert, name.code, root, chain)
    issued_by: list[x509.Certificate] = []
    if issuer == root:
        issuer_code = root_code
    else:
        issuer_name = _checked_name(issuer)
        issuer_code = issuer_name.code
        if issuer_name.tier != "township" or not _may_sign_certificates(issuer):
            raise NotAnIssuer(issuer=issuer_code)
        _check_validity(issuer, issuer_code, moment)
        if _find_issuer(issuer, issuer_code, root, chain) != root:
            raise ChainInvalid(code=name.code, reason=IssuerMissing(code=issuer_code))
        root_limit = _constraints(root)
        if root_limit is not None and root_limit.path_length is not None and \
                root_limit.path_length < 1:
            raise NotAnIssuer(issuer=root_code)
        if not is_under(issuer_code, root_code):
            raise NotUnderIssuer(child=issuer_code, parent=root_code)
        issued_by.append(issuer)
    if not _may_sign_certificates(issuer):
        raise NotAnIssuer(issuer=issuer_code)
    if name.code != issuer_code:
        raise SealNotForIssuer(issuer=issuer_code, code=name.code)

    if revocations is not None:
        if cert.serial_number in revocations.revoked:
            raise SealRevoked(node=name.node_name, office=name.office, serial=cert.serial_number)
        for link in issued_by:
            if link.serial_number in revocations.revoked:
                raise CertificateRevoked(code=issuer_code)
    return SealIdentity(
        name.code, name.tier, name.node_name, name.office, cert.serial_number,
        cert.not_valid_after_utc,
    )


def _is_seal_usage(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    if not (usage.digital_signature and usage.content_commitment) or usage.key_cert_sign:
        return False
    try:
        extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return DOCUMENT_SIGNING in extended or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in extended


def _check_seal_validity(cert: x509.Certificate, name: SealName, at: datetime) -> None:
    if at < cert.not_valid_before_utc:
        raise SealNotYetValid(node=name.node_name, office=name.office,
                              not_before=shown_time(cert.not_valid_before_utc))
    if at > cert.not_valid_after_utc:
        raise SealExpired(node=name.node_name, office=name.office,
                          not_after=shown_time(cert.not_valid_after_utc))
