"""The network directory: which sealing keys each node and office reads with.

Each node publishes a signed entry (its inbox key and its offices' newest
keys); hubs pass entries along unchanged; a station verifies every entry
against the signer's certificate chain up to the county root before it seals
anything to a key in it.  The inbox key lets a node read what is addressed
to the node itself (a village receives returns, notices and decisions).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import ca
from keys.errors import KeysError
from keys.seal import Recipient
from keys.suites import (
    SEAL_X25519,
    generate_sealing_key,
    load_private,
    load_public,
    private_bytes,
    public_bytes,
)
from station import node_keys, outbox
from station.app import Station
from station.store.models import NodeKey, OfficeKey, Setting, User
from station.trust import offices, progress_address, revocations
from sync.signed import open_document, sign_document, signer_of

INBOX = "inbox"
SETTING = "sync.directory"
REPLACED_SETTING = "sync.inbox_replaced"  # node -> its new inbox key (hex): a new PC
ARCHIVE_OFFICE = "档案"


def inbox_id(code: str, version: int = 1) -> str:
    return f"node:{code}:{version}"


def ensure_inbox_key(station: Station) -> tuple[str, object]:
    """This node's inbox key pair (created once): (recipient id, public key)."""
    record = NodeKey.get_or_none(NodeKey.purpose == INBOX)
    if record is None:
        private, public = generate_sealing_key(SEAL_X25519)
        with station.db.atomic("IMMEDIATE"):
            record = NodeKey(purpose=INBOX, suite=SEAL_X25519, public=public_bytes(public).hex(),
                             created_at=outbox.utc_now())
            record.private = private_bytes(private).hex()
            record.save(force_insert=True)
    return inbox_id(station.node.code), load_public(record.suite, bytes.fromhex(record.public))


def keyring(station: Station) -> dict[str, object]:
    """Every private sealing key the logged-in user may read with here."""
    ring: dict[str, object] = dict(offices.keyring(station))
    record = NodeKey.get_or_none(NodeKey.purpose == INBOX)
    if record is not None:
        ring[inbox_id(station.node.code)] = load_private(record.suite,
                                                         bytes.fromhex(record.private))
    return ring


def own_entry(station: Station) -> dict[str, str]:
    """This node's signed directory entry."""
    rid, public = ensure_inbox_key(station)
    node = station.node
    listed = []
    for office in sorted({k.office for k in OfficeKey.select(OfficeKey.office)}):
        key = offices.latest(office)
        assert key is not None
        listed.append({"id": offices.recipient_id(node.code, office, key.version),
                       "office": office, "suite": key.suite, "public": key.public})
    value = {"kind": "directory", "node": node.code, "tier": node.tier, "name": node.name,
             "issued_at": datetime.now(UTC).isoformat(timespec="microseconds"),
             "inbox": {"id": rid, "suite": SEAL_X25519, "public": public_bytes(public).hex()},
             "offices": listed, "staff": staff_list()}
    address = progress_address.own_address()
    if address:  # the county's public progress page, for its villages' receipts
        value[progress_address.DIRECTORY_KEY] = address
    signing = node_keys.ensure_signing_key()
    assert isinstance(signing, ed25519.Ed25519PrivateKey)
    return sign_document(value, signing, node.code)


def staff_list() -> dict[str, dict[str, str | None]]:
    """Who works here, as the lifecycle needs it: user name -> role and office (no
    display names: those are personal)."""
    return {u.name: {"role": u.role, "office": u.office}
            for u in User.select(User.name, User.role, User.office).order_by(User.name)}


def staff_of(node: str) -> dict[str, tuple[str | None, str | None]]:
    """The staff list a node published in its verified directory entry."""
    listed = stored_entries().get(node, {}).get("staff") or {}
    return {str(name): (entry.get("role"), entry.get("office"))
            for name, entry in listed.items() if isinstance(entry, dict)}


def accept_entries(station: Station, entries: list[dict[str, Any]],
                   at: datetime | None = None) -> int:
    """Verify entries from a hub and keep the newest per node; returns how many changed.

    Certificates are checked at ``at`` (the hub's time; this PC's clock may be wrong)."""
    root = ca.certificate_from_pem(Setting.get(Setting.key == "root_certificate").value.encode())
    revoked = revocations.current(station)
    known = stored_entries()
    changed = 0
    replaced: dict[str, str] = {}
    for entry in entries:
        wire, chain_pem = entry.get("document"), entry.get("chain", "")
        try:
            chain = ca.chain_from_pem(str(chain_pem).encode())
            identity = ca.verify_node(chain[0], chain[1:], root, revoked, at=at)
            if signer_of(wire, "目录") != identity.code:
                continue
            value = open_document(wire, identity.public_key, "目录")
        except KeysError:
            continue
        if value.get("node") != identity.code:
            continue
        current = known.get(identity.code)
        if current is None or current["issued_at"] < value["issued_at"]:
            if current is not None and _inbox(current) != _inbox(value):
                replaced[identity.code] = _inbox(value)
            known[identity.code] = value
            changed += 1
    if changed:
        with station.db.atomic("IMMEDIATE"):
            Setting.replace(key=SETTING, value=json.dumps(known, ensure_ascii=False)).execute()
            if replaced:
                Setting.replace(key=REPLACED_SETTING, value=json.dumps(
                    {**replaced_inboxes(), **replaced}, sort_keys=True)).execute()
    return changed


def _inbox(entry: dict[str, Any]) -> str:
    return str((entry.get("inbox") or {}).get("public", ""))


def replaced_inboxes() -> dict[str, str]:
    """Nodes whose inbox key changed since this station first knew them (a replacement
    PC, which cannot open what was sealed to the old one): node -> the new key (hex)."""
    stored = Setting.get_or_none(Setting.key == REPLACED_SETTING)
    return json.loads(stored.value) if stored else {}


def stored_entries() -> dict[str, dict[str, Any]]:
    stored = Setting.get_or_none(Setting.key == SETTING)
    return json.loads(stored.value) if stored else {}


def office_recipient(entries: dict[str, dict[str, Any]], node: str,
                     office: str) -> Recipient | None:
    entry = entries.get(node)
    for listed in (entry or {}).get("offices", ()):
        if listed["office"] == office:
            return Recipient(listed["id"], load_public(listed["suite"],
                                                       bytes.fromhex(listed["public"])))
    return None


def inbox_recipient(entries: dict[str, dict[str, Any]], node: str) -> Recipient | None:
    entry = entries.get(node)
    if entry is None:
        return None
    inbox = entry["inbox"]
    return Recipient(inbox["id"], load_public(inbox["suite"], bytes.fromhex(inbox["public"])))
