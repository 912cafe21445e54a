"""Office seals at this node: made by the admin, kept sealed in the store, used to sign.

A county office's seal is certified by the county root key, a township
office's by the township's issuing key (``keys.office_seal``); villages have
none.  The private key is kept like this node's other keys (``NodeKey``,
purpose ``seal:<office>``, sealed under the data key) with its certificate
chain (seal, issuing certificate for a township, county root).

Only an admin makes a seal; only the office's own reviewers and signers
load it to sign.  A seal that was revoked or has expired can be made again
(the new one has a new serial number); a good one cannot be replaced by
accident.  The serial number shown by ``list_seals`` is what the county
revokes (``station revocations issue --serial N``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from keys import ca, office_seal
from keys.errors import (
    CertificateRevoked,
    SealExpired,
    SealNotYetValid,
    SealRevoked,
    TrustError,
)
from keys.office_seal import SealIdentity
from station import node_keys, outbox
from station.app import Station
from station.errors import NotAnOfficeMember, NoTrustRoot, SealExists, SealMissing, SealNeedsIssuer
from station.i18n import N_
from station.store.models import NodeKey, Setting, User
from station.trust import revocations, users

PURPOSE_PREFIX = "seal:"
SUITE = "ecdsa-p256-sha256"
# Who may sign with an office's seal: its own members deciding or notifying.
SEAL_ROLES = ("signer", "reviewer")
ROOT_SETTING = "root_certificate"
SEAL_CREATED = "trust.seal_created"

# States of a seal as list_seals reports them.
VALID, REVOKED, EXPIRED, INVALID = "valid", "revoked", "expired", "invalid"
STATE_LABELS = {VALID: N_("有效"), REVOKED: N_("已吊销"), EXPIRED: N_("已过期"),
                INVALID: N_("无效")}


@dataclass(frozen=True)
class SealInfo:
    """What anyone may know about a seal of this node (no key)."""

    office: str
    node_code: str
    node_name: str
    serial: int
    not_before: datetime
    not_after: datetime
    state: str  # valid / revoked / expired / invalid
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "office": self.office,
            "node_code": self.node_code,
            "node_name": self.node_name,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "state": self.state,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Seal:
    """An office seal ready to sign with: its key and its chain (seal first, root last)."""

    office: str
    key: ec.EllipticCurvePrivateKey = field(repr=False)
    chain: tuple[x509.Certificate, ...]

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def serial(self) -> int:
        return self.certificate.serial_number


def purpose(office: str) -> str:
    """The NodeKey purpose under which ``office``'s seal is kept."""
    return PURPOSE_PREFIX + office


def trust_root() -> x509.Certificate:
    """The county root this node trusts; NoTrustRoot before enrolment."""
    stored = Setting.get_or_none(Setting.key == ROOT_SETTING)
    if stored is None:
        raise NoTrustRoot()
    return ca.certificate_from_pem(stored.value.encode("ascii"))


def create_seal(station: Station, office: str) -> Seal:
    """Admin only: a new seal for ``office`` of this node, certified by this node's issuer."""
    users.require_role(station, "seal create", "admin")
    office = office_seal.check_office_name(office)
    node = station.node
    issuer_purpose = {"county": node_keys.ROOT, "township": node_keys.ISSUING}.get(node.tier)
    if issuer_purpose is None:
        raise SealNeedsIssuer(tier=node.tier)
    issuer_key = node_keys.load_key(issuer_purpose)
    issuer_pem = node_keys.certificate(issuer_purpose)
    if not isinstance(issuer_key, ec.EllipticCurvePrivateKey) or not issuer_pem:
        raise SealNeedsIssuer(tier=node.tier)
    issuer_chain = ca.chain_from_pem(issuer_pem.encode("ascii"))

    existing = NodeKey.get_or_none(NodeKey.purpose == purpose(office))
    if existing is not None:
        info = _info(station, existing)
        if info.state == VALID:
            raise SealExists(office=office, serial=info.serial,
                             not_after=ca.shown_time(info.not_after))

    key, cert = office_seal.new_seal(node.code, office, issuer_key, issuer_chain[0])
    chain = (cert, *issuer_chain)
    private, public = node_keys.pem_pair(key)
    with station.db.atomic("IMMEDIATE"):
        NodeKey.delete().where(NodeKey.purpose == purpose(office)).execute()
        record = NodeKey(purpose=purpose(office), suite=SUITE, public=public,
                         certificate=ca.to_pem(chain).decode("ascii"), created_at=outbox.utc_now())
        record.private = private
        record.save(force_insert=True)
        outbox.append(node.code, station.user, SEAL_CREATED,
                      {"office": office, "serial": cert.serial_number,
                       "replaces": existing is not None})
    return Seal(office, key, chain)


def load_seal(station: Station, office: str) -> Seal:
    """``office``'s seal, for one of its reviewers or signers, if it is still good.

    Raises RoleRequired / NotAnOfficeMember for anyone else, SealMissing when
    the office has no seal here, and the seal's TrustError (SealRevoked,
    SealExpired …) when it may no longer sign.
    """
    users.require_role(station, "seal use", *SEAL_ROLES)
    user = User.get(User.name == station.user)
    if user.office != office:
        raise NotAnOfficeMember(office=office, user=station.user)
    record = NodeKey.get_or_none(NodeKey.purpose == purpose(office))
    if record is None or not record.certificate:
        raise SealMissing(office=office)
    chain = _chain(record)
    office_seal.verify_seal(chain[0], chain[1:], trust_root(), revocations.current(station))
    key = node_keys.load_key(purpose(office))
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return Seal(office, key, chain)


def list_seals(station: Station) -> list[SealInfo]:
    """Every seal of this node, by office, with its state against the county's list."""
    records = (NodeKey.select(NodeKey.purpose, NodeKey.certificate, NodeKey.created_at)
               .where(NodeKey.purpose.startswith(PURPOSE_PREFIX)).order_by(NodeKey.purpose))
    return [_info(station, record) for record in records]


def verified(station: Station, chain: tuple[x509.Certificate, ...]) -> SealIdentity:
    """The seal's identity if it verifies here now (TrustError otherwise)."""
    return office_seal.verify_seal(chain[0], chain[1:], trust_root(), revocations.current(station))


def _chain(record: NodeKey) -> tuple[x509.Certificate, ...]:
    return tuple(ca.chain_from_pem(str(record.certificate).encode("ascii")))


def _info(station: Station, record: NodeKey) -> SealInfo:
    chain = _chain(record)
    cert = chain[0]
    name = office_seal.seal_name(cert)
    try:
        verified(station, chain)
        state = VALID
    except (SealRevoked, CertificateRevoked):
        state = REVOKED
    except (SealExpired, SealNotYetValid):
        state = EXPIRED
    except TrustError:
        state = INVALID
    return SealInfo(name.office, name.code, name.node_name, cert.serial_number,
                    cert.not_valid_before_utc, cert.not_valid_after_utc, state, record.created_at)
