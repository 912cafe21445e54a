"""Reviewing offices (民政办, 农业农村办 …) and their sealing keys.

An office's private key is sealed (HPKE) to each member's own key, so adding
or removing a reviewer re-encrypts no case.  Rotation makes a new version for
new cases; remaining members keep the old versions to read old cases.
"""

from __future__ import annotations

from collections.abc import Mapping

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
from station.errors import NotAnOfficeMember, OfficeHasNoMembers
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
    who creates it (on a hub, the hub's operator) cannot read its cases."""
    users.require_role(station, "office create", "admin")
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
        outbox.append(station.node.code, station.user, "office.member_added",
                      {"office": office, "user": member})


def remove_member(station: Station, office: str, member: str) -> int:
    """Drop a member and rotate: new cases use a key the removed member never had."""
    _held(station, office)
    with station.db.atomic("IMMEDIATE"):
        OfficeMember.delete().where((OfficeMember.office == office)
                                    & (OfficeMember.user == member)).execute()
        remaining = sorted({r.user for r in OfficeMember.select(OfficeMember.user)
                            .where(OfficeMember.office == office)})
        version = _new_version(station, office, remaining)
        outbox.append(station.node.code, station.user, "office.member_removed",
                      {"office": office, "user": member, "rotated_to": version})
    return version


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
