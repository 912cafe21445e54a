"""Catalogue and calendar updates: documents the county signs and every node checks.

An update is a signed document (sync/signed.py) with the county node's key:
``{"kind": "catalogue" | "calendar", "version": N, "county": CODE,
"issued_at": ISO, "files": {NAME: TOML text}}``.  It travels as
``{"update": wire, "chain": the county's certificate chain (PEM)}``, so any
node can verify it up to the root it already trusts, whoever relayed it.

Versions only go up: a node keeps the update with the highest version and
ignores an older or equal one, so a hub cannot roll a station back to an
old catalogue.  This module checks the envelope (signature, signer, fields,
file names, sizes); what the files say is checked by the station that
installs them (forms/ for a catalogue, station/clock/calendar.py for a calendar).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import ca
from keys.errors import KeysError
from keys.revocation import RevocationList
from sync.problems import DocumentMalformed, RequestTooLarge, UpdateSignerInvalid
from sync.signed import open_document, sign_document, signer_of

CATALOGUE, CALENDAR = "catalogue", "calendar"
KINDS = (CATALOGUE, CALENDAR)
KIND_NAMES = {CATALOGUE: "事项目录", CALENDAR: "节假日安排"}


def kind_name(kind: str) -> str:
    """What people call an update of ``kind``."""
    return KIND_NAMES.get(kind, "未知")
CALENDAR_FILE = "calendar.toml"
MAX_FILES = 200
MAX_TOTAL = 2 << 20  # characters of file text in one update (fits the hub's body limit)
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}\.toml")
_WHAT = "更新文件"


@dataclass(frozen=True)
class Update:
    kind: str
    version: int
    county: str
    issued_at: str
    files: dict[str, str]
    published: dict[str, Any]  # {"update": wire, "chain": PEM}, exactly as received


def make_update(kind: str, version: int, files: Mapping[str, str],
                signing_key: ed25519.Ed25519PrivateKey, county: str, chain_pem: str,
                issued_at: str) -> dict[str, Any]:
    """The county's signed update, ready to publish (its fields are checked first)."""
    value = {"kind": kind, "version": version, "county": county, "issued_at": issued_at,
             "files": dict(files)}
    check_fields(value, kind)
    return {"update": sign_document(value, signing_key, county), "chain": chain_pem}


def check_fields(value: Mapping[str, Any], kind: str) -> None:
    """DocumentMalformed unless ``value`` is a well-formed update of ``kind``."""
    files = value.get("files")
    version = value.get("version")
    if value.get("kind") != kind or kind not in KINDS \
            or not isinstance(version, int) or isinstance(version, bool) or version < 1 \
            or not isinstance(value.get("county"), str) \
            or not isinstance(value.get("issued_at"), str) \
            or not isinstance(files, dict) or not files or len(files) > MAX_FILES:
        raise DocumentMalformed(what=_WHAT)
    for name, text in files.items():
        if not isinstance(name, str) or not FILE_NAME.fullmatch(name) \
                or not isinstance(text, str):
            raise DocumentMalformed(what=_WHAT)
    if kind == CALENDAR and set(files) != {CALENDAR_FILE}:
        raise DocumentMalformed(what=_WHAT)
    if sum(len(text) for text in files.values()) > MAX_TOTAL:
        raise RequestTooLarge(limit=MAX_TOTAL)


def open_update(published: object, kind: str, root: x509.Certificate,
                revocations: RevocationList | None, at: datetime | None = None) -> Update:
    """The update, once its signer is known to be this county's node and its
    signature, fields and file names are right.

    DocumentMalformed, UpdateSignerInvalid, RequestTooLarge, or keys'
    BadSignature when the signature does not match the bytes.
    """
    if not isinstance(published, Mapping) or not isinstance(published.get("chain"), str):
        raise DocumentMalformed(what=_WHAT)
    wire = published.get("update")
    signer = signer_of(wire, _WHAT)
    try:
        chain = ca.chain_from_pem(str(published["chain"]).encode())
        identity = ca.verify_node(chain[0], chain[1:], root, revocations, at)
    except KeysError:
        raise UpdateSignerInvalid(kind=kind, what=kind_name(kind), node=signer[:40]) from None
    if identity.tier != "county" or identity.code != signer:
        raise UpdateSignerInvalid(kind=kind, what=kind_name(kind), node=signer[:40])
    value = open_document(wire, identity.public_key, _WHAT)
    check_fields(value, kind)
    if value["county"] != identity.code:
        raise UpdateSignerInvalid(kind=kind, what=kind_name(kind), node=str(value["county"])[:40])
    assert isinstance(wire, Mapping)
    return Update(kind, int(value["version"]), identity.code, str(value["issued_at"]),
                  dict(value["files"]), {"update": dict(wire), "chain": published["chain"]})
