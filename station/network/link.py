"""Syncing a station with its hub: the one facade the CLI and the desktop use.

One round (``sync_once``): learn the hub's time and identity, exchange
directory entries and revocations, publish new events as envelopes, upload
the materials they cite (resuming), push events in order and keep the
hub's signed receipts, report receipts for the county's audit, then pull
what is addressed to this node and apply it.  Every step is idempotent, so
a round cut anywhere is simply run again.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import ca
from keys.errors import KeysError
from keys.seal import open_sealed
from station import node_keys, outbox
from station.app import Station
from station.cases import conflicts, status
from station.errors import HubNotSet, NotEnrolled
from station.network import arrivals, chain_resume, hub_tls, publish, updates
from station.store.models import (
    Case,
    InboxEvent,
    OutgoingMaterial,
    Setting,
    SyncEnvelope,
    SyncReceipt,
)
from station.trust import directory, revocations
from sync.client import HubClient
from sync.envelope import parse_envelope, verify_envelope
from sync.problems import CaseNumberNotOwn, MaterialMissing
from sync.push import OutgoingEvent, PushState, Receipt, apply_high_water, apply_receipt, plan_batch
from sync.rules import check_case_number
from sync.signed import open_document

log = logging.getLogger("bianmin.sync")
HUB_SETTING = "sync.hub_url"
ACKED_SETTING = "sync.acked_seq"
CURSOR_SETTING = "sync.cursor"
LOG_SETTING = "sync.hub_log"  # the hub log the cursor counts in (sync.hub.identity.log_id)
LAST_SUCCESS = "sync.last_success"
RETURNED = status.RETURNED

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class SyncReport:
    hub: str
    pushed: int = 0
    duplicates: int = 0
    pulled: int = 0
    applied: int = 0
    published: int = 0
    materials: int = 0
    bytes_sent: int = 0
    pending: int = 0
    receipts: int = 0
    refused: int = 0
    returned: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)  # own cases whose state moved
    documents: list[dict[str, Any]] = field(default_factory=list)  # signed documents received
    # own case events the hub kept without applying (the case had moved on meanwhile)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _setting(key: str, default: str | None = None) -> str | None:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else default


def _set(station: Station, key: str, value: str) -> None:
    with station.db.atomic("IMMEDIATE"):
        Setting.replace(key=key, value=value).execute()


def hub_url(station: Station) -> str | None:
    return _setting(HUB_SETTING)


def set_hub(station: Station, url: str) -> None:
    _set(station, HUB_SETTING, url.rstrip("/"))




def pending_count() -> int:
    """Cases and case steps not yet confirmed by the hub (published or not): what an
    agent means by 待上报.  Access records (阅览留痕) and other bookkeeping travel too,
    but are not counted: browsing the list must not make six cases look unsent."""
    acked = int(_setting(ACKED_SETTING, "0") or 0)
    from station.store.models import Event
    return int(Event.select().where((Event.seq > acked)
                                    & Event.type.startswith("case.")).count())


def acked_seq() -> int:
    """This node's events the hub has receipted."""
    return int(_setting(ACKED_SETTING, "0") or 0)


def last_success() -> str | None:
    return _setting(LAST_SUCCESS)


def client_for(station: Station, url: str | None = None) -> HubClient:
    target = url or hub_url(station)
    if not target:
        raise HubNotSet()
    key = node_keys.ensure_signing_key()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return HubClient(target, key, station.node.code, ca_file=hub_tls.ca_file(station))


def _root() -> Any:
    return ca.certificate_from_pem(Setting.get(Setting.key == "root_certificate").value.encode())


def trusted_now(client: HubClient) -> datetime:
    """The hub's time, as learned from its health answer: certificates are checked
    at this moment, so a village PC whose clock is days wrong still verifies them."""
    return datetime.fromtimestamp(time.time() + client.clock_offset, UTC)


def connect(station: Station, client: HubClient) -> ed25519.Ed25519PublicKey:
    """Introduce ourselves; verify the hub's chain; returns the hub's key."""
    client.health()
    chain_pem = node_keys.certificate(node_keys.SIGNING)
    if not chain_pem:
        raise NotEnrolled()
    answer = client.hello(chain_pem)
    chain = ca.chain_from_pem(str(answer["chain"]).encode())
    identity = ca.verify_node(chain[0], chain[1:], _root(), revocations.current(station),
                              at=trusted_now(client))
    return identity.public_key


def _outbox(after: int) -> list[OutgoingEvent]:
    rows = SyncEnvelope.select().where(SyncEnvelope.seq > after).order_by(SyncEnvelope.seq)
    return [OutgoingEvent("", r.seq, r.digest, tuple(json.loads(r.materials)), len(r.envelope))
            for r in rows]


def _foreign(after: int) -> frozenset[str]:
    """Materials our unsent events cite that are not ours to upload: another node's,
    already at the hub (a case sent again to a replacement PC cites its scans)."""
    cited = {a for r in SyncEnvelope.select(SyncEnvelope.materials).where(
        SyncEnvelope.seq > after) for a in json.loads(r.materials)}
    if not cited:
        return frozenset()
    ours = {r.address for r in OutgoingMaterial.select(OutgoingMaterial.address)
            .where(OutgoingMaterial.address.in_(list(cited)))}
    return frozenset(cited - ours)


def _read_at(station: Station, address: str) -> Callable[[int, int], bytes]:
    path = publish.outgoing_dir(station) / address

    def read(offset: int, length: int) -> bytes:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)
    return read


def push_all(station: Station, client: HubClient, hub_key: ed25519.Ed25519PublicKey,
             report: SyncReport, progress: Progress | None = None) -> None:
    code = station.node.code
    acked = int(_setting(ACKED_SETTING, "0") or 0)
    head = client.node_head(code)
    uploaded = frozenset(r.address for r in OutgoingMaterial.select(OutgoingMaterial.address)
                         .where(OutgoingMaterial.uploaded == True))  # noqa: E712
    uploaded |= _foreign(acked)
    state = PushState(acked, uploaded)
    if int(head["high_water"]) < acked:  # the hub lost events (restored from a backup)
        state = PushState(apply_high_water(state, int(head["high_water"])).acked_seq,
                          frozenset())
    elif int(head["high_water"]) > acked and head.get("receipt"):
        state = _accept_receipt(station, state, head["receipt"], hub_key, report)
    stalls = 0
    while True:
        events = [OutgoingEvent(code, e.seq, e.digest, e.materials, e.size)
                  for e in _outbox(state.acked_seq)]
        if not events:
            break
        batch = plan_batch(events, state)
        for address in batch.materials_to_upload:
            record = OutgoingMaterial.get(OutgoingMaterial.address == address)
            report.bytes_sent += client.upload(
                address, record.size, _read_at(station, address),
                (lambda done, total: progress("upload", done, total)) if progress else None)
            report.materials += 1
            with station.db.atomic("IMMEDIATE"):
                OutgoingMaterial.update(uploaded=True).where(
                    OutgoingMaterial.address == address).execute()
            state = PushState(state.acked_seq, state.uploaded | {address})
        if not batch.events:
            continue
        raws = [bytes(SyncEnvelope.get_by_id(e.seq).envelope) for e in batch.events]
        try:
            answer = client.push(raws)
        except MaterialMissing as missing:
            address = str(missing.params["address"])
            state = PushState(state.acked_seq, state.uploaded - {address})
            continue
        report.duplicates += answer.duplicates
        report.pushed += answer.accepted
        if answer.conflicts:
            report.conflicts.extend(conflicts.record(station, answer.conflicts))
        for gap in answer.gaps:
            if gap["node"] == code:
                state = PushState(apply_high_water(state, int(gap["high_water"])).acked_seq,
                                  frozenset())
        before = state.acked_seq
        for wire in answer.receipts:
            state = _accept_receipt(station, state, wire, hub_key, report)
        if state.acked_seq == before:
            stalls += 1
            if stalls > 2:  # the hub takes nothing and names no gap we can act on
                break
        if progress:
            progress("events", state.acked_seq, events[-1].seq)


def _accept_receipt(station: Station, state: PushState, wire: dict[str, str],
                    hub_key: ed25519.Ed25519PublicKey, report: SyncReport) -> PushState:
    value = open_document(wire, hub_key, "回执")
    code = station.node.code
    if value.get("node") != code:
        return state
    receipt = Receipt(code, int(value["up_to_seq"]), str(value["head"]), int(value["index"]),
                      b"")
    mine = [OutgoingEvent(code, e.seq, e.digest, e.materials, e.size)
            for e in _outbox(receipt.up_to_seq - 1) if e.seq == receipt.up_to_seq]
    moved = apply_receipt(state, receipt, mine) if receipt.up_to_seq >= state.acked_seq \
        else state
    with station.db.atomic("IMMEDIATE"):
        before = SyncReceipt.select().count()
        SyncReceipt.insert(
            hub=str(value["hub"]), node=code, up_to_seq=receipt.up_to_seq, head=receipt.head_digest,
            document=json.dumps(wire), received_at=outbox.utc_now(),
            reported=False).on_conflict_ignore().execute()
        Setting.replace(key=ACKED_SETTING, value=str(moved.acked_seq)).execute()
        report.receipts += SyncReceipt.select().count() - before  # a duplicate is not new
    return moved


def report_receipts(station: Station, client: HubClient) -> None:
    rows = list(SyncReceipt.select().where(SyncReceipt.reported == False))  # noqa: E712
    if not rows:
        return
    client.report_proofs([json.loads(r.document) for r in rows])
    with station.db.atomic("IMMEDIATE"):
        for row in rows:
            SyncReceipt.update(reported=True).where(
                (SyncReceipt.hub == row.hub) & (SyncReceipt.node == row.node)
                & (SyncReceipt.up_to_seq == row.up_to_seq)).execute()


def pull_all(station: Station, client: HubClient, report: SyncReport) -> None:
    cursor = int(_setting(CURSOR_SETTING, "0") or 0)
    authors: dict[str, ed25519.Ed25519PublicKey | None] = {}
    while True:
        events, next_cursor, hub_log = client.pull(cursor)
        if hub_log and _setting(LOG_SETTING, hub_log) != hub_log and cursor:
            cursor = 0  # the hub was restored from a backup: pull everything again
            with station.db.atomic("IMMEDIATE"):
                Setting.replace(key=CURSOR_SETTING, value="0").execute()
                Setting.replace(key=LOG_SETTING, value=hub_log).execute()
            continue
        with station.db.atomic("IMMEDIATE"):
            if hub_log:
                Setting.replace(key=LOG_SETTING, value=hub_log).execute()
            for index, raw in events:
                envelope = parse_envelope(raw)
                try:
                    check_case_number(envelope.header)  # a case number belongs to its node
                    _check_author(station, client, envelope, authors)
                except (KeysError, CaseNumberNotOwn) as error:  # e.g. a revoked author
                    log.warning("pulled event %s/%s not kept: %s", envelope.header.node,
                                envelope.header.seq, error)
                    report.refused += 1
                    continue
                InboxEvent.insert(
                    digest=envelope.hash, node=envelope.header.node, seq=envelope.header.seq,
                    type=envelope.header.type, case_no=envelope.header.case_no, envelope=raw,
                    hub_index=index, received_at=outbox.utc_now(), applied=False,
                ).on_conflict_ignore().execute()
            Setting.replace(key=CURSOR_SETTING, value=str(next_cursor)).execute()
        report.pulled += len(events)
        if next_cursor == cursor or not events:
            break
        cursor = next_cursor
    apply_inbox(station, report, client)


def _check_author(station: Station, client: HubClient, envelope: Any,
                  authors: dict[str, ed25519.Ed25519PublicKey | None]) -> None:
    """The author's signature, when we hold its chain from the directory (the hub
    checked it too); each author's chain is verified once per pull."""
    node = envelope.header.node
    if node not in authors:
        chain_pem = _chains().get(node)
        authors[node] = None
        if chain_pem:
            chain = ca.chain_from_pem(chain_pem.encode())
            authors[node] = ca.verify_node(chain[0], chain[1:], _root(),
                                           revocations.current(station),
                                           at=trusted_now(client)).public_key
    key = authors[node]
    if key is not None:
        verify_envelope(envelope, key)


def _chains() -> dict[str, str]:
    return json.loads(_setting("sync.chains", "{}") or "{}")


def apply_inbox(station: Station, report: SyncReport, client: HubClient | None = None) -> None:
    """Apply pulled events addressed to this node: a return reaches the village's case;
    every step of the cases filed here moves them, with the signed documents it carries."""
    ring = None
    rows = list(InboxEvent.select().where(InboxEvent.applied == False)  # noqa: E712
                .order_by(InboxEvent.hub_index))  # in full: no SELECT open while writing
    for row in rows:
        own_case = publish.filing_node(row.case_no or "") == station.node.code
        if row.type == "case.returned" and own_case:
            ring = ring or directory.keyring(station)
            envelope = parse_envelope(bytes(row.envelope))
            try:
                payload = json.loads(open_sealed(envelope.payload, ring))
            except KeysError:
                continue
            with station.db.atomic("IMMEDIATE"):
                if InboxEvent.get(InboxEvent.digest == row.digest).applied:
                    continue  # another process on this store applied it meanwhile
                Case.update(status=RETURNED, updated_at=outbox.utc_now()).where(
                    Case.case_no == row.case_no).execute()
                outbox.append(station.node.code, station.user, "case.return_received",
                              {"reason": payload.get("reason", ""), "from": row.node},
                              case_no=row.case_no, matter_code=envelope.header.matter)
                InboxEvent.update(applied=True).where(InboxEvent.digest == row.digest).execute()
            report.returned.append(str(row.case_no))
            report.applied += 1
        elif not (own_case and row.type.startswith("case.")):
            InboxEvent.update(applied=True).where(InboxEvent.digest == row.digest).execute()
    arrived = arrivals.apply(station, client)
    report.cases.extend(arrived.cases)
    report.documents.extend(arrived.documents)


def exchange_trust(station: Station, client: HubClient) -> ed25519.Ed25519PublicKey:
    """Learn the hub's time and key, swap directory entries and revocation lists.

    Returns the hub's verified key (its receipts are checked against it)."""
    hub_key = connect(station, client)
    client.publish_directory([directory.own_entry(station)])
    entries = client.directory()
    directory.accept_entries(station, entries, at=trusted_now(client))
    chains = _chains()
    chains.update({_signer(e): e["chain"] for e in entries if e.get("chain")})
    _set(station, "sync.chains", json.dumps(chains))
    listed = client.revocations()
    if listed:
        revocations.install(station, listed)
    ours = revocations.current(station)
    if ours is not None and (not listed or revocations.number_of(listed) < ours.number):
        client.publish_revocations(revocations.stored_bytes())
    return hub_key


def sync_once(station: Station, url: str | None = None,
              progress: Progress | None = None) -> SyncReport:
    client = client_for(station, url)
    report = SyncReport(hub=client.base)
    hub_key = exchange_trust(station, client)
    updates.exchange(station, client)  # enrolment grants up, catalogue/calendar down
    chain_resume.resume(station, client)  # after a restore or on a replacement PC
    report.published = publish.publish_pending(station)
    push_all(station, client, hub_key, report, progress)
    report_receipts(station, client)
    pull_all(station, client, report)
    if report.applied:  # what we did with pulled events travels up at once
        report.published += publish.publish_pending(station)
        push_all(station, client, hub_key, report, progress)
    report.bytes_sent = client.bytes_sent
    report.pending = pending_count()
    _set(station, LAST_SUCCESS, datetime.now(UTC).isoformat(timespec="seconds"))
    return report


def _signer(entry: dict[str, Any]) -> str:
    body = base64.b64decode(entry["document"]["body"])
    return str(json.loads(body)["node"])


# Public names for offline bundles (station/network/bundle.py): a round's steps from a file.
accept_receipt = _accept_receipt
known_chains = _chains
entry_signer = _signer
