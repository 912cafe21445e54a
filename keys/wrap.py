"""Wrapping the data key (DEK): AES-256-GCM with associated data naming the slot.

The associated data binds what a wrap is for (a user's passphrase slot or the
recovery wrap), whose slot it is and the key version, so a wrap copied under
another user's name or into the recovery place no longer opens.
"""

from __future__ import annotations

import json

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DEK_LENGTH = 32
NONCE_LENGTH = 12
WRAPPED_LENGTH = DEK_LENGTH + 16
RECOVERY_SALT_LENGTH = 16

VAULT_FORMAT = "bianmin-station-vault"
PURPOSE_SLOT = "passphrase-slot"
PURPOSE_RECOVERY = "recovery"
_RECOVERY_INFO = b"bianmin-station/vault/recovery-wrap/v1"


def slot_aad(format_version: int, user: str, key_version: int) -> bytes:
    return _aad(format_version, PURPOSE_SLOT, user, key_version)


def recovery_aad(format_version: int, key_version: int) -> bytes:
    return _aad(format_version, PURPOSE_RECOVERY, "", key_version)


def _aad(format_version: int, purpose: str, user: str, key_version: int) -> bytes:
    # A JSON array is an unambiguous encoding of the fields, whatever the user name holds.
    fields = [VAULT_FORMAT, format_version, purpose, user, key_version]
    return json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def recovery_wrapping_key(recovery_key: bytes, salt: bytes) -> bytes:
    """HKDF is enough here: the recovery key is 256 random bits, not a passphrase."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_RECOVERY_INFO)
    return hkdf.derive(recovery_key)


def seal_dek(wrapping_key: bytes, nonce: bytes, dek: bytes, aad: bytes) -> bytes:
    return AESGCM(wrapping_key).encrypt(nonce, dek, aad)


def open_dek(wrapping_key: bytes, nonce: bytes, wrapped: bytes, aad: bytes) -> bytes | None:
    """The DEK, or None when the key is wrong or the wrap was altered."""
    try:
        dek = AESGCM(wrapping_key).decrypt(nonce, wrapped, aad)
    except InvalidTag:
        return None
    return dek if len(dek) == DEK_LENGTH else None
