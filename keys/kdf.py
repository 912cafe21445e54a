"""Passphrase key derivation: scrypt, with its parameters stored beside each wrap.

Opening a wrap always uses the parameters stored with it, so strengthening the
defaults later never locks out an old vault.  ``STATION_TEST_WEAK_KDF=1`` is an
explicit test-only switch that lowers the cost for new wraps (n=2**10), so a
test suite can create many vaults quickly; production never sets it.
"""

from __future__ import annotations

import base64
import binascii
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KEY_LENGTH = 32
SALT_LENGTH = 16
WEAK_KDF_VARIABLE = "STATION_TEST_WEAK_KDF"

DEFAULT_N = 2**17
WEAK_N = 2**10
DEFAULT_R = 8
DEFAULT_P = 1

# Limits on parameters read back from a file, so an edited vault cannot make
# unlocking allocate gigabytes or spin for minutes.
MAX_MEMORY = 1 << 30
MAX_P = 16
MIN_SALT, MAX_SALT = 16, 64


@dataclass(frozen=True)
class KdfParams:
    """scrypt cost parameters and salt of one passphrase wrap."""

    n: int
    r: int
    p: int
    salt: bytes
    name: str = "scrypt"

    def __post_init__(self) -> None:
        if self.name != "scrypt":
            raise ValueError(f"unsupported KDF {self.name!r}")
        for field, value in (("n", self.n), ("r", self.r), ("p", self.p)):
            if type(value) is not int or value < 1:
                raise ValueError(f"scrypt {field} must be a positive integer")
        if self.n < 2 or self.n & (self.n - 1):
            raise ValueError("scrypt n must be a power of two")
        if 128 * self.n * self.r > MAX_MEMORY or self.p > MAX_P:
            raise ValueError("scrypt parameters exceed the allowed cost")
        if not isinstance(self.salt, bytes) or not MIN_SALT <= len(self.salt) <= MAX_SALT:
            raise ValueError("scrypt salt must be 16 to 64 bytes")

    def to_json(self) -> dict[str, str | int]:
        """A JSON-ready mapping (salt in base64)."""
        return {
            "name": self.name,
            "n": self.n,
            "r": self.r,
            "p": self.p,
            "salt": base64.b64encode(self.salt).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> KdfParams:
        """Parse ``to_json()`` output; ValueError on anything malformed."""
        if not isinstance(data, Mapping) or set(data) != {"name", "n", "r", "p", "salt"}:
            raise ValueError("KDF parameters must have exactly name, n, r, p, salt")
        salt = data["salt"]
        if not isinstance(salt, str):
            raise ValueError("KDF salt must be base64 text")
        try:
            raw_salt = base64.b64decode(salt, validate=True)
        except binascii.Error as exc:
            raise ValueError("KDF salt is not valid base64") from exc
        name, n, r, p = data["name"], data["n"], data["r"], data["p"]
        if not isinstance(name, str):
            raise ValueError("KDF name must be text")
        if type(n) is not int or type(r) is not int or type(p) is not int:
            raise ValueError("scrypt n, r, p must be integers")
        return cls(n=n, r=r, p=p, salt=raw_salt, name=name)


def weak_kdf_requested() -> bool:
    """True only when the test-only switch is set to exactly "1"."""
    return os.environ.get(WEAK_KDF_VARIABLE) == "1"


def default_params(randbytes: Callable[[int], bytes] = os.urandom) -> KdfParams:
    """Parameters for a new wrap, with a fresh random salt."""
    n = WEAK_N if weak_kdf_requested() else DEFAULT_N
    return KdfParams(n=n, r=DEFAULT_R, p=DEFAULT_P, salt=randbytes(SALT_LENGTH))


def normalise_passphrase(passphrase: str) -> str:
    """NFC, so the same passphrase typed through different input methods matches."""
    return unicodedata.normalize("NFC", passphrase)


def derive_key(passphrase: str, params: KdfParams) -> bytes:
    """The 32-byte key that wraps the data key in one slot."""
    secret = normalise_passphrase(passphrase).encode("utf-8")
    kdf = Scrypt(salt=params.salt, length=KEY_LENGTH, n=params.n, r=params.r, p=params.p)
    return kdf.derive(secret)
