"""The station backup file: a clear header, then the encrypted body.

Format 1 (docs/operations-backup.md, "station backup")::

    file   = MAGIC (8 bytes, b"BMSTBAK\\n") | header length (4, BE) | header | body
    header = UTF-8 JSON: format, version, node {code, tier, name}, created_at (UTC),
             schema (the store's), vault {"vault.json": the file as stored},
             key {kdf, purpose, key_version, salt, info}
    body   = keys.stream format 1 (AES-256-GCM chunks, truncation detected) of a tar,
             with aad = MAGIC | length | header (so no header byte can change unseen)
    body key = HKDF-SHA256(vault subkey "station-backup", salt from the header,
                           info "bianmin-station/station-backup/v1")

The vault in the header is already wrapped, by each user's passphrase and by the
printed recovery key: whoever holds neither learns the station's name and code and
when the copy was made, nothing else.  Tar members, in order: ``station.db`` (a
consistent SQLite snapshot), ``materials/<address>`` (scans, still encrypted as
stored), ``outgoing/<address>`` (the travelling copies the events cite, as stored),
``catalogue/<file>``, ``calendar.toml`` and ``hub-ca.pem`` when present, and
``manifest.json`` last, naming every member before it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keys.vault import Vault
from keys.vault_file import VAULT_FILE
from station.backup.errors import BackupTooNew, NotABackup

MAGIC = b"BMSTBAK\n"
FORMAT = "bianmin-station-backup"
VERSION = 1
SALT_LENGTH = 32
PURPOSE = "station-backup"
INFO = "bianmin-station/station-backup/v1"
MAX_HEADER = 1 << 20
_LENGTH = struct.Struct(">I")

DATABASE_MEMBER = "station.db"
MANIFEST_MEMBER = "manifest.json"
MATERIALS_FOLDER = "materials"
OUTGOING_FOLDER = "outgoing"  # station/network/publish.py outgoing_dir
CATALOGUE_FOLDER = "catalogue"
CALENDAR_MEMBER = "calendar.toml"


@dataclass(frozen=True)
class BackupHeader:
    """What the header says; ``raw`` is every byte before the body (the body's aad)."""

    node_code: str
    node_tier: str
    node_name: str
    created_at: str
    schema: int
    vault_file: bytes
    key_version: int
    salt: bytes
    raw: bytes = b""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "node": {"code": self.node_code, "tier": self.node_tier, "name": self.node_name},
            "created_at": self.created_at,
            "schema": self.schema,
            "vault": {VAULT_FILE: self.vault_file.decode("utf-8")},
            "key": {"kdf": "hkdf-sha256", "purpose": PURPOSE, "key_version": self.key_version,
                    "salt": base64.b64encode(self.salt).decode("ascii"), "info": INFO},
        }

    def encode(self) -> bytes:
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
        return MAGIC + _LENGTH.pack(len(text)) + text

    def summary(self) -> dict[str, Any]:
        """What a person may be told about the file before it is opened."""
        return {"node": {"code": self.node_code, "tier": self.node_tier,
                         "name": self.node_name},
                "created_at": self.created_at, "schema": self.schema}


def new_salt() -> bytes:
    return os.urandom(SALT_LENGTH)


def body_key(vault: Vault, salt: bytes) -> bytes:
    """The body's key: from the vault's data key, for this one file."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=INFO.encode("ascii")).derive(vault.subkey(PURPOSE))


def read_header(src: BinaryIO, path: Path) -> BackupHeader:
    """The header at the start of ``src`` (left positioned at the body)."""
    start = src.read(len(MAGIC) + _LENGTH.size)
    if len(start) < len(MAGIC) + _LENGTH.size or not start.startswith(MAGIC):
        raise NotABackup(path=path)
    (length,) = _LENGTH.unpack(start[len(MAGIC):])
    if not 2 <= length <= MAX_HEADER:
        raise NotABackup(path=path)
    text = src.read(length)
    if len(text) != length:
        raise NotABackup(path=path)
    try:
        value = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise NotABackup(path=path) from None
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise NotABackup(path=path)
    version = value.get("version")
    if type(version) is not int:
        raise NotABackup(path=path)
    if version > VERSION:
        raise BackupTooNew(path=path, found=version, supported=VERSION)
    try:
        return _parse(value, start + text)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise NotABackup(path=path) from None


def read_header_of(path: Path) -> BackupHeader:
    """Only the header of the file at ``path``: which station, made when, which users."""
    try:
        with path.open("rb") as src:
            return read_header(src, path)
    except (IsADirectoryError, FileNotFoundError, PermissionError):
        raise NotABackup(path=path) from None


def _parse(value: dict[str, Any], raw: bytes) -> BackupHeader:
    node, key = value["node"], value["key"]
    if key["kdf"] != "hkdf-sha256" or key["purpose"] != PURPOSE or key["info"] != INFO:
        raise ValueError("key")
    salt = base64.b64decode(key["salt"], validate=True)
    if len(salt) != SALT_LENGTH:
        raise ValueError("salt")
    vault_text = value["vault"][VAULT_FILE]
    if not isinstance(vault_text, str):
        raise TypeError("vault")
    key_version, schema = key["key_version"], value["schema"]
    if type(key_version) is not int or type(schema) is not int:
        raise TypeError("version")
    return BackupHeader(str(node["code"]), str(node["tier"]), str(node["name"]),
                        str(value["created_at"]), schema, vault_text.encode("utf-8"),
                        key_version, salt, raw)
