"""Sealing a payload to several readers: a content key wrapped with HPKE to each.

Format 1::

    sealed = b"BMSL" | header_length (4 bytes, BE) | header | body
    header = canonical JSON (UTF-8, sorted keys, no spaces):
             {"commit": b64(SHA-256(COMMIT_LABEL || content_key)),
              "recipients": [{"id": "...", "key": b64(wrapped)}, ...],
              "suite": "<suite id>", "v": 1}
    wrapped = HPKE base mode single shot (enc || ct) of the 32-byte content key,
              info = INFO_LABEL | suite (2-byte length + ASCII) | id (2-byte length + UTF-8)
    body = AES-256-GCM(content_key, nonce = 12 zero bytes, payload,
                       aad = b"BMSL" | header_length | header | caller aad)

The content key is fresh for every payload and used once, so the fixed nonce
is safe.  Everything before the body is the GCM associated data: adding,
removing, reordering or swapping recipients, or changing the suite, fails the
tag; the HPKE info ties each wrap to its recipient id, so a wrap moved under
another id does not open.  The commitment pins one content key for all
readers: a writer cannot make different recipients read different payloads
from the same bytes (AES-GCM alone is not key-committing).
``recipients_of`` (what hubs route on, without a key) accepts only the exact
canonical encoding, so every parser reads the same list; opening need not
re-check it, since the tag authenticates the header bytes as written.

A recipient can forge a new body for the others (it knows the content key):
authenticity comes from the author's signature over the sealed bytes
(keys/sign.py), not from sealing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys.errors import DecryptionFailed, InvalidKey, NotARecipient, SuiteNotSupported
from keys.suites import SEAL_SUITES, SEAL_X25519, SealSuite, seal_suite

MAGIC = b"BMSL"
FORMAT_VERSION = 1
CONTENT_KEY_LENGTH = 32
TAG_LENGTH = 16
INFO_LABEL = b"bianmin-station/seal/v1/wrap"
COMMIT_LABEL = b"bianmin-station/seal/v1/key-commitment"
MAX_ID_BYTES = 0xFFFF
_PREFIX = struct.Struct(">4sI")
_NONCE = bytes(12)
_FIELDS = frozenset(("commit", "recipients", "suite", "v"))
_RECIPIENT_FIELDS = frozenset(("id", "key"))
_WHAT = "密封数据"
BytesLike = bytes | bytearray | memoryview
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class Recipient:
    """A reader: an id chosen by the caller and its sealing public key."""

    id: str
    public_key: object


class Header(NamedTuple):
    """The clear part of a sealed object, as parsed (hubs need only ``recipients``)."""

    suite: str
    recipients: list[tuple[str, str]]  # (id, base64 of the wrapped key)
    commit: str  # base64
    length: int  # bytes before the body: magic, header length and header


def wrap_info(suite: str, recipient_id: str) -> bytes:
    """The HPKE info of a wrap: the format, the suite and the recipient id."""
    suite_bytes = suite.encode("ascii")
    id_bytes = recipient_id.encode("utf-8")
    return b"".join(
        (
            INFO_LABEL,
            len(suite_bytes).to_bytes(2, "big"),
            suite_bytes,
            len(id_bytes).to_bytes(2, "big"),
            id_bytes,
        )
    )


def key_commitment(content_key: bytes) -> bytes:
    return hashlib.sha256(COMMIT_LABEL + content_key).digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# one encoder for every call: json.dumps with these options builds a new one each time
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _canonical(value: object) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


def _check_id(recipient_id: object) -> str:
    if not isinstance(recipient_id, str) or not recipient_id:
        raise ValueError("a recipient id is non-empty text")
    if len(recipient_id.encode("utf-8")) > MAX_ID_BYTES:
        raise ValueError(f"a recipient id is at most {MAX_ID_BYTES} bytes of UTF-8")
    return recipient_id


def assemble(
    suite: str,
    wrapped: Sequence[tuple[str, bytes]],
    content_key: bytes,
    payload: BytesLike,
    aad: BytesLike = b"",
) -> bytes:
    """The sealed bytes from keys already wrapped (deterministic: frozen vectors use it)."""
    header = _canonical(
        {
            "commit": _b64(key_commitment(content_key)),
            "recipients": [{"id": rid, "key": _b64(key)} for rid, key in wrapped],
            "suite": suite,
            "v": FORMAT_VERSION,
        }
    )
    clear = _PREFIX.pack(MAGIC, len(header)) + header
    return clear + AESGCM(content_key).encrypt(_NONCE, payload, clear + aad)


def seal(
    payload: BytesLike,
    recipients: Sequence[Recipient],
    suite: str = SEAL_X25519,
    aad: BytesLike = b"",
    *,
    randbytes: Callable[[int], bytes] = os.urandom,
) -> bytes:
    """Seal ``payload`` so that each recipient, and only they, can open it.

    ``aad`` is bound but not stored: the opener must pass the same bytes.
    UnknownSuite for an unknown suite; InvalidKey when a public key is unusable
    (e.g. a small-order X25519 point); ValueError for no recipients, an empty,
    oversized or duplicate id; TypeError for a key not of ``suite``.
    ``randbytes`` supplies the content key; only tests building frozen vectors
    replace it (HPKE's own randomness stays the library's).
    """
    implementation = seal_suite(suite)
    if not recipients:
        raise ValueError("seal to at least one recipient")
    seen: set[str] = set()
    for recipient in recipients:
        if _check_id(recipient.id) in seen:
            raise ValueError(f"recipient {recipient.id!r} listed twice")
        seen.add(recipient.id)
        if not isinstance(recipient.public_key, implementation.public_type):
            raise TypeError(f"recipient {recipient.id!r}: not a public key of {suite}")
    content_key = randbytes(CONTENT_KEY_LENGTH)
    if len(content_key) != CONTENT_KEY_LENGTH:
        raise ValueError("randbytes returned the wrong length")
    wrapped = []
    for recipient in recipients:
        try:
            key = implementation.wrap(
                content_key, recipient.public_key, wrap_info(suite, recipient.id)
            )
        except ValueError:
            raise InvalidKey(suite=suite) from None
        wrapped.append((recipient.id, key))
    return assemble(suite, wrapped, content_key, payload, aad)


def parse_header(sealed: BytesLike, what: str = _WHAT, *, canonical: bool = True) -> Header:
    """The clear header; DecryptionFailed for anything that is not a sealed object.

    With ``canonical`` (the default, for hubs reading the clear header) the
    header must be exactly the canonical encoding with valid base64.  Opening
    skips that check: the GCM tag authenticates the exact header bytes anyway.
    """
    try:
        data = sealed if type(sealed) is bytes else bytes(memoryview(sealed).cast("B"))
    except TypeError:
        raise DecryptionFailed(what=what) from None
    if len(data) < _PREFIX.size + TAG_LENGTH:
        raise DecryptionFailed(what=what)
    magic, size = _PREFIX.unpack_from(data)
    end = _PREFIX.size + size
    if magic != MAGIC or end + TAG_LENGTH > len(data):
        raise DecryptionFailed(what=what)
    raw = data[_PREFIX.size : end]
    try:
        header = _read_header(raw, end, canonical)
    except (ValueError, TypeError, RecursionError):
        raise DecryptionFailed(what=what) from None
    return header


# A canonical header whose ids need no escapes, as one pattern: what nearly every sealed
# object has.  It is read from the pattern's groups, without a JSON decode, a re-encode
# and base64 round trips; anything else takes the full path, which decides exactly as
# before (tests/test_seal_fast_header.py checks both agree).  Canonical base64: the
# alphabet, "=" padding only to a whole quad, the unused bits of the last character zero.
_B64 = r"[A-Za-z0-9+/]*(?:[AQgw]==|[AEIMQUYcgkosw048]=)?"  # and a length divisible by 4
_ENTRY = rf'\{{"id":"[^"\\\x00-\x1f]+","key":"{_B64}"\}}'
_FAST_HEADER = re.compile(
    r'\{"commit":"([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)",'  # 32 bytes
    rf'"recipients":\[({_ENTRY}(?:,{_ENTRY})*)\],'
    r'"suite":"([\x20\x21\x23-\x5b\x5d-\x7f]*)","v":1\}'  # ASCII, no escapes
)
_FAST_ENTRY = re.compile(r'\{"id":"([^"]+)","key":"([^"]*)"\}')


def _fast_header(text: str, length: int) -> Header | None:
    """The header when ``text`` matches ``_FAST_HEADER``, its wrapped keys are whole
    quads of base64 and its ids distinct and short enough; None: decide by the full
    path."""
    match = _FAST_HEADER.fullmatch(text)
    if match is None:
        return None
    recipients = _FAST_ENTRY.findall(match[2])
    for rid, key in recipients:
        if len(key) % 4 or (len(rid) > MAX_ID_BYTES // 4
                            and len(rid.encode("utf-8")) > MAX_ID_BYTES):
            return None
    if len({rid for rid, _ in recipients}) != len(recipients):
        return None
    return Header(match[3], recipients, match[1], length)


def _read_header(raw: bytes, length: int, canonical: bool) -> Header:
    text = raw.decode("utf-8")
    return _fast_header(text, length) or _read_full(raw, text, length, canonical)


def _read_full(raw: bytes, text: str, length: int, canonical: bool) -> Header:
    """``_read_header`` by decoding, checking each field and re-encoding (ValueError,
    TypeError or RecursionError for anything that is not a header)."""
    value, stop = _DECODER.raw_decode(text)
    if stop != len(text) or type(value) is not dict or value.keys() != _FIELDS:
        raise ValueError("fields")
    suite, version, commit = value["suite"], value["v"], value["commit"]
    listed = value["recipients"]
    if type(version) is not int or version != FORMAT_VERSION:
        raise ValueError("version")
    if type(suite) is not str or not suite.isascii() or type(commit) is not str:
        raise ValueError("suite")
    if type(listed) is not list or not listed:
        raise ValueError("recipients")
    recipients: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in listed:
        if type(entry) is not dict or entry.keys() != _RECIPIENT_FIELDS:
            raise ValueError("recipient")
        rid, key = _check_id(entry["id"]), entry["key"]
        if rid in seen or type(key) is not str:
            raise ValueError("recipient")
        seen.add(rid)
        recipients.append((rid, key))
    if canonical:
        for encoded in [key for _, key in recipients] + [commit]:
            if _b64(_unb64(encoded)) != encoded:
                raise ValueError("not canonical base64")
        if _canonical(value) != raw or len(_unb64(commit)) != hashlib.sha256().digest_size:
            raise ValueError("not canonical")
    return Header(suite, recipients, commit, length)


def _unb64(text: str) -> bytes:
    """Base64 without characters outside the alphabet (binascii.Error is a ValueError)."""
    return base64.b64decode(text, validate=True)


def recipients_of(sealed: BytesLike, what: str = _WHAT) -> list[str]:
    """The recipient ids, in order, read from the clear header (no key needed)."""
    return [rid for rid, _ in parse_header(sealed, what).recipients]


def open_sealed(
    sealed: BytesLike, keyring: Mapping[str, object], aad: BytesLike = b"", what: str = _WHAT
) -> bytes:
    """The payload, opened with the keyring's private key of a listed recipient.

    NotARecipient when no keyring id is listed; DecryptionFailed (or its
    subclass SuiteNotSupported) for anything else that is not a genuine sealed
    object for this ``aad`` under a listed key.
    """
    header = parse_header(sealed, what, canonical=False)
    implementation = SEAL_SUITES.get(header.suite)
    if implementation is None:
        raise SuiteNotSupported(what=what, suite=header.suite[:80])
    ours = [(rid, key) for rid, key in header.recipients if rid in keyring]
    if not ours:
        raise NotARecipient(what=what, recipients=", ".join(rid for rid, _ in header.recipients))
    data = sealed if type(sealed) is bytes else bytes(memoryview(sealed).cast("B"))
    clear = data[: header.length]
    body = data[header.length :]
    for rid, wrapped in ours:
        content_key = _unwrap(implementation, header, rid, wrapped, keyring[rid])
        if content_key is None:
            continue
        try:
            return AESGCM(content_key).decrypt(_NONCE, body, clear + bytes(aad))
        except InvalidTag:
            raise DecryptionFailed(what=what) from None
    raise DecryptionFailed(what=what)


def _unwrap(
    implementation: SealSuite, header: Header, rid: str, wrapped: str, private_key: object
) -> bytes | None:
    """The content key, or None when this wrap does not open to a committed key."""
    if not isinstance(private_key, implementation.private_type):
        return None
    try:
        key = _unb64(wrapped)
        if len(key) != implementation.wrapped_length:
            return None
        content_key = implementation.unwrap(key, private_key, wrap_info(header.suite, rid))
        if len(content_key) != CONTENT_KEY_LENGTH:
            return None
    except (InvalidTag, ValueError):
        return None
    if _b64(key_commitment(content_key)) != header.commit:
        return None
    return content_key
