"""Reviewing offices (民政办, 农业农村办 …) and their sealing keys.

An office's private key is sealed (HPKE) to each member's own key, so adding
or removing a reviewer re-encrypts no case.  Rotation makes a new version for
new cases; remaining members keep the old versions to read old cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from keys.seal import Recipient, open_sealed, seal
from keys.suites import (
    SEAL_X25519,
    generate_sealing_key,
    load_private,
    load_public,
    private_bytes,
    public_bytes,
)
from station import outbox, user_keys
from station.app import Station
from station.errors import (
    LastOfficeKeyHolder,
    NotAnOfficeMember,
    OfficeHasNoMembers,
    OfficeKeyHeld,
)
from station.store.models import OfficeKey, OfficeMember, User
from station.trust import users


def recipient_id(node_code: str, office: str, version: int) -> str:
    return f"office:{node_code}:{office}:{version}"


def _member_id(user: str) -> str:
    return f"user:{user}"


def latest(office: str) -> OfficeKey | None:
    return (OfficeKey.select().where(OfficeKey.office == office)
            .order_by(OfficeKey.version.desc()).first())


def recipient(station: Station, office: str) -> Recipient:
    """Seal new payloads for ``office`` to its newest key."""
    key = latest(office)
    if key is None:
        raise NotAnOfficeMember(office=office, user=station.user)
    return Recipient(recipient_id(station.node.code, office, key.version),
                     load_public(key.suite, bytes.fromhex(key.public)))


def _wrap(office: str, version: int, private: bytes, member: str) -> None:
    sealed = seal(private, [Recipient(_member_id(member), user_keys.public_key(member))])
    OfficeMember.replace(office=office, version=version, user=member, sealed=sealed).execute()


def _new_version(station: Station, office: str, members: list[str]) -> int:
    current = latest(office)
    version = current.version + 1 if current else 1
    private, public = generate_sealing_key(SEAL_X25519)
    OfficeKey.create(office=office, version=version, suite=SEAL_X25519,
                     public=public_bytes(public).hex(), created_at=outbox.utc_now())
    for member in members:
        _wrap(office, version, private_bytes(private), member)
    return version


def create_office(station: Station, office: str) -> int:
    """The office's first key, held by the office's own users only: the admin
    who creates it (on a hub, the hub's operator) cannot read its cases.  Again only
    when no one holds it any more (the last holder's passphrase was reset); while
    someone does, a colleague gives it (``add_member``)."""
    users.require_role(station, "office create", "admin")
    holders = sorted({m.user for m in OfficeMember.select(OfficeMember.user)
                      .where(OfficeMember.office == office)})
    if holders:
        # Someone can give the key on: a new version sealed to every user now listed
        # under the office would let an admin list themselves and read its cases.
        raise OfficeKeyHeld(office=office, holders="、".join(holders))
    members = sorted(u.name for u in User.select().where(User.office == office))
    if not members:
        raise OfficeHasNoMembers(office=office)
    with station.db.atomic("IMMEDIATE"):
        version = _new_version(station, office, members)
        outbox.append(station.node.code, station.user, "office.created",
                      {"office": office, "members": members})
    return version


def _held(station: Station, office: str) -> dict[int, bytes]:
    """The versions of ``office``'s private key the logged-in user can open."""
    mine = user_keys.private_key(station.vault, station.user)
    held = {}
    for row in OfficeMember.select().where((OfficeMember.office == office)
                                           & (OfficeMember.user == station.user)):
        held[row.version] = open_sealed(bytes(row.sealed), {_member_id(station.user): mine})
    if not held:
        raise NotAnOfficeMember(office=office, user=station.user)
    return held


def add_member(station: Station, office: str, member: str) -> None:
    """A member gives a new member every version (to read old cases too)."""
    held = _held(station, office)
    with station.db.atomic("IMMEDIATE"):
        for version, private in held.items():
            _wrap(office, version, private, member)
        outbox.append(station.node.code, station.user, outbox.OFFICE_MEMBER_ADDED,
                      {"office": office, "user": member})


def remove_member(station: Station, office: str, member: str) -> int:
    """Drop a member and rotate: new cases use a key the removed member never had.

    A member of the office may do it, and so may an admin of the station (who is
    usually none): rotating needs no old key, and the new one is sealed to the
    remaining members only.  The user's office is cleared too, so no colleague is
    asked to give the key back.  The last holder is not removed: nobody could then
    open the office's new cases."""
    if not holds(station.user, office):
        requester = User.get_or_none(User.name == station.user)
        if requester is None or requester.role != "admin":
            raise NotAnOfficeMember(office=office, user=station.user)
    if not holds(member, office):
        raise NotAnOfficeMember(office=office, user=member)
    with station.db.atomic("IMMEDIATE"):
        remaining = sorted(holders(office) - {member})
        if not remaining:
            raise LastOfficeKeyHolder(office=office, user=member)
        OfficeMember.delete().where((OfficeMember.office == office)
                                    & (OfficeMember.user == member)).execute()
        version = _new_version(station, office, remaining)
        User.update(office=None).where((User.name == member) & (User.office == office)).execute()
        outbox.append(station.node.code, station.user, outbox.OFFICE_MEMBER_REMOVED,
                      {"office": office, "user": member, "rotated_to": version})
    return version


# -- who holds an office's key (read from the rows; nothing is unsealed) ------------------
HELD, WAITING, NO_KEY = "held", "waiting", "no_key"


@dataclass(frozen=True)
class Colleague:
    """A user of an office the logged-in user holds, still waiting for its key."""

    name: str
    display_name: str
    office: str


def holders(office: str) -> set[str]:
    """The users who hold the newest version of ``office``'s key."""
    key = latest(office)
    if key is None:
        return set()
    return {r.user for r in OfficeMember.select(OfficeMember.user).where(
        (OfficeMember.office == office) & (OfficeMember.version == key.version))}


def holds(user: str, office: str) -> bool:
    return user in holders(office)


def key_state(user: str, office: str | None) -> str | None:
    """HELD, WAITING (a colleague of the office has to give it), NO_KEY (the office has
    no key yet: the admin makes it), or None for a user without an office."""
    if not office:
        return None
    if latest(office) is None:
        return NO_KEY
    return HELD if holds(user, office) else WAITING


@dataclass(frozen=True)
class KeyInfo:
    """A user's own office's key state (``key_state``) and the offices whose key they hold."""

    state: str | None
    held: tuple[str, ...]


def key_states(station: Station) -> dict[str, KeyInfo]:
    """Every user's office keys, for the admin's list of users."""
    users.require_role(station, "user list", "admin")
    held: dict[str, set[str]] = {}
    for office in {k.office for k in OfficeKey.select(OfficeKey.office)}:
        for name in holders(office):
            held.setdefault(name, set()).add(office)
    return {u.name: KeyInfo(key_state(u.name, u.office), tuple(sorted(held.get(u.name, ()))))
            for u in User.select()}


def my_offices(station: Station) -> list[str]:
    """The offices whose newest key the logged-in user holds."""
    return sorted({r.office for r in OfficeMember.select(OfficeMember.office)
                   .where(OfficeMember.user == station.user)
                   if holds(station.user, r.office)})


def waiting(station: Station) -> list[Colleague]:
    """Users of the logged-in user's offices who can log in here and do not hold the
    office's key yet: the colleagues the user can give it to (``add_member``)."""
    mine = my_offices(station)
    if not mine:
        return []
    slots = set(station.vault.users())
    found = []
    for user in User.select().where(User.office.in_(mine)).order_by(User.name):
        office = str(user.office)
        if user.name in slots and user.name != station.user and not holds(user.name, office):
            found.append(Colleague(user.name, str(user.display_name or user.name), office))
    return found


def keyring(station: Station) -> Mapping[str, object]:
    """Every office key version the logged-in user holds, by recipient id."""
    ring: dict[str, object] = {}
    offices = {r.office for r in OfficeMember.select(OfficeMember.office)
               .where(OfficeMember.user == station.user)}
    for office in offices:
        for version, private in _held(station, office).items():
            suite = OfficeKey.get((OfficeKey.office == office)
                                  & (OfficeKey.version == version)).suite
            ring[recipient_id(station.node.code, office, version)] = load_private(suite, private)
    return ring
