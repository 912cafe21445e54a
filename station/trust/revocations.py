"""Revocation lists: issued by the county, kept by every node (newest wins)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from keys import ca
from keys.revocation import RevocationList, issue_revocations, load_revocations, newer
from station import node_keys, outbox
from station.app import Station
from station.errors import NotPermitted
from station.labels import action_name
from station.node import tier_name
from station.store.models import Setting
from station.trust import users

SETTING = "revocations"
ROOT_SETTING = "root_certificate"


def current(station: Station) -> RevocationList | None:
    stored = Setting.get_or_none(Setting.key == SETTING)
    if stored is None:
        return None
    return load_revocations(stored.value.encode("latin-1"), _root())


def _root() -> x509.Certificate:
    return ca.certificate_from_pem(Setting.get(Setting.key == ROOT_SETTING).value.encode())


def revoke(station: Station, serials: set[int]) -> bytes:
    """County only: a new list adding ``serials`` to those already revoked."""
    if station.node.tier != "county":
        raise NotPermitted(action=action_name("ca revoke"), tier=tier_name(station.node.tier))
    users.require_role(station, "revocations issue", "admin")
    root_key = node_keys.load_key(node_keys.ROOT)
    if not isinstance(root_key, ec.EllipticCurvePrivateKey):
        raise NotPermitted(action=action_name("ca revoke"), tier=tier_name(station.node.tier))
    before = current(station)
    number = before.number + 1 if before else 1
    revoked = set(before.revoked if before else ()) | serials
    data = issue_revocations(root_key, number, frozenset(revoked))
    install(station, data)
    return data


def install(station: Station, data: bytes) -> RevocationList:
    """Keep the newer of the stored and the incoming list (an old one never wins)."""
    incoming = load_revocations(data, _root())
    kept = newer(current(station), incoming)
    if kept is incoming:
        with station.db.atomic("IMMEDIATE"):
            Setting.replace(key=SETTING, value=data.decode("latin-1")).execute()
            outbox.append(station.node.code, station.user, "trust.revocations",
                          {"number": incoming.number, "revoked": len(incoming.revoked)})
    return kept


def stored_bytes() -> bytes:
    """The list as the county signed it (to relay to a hub)."""
    return Setting.get(Setting.key == SETTING).value.encode("latin-1")


def number_of(data: bytes) -> int:
    return load_revocations(data, _root()).number
