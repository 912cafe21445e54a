"""Each user's own sealing key (X25519), sealed under that user's personal key.

The personal key comes from the user's own passphrase (their vault slot), not from
the data key every user of this PC shares, so one office's reviewer cannot use
another's key here.  This is the floor under the station (``app`` gives a new node's
first user a key with it); who may add users and change roles is ``station.trust.users``.
"""

from __future__ import annotations

from keys.aead import FieldCipher
from keys.suites import (
    SEAL_X25519,
    generate_sealing_key,
    load_private,
    load_public,
    private_bytes,
    public_bytes,
)
from keys.vault import Vault
from station.errors import NotAnOfficeMember
from station.store.models import User


def _cipher(vault: Vault, user: str) -> FieldCipher:
    return FieldCipher({1: vault.personal_key(user)}, 1)


def _aad(user: str) -> bytes:
    return f"bianmin-user-key\x1f{user}".encode()


def give_keys(vault: Vault, user: User) -> None:
    """Generate the user's sealing key pair (the user's passphrase is known now)."""
    private, public = generate_sealing_key(SEAL_X25519)
    user.sealing_public = public_bytes(public).hex()
    seal_again(vault, user, private)


def seal_again(vault: Vault, user: User, private: object) -> None:
    """Seal ``private`` under the user's personal key (new, or after a passphrase change)."""
    user.sealing_private = _cipher(vault, user.name).encrypt(private_bytes(private),
                                                             _aad(user.name))
    user.save()


def private_key(vault: Vault, name: str) -> object:
    """The user's private sealing key: only for the user who unlocked ``vault``."""
    user = User.get(User.name == name)
    if user.sealing_private is None:
        raise NotAnOfficeMember(office="-", user=name)
    data = _cipher(vault, name).decrypt(bytes(user.sealing_private), _aad(name),
                                        "user.sealing_private")
    return load_private(SEAL_X25519, data)


def public_key(name: str) -> object:
    user = User.get(User.name == name)
    if user.sealing_public is None:
        raise NotAnOfficeMember(office="-", user=name)
    return load_public(SEAL_X25519, bytes.fromhex(user.sealing_public))
