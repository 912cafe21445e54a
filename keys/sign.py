"""Signatures over exact bytes, recording the suite and the signer's key id.

Format 1::

    signature = b"BMSG" | 0x01 | suite length (1) | suite (ASCII)
                | key id length (2, BE) | key id (UTF-8) | raw signature
    signed message = everything before the raw signature || data

The raw signature has the suite's fixed length (64 bytes for Ed25519).  The
signed message starts with the signature's own prefix, so neither the suite
nor the key id can be changed, and a node key's signatures here cannot be
taken for signatures of anything else that does not start with ``BMSG``.
The data is signed as given: callers sign the exact bytes they send and
nobody re-serialises a signed object.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from keys.errors import BadSignature
from keys.suites import SIGN_ED25519, SIGN_SUITES, sign_suite

MAGIC = b"BMSG"
FORMAT_VERSION = 1
MAX_KEY_ID_BYTES = 0xFFFF
_HEAD = struct.Struct(">4sBB")
_ID_LENGTH = struct.Struct(">H")
_WHAT = "数据"
BytesLike = bytes | bytearray | memoryview


class Parsed(NamedTuple):
    suite: str
    key_id: str
    prefix: bytes  # the signed prefix
    raw: bytes  # the suite's raw signature


def sign(data: BytesLike, private_key: object, key_id: str, suite: str = SIGN_ED25519) -> bytes:
    """A signature of ``data`` by ``private_key``, naming ``key_id`` and ``suite``.

    UnknownSuite for an unknown suite; TypeError for a key not of ``suite``;
    ValueError for an empty or oversized key id.
    """
    implementation = sign_suite(suite)
    if not isinstance(private_key, implementation.private_type):
        raise TypeError(f"not a private key of {suite}")
    if not isinstance(key_id, str) or not key_id:
        raise ValueError("a key id is non-empty text")
    id_bytes = key_id.encode("utf-8")
    if len(id_bytes) > MAX_KEY_ID_BYTES:
        raise ValueError(f"a key id is at most {MAX_KEY_ID_BYTES} bytes of UTF-8")
    suite_bytes = suite.encode("ascii")
    prefix = b"".join(
        (
            _HEAD.pack(MAGIC, FORMAT_VERSION, len(suite_bytes)),
            suite_bytes,
            _ID_LENGTH.pack(len(id_bytes)),
            id_bytes,
        )
    )
    return prefix + implementation.sign(private_key, prefix + data)


def parse(signature: BytesLike, what: str = _WHAT) -> Parsed:
    """The parts of a signature blob; BadSignature if it is not one."""
    try:
        blob = bytes(memoryview(signature).cast("B"))
    except TypeError:
        raise BadSignature(what=what) from None
    if len(blob) < _HEAD.size:
        raise BadSignature(what=what)
    magic, version, suite_length = _HEAD.unpack_from(blob)
    id_at = _HEAD.size + suite_length
    if magic != MAGIC or version != FORMAT_VERSION or len(blob) < id_at + _ID_LENGTH.size:
        raise BadSignature(what=what)
    (id_length,) = _ID_LENGTH.unpack_from(blob, id_at)
    end = id_at + _ID_LENGTH.size + id_length
    try:
        suite = blob[_HEAD.size : id_at].decode("ascii")
        key_id = blob[id_at + _ID_LENGTH.size : end].decode("utf-8")
    except UnicodeDecodeError:
        raise BadSignature(what=what) from None
    implementation = SIGN_SUITES.get(suite)
    if (
        implementation is None
        or not key_id
        or len(blob) != end + implementation.signature_length
    ):
        raise BadSignature(what=what)
    return Parsed(suite, key_id, blob[:end], blob[end:])


def signature_key_id(signature: BytesLike, what: str = _WHAT) -> str:
    """The key id a signature names (not yet verified): look up its public key."""
    return parse(signature, what).key_id


def verify_parsed(parsed: Parsed, data: bytes, public_key: object) -> bool:
    """Whether a signature ``parse`` read is ``public_key``'s over exactly ``data``: what
    ``verify`` checks once the signature is parsed (a caller that parsed it already, for
    its key id, does not parse it again)."""
    implementation = SIGN_SUITES[parsed.suite]
    if not isinstance(public_key, implementation.public_type):
        return False
    return implementation.verify(public_key, parsed.raw, parsed.prefix + data)


def verify(data: BytesLike, signature: BytesLike, public_key: object, what: str = _WHAT) -> str:
    """The signer's key id when ``signature`` is ``public_key``'s over exactly ``data``.

    BadSignature for any mismatch: other data, another key, a key of another
    suite, an altered or truncated signature, or bytes that are not one.
    """
    parsed = parse(signature, what)
    implementation = SIGN_SUITES[parsed.suite]
    if not isinstance(public_key, implementation.public_type):
        raise BadSignature(what=what)
    try:
        message = parsed.prefix + data
    except TypeError:
        raise BadSignature(what=what) from None
    if not implementation.verify(public_key, parsed.raw, message):
        raise BadSignature(what=what)
    return parsed.key_id
