"""Blind indexes: searchable, keyed fingerprints of identifiers.

An ID number or phone number is stored encrypted, and beside it
HMAC-SHA256(key, kind || 0x00 || value) in hex, so the store can find a row
by exact value without the column revealing the value (a plain hash of an ID
number would be reversed by enumerating all of them).  The kind keeps
identical values of different kinds apart; the caller normalises values first.
"""

from __future__ import annotations

import hashlib
import hmac

KEY_LENGTH = 32


class BlindIndexer:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_LENGTH:
            raise ValueError("a blind-index key is 32 bytes")
        self._key = bytes(key)

    def __repr__(self) -> str:
        return "BlindIndexer(<key hidden>)"

    def index(self, kind: str, value: str) -> str:
        # A kind without NUL ends at the first NUL, so (kind, value) pairs never share a message.
        if not kind or "\x00" in kind:
            raise ValueError("a blind-index kind is non-empty text without NUL")
        message = kind.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
