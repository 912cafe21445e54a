"""A hub imports a station's offline bundle and answers with a receipts bundle.

What an HTTP round does, from a file: the bundle's chain must verify to the
county root (HubService.verify_chain, revocations included), its signature
and every part must check out, and the envelopes must pass the hub's checks
before anything is stored.  Then, exactly as over HTTP: the chain is
registered, the directory entry kept, each material stored through the
upload path (whole, its SHA-256 equal to its address), the envelopes pushed
through HubService.push (same rules, forks, gaps, receipts), the station's
proofs kept.  The answer, signed by the hub, carries the node's receipts and
what a pull would give it, so decisions travel back on the same stick.
Every import is logged as a sync session (direction "import").
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from keys import ca
from keys.errors import KeysError
from sync.bundle import (
    EVENTS,
    RECEIPTS,
    Bundle,
    BundleWriter,
    event_part,
    open_bundle,
    part_address,
)
from sync.chunks import CHUNK
from sync.errors import SyncError
from sync.hub.identity import log_id
from sync.hub.models import HubPeer, HubProof, HubReceipt, HubSession
from sync.hub.service import MAX_BATCH_EVENTS, HubService, check_address, now_iso
from sync.problems import (
    BundleForAnotherNode,
    BundleMalformed,
    BundleNotWritten,
    BundleSignatureInvalid,
    BundleSignerNotEnrolled,
    BundleSignerRevoked,
    BundleUnreadable,
    MaterialMissing,
    NodeNotEnrolled,
    NodeNotServed,
)
from sync.signed import open_document, signer_of


@dataclass
class HubImport:
    node: str = ""
    bundle: str = ""
    events: int = 0  # envelopes in the bundle
    accepted: int = 0
    duplicates: int = 0
    materials: int = 0  # stored whole by this import
    gaps: list[dict[str, int | str]] = field(default_factory=list)
    proofs: int = 0
    receipts: int = 0
    events_down: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    receipts_to: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def import_file(service: HubService, path: Path, receipts_to: Path) -> HubImport:
    """Import the bundle at ``path``; write the signed answer to ``receipts_to``."""
    started = now_iso()
    report = HubImport(bundle=str(path), receipts_to=str(receipts_to))
    try:
        try:
            stream = path.open("rb")
            report.bytes_in = os.fstat(stream.fileno()).st_size
        except OSError as error:
            raise BundleUnreadable(path=str(path), reason=error.strerror or str(error)) \
                from None
        with stream:
            bundle = open_bundle(stream, str(path), EVENTS,
                                 lambda source, chain: _trust(service, str(path), source, chain))
            report.node = bundle.source
            _import(service, bundle, report)
            report.bytes_out = _write_atomically(
                receipts_to, lambda out: _answer(service, bundle, report, out))
    except (SyncError, KeysError) as error:
        _log(service, report, started, str(error))
        raise
    _log(service, report, started, None)
    return report


def _trust(service: HubService, label: str, source: str, chain_pem: str) -> object:
    """The source's key, if its chain verifies to the root and nothing in it is revoked."""
    try:
        identity = service.verify_chain(chain_pem)
    except NodeNotEnrolled:
        if _revoked(service, chain_pem):
            raise BundleSignerRevoked(path=label, node=source) from None
        raise BundleSignerNotEnrolled(path=label, node=source) from None
    if identity.code != source:
        raise BundleSignatureInvalid(path=label, node=source)
    return identity.public_key


def _revoked(service: HubService, chain_pem: str) -> bool:
    listed = service.me.revocations
    try:
        serials = {c.serial_number for c in ca.chain_from_pem(chain_pem.encode())}
    except (KeysError, ValueError):
        return False
    return listed is not None and bool(serials & listed.revoked)


def _import(service: HubService, bundle: Bundle, report: HubImport) -> None:
    source, label = bundle.source, bundle.label
    if bundle.target != service.me.code:
        raise BundleForAnotherNode(path=label, target=bundle.target, node=service.me.code)
    if not service.serves(source):
        raise NodeNotServed(node=source, hub=service.me.code)
    entry = bundle.manifest.get("directory")
    proofs = bundle.field_of("proofs", list)
    bundle.field_of("acked", int)
    bundle.field_of("cursor", int)
    materials = bundle.names("materials/")
    for name in materials:
        if check_address(part_address(name)) != bundle.parts[name].sha256:
            raise BundleMalformed(path=label, part=name)
    raws = [bundle.read(name) for name in bundle.names("events/")]
    report.events = len(raws)
    # What the hub needs to check the envelopes: the chain (verified to the root
    # while opening the bundle) and nothing else.  Everything below is checked
    # before any event, material or directory entry is stored.
    service.register_chain(bundle.chain)
    key = service.public_key(source)
    if entry is not None:
        if signer_of(entry, "目录") != source:
            raise BundleMalformed(path=label, part="directory")
        open_document(entry, key, "目录")
    envelopes = service.verify(raws, source)
    carried = {part_address(n) for n in materials}
    for envelope in envelopes:
        if envelope.header.node != source:
            raise BundleMalformed(path=label, part=event_part(envelope.header.seq))
        for address in envelope.header.materials:
            blob = service.upload_status(address)
            if address not in carried and (blob is None or not blob.complete):
                raise MaterialMissing(address=address)
    if entry is not None:
        service.store_directory([entry], source)
    for name in materials:
        report.materials += _store_material(service, bundle, name)
    for start in range(0, len(raws), MAX_BATCH_EVENTS):
        answer = service.push(raws[start:start + MAX_BATCH_EVENTS], source)
        report.accepted += answer.accepted
        report.duplicates += answer.duplicates
        report.gaps += [{"node": g.node, "high_water": g.high_water} for g in answer.gaps]
        if answer.gaps:
            break  # every later batch would be a gap too
    for wire in proofs:
        try:
            report.proofs += service.store_proofs([wire], source)
        except (SyncError, KeysError):
            continue  # a proof we cannot check proves nothing; the events stand


def _store_material(service: HubService, bundle: Bundle, name: str) -> int:
    """Store one material through the upload path, resuming what a cut HTTP upload
    left; returns 1 if it became whole here."""
    address, size = part_address(name), bundle.parts[name].size
    blob = service.upload_status(address)
    if blob is not None and blob.complete:
        return 0
    blob = service.upload_create(address, size, bundle.source)
    offset, position = int(blob.received), 0
    for piece in bundle.stream(name):  # bundle.READ_SIZE == CHUNK: one upload chunk each
        start, position = position, position + len(piece)
        if position <= offset:
            continue
        data = piece[max(0, offset - start):]
        for at in range(0, len(data), CHUNK):
            chunk = data[at:at + CHUNK]
            service.upload_chunk(address, offset, chunk, hashlib.sha256(chunk).hexdigest())
            offset += len(chunk)
    return 1


def _answer(service: HubService, bundle: Bundle, report: HubImport, out: BinaryIO) -> None:
    """The signed receipts bundle: receipts, and what a pull would give the node."""
    node = bundle.source
    acked = int(bundle.manifest["acked"])
    rows = list(HubReceipt.select().where((HubReceipt.node == node)
                                          & (HubReceipt.up_to_seq > acked))
                .order_by(HubReceipt.up_to_seq))
    newest = (HubReceipt.select().where(HubReceipt.node == node)
              .order_by(HubReceipt.up_to_seq.desc()).first())
    if not rows and newest is not None:
        rows = [newest]
    report.receipts = len(rows)
    writer = BundleWriter(out)
    cursor = int(bundle.manifest["cursor"])
    sent_log = bundle.manifest.get("log")
    if isinstance(sent_log, str) and sent_log and sent_log != log_id():
        cursor = 0  # the station counted in the log of this hub before a restore
    while True:
        events, next_cursor = service.pull(node, cursor)
        for event in events:
            writer.add(event_part(event.id), bytes(event.envelope))
            report.events_down += 1
        if not events and next_cursor == cursor:
            break
        cursor = next_cursor
    listed = service.revocation_bytes()
    fields = {
        "kind": RECEIPTS, "from": service.me.code, "to": node, "created_at": now_iso(),
        "chain": service.me.chain_pem, "answers": bundle.digest,
        "receipts": [json.loads(r.document) for r in rows],
        "high_water": service.high_water(node), "cursor": cursor, "log": log_id(),
        "directory": service.directory(node),
        "revocations": base64.b64encode(listed).decode("ascii") if listed else None,
        "proofs_held": [[p.hub, p.up_to_seq] for p in
                        HubProof.select().where(HubProof.node == node)
                        .order_by(HubProof.hub, HubProof.up_to_seq)],
    }
    writer.finish(fields, service.me.signing_key, service.me.code)


def _write_atomically(path: Path, render: Callable[[BinaryIO], None]) -> int:
    """Temp file in the target folder, fsync, rename: complete under its name or absent."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.",
                                             suffix=".part")
    except OSError as error:
        raise BundleNotWritten(path=str(path), reason=error.strerror or str(error)) from None
    part = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            render(out)
            out.flush()
            os.fsync(out.fileno())
            size = out.tell()
        os.replace(part, path)
        if os.name == "posix":  # makes the rename itself durable
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise BundleNotWritten(path=str(path), reason=error.strerror or str(error)) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return size


def _log(service: HubService, report: HubImport, started: str, error: str | None) -> None:
    """One sync session per import, as for a round over HTTP."""
    stamp = now_iso()
    peer = report.node or "-"
    duration = datetime.fromisoformat(stamp) - datetime.fromisoformat(started)
    with service.write():
        HubSession.create(
            id=f"{peer}:import-{uuid.uuid4().hex}"[:120], peer=peer, direction="import",
            started_at=started, last_at=stamp,
            duration_ms=int(duration.total_seconds() * 1000), requests=1,
            events_in=report.accepted, events_out=report.events_down,
            blobs_in=report.materials, bytes_in=report.bytes_in, bytes_out=report.bytes_out,
            result="error" if error else "ok", error=error[:500] if error else None)
        if error is None:
            HubPeer.update(last_seen=stamp).where(HubPeer.node == peer).execute()
