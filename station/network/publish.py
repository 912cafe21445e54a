"""Publishing: the local outbox becomes signed envelopes, ready to travel.

Filing never waits for the network or for keys: it appends to the local
event log.  Publishing, done by the sync client, turns each new event, in
seq order, into an envelope (DESIGN §5): the payload is sealed to the
offices that review the case and to the county archive, found in the
verified directory; materials are re-encrypted for travel under a fresh key
carried inside the sealed payload.  An event whose readers are not known yet
waits, with every later one, until the directory arrives.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from keys.seal import Recipient, seal
from keys.stream import StreamEncryptor
from station import node_keys, outbox
from station.app import Station
from station.fileio import fsync_directory
from station.store.models import Event, OutgoingMaterial, Setting, SyncEnvelope
from station.trust import directory
from sync import lifecycle
from sync.envelope import ZERO_HASH, Header, build_envelope
from sync.hlc import HybridClock, Timestamp

HLC_SETTING = "sync.hlc"

TRANSPORT_AAD = b"bianmin-station/transport/v1"
TRANSPORT_CHUNK = 64 * 1024


def outgoing_dir(station: Station) -> Path:
    return station.layout.root / "outgoing"


def county_of(code: str) -> str:
    return code[:6] + "000000"


def township_of(code: str) -> str:
    return code[:9] + "000"


def filing_node(case_no: str) -> str:
    return case_no[:12]


def recipients_for(station: Station, event: Event,
                   entries: dict[str, dict[str, Any]]) -> list[Recipient] | None:
    """Who reads this event's payload; None while the directory lacks them.

    A case's events are sealed to every party of the case: the offices its
    matter's procedure names at the township and the county (the deciding
    offices too), the filing station's inbox (it hears every step and receives
    the signed documents) and the county archive."""
    node = station.node
    county = county_of(node.code)
    if county not in entries:
        return None
    found: list[Recipient | None] = [
        directory.office_recipient(entries, county, directory.ARCHIVE_OFFICE)]
    if event.case_no and event.matter_code and event.matter_code in station.catalogue:
        matter = station.catalogue.get(event.matter_code)
        filer = filing_node(event.case_no)
        if node.tier == "village" and township_of(node.code) not in entries:
            return None
        if filer != node.code and event.type != "case.notice_issued":
            inbox = directory.inbox_recipient(entries, filer)
            if inbox is None:
                return None
            found.append(inbox)
        at = {"township": township_of(filer), "county": county}
        offices = [(step.tier, step.office) for step in matter.procedure]
        offices += [(matter.tier, office) for office in matter.offices]
        for tier, office in offices:
            if tier in at:
                found.append(directory.office_recipient(entries, at[tier], office))
    chosen: dict[str, Recipient] = {}
    for recipient in found:
        if recipient is not None:
            chosen.setdefault(recipient.id, recipient)
    return list(chosen.values()) or None


def transport_material(station: Station, blob: str) -> OutgoingMaterial:
    """The travelling copy of a local material: same plaintext, its own key."""
    existing = OutgoingMaterial.get_or_none(OutgoingMaterial.blob == blob)
    if existing is not None:
        return existing
    folder = outgoing_dir(station)
    folder.mkdir(exist_ok=True)
    key = os.urandom(32)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix="out-", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            writer = _HashingWriter(raw, digest)
            encryptor = StreamEncryptor(key, 0, writer, TRANSPORT_AAD,  # type: ignore[arg-type]
                                        TRANSPORT_CHUNK)
            for chunk in station.blobs.iter_plaintext(blob):
                encryptor.write(chunk)
            encryptor.finish()
            raw.flush()
            os.fsync(raw.fileno())
        address = digest.hexdigest()
        os.replace(tmp, folder / address)
        fsync_directory(folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    record = OutgoingMaterial(address=address, blob=blob, size=(folder / address).stat().st_size)
    record.key = base64.b64encode(key).decode("ascii")
    with station.db.atomic("IMMEDIATE"):
        record.save(force_insert=True)
    return record


class _HashingWriter:
    def __init__(self, raw: Any, digest: Any) -> None:
        self.raw, self.digest = raw, digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return int(self.raw.write(data))


TRAVELLING = ("materials", "documents")  # payload lists whose items carry a local blob


def _payload(station: Station, event: Event) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The payload as it travels: each local blob (a scanned page, a signed document)
    becomes a transport copy named by its address, with its key inside the payload."""
    payload = dict(event.payload)
    addresses: list[str] = []
    if event.type.startswith("case."):
        for key in TRAVELLING:
            travelling = []
            for ref in payload.get(key) or []:
                record = transport_material(station, ref["blob"])
                addresses.append(record.address)
                travelling.append({**{k: v for k, v in ref.items() if k != "blob"},
                                   "address": record.address, "key": record.key,
                                   "size": record.size})
            if key in payload:
                payload[key] = travelling
    if event.type == lifecycle.RESENT:  # the steps sent again cite what they cited
        for item in payload.get("events") or []:
            for key in TRAVELLING:
                for ref in (item.get("payload") or {}).get(key) or []:
                    if isinstance(ref, dict) and ref.get("address"):
                        addresses.append(str(ref["address"]))
    return payload, tuple(dict.fromkeys(addresses))


def _event_ms(event: Event) -> int:
    return int(datetime.fromisoformat(event.at).timestamp() * 1000)


def publish_pending(station: Station, limit: int = 1000) -> int:
    """Seal and sign events not yet published, in order; returns how many.

    Nothing while the chain waits to be resumed (``chain_resume``): the next seq is
    the hub's to tell after a restore or on a replacement PC."""
    if outbox.chain_waits():
        return 0
    entries = directory.stored_entries()
    last = SyncEnvelope.select().order_by(SyncEnvelope.seq.desc()).first()
    prev = last.digest if last else ZERO_HASH
    after = last.seq if last else 0
    stored = Setting.get_or_none(Setting.key == HLC_SETTING)
    code = station.node.code
    moment = [0]
    clock = HybridClock(code, lambda: moment[0],
                        last=Timestamp.parse(stored.value) if stored else None)
    signing = node_keys.ensure_signing_key()
    assert isinstance(signing, ed25519.Ed25519PrivateKey)
    published = 0
    # Read in full first: a SELECT still stepping when the loop writes would make SQLite
    # refuse the write at once ("database is locked", no busy wait) whenever another
    # process wrote since the SELECT began.
    events = list(Event.select().where(Event.seq > after).order_by(Event.seq).limit(limit))
    for event in events:
        recipients = recipients_for(station, event, entries)
        if recipients is None:
            break
        payload, addresses = _payload(station, event)
        sealed = seal(json.dumps(payload, ensure_ascii=False).encode("utf-8"), recipients)
        moment[0] = _event_ms(event)
        header = Header(event_id=event.id, node=code, seq=event.seq, prev=prev,
                        case_no=event.case_no, matter=event.matter_code, type=event.type,
                        hlc=str(clock.tick()), author=event.author,
                        recipients=tuple(r.id for r in recipients), materials=addresses)
        raw = build_envelope(header, sealed, signing, code)
        digest = hashlib.sha256(raw).hexdigest()
        with station.db.atomic("IMMEDIATE"):
            if _last_published() != after:
                break  # another process on this store published meanwhile: it goes on
            SyncEnvelope.create(seq=event.seq, digest=digest, envelope=raw,
                                materials=json.dumps(list(addresses)),
                                created_at=outbox.utc_now())
            Setting.replace(key=HLC_SETTING, value=str(clock.last)).execute()
        prev, after = digest, event.seq
        published += 1
    return published


def _last_published() -> int:
    last = SyncEnvelope.select(SyncEnvelope.seq).order_by(SyncEnvelope.seq.desc()).first()
    return last.seq if last else 0
