"""Suite identifiers and the key types behind them.

Every sealed or signed object records the id of the suite that made it, so a
new suite (国密 SM2/SM3/SM4, or another post-quantum KEM) is one more registry
entry, not a format change.  The ids are ASCII and never change meaning::

    hpke-x25519-hkdfsha256-aes256gcm          SEAL_X25519  (RFC 9180 base mode)
    hpke-mlkem768x25519-hkdfsha256-aes256gcm  SEAL_HYBRID  (ML-KEM-768 + X25519)
    ed25519                                   SIGN_ED25519 (RFC 8032, pure)

Key objects are cryptography's own for X25519 and Ed25519.  The hybrid suite's
keys are ``HybridPrivateKey`` / ``HybridPublicKey``: cryptography's HPKE
hybrid key objects cannot be serialised, so these keep the two halves.

Key bytes (for the directory of office keys, and wrapped in a vault)::

    X25519  public 32 raw bytes;  private 32 raw bytes
    hybrid  public ML-KEM-768 encapsulation key (1184) || X25519 public (32)
            private ML-KEM-768 seed (64) || X25519 private (32)
    Ed25519 public 32 raw bytes;  private 32 raw bytes
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

from keys.errors import InvalidKey, UnknownSuite

SEAL_X25519 = "hpke-x25519-hkdfsha256-aes256gcm"
SEAL_HYBRID = "hpke-mlkem768x25519-hkdfsha256-aes256gcm"
SIGN_ED25519 = "ed25519"

_MLKEM_SEED_LENGTH = 64
_MLKEM768_PUBLIC_LENGTH = 1184
_X25519_LENGTH = 32


@dataclass(frozen=True, eq=False, repr=False)
class HybridPublicKey:
    """An ML-KEM-768 + X25519 sealing public key."""

    mlkem: mlkem.MLKEM768PublicKey
    x25519: x25519.X25519PublicKey
    hpke_key: hpke.MLKEM768X25519PublicKey = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hpke_key", hpke.MLKEM768X25519PublicKey(self.mlkem, self.x25519))

    def __repr__(self) -> str:
        return "HybridPublicKey(mlkem768, x25519)"


@dataclass(frozen=True, eq=False, repr=False)
class HybridPrivateKey:
    """An ML-KEM-768 + X25519 sealing private key."""

    mlkem: mlkem.MLKEM768PrivateKey
    x25519: x25519.X25519PrivateKey
    hpke_key: hpke.MLKEM768X25519PrivateKey = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "hpke_key", hpke.MLKEM768X25519PrivateKey(self.mlkem, self.x25519)
        )

    def __repr__(self) -> str:
        return "HybridPrivateKey(<key hidden>)"

    def public_key(self) -> HybridPublicKey:
        return HybridPublicKey(self.mlkem.public_key(), self.x25519.public_key())


class SealSuite(ABC):
    """An HPKE suite that wraps 32-byte content keys (base mode, single shot)."""

    id: str
    private_type: type
    public_type: type

    def __init__(self, kem: hpke.KEM) -> None:
        self.hpke = hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
        # enc || AES-256-GCM(32-byte content key) || tag
        self.wrapped_length = kem.enc_length() + 32 + 16

    @abstractmethod
    def generate(self) -> tuple[Any, Any]:
        """Each suite implements this."""

    @abstractmethod
    def public_bytes(self, key: Any) -> bytes:
        """Each suite implements this."""

    @abstractmethod
    def load_public(self, data: bytes) -> Any:
        """Each suite implements this."""

    @abstractmethod
    def private_bytes(self, key: Any) -> bytes:
        """Each suite implements this."""

    @abstractmethod
    def load_private(self, data: bytes) -> Any:
        """Each suite implements this."""

    def hpke_public(self, key: Any) -> Any:
        return key

    def hpke_private(self, key: Any) -> Any:
        return key

    def wrap(self, content_key: bytes, public_key: Any, info: bytes) -> bytes:
        return self.hpke.encrypt(content_key, self.hpke_public(public_key), info=info)

    def unwrap(self, wrapped: bytes, private_key: Any, info: bytes) -> bytes:
        """Raises cryptography's InvalidTag (or ValueError) when it does not open."""
        return self.hpke.decrypt(wrapped, self.hpke_private(private_key), info=info)


class _X25519Suite(SealSuite):
    id = SEAL_X25519
    private_type = x25519.X25519PrivateKey
    public_type = x25519.X25519PublicKey

    def __init__(self) -> None:
        super().__init__(hpke.KEM.X25519)

    def generate(self) -> tuple[Any, Any]:
        private = x25519.X25519PrivateKey.generate()
        return private, private.public_key()

    def public_bytes(self, key: Any) -> bytes:
        return bytes(key.public_bytes_raw())

    def load_public(self, data: bytes) -> Any:
        return x25519.X25519PublicKey.from_public_bytes(data)

    def private_bytes(self, key: Any) -> bytes:
        return bytes(key.private_bytes_raw())

    def load_private(self, data: bytes) -> Any:
        return x25519.X25519PrivateKey.from_private_bytes(data)


class _HybridSuite(SealSuite):
    id = SEAL_HYBRID
    private_type = HybridPrivateKey
    public_type = HybridPublicKey

    def __init__(self) -> None:
        super().__init__(hpke.KEM.MLKEM768_X25519)

    def generate(self) -> tuple[Any, Any]:
        private = HybridPrivateKey(
            mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate()
        )
        return private, private.public_key()

    def public_bytes(self, key: Any) -> bytes:
        return bytes(key.mlkem.public_bytes_raw()) + bytes(key.x25519.public_bytes_raw())

    def load_public(self, data: bytes) -> Any:
        if len(data) != _MLKEM768_PUBLIC_LENGTH + _X25519_LENGTH:
            raise ValueError("wrong length")
        return HybridPublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(data[:_MLKEM768_PUBLIC_LENGTH]),
            x25519.X25519PublicKey.from_public_bytes(data[_MLKEM768_PUBLIC_LENGTH:]),
        )

    def private_bytes(self, key: Any) -> bytes:
        return bytes(key.mlkem.private_bytes_raw()) + bytes(key.x25519.private_bytes_raw())

    def load_private(self, data: bytes) -> Any:
        if len(data) != _MLKEM_SEED_LENGTH + _X25519_LENGTH:
            raise ValueError("wrong length")
        return HybridPrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(data[:_MLKEM_SEED_LENGTH]),
            x25519.X25519PrivateKey.from_private_bytes(data[_MLKEM_SEED_LENGTH:]),
        )

    def hpke_public(self, key: Any) -> Any:
        return key.hpke_key

    def hpke_private(self, key: Any) -> Any:
        return key.hpke_key


class SignSuite(ABC):
    """A signature scheme over exact bytes."""

    id: str
    private_type: type
    public_type: type
    signature_length: int

    @abstractmethod
    def sign(self, private_key: Any, message: bytes) -> bytes:
        """Each suite implements this."""

    @abstractmethod
    def verify(self, public_key: Any, signature: bytes, message: bytes) -> bool:
        """Each suite implements this."""


class _Ed25519Suite(SignSuite):
    id = SIGN_ED25519
    private_type = ed25519.Ed25519PrivateKey
    public_type = ed25519.Ed25519PublicKey
    signature_length = 64

    def sign(self, private_key: Any, message: bytes) -> bytes:
        return bytes(private_key.sign(message))

    def verify(self, public_key: Any, signature: bytes, message: bytes) -> bool:
        try:
            public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


SEAL_SUITES: dict[str, SealSuite] = {s.id: s for s in (_X25519Suite(), _HybridSuite())}
SIGN_SUITES: dict[str, SignSuite] = {s.id: s for s in (_Ed25519Suite(),)}


def seal_suite(suite: str) -> SealSuite:
    """The sealing suite named ``suite``; UnknownSuite if there is none."""
    found = SEAL_SUITES.get(suite) if isinstance(suite, str) else None
    if found is None:
        raise UnknownSuite(suite=suite)
    return found


def sign_suite(suite: str) -> SignSuite:
    """The signature suite named ``suite``; UnknownSuite if there is none."""
    found = SIGN_SUITES.get(suite) if isinstance(suite, str) else None
    if found is None:
        raise UnknownSuite(suite=suite)
    return found


def _suite_of_key(key: object, public: bool) -> SealSuite:
    for suite in SEAL_SUITES.values():
        if isinstance(key, suite.public_type if public else suite.private_type):
            return suite
    kind = "public" if public else "private"
    raise TypeError(f"not a sealing {kind} key: {type(key).__name__}")


def generate_sealing_key(suite: str = SEAL_X25519) -> tuple[Any, Any]:
    """A new (private, public) sealing key pair of ``suite``."""
    return seal_suite(suite).generate()


def suite_of_public(public: object) -> str:
    """The sealing suite a public key belongs to (TypeError for anything else)."""
    return _suite_of_key(public, public=True).id


def public_bytes(public: object) -> bytes:
    """The public key's bytes; ``load_public(suite, ...)`` reads them back."""
    return _suite_of_key(public, public=True).public_bytes(public)


def private_bytes(private: object) -> bytes:
    """The private key's bytes, to be stored only wrapped (in the vault)."""
    return _suite_of_key(private, public=False).private_bytes(private)


def load_public(suite: str, data: bytes) -> Any:
    """A public key of ``suite`` from its bytes; InvalidKey when they are not one."""
    implementation = seal_suite(suite)
    try:
        return implementation.load_public(bytes(data))
    except (TypeError, ValueError):
        raise InvalidKey(suite=suite) from None


def load_private(suite: str, data: bytes) -> Any:
    """A private key of ``suite`` from its bytes; InvalidKey when they are not one."""
    implementation = seal_suite(suite)
    try:
        return implementation.load_private(bytes(data))
    except (TypeError, ValueError):
        raise InvalidKey(suite=suite) from None
