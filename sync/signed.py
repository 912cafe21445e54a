"""Signed documents: canonical JSON bytes and a keys.sign signature over exactly them.

Receipts, directory entries and bundles are signed documents.  On the wire a
document is ``{"body": base64(canonical JSON), "signature": base64(signature)}``;
the reader verifies the signature over the body bytes *before* parsing them,
and nobody re-serialises a signed body (the base64 carries the exact bytes).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from keys.errors import BadSignature, KeysError
from keys.sign import sign, signature_key_id, verify
from sync.problems import DocumentMalformed


def canonical(value: object) -> bytes:
    """The one encoding every node signs: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sign_document(value: Mapping[str, Any], private_key: object, key_id: str) -> dict[str, str]:
    body = canonical(dict(value))
    return {"body": base64.b64encode(body).decode("ascii"),
            "signature": base64.b64encode(sign(body, private_key, key_id)).decode("ascii")}


def _unpack(wire: object, what: str) -> tuple[bytes, bytes]:
    if not isinstance(wire, Mapping) or not isinstance(wire.get("body"), str) \
            or not isinstance(wire.get("signature"), str):
        raise DocumentMalformed(what=what)
    try:
        return (base64.b64decode(wire["body"], validate=True),
                base64.b64decode(wire["signature"], validate=True))
    except (binascii.Error, ValueError):
        raise DocumentMalformed(what=what) from None


def signer_of(wire: object, what: str) -> str:
    """The key id the signature names (to look up the public key); nothing is verified."""
    _, signature = _unpack(wire, what)
    try:
        return signature_key_id(signature)
    except KeysError:
        raise DocumentMalformed(what=what) from None


def open_document(wire: object, public_key: object, what: str) -> dict[str, Any]:
    """The document's fields once ``public_key`` verified its exact bytes.

    keys' BadSignature for a signature that does not verify; DocumentMalformed
    for anything that is not a signed JSON object.
    """
    body, signature = _unpack(wire, what)
    try:
        verify(body, signature, public_key, what)
    except BadSignature:
        raise
    except KeysError:
        raise DocumentMalformed(what=what) from None
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DocumentMalformed(what=what) from None
    if not isinstance(value, dict):
        raise DocumentMalformed(what=what)
    return value

