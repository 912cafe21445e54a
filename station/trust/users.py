"""Users of a station: who may do what (role, office), adding users, passphrases.

Every user logs in with their own passphrase (their vault slot) and has their
own sealing key (``station.user_keys``).
"""

from __future__ import annotations

from dataclasses import dataclass

from keys.errors import UnknownUser
from station import outbox, user_keys
from station.app import Station
from station.errors import OfficeNeeded, RoleRequired, StationError, UnknownRole
from station.i18n import translate
from station.labels import action_name
from station.store.models import OfficeMember, User
from station.trust.roles import OFFICE_ROLES, ROLE_LABELS, ROLES


def role_name(role: str) -> str:
    """A role as people call it (an unknown one as given)."""
    return translate(ROLE_LABELS[role]) if role in ROLE_LABELS else role


class NotForYourself(StationError):
    """不能对自己执行这一步：停用或重设口令须由另一位管理员办理；修改自己的口令请到“设置”。"""

    exit_code = 4


@dataclass(frozen=True)
class UserInfo:
    """A user as the admin's list shows them (no key, no passphrase)."""

    name: str
    display_name: str
    role: str
    office: str | None
    active: bool  # has a vault slot: can log in


def require_role(station: Station, action: str, *roles: str) -> None:
    """Refuse ``action`` unless the logged-in user has one of ``roles``."""
    user = User.get_or_none(User.name == station.user)
    role = user.role if user else "?"
    if role not in roles:
        raise RoleRequired(user=station.user, role=role_name(role), action=action_name(action),
                           roles="、".join(role_name(r) for r in roles))


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


def list_users(station: Station) -> list[UserInfo]:
    """Every user of this station, by login name; admins only."""
    require_role(station, "user list", "admin")
    slots = set(station.vault.users())
    return [UserInfo(u.name, str(u.display_name or ""), u.role, u.office, u.name in slots)
            for u in User.select().order_by(User.name)]


def _user(name: str) -> User:
    user = User.get_or_none(User.name == name)
    if user is None:
        raise UnknownUser(user=name)
    return user


def change_user(station: Station, name: str, role: str, office: str | None,
                display_name: str | None) -> User:
    """An admin sets a user's role, office and real name."""
    if role not in ROLES:
        raise UnknownRole(role=role, roles="、".join(ROLES))
    if role in OFFICE_ROLES and not office:
        raise OfficeNeeded(role=role)
    require_role(station, "user change", "admin")
    user = _user(name)
    if name == station.user and role != "admin":
        raise NotForYourself()
    with station.db.atomic("IMMEDIATE"):
        user.role, user.office = role, office or None
        user.display_name = display_name or None
        user.save()
        outbox.append(station.node.code, station.user, "user.changed",
                      {"user": name, "role": role, "office": user.office})
    return user


def disable_user(station: Station, name: str) -> None:
    """An admin takes away a user's key slot: they can no longer log in here.
    Their records stay; a passphrase reset (``reset_passphrase``) lets them in again."""
    require_role(station, "user disable", "admin")
    _user(name)
    if name == station.user:
        raise NotForYourself()
    station.vault.remove_user(name)
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, "user.disabled", {"user": name})


def reset_passphrase(station: Station, name: str, new_passphrase: str) -> int:
    """A forgotten passphrase, reset by an admin: the user types the new one
    themselves at the admin's PC, so nobody else learns it.  The old personal
    key went with the old passphrase, so the user gets a new key and loses
    office keys sealed to the old one (a member of the office gives them again),
    as after a recovery.  A disabled user is let in again.  Returns how many
    office keys were dropped."""
    require_role(station, "user reset", "admin")
    _user(name)
    if name == station.user:
        raise NotForYourself()
    if name in station.vault.users():
        station.vault.change_passphrase(name, new_passphrase)
    else:
        station.vault.add_user(name, new_passphrase)
    return _renew_keys(station, name, "user.passphrase_reset")


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
    return _renew_keys(station, station.user, "user.keys_renewed")


def _renew_keys(station: Station, name: str, event: str) -> int:
    user = User.get_or_none(User.name == name)
    if user is None:
        return 0
    with station.db.atomic("IMMEDIATE"):
        dropped = OfficeMember.delete().where(OfficeMember.user == user.name).execute()
        user_keys.give_keys(station.vault, user)
        outbox.append(station.node.code, station.user, event,
                      {"user": user.name, "office_keys_dropped": dropped})
    return int(dropped)


def is_admin(station: Station) -> bool:
    """The 管理 screen is for the admins of township and county nodes."""
    if station.node.tier not in ("township", "county"):
        return False
    try:
        require_role(station, "admin", "admin")
    except StationError:
        return False
    return True


def name_and_office(name: str) -> tuple[str, str | None] | None:
    """The user as colleagues know them (real name, else login; office), if known here."""
    user = User.get_or_none(User.name == name)
    if user is None:
        return None
    return str(user.display_name or user.name), user.office
