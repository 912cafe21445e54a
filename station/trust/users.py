"""Users of a station: who may do what (role, office), adding users, passphrases.

Every user logs in with their own passphrase (their vault slot) and has their
own sealing key (``station.user_keys``).
"""

from __future__ import annotations

from station import outbox, user_keys
from station.app import Station
from station.errors import OfficeNeeded, RoleRequired, UnknownRole
from station.store.models import OfficeMember, User

ROLES = ("agent", "reviewer", "signer", "admin", "auditor")
OFFICE_ROLES = ("reviewer", "signer")


def require_role(station: Station, action: str, *roles: str) -> None:
    """Refuse ``action`` unless the logged-in user has one of ``roles``."""
    user = User.get_or_none(User.name == station.user)
    role = user.role if user else "?"
    if role not in roles:
        raise RoleRequired(user=station.user, role=role, action=action,
                           roles="、".join(roles))


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
        user_keys.give_keys(station.vault, user)
        outbox.append(station.node.code, station.user, "user.added",
                      {"user": name, "role": role, "office": office})
    return user


def change_passphrase(station: Station, new_passphrase: str) -> None:
    """The logged-in user's new passphrase: the vault slot is rewrapped, and so is
    the user's own key, which the old passphrase's personal key protected."""
    user = User.get_or_none(User.name == station.user)
    held = (user_keys.private_key(station.vault, station.user)
            if user and user.sealing_private else None)
    station.vault.change_passphrase(station.user, new_passphrase)
    if user is not None and held is not None:
        with station.db.atomic("IMMEDIATE"):
            user_keys.seal_again(station.vault, user, held)


def renew_after_recovery(station: Station) -> int:
    """After a recovery the old personal key is gone with the old passphrase:
    the user gets a new key, and office keys sealed to the lost one are dropped
    (another member gives them again).  Returns how many were dropped."""
    user = User.get_or_none(User.name == station.user)
    if user is None:
        return 0
    with station.db.atomic("IMMEDIATE"):
        dropped = OfficeMember.delete().where(OfficeMember.user == user.name).execute()
        user_keys.give_keys(station.vault, user)
        outbox.append(station.node.code, station.user, "user.keys_renewed",
                      {"user": user.name, "office_keys_dropped": dropped})
    return int(dropped)


def name_and_office(name: str) -> tuple[str, str | None] | None:
    """The user as colleagues know them (real name, else login; office), if known here."""
    user = User.get_or_none(User.name == name)
    if user is None:
        return None
    return str(user.display_name or user.name), user.office
