"""The station's key vault: one data key (DEK), many ways to unwrap it.

Like LUKS key slots, every user has a slot holding the DEK wrapped under a key
derived (scrypt) from their passphrase, and one more wrap opens with the
printed recovery key.  Changing a passphrase, adding or removing a user only
rewrites slots: the DEK, and so every ciphertext made with it, stays.  The
keys the rest of the program uses are HKDF subkeys of the DEK, one per
purpose and key version, never the DEK itself.

Only successful changes write ``vault.json``, always atomically; a wrong
passphrase or recovery key writes nothing.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keys.aead import FieldCipher
from keys.blind import BlindIndexer
from keys.errors import (
    InvalidUserName,
    LastUser,
    PassphraseTooWeak,
    UnknownUser,
    UserExists,
    VaultCorrupt,
    VaultExists,
    WrongPassphrase,
    WrongRecoveryKey,
)
from keys.kdf import default_params, derive_key, normalise_passphrase
from keys.recovery import RECOVERY_KEY_BYTES, format_recovery_key, parse_recovery_key
from keys.vault_file import (
    FORMAT_VERSION,
    RecoveryWrap,
    SlotWrap,
    VaultDocument,
    read_document,
    vault_path,
    write_document,
)
from keys.wrap import (
    DEK_LENGTH,
    NONCE_LENGTH,
    RECOVERY_SALT_LENGTH,
    open_dek,
    recovery_aad,
    recovery_wrapping_key,
    seal_dek,
    slot_aad,
)

MIN_PASSPHRASE = 8
MAX_USER_NAME = 64
SUBKEY_INFO = b"bianmin-station/subkey/v1"

RandomBytes = Callable[[int], bytes]


class Vault:
    """An unlocked vault.  Obtain one with ``create``, ``unlock`` or ``recover``."""

    def __init__(
        self, path: Path, document: VaultDocument, dek: bytes, randbytes: RandomBytes
    ) -> None:
        self._path = path
        self._document = document
        self._dek = dek
        self._randbytes = randbytes
        self._personal: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"Vault({str(self._path)!r}, users={self.users()!r}, key_version={self.key_version})"

    # -- opening --------------------------------------------------------------

    @staticmethod
    def exists(directory: Path) -> bool:
        return vault_path(directory).is_file()

    @staticmethod
    def users_in(directory: Path) -> list[str]:
        """The users with a slot, in creation order (the first is the one
        ``create`` made), read without unlocking: user names are not secret."""
        return list(read_document(vault_path(Path(directory))).slots)

    @classmethod
    def create(
        cls,
        directory: Path,
        user: str,
        passphrase: str,
        *,
        randbytes: RandomBytes = os.urandom,
    ) -> tuple[Vault, str]:
        """A new vault with one user; returns it and the recovery key to print.

        ``randbytes`` exists so tests can build reproducible frozen vectors.
        """
        directory = Path(directory)
        path = vault_path(directory)
        if path.exists():
            raise VaultExists(path=str(directory))
        user = _user_name(user)
        _check_strength(passphrase)
        dek = randbytes(DEK_LENGTH)
        recovery_key = randbytes(RECOVERY_KEY_BYTES)
        key_version = 1
        salt = randbytes(RECOVERY_SALT_LENGTH)
        nonce = randbytes(NONCE_LENGTH)
        wrapping_key = recovery_wrapping_key(recovery_key, salt)
        wrapped = seal_dek(wrapping_key, nonce, dek, recovery_aad(FORMAT_VERSION, key_version))
        document = VaultDocument(
            key_version=key_version, recovery=RecoveryWrap(salt, nonce, wrapped)
        )
        vault = cls(path, document, dek, randbytes)
        document.slots[user] = vault._seal_slot(user, passphrase)
        directory.mkdir(parents=True, exist_ok=True)
        write_document(path, document)
        return vault, format_recovery_key(recovery_key)

    @classmethod
    def unlock(cls, directory: Path, user: str, passphrase: str) -> Vault:
        path = vault_path(Path(directory))
        document = read_document(path)
        user = unicodedata.normalize("NFC", user)
        slot = document.slots.get(user)
        if slot is None:
            raise UnknownUser(user=user)
        aad = slot_aad(document.version, user, document.key_version)
        slot_key = derive_key(passphrase, slot.kdf)
        dek = open_dek(slot_key, slot.nonce, slot.wrapped, aad)
        if dek is None:
            raise WrongPassphrase(user=user)
        vault = cls(path, document, dek, os.urandom)
        vault._personal[user] = _personal_key(slot_key, user)
        return vault

    @classmethod
    def recover(cls, directory: Path, recovery_key: str, user: str, new_passphrase: str) -> Vault:
        """Open with the recovery key, then give ``user`` the new passphrase."""
        user = _user_name(user)
        _check_strength(new_passphrase)
        path = vault_path(Path(directory))
        document = read_document(path)
        key = parse_recovery_key(recovery_key)
        wrap = document.recovery
        aad = recovery_aad(document.version, document.key_version)
        dek = open_dek(recovery_wrapping_key(key, wrap.salt), wrap.nonce, wrap.wrapped, aad)
        if dek is None:
            raise WrongRecoveryKey()
        vault = cls(path, document, dek, os.urandom)
        vault._set_slot(user, new_passphrase)
        return vault

    # -- users ----------------------------------------------------------------

    @property
    def key_version(self) -> int:
        return self._document.key_version

    @property
    def path(self) -> Path:
        return self._path

    def users(self) -> list[str]:
        """Users with a slot, in creation order."""
        return list(self._document.slots)

    def change_passphrase(self, user: str, new_passphrase: str) -> None:
        """Rewrap only this user's slot; the DEK and all data stay as they are."""
        user = _user_name(user)
        if user not in self._document.slots:
            raise UnknownUser(user=user)
        _check_strength(new_passphrase)
        self._set_slot(user, new_passphrase)

    def add_user(self, user: str, passphrase: str) -> None:
        user = _user_name(user)
        if user in self._document.slots:
            raise UserExists(user=user)
        _check_strength(passphrase)
        self._set_slot(user, passphrase)

    def remove_user(self, user: str) -> None:
        user = unicodedata.normalize("NFC", user)
        if user not in self._document.slots:
            raise UnknownUser(user=user)
        if len(self._document.slots) == 1:
            raise LastUser(user=user)

        def remove(document: VaultDocument) -> None:
            document.slots.pop(user, None)
            if not document.slots:
                raise LastUser(user=user)

        self._update(remove)

    # -- keys for the rest of the program ---------------------------------------

    def personal_key(self, user: str) -> bytes:
        """A key only ``user``'s passphrase yields (not the shared data key), for
        wrapping that user's own private keys.  Known only for the user who
        unlocked, or whose passphrase was just set.  It changes with the
        passphrase: whoever changes one must rewrap what it protected."""
        try:
            return self._personal[_user_name(user)]
        except KeyError:
            raise UnknownUser(user=user) from None

    def subkey(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose, bound to the current key version."""
        if not purpose or "\x00" in purpose:
            raise ValueError("a subkey purpose is non-empty text without NUL")
        info = (
            SUBKEY_INFO
            + b"\x00"
            + purpose.encode("utf-8")
            + b"\x00"
            + self.key_version.to_bytes(4, "big")
        )
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self._dek)

    def field_cipher(self) -> FieldCipher:
        return FieldCipher({self.key_version: self.subkey("field")}, self.key_version)

    def blind_indexer(self) -> BlindIndexer:
        return BlindIndexer(self.subkey("blind-index"))

    def material_keys(self) -> dict[int, bytes]:
        """key_version → material subkey (only the current version exists so far)."""
        return {self.key_version: self.subkey("material")}

    # -- internals ----------------------------------------------------------------

    def _seal_slot(self, user: str, passphrase: str) -> SlotWrap:
        params = default_params(self._randbytes)
        nonce = self._randbytes(NONCE_LENGTH)
        aad = slot_aad(self._document.version, user, self._document.key_version)
        slot_key = derive_key(passphrase, params)
        wrapped = seal_dek(slot_key, nonce, self._dek, aad)
        self._personal[user] = _personal_key(slot_key, user)
        return SlotWrap(kdf=params, nonce=nonce, wrapped=wrapped)

    def _set_slot(self, user: str, passphrase: str) -> None:
        slot = self._seal_slot(user, passphrase)

        def set_slot(document: VaultDocument) -> None:
            document.slots[user] = slot

        self._update(set_slot)

    def _update(self, change: Callable[[VaultDocument], None]) -> None:
        """Apply a change to the file as it is now (another program may have
        added a user since we unlocked) and write it atomically."""
        current = read_document(self._path)
        if (
            current.recovery != self._document.recovery
            or current.key_version != self.key_version
            or current.version != self._document.version
        ):
            raise VaultCorrupt(path=str(self._path), reason="解锁之后密钥库文件被替换")
        change(current)
        write_document(self._path, current)
        self._document = current


def _personal_key(slot_key: bytes, user: str) -> bytes:
    info = b"bianmin-station/personal/v1\x00" + user.encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(slot_key)


def _user_name(user: str) -> str:
    name = unicodedata.normalize("NFC", user)
    if (
        not name
        or len(name) > MAX_USER_NAME
        or name != name.strip()
        or any(unicodedata.category(ch).startswith("C") for ch in name)
    ):
        raise InvalidUserName(user=user, maximum=MAX_USER_NAME)
    return name


def _check_strength(passphrase: str) -> None:
    if len(normalise_passphrase(passphrase)) < MIN_PASSPHRASE:
        raise PassphraseTooWeak(minimum=MIN_PASSPHRASE)
