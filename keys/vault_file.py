"""The vault file ``vault.json``: its schema, strict parsing and atomic writing.

Format version 1::

    {
      "format": "bianmin-station-vault",
      "version": 1,
      "key_version": 1,
      "slots": {
        "<user>": {"kdf": {"name": "scrypt", "n": .., "r": .., "p": .., "salt": b64},
                   "nonce": b64, "wrapped": b64},
        ...                                  (in creation order: the first is init's user)
      },
      "recovery": {"kdf": {"name": "hkdf-sha256", "salt": b64},
                   "nonce": b64, "wrapped": b64}
    }

``wrapped`` is the 32-byte data key sealed with AES-256-GCM (48 bytes with
the tag).  Anything that does not match this shape exactly is VaultCorrupt;
a higher ``version`` is VaultTooNew.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from keys.atomic import sweep_temp_files, write_atomic
from keys.errors import VaultCorrupt, VaultMissing, VaultTooNew
from keys.kdf import KdfParams
from keys.wrap import NONCE_LENGTH, RECOVERY_SALT_LENGTH, VAULT_FORMAT, WRAPPED_LENGTH

VAULT_FILE = "vault.json"
FORMAT_VERSION = 1
MAX_VAULT_BYTES = 1 << 20
RECOVERY_KDF = "hkdf-sha256"


@dataclass(frozen=True)
class SlotWrap:
    """One user's key slot: the DEK wrapped under their passphrase."""

    kdf: KdfParams
    nonce: bytes
    wrapped: bytes


@dataclass(frozen=True)
class RecoveryWrap:
    """The DEK wrapped under a key derived from the printed recovery key."""

    salt: bytes
    nonce: bytes
    wrapped: bytes


@dataclass
class VaultDocument:
    key_version: int
    recovery: RecoveryWrap
    slots: dict[str, SlotWrap] = field(default_factory=dict)
    version: int = FORMAT_VERSION

    def to_bytes(self) -> bytes:
        # Keys are written in a fixed order and slots in creation order (which
        # ``users()`` reports), so the same document always gives the same bytes.
        document = {
            "format": VAULT_FORMAT,
            "version": self.version,
            "key_version": self.key_version,
            "slots": {
                user: {
                    "kdf": slot.kdf.to_json(),
                    "nonce": _b64(slot.nonce),
                    "wrapped": _b64(slot.wrapped),
                }
                for user, slot in self.slots.items()
            },
            "recovery": {
                "kdf": {"name": RECOVERY_KDF, "salt": _b64(self.recovery.salt)},
                "nonce": _b64(self.recovery.nonce),
                "wrapped": _b64(self.recovery.wrapped),
            },
        }
        text = json.dumps(document, ensure_ascii=False, indent=2)
        return (text + "\n").encode("utf-8")


def vault_path(directory: Path) -> Path:
    return Path(directory) / VAULT_FILE


def read_document(path: Path) -> VaultDocument:
    """Load and check ``vault.json``; VaultMissing, VaultCorrupt or VaultTooNew."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_VAULT_BYTES + 1)
    except FileNotFoundError:
        raise VaultMissing(path=str(path.parent)) from None
    except IsADirectoryError:
        raise VaultCorrupt(path=str(path), reason="不是文件") from None
    if len(data) > MAX_VAULT_BYTES:
        raise VaultCorrupt(path=str(path), reason="文件过大")
    return parse_document(data, path)


def write_document(path: Path, document: VaultDocument) -> None:
    data = document.to_bytes()
    sweep_temp_files(path)
    write_atomic(path, data)


class _MalformedError(Exception):
    """Internal: the document does not have the expected shape."""


def parse_document(data: bytes, path: Path) -> VaultDocument:
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise VaultCorrupt(path=str(path), reason="不是有效的 JSON") from None
    try:
        return _parse(raw, path)
    except _MalformedError as exc:
        raise VaultCorrupt(path=str(path), reason=f"结构不对：{exc}") from None


def _parse(raw: object, path: Path) -> VaultDocument:
    top = _mapping(raw, "document")
    if top.get("format") != VAULT_FORMAT:
        raise _MalformedError("format")
    version = top.get("version")
    if type(version) is not int or version < 1:
        raise _MalformedError("version")
    if version > FORMAT_VERSION:
        raise VaultTooNew(path=str(path), found=version, supported=FORMAT_VERSION)
    _exact_keys(top, {"format", "version", "key_version", "slots", "recovery"}, "document")
    key_version = top["key_version"]
    if type(key_version) is not int or not 1 <= key_version < 2**32:
        raise _MalformedError("key_version")
    slots_raw = _mapping(top["slots"], "slots")
    if not slots_raw:
        raise _MalformedError("slots")
    slots = {_text(user, "user"): _slot(value) for user, value in slots_raw.items()}
    return VaultDocument(
        key_version=key_version,
        recovery=_recovery(top["recovery"]),
        slots=slots,
        version=version,
    )


def _slot(raw: object) -> SlotWrap:
    slot = _mapping(raw, "slot")
    _exact_keys(slot, {"kdf", "nonce", "wrapped"}, "slot")
    kdf_raw = _mapping(slot["kdf"], "slot.kdf")
    try:
        kdf = KdfParams.from_json(kdf_raw)
    except ValueError as exc:
        raise _MalformedError(f"slot.kdf ({exc})") from None
    return SlotWrap(
        kdf=kdf,
        nonce=_bytes(slot["nonce"], NONCE_LENGTH, "slot.nonce"),
        wrapped=_bytes(slot["wrapped"], WRAPPED_LENGTH, "slot.wrapped"),
    )


def _recovery(raw: object) -> RecoveryWrap:
    recovery = _mapping(raw, "recovery")
    _exact_keys(recovery, {"kdf", "nonce", "wrapped"}, "recovery")
    kdf = _mapping(recovery["kdf"], "recovery.kdf")
    _exact_keys(kdf, {"name", "salt"}, "recovery.kdf")
    if kdf["name"] != RECOVERY_KDF:
        raise _MalformedError("recovery.kdf.name")
    return RecoveryWrap(
        salt=_bytes(kdf["salt"], RECOVERY_SALT_LENGTH, "recovery.kdf.salt"),
        nonce=_bytes(recovery["nonce"], NONCE_LENGTH, "recovery.nonce"),
        wrapped=_bytes(recovery["wrapped"], WRAPPED_LENGTH, "recovery.wrapped"),
    )


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise _MalformedError(where)
    return value


def _exact_keys(value: Mapping[str, object], expected: set[str], where: str) -> None:
    if set(value) != expected:
        raise _MalformedError(where)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _MalformedError(where)
    return value


def _bytes(value: object, length: int, where: str) -> bytes:
    if not isinstance(value, str):
        raise _MalformedError(where)
    try:
        decoded = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise _MalformedError(where) from None
    if len(decoded) != length:
        raise _MalformedError(where)
    return decoded


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
