"""Sealing single values (form fields) with AES-256-GCM.

Format 1::

    0x01 | key_version (4 bytes, big-endian) | nonce (12 random bytes) | ciphertext || tag

The GCM associated data is the 5-byte header followed by the caller's
associated data (the store passes table, row id and column), so neither the
key version nor the row can be changed without the tag failing.  Random
96-bit nonces are safe far beyond the number of values one station holds.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys.errors import DecryptionFailed

FORMAT = 0x01
KEY_LENGTH = 32
NONCE_LENGTH = 12
TAG_LENGTH = 16
_HEADER = struct.Struct(">BI")
OVERHEAD = _HEADER.size + NONCE_LENGTH + TAG_LENGTH


class FieldCipher:
    """Encrypts with the current key version, decrypts with any known one."""

    def __init__(
        self,
        keys: Mapping[int, bytes],
        current_version: int,
        *,
        randbytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        """``randbytes`` supplies nonces; only tests building frozen vectors replace it."""
        if current_version not in keys:
            raise ValueError("the current key version has no key")
        for version, key in keys.items():
            if not 0 <= version < 2**32 or len(key) != KEY_LENGTH:
                raise ValueError("field keys are 32 bytes under versions 0 to 2**32-1")
        self._aeads = {version: AESGCM(bytes(key)) for version, key in keys.items()}
        self._current = current_version
        self._randbytes = randbytes

    @property
    def current_version(self) -> int:
        return self._current

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        header = _HEADER.pack(FORMAT, self._current)
        nonce = self._randbytes(NONCE_LENGTH)
        sealed = self._aeads[self._current].encrypt(nonce, plaintext, header + aad)
        return header + nonce + sealed

    def decrypt(self, blob: bytes, aad: bytes, what: str = "加密字段") -> bytes:
        """The plaintext, or DecryptionFailed for anything that is not a genuine
        ciphertext of this aad under a known key."""
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise DecryptionFailed(what=what)
        data = bytes(blob)
        if len(data) < OVERHEAD:
            raise DecryptionFailed(what=what)
        form, version = _HEADER.unpack_from(data)
        aead = self._aeads.get(version)
        if form != FORMAT or aead is None:
            raise DecryptionFailed(what=what)
        header = data[: _HEADER.size]
        nonce = data[_HEADER.size : _HEADER.size + NONCE_LENGTH]
        try:
            return aead.decrypt(nonce, data[_HEADER.size + NONCE_LENGTH :], header + bytes(aad))
        except InvalidTag:
            raise DecryptionFailed(what=what) from None
