"""Offline bundles at a station: sync on a USB stick when there is no link.

``export``: publish pending events, then write one signed bundle holding what
an HTTP round would push (certificate chain, directory entry, envelopes not
yet receipted, the materials they cite, receipts to report).  A hub imports
it (``station hub import``) and answers with a receipts bundle signed by the
hub; ``import_receipts`` verifies that answer to the county root and applies
it as a round would: receipts move the acked seq, the directory and
revocations are kept, events addressed here go to the inbox and are applied
(a returned case shows 已退回村站).  Importing either bundle twice changes
nothing.  Format: sync/bundle.py and docs/protocol.md (Offline bundles).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import ca
from keys.errors import KeysError
from station import node_keys, outbox
from station.app import Station
from station.errors import BundleNeedsEnrolment, BundleNeedsOnlineSync, DocumentFolderUnwritable
from station.fileio import write_atomically
from station.network import link, publish
from station.store.models import (
    InboxEvent,
    OutgoingMaterial,
    Setting,
    SyncEnvelope,
    SyncReceipt,
)
from station.trust import directory, revocations
from sync.bundle import (
    EVENTS,
    READ_SIZE,
    RECEIPTS,
    Bundle,
    BundleWriter,
    event_part,
    hub_for,
    material_part,
    open_bundle,
    part_number,
)
from sync.envelope import Envelope, parse_envelope, verify_envelope
from sync.errors import SyncError
from sync.problems import (
    BundleForAnotherNode,
    BundleFromAnotherHub,
    BundleMalformed,
    BundleNotWritten,
    BundleSignatureInvalid,
    BundleSignerNotEnrolled,
    BundleSignerRevoked,
    BundleUnreadable,
)
from sync.push import PushState

RECEIPTS_AT = "bundle.receipts_at"  # created_at of the newest receipts bundle applied


@dataclass
class ExportReport:
    path: str
    node: str
    to: str
    published: int = 0
    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    materials: int = 0
    proofs: int = 0
    size: int = 0  # bytes

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReceiptsReport:
    path: str
    hub: str
    receipts: int = 0
    acked: int = 0
    pulled: int = 0
    applied: int = 0
    refused: int = 0
    returned: list[str] = field(default_factory=list)
    pending: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def export(station: Station, path: Path) -> ExportReport:
    """Write this station's pending sync to ``path`` (atomically)."""
    chain = node_keys.certificate(node_keys.SIGNING)
    if not chain:
        raise BundleNeedsEnrolment()
    if outbox.chain_waits():  # only the hub can say where this node's log stands
        raise BundleNeedsOnlineSync()
    code = station.node.code
    report = ExportReport(str(path), code, hub_for(code))
    report.published = publish.publish_pending(station)
    acked = link.acked_seq()
    seqs = [r.seq for r in SyncEnvelope.select(SyncEnvelope.seq).where(SyncEnvelope.seq > acked)
            .order_by(SyncEnvelope.seq)]
    addresses: dict[str, None] = {}
    for row in SyncEnvelope.select(SyncEnvelope.materials).where(SyncEnvelope.seq > acked) \
            .order_by(SyncEnvelope.seq):
        addresses.update(dict.fromkeys(json.loads(row.materials)))
    ours = {r.address for r in OutgoingMaterial.select(OutgoingMaterial.address)
            .where(OutgoingMaterial.address.in_(list(addresses)))} if addresses else set()
    addresses = {a: None for a in addresses if a in ours}  # another node's is at the hub
    folder = publish.outgoing_dir(station)
    proofs = [json.loads(r.document) for r in
              SyncReceipt.select().where(SyncReceipt.reported == False)  # noqa: E712
              .order_by(SyncReceipt.hub, SyncReceipt.up_to_seq)]
    cursor = Setting.get_or_none(Setting.key == link.CURSOR_SETTING)
    hub_log = Setting.get_or_none(Setting.key == link.LOG_SETTING)
    fields = {"kind": EVENTS, "from": code, "to": report.to, "created_at": outbox.utc_now(),
              "chain": chain, "directory": directory.own_entry(station), "acked": acked,
              "cursor": int(cursor.value) if cursor else 0, "proofs": proofs,
              "log": hub_log.value if hub_log else ""}
    key = node_keys.ensure_signing_key()
    assert isinstance(key, ed25519.Ed25519PrivateKey)

    def render(out: BinaryIO) -> None:
        writer = BundleWriter(out)
        for seq in seqs:  # one envelope in memory at a time
            writer.add(event_part(seq), bytes(SyncEnvelope.get_by_id(seq).envelope))
        for address in addresses:
            writer.add_stream(material_part(address), _file_chunks(folder / address))
        writer.finish(fields, key, code)

    try:
        write_atomically(path, render)
    except DocumentFolderUnwritable as error:
        raise BundleNotWritten(path=str(path), reason=error.params["reason"]) from None
    report.events, report.materials, report.proofs = len(seqs), len(addresses), len(proofs)
    report.first_seq, report.last_seq = (seqs[0], seqs[-1]) if seqs else (None, None)
    report.size = path.stat().st_size
    return report


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while piece := handle.read(READ_SIZE):
            yield piece


def import_receipts(station: Station, path: Path) -> ReceiptsReport:
    """Verify a hub's receipts bundle and apply it; all or nothing."""
    try:
        stream = path.open("rb")
    except OSError as error:
        raise BundleUnreadable(path=str(path), reason=error.strerror or str(error)) from None
    trusted: dict[str, object] = {}

    def trust(source: str, chain: str) -> object:
        trusted[source] = _trust(station, str(path), source, chain)
        return trusted[source]

    with stream:
        bundle = open_bundle(stream, str(path), RECEIPTS, trust)
        code = station.node.code
        if bundle.target != code:
            raise BundleForAnotherNode(path=str(path), target=bundle.target, node=code)
        if bundle.source != hub_for(code):
            raise BundleFromAnotherHub(path=str(path), node=bundle.source, hub=hub_for(code))
        downward = [(part_number(name), _envelope(bundle, name))
                    for name in bundle.names("events/")]
        report = ReceiptsReport(str(path), bundle.source)
        with station.db.atomic("IMMEDIATE"):  # a failure anywhere leaves the station as it was
            _apply(station, bundle, trusted[bundle.source], downward, report)
    report.acked = link.acked_seq()
    report.pending = link.pending_count()
    return report


def _trust(station: Station, label: str, source: str, chain_pem: str) -> object:
    """The hub's key, if its chain verifies to our county root and is not revoked."""
    listed = revocations.current(station)
    try:
        chain = ca.chain_from_pem(chain_pem.encode())
        identity = ca.verify_node(chain[0], chain[1:], _root(), listed)
    except (KeysError, ValueError, IndexError):
        if listed is not None and _serials(chain_pem) & listed.revoked:
            raise BundleSignerRevoked(path=label, node=source) from None
        raise BundleSignerNotEnrolled(path=label, node=source) from None
    if identity.code != source:
        raise BundleSignatureInvalid(path=label, node=source)
    return identity.public_key


def _root() -> Any:
    stored = Setting.get(Setting.key == revocations.ROOT_SETTING)
    return ca.certificate_from_pem(stored.value.encode())


def _serials(chain_pem: str) -> set[int]:
    try:
        return {c.serial_number for c in ca.chain_from_pem(chain_pem.encode())}
    except (KeysError, ValueError):
        return set()


def _envelope(bundle: Bundle, name: str) -> Envelope:
    try:
        return parse_envelope(bundle.read(name))
    except SyncError:
        raise BundleMalformed(path=bundle.label, part=name) from None


def _apply(station: Station, bundle: Bundle, hub_key: object,
           downward: list[tuple[int, Envelope]], report: ReceiptsReport) -> None:
    listed = bundle.manifest.get("revocations")
    if listed is not None:
        try:
            revocations.install(station, base64.b64decode(str(listed), validate=True))
        except (binascii.Error, ValueError):
            raise BundleMalformed(path=bundle.label, part="revocations") from None
    entries = bundle.field_of("directory", list)
    if not all(isinstance(e, dict) for e in entries):
        raise BundleMalformed(path=bundle.label, part="directory")
    directory.accept_entries(station, entries)
    chains = link.known_chains()
    chains.update({link.entry_signer(e): e["chain"] for e in entries
                   if isinstance(e, dict) and e.get("chain")})
    Setting.replace(key="sync.chains", value=json.dumps(chains)).execute()
    _accept_receipts(station, bundle, hub_key, report)
    _store_inbox(station, downward, chains, report)
    cursor = Setting.get_or_none(Setting.key == link.CURSOR_SETTING)
    moved = max(int(cursor.value) if cursor else 0, bundle.field_of("cursor", int))
    answer_log = bundle.manifest.get("log")
    if isinstance(answer_log, str) and answer_log:
        stored = Setting.get_or_none(Setting.key == link.LOG_SETTING)
        if stored is not None and stored.value != answer_log:
            moved = bundle.field_of("cursor", int)  # a restored hub's new log: its cursor
        Setting.replace(key=link.LOG_SETTING, value=answer_log).execute()
    Setting.replace(key=link.CURSOR_SETTING, value=str(moved)).execute()
    for held in bundle.field_of("proofs_held", list):
        if not (isinstance(held, list) and len(held) == 2 and isinstance(held[0], str)
                and isinstance(held[1], int)):
            raise BundleMalformed(path=bundle.label, part="proofs_held")
        SyncReceipt.update(reported=True).where(
            (SyncReceipt.hub == held[0]) & (SyncReceipt.node == station.node.code)
            & (SyncReceipt.up_to_seq == held[1])).execute()
    sync_report = link.SyncReport(hub=bundle.source)
    link.apply_inbox(station, sync_report)
    report.applied, report.returned = sync_report.applied, sync_report.returned


def _accept_receipts(station: Station, bundle: Bundle, hub_key: object,
                     report: ReceiptsReport) -> None:
    """Receipts move the acked seq; a hub holding less than we think it has
    (restored from an older backup) moves it back, so the next export re-sends."""
    assert isinstance(hub_key, ed25519.Ed25519PublicKey)
    sync_report = link.SyncReport(hub=bundle.source)
    state = PushState(link.acked_seq(), frozenset())
    held = SyncReceipt.select().count()
    for wire in bundle.field_of("receipts", list):
        state = link.accept_receipt(station, state, wire, hub_key, sync_report)
    report.receipts = SyncReceipt.select().count() - held  # new proofs of delivery
    high_water = bundle.field_of("high_water", int)
    created = str(bundle.manifest["created_at"])
    newest = Setting.get_or_none(Setting.key == RECEIPTS_AT)
    if newest is not None and newest.value >= created:
        return  # an older answer than one applied already: its high-water mark is stale
    Setting.replace(key=RECEIPTS_AT, value=created).execute()
    if high_water < state.acked_seq:
        Setting.replace(key=link.ACKED_SETTING, value=str(high_water)).execute()


def _store_inbox(station: Station, downward: list[tuple[int, Envelope]],
                 chains: dict[str, str], report: ReceiptsReport) -> None:
    """Events addressed here, as a pull keeps them: the author's signature is
    checked when its chain is known and still trusted."""
    root, listed = _root(), revocations.current(station)
    authors: dict[str, ed25519.Ed25519PublicKey | None] = {}
    for index, envelope in downward:
        node = envelope.header.node
        try:
            if node not in authors:
                authors[node] = None
                if chains.get(node):
                    chain = ca.chain_from_pem(chains[node].encode())
                    authors[node] = ca.verify_node(chain[0], chain[1:], root, listed).public_key
            key = authors[node]
            if key is not None:
                verify_envelope(envelope, key)
        except KeysError:  # e.g. its author's certificate was revoked since
            report.refused += 1
            continue
        if InboxEvent.get_or_none(InboxEvent.digest == envelope.hash) is not None:
            continue  # imported before
        InboxEvent.insert(
            digest=envelope.hash, node=node, seq=envelope.header.seq, type=envelope.header.type,
            case_no=envelope.header.case_no, envelope=envelope.raw, hub_index=index,
            received_at=outbox.utc_now(), applied=False).execute()
        report.pulled += 1
