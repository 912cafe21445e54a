"""Users of a station: role, office, and their own sealing key.

Every user logs in with their own passphrase (their vault slot).  Each has an
X25519 key pair; the private key is sealed under the user's personal key,
which only their passphrase yields — not under the data key every user of
this PC shares — so one office's reviewer cannot use another's key here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from keys.aead import FieldCipher
from keys.suites import SEAL_X25519, generate_sealing_key, load_private, private_bytes, public_bytes
from station import outbox
from station.errors import NotAnOfficeMember, OfficeNeeded, RoleRequired, UnknownRole
from station.store.models import User

if TYPE_CHECKING:
    from station.app import Station

ROLES = ("agent", "reviewer", "signer", "admin", "auditor")
OFFICE_ROLES = ("reviewer", "signer")


def require_role(station: Station, action: str, *roles: str) -> None:
    """Refuse ``action`` unless the logged-in user has one of ``roles``."""
    user = User.get_or_none(User.name == station.user)
    role = user.role if user else "?"
    if role not in roles:
        raise RoleRequired(user=station.user, role=role, action=action,
                           roles="、".join(roles))


def _cipher(station: Station, user: str) -> FieldCipher:
    return FieldCipher({1: station.vault.personal_key(user)}, 1)


def _aad(user: str) -> bytes:
    return f"bianmin-user-key\x1f{user}".encode()


def give_keys(station: Station, user: User) -> None:
    """Generate the user's sealing key pair (the user's passphrase is known now)."""
    private, public = generate_sealing_key(SEAL_X25519)
    user.sealing_public = public_bytes(public).hex()
    user.sealing_private = _cipher(station, user.name).encrypt(private_bytes(private),
                                                               _aad(user.name))
    user.save()


def add_user(station: Station, name: str, role: str, passphrase: str,
             display_name: str | None = None, office: str | None = None) -> User:
    if role not in ROLES:
        raise UnknownRole(role=role, roles="、".join(ROLES))
    if role in OFFICE_ROLES and not office:
        raise OfficeNeeded(role=role)
    require_role(station, "user add", "admin")
    station.vault.add_user(name, passphrase)
    with station.db.atomic("IMMEDIATE"):
        user = User(name=name, role=role, office=office, created_at=outbox.utc_now())
        user.display_name = display_name
        user.save(force_insert=True)
        give_keys(station, user)
        outbox.append(station.node.code, station.user, "user.added",
                      {"user": name, "role": role, "office": office})
    return user


def change_passphrase(station: Station, new_passphrase: str) -> None:
    """The logged-in user's new passphrase: the vault slot is rewrapped, and so is
    the user's own key, which the old passphrase's personal key protected."""
    user = User.get_or_none(User.name == station.user)
    held = private_key(station, station.user) if user and user.sealing_private else None
    station.vault.change_passphrase(station.user, new_passphrase)
    if user is not None and held is not None:
        with station.db.atomic("IMMEDIATE"):
            user.sealing_private = _cipher(station, user.name).encrypt(private_bytes(held),
                                                                       _aad(user.name))
            user.save()


def renew_after_recovery(station: Station) -> int:
    """After a recovery the old personal key is gone with the old passphrase:
    the user gets a new key, and office keys sealed to the lost one are dropped
    (another member gives them again).  Returns how many were dropped."""
    from station.store.models import OfficeMember

    user = User.get_or_none(User.name == station.user)
    if user is None:
        return 0
    with station.db.atomic("IMMEDIATE"):
        dropped = OfficeMember.delete().where(OfficeMember.user == user.name).execute()
        give_keys(station, user)
        outbox.append(station.node.code, station.user, "user.keys_renewed",
                      {"user": user.name, "office_keys_dropped": dropped})
    return int(dropped)


def ensure_own_keys(station: Station) -> None:
    """A user from before schema 5 gets keys at their next login."""
    user = User.get_or_none(User.name == station.user)
    if user is not None and user.sealing_private is None:
        with station.db.atomic("IMMEDIATE"):
            give_keys(station, user)


def private_key(station: Station, name: str) -> object:
    """The user's private sealing key: only for the user who unlocked."""
    user = User.get(User.name == name)
    if user.sealing_private is None:
        raise NotAnOfficeMember(office="-", user=name)
    data = _cipher(station, name).decrypt(bytes(user.sealing_private), _aad(name),
                                          "user.sealing_private")
    return load_private(SEAL_X25519, data)


def public_key(name: str) -> object:
    from keys.suites import load_public

    user = User.get(User.name == name)
    if user.sealing_public is None:
        raise NotAnOfficeMember(office="-", user=name)
    return load_public(SEAL_X25519, bytes.fromhex(user.sealing_public))
