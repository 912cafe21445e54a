"""This node's own keys, sealed in the store: signing, issuing, CA root."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from station.outbox import utc_now
from station.store.models import NodeKey

SIGNING, ISSUING, ROOT = "signing", "issuing", "root"
SUITES = {SIGNING: "ed25519", ISSUING: "ecdsa-p256-sha256", ROOT: "ecdsa-p256-sha256"}

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def pem_pair(key: PrivateKey) -> tuple[str, str]:
    """The private (PKCS#8) and public (SPKI) PEM of a key."""
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def store_key(purpose: str, key: PrivateKey) -> PrivateKey:
    """Keep ``key`` sealed as this node's key for ``purpose`` (inside a transaction)."""
    private, public = pem_pair(key)
    record = NodeKey(purpose=purpose, suite=SUITES[purpose], public=public, created_at=utc_now())
    record.private = private
    record.save(force_insert=True)
    return key


def create_key(purpose: str) -> PrivateKey:
    """Generate and store a key for ``purpose`` (call inside a transaction)."""
    key: PrivateKey = (ed25519.Ed25519PrivateKey.generate() if purpose == SIGNING
                       else ec.generate_private_key(ec.SECP256R1()))
    return store_key(purpose, key)


def load_key(purpose: str) -> PrivateKey | None:
    record = NodeKey.get_or_none(NodeKey.purpose == purpose)
    if record is None:
        return None
    key = serialization.load_pem_private_key(record.private.encode(), password=None)
    assert isinstance(key, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey))
    return key


def ensure_signing_key() -> PrivateKey:
    """Every node has an Ed25519 signing key from its first start."""
    return load_key(SIGNING) or create_key(SIGNING)


def set_certificate(purpose: str, chain_pem: str) -> None:
    NodeKey.update(certificate=chain_pem).where(NodeKey.purpose == purpose).execute()


def certificate(purpose: str) -> str | None:
    record = NodeKey.get_or_none(NodeKey.purpose == purpose)
    return record.certificate if record else None
