"""What a hub does, independent of HTTP: verify, decide, store, answer.

Every write is one transaction that commits before the answer is built, so a
receipt always names events that are on disk.  Decisions come from the pure
core (sync.ingest, sync.chunks, sync.rules); this module is the shell that
reads and writes the tables.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from peewee import Database, IntegrityError, fn

from keys import ca
from keys.errors import BadSignature, KeysError
from keys.hierarchy import is_under, tier_of
from keys.revocation import RevocationList, load_revocations, newer
from sync import epochs, lifecycle, rules, verify_pool
from sync.chunks import (
    MAX_MATERIAL,
    Appended,
    BadChunk,
    Complete,
    TooLarge,
    WrongOffset,
    accept_chunk,
)
from sync.envelope import Envelope, parse_envelope, verify_envelope
from sync.errors import ReplayCacheFull
from sync.hub import ingest_sql, scope
from sync.hub.blobs import BlobMissing, BlobStore
from sync.hub.blobs_fs import FilesystemStore
from sync.hub.enrolments import EnrolmentDesk
from sync.hub.identity import HubIdentity, is_postgres
from sync.hub.ledger import Ledger
from sync.hub.models import (
    HubAddress,
    HubBlob,
    HubCase,
    HubChunk,
    HubCitation,
    HubClaim,
    HubDirectory,
    HubEvent,
    HubFork,
    HubNonce,
    HubPeer,
    HubPeerKey,
    HubProof,
    HubReceipt,
    HubSession,
    HubState,
    upsert,
)
from sync.hub.updates import UpdateDesk
from sync.ingest import (
    Accept,
    BehindFork,
    BrokenLink,
    Duplicate,
    Fork,
    Gap,
    batch_order,
    decide_batch,
)
from sync.problems import (
    ActionOutOfState,
    AlreadyClaimed,
    ChunkCorrupt,
    DocumentMalformed,
    EventForked,
    EventNotPermitted,
    MaterialAddressInvalid,
    MaterialDigestMismatch,
    MaterialMissing,
    NodeNotEnrolled,
    NodeNotServed,
    NodeReplaced,
    NodeRevoked,
    NotClaimHolder,
    NotFound,
    ReadNotPermitted,
    RecipientUnknown,
    RequestMalformed,
    UploadOffsetWrong,
    UploadSizeConflict,
    UploadTooLarge,
)
from sync.push import OutgoingEvent
from sync.signed import open_document, sign_document, signer_of

log = logging.getLogger("bianmin.hub")
MAX_BATCH_EVENTS = 500
# A node's directory entry (its staff and offices) read for a push is trusted this many
# seconds before the database is asked again; an entry stored through this process is
# seen at once, one stored by another worker or a bundle import within this time.
DIRECTORY_FRESH = 2.0
PULL_LIMIT = 500
CONFLICT = "conflict"  # hub_flag reason: a station's own event the case had moved past


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def check_address(address: str) -> str:
    if len(address) != 64 or any(c not in "0123456789abcdef" for c in address):
        raise MaterialAddressInvalid(address=address[:80])
    return address


def scope_prefix(code: str) -> str:
    """Codes starting with this prefix are the node itself or under it."""
    tier = tier_of(code)
    return {"county": code[:6], "township": code[:9]}.get(tier, code)


@dataclass(frozen=True)
class _Entry:
    listed: bool  # the node has an entry in the directory
    staff: dict[str, tuple[str | None, str | None]]  # user -> (role, office)
    offices: frozenset[str]  # the offices it seals to


_NO_ENTRY = _Entry(False, {}, frozenset())


@dataclass
class Gapped:
    node: str
    high_water: int


@dataclass
class PushAnswer:
    receipts: list[dict[str, str]] = field(default_factory=list)
    accepted: int = 0
    duplicates: int = 0
    gaps: list[Gapped] = field(default_factory=list)
    # The requester's own events kept but not folded: the case had moved on meanwhile.
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def default_blobs(db: Database) -> BlobStore:
    """The store of a hub built without one: ``blobs`` beside its SQLite file, else a
    fresh folder in the temporary directory, made only once a material is written
    (tests and benches that never keep materials, or build a hub's tables)."""
    name = getattr(db, "database", None)
    if not is_postgres(db) and isinstance(name, str) and name and name != ":memory:":
        return FilesystemStore(Path(name).resolve().parent / "blobs")
    return FilesystemStore(Path(tempfile.gettempdir()) / f"bianmin-blobs-{uuid.uuid4().hex}")


class HubService:
    def __init__(self, identity: HubIdentity, db: Database,
                 blobs: BlobStore | None = None) -> None:
        self.me = identity
        self.db = db
        # Where the bytes of materials are (``sync.hub.blobs``); the database keeps
        # only their bookkeeping (``HubBlob``).
        self.blobs: BlobStore = blobs if blobs is not None else default_blobs(db)
        # Materials still held as chunk rows (a hub before ``station hub migrate-blobs``)
        # are served from those rows until they are migrated.
        self.legacy_chunks = HubChunk.table_exists() and HubChunk.select().exists()
        if self.legacy_chunks:
            log.warning("materials are still stored as database rows (%s); they are served "
                        "from there until `station hub migrate-blobs` moves them to %s",
                        HubChunk._meta.table_name, self.blobs.label)
        # The authorities (HOST or HOST:PORT, lower case) clients address this hub by;
        # a signed request for any other is refused.  Empty: not checked (a hub object
        # used without serving HTTP, e.g. importing a bundle); ``serve.bind`` fills it.
        self.public_names: frozenset[str] = frozenset()
        self._keys: dict[str, tuple[ed25519.Ed25519PublicKey, frozenset[int]]] = {}
        self._history: dict[str, list[epochs.NodeKey]] = {}
        self._lock = threading.Lock()
        # The catalogue's rules for a matter code (set by the station that runs the hub).
        self.matters: Callable[[str], lifecycle.MatterRule | None] = lambda code: None
        # node -> (issued_at, parsed, when it was last compared with the database)
        self._entries: dict[str, tuple[str, _Entry, float]] = {}
        self._chains = ca.VerifiedChains()  # chains verified at earlier hellos
        self._started: dict[str, str] = {}  # sync-log session -> when it started
        self._revocations_read: str | None = None  # the stored list refresh_shared read
        self.enrolments = EnrolmentDesk(self)  # enrolment requests and approvals
        self.updates = UpdateDesk(self)  # catalogue and calendar updates
        # Each signed request's nonce, sync-log row and last_seen, written in the
        # request's own transaction (sync/hub/ledger.py).
        self.ledger = Ledger(db, self._begin)
        self._sql = _bookkeeping_sql(db.param)
        stored = HubState.get_or_none(HubState.key == "revocations")
        if stored is not None:
            self.install_revocations(stored.value.encode("latin-1"))
        self.register_own()

    def write(self) -> Any:
        """A write transaction; on SQLite it takes the write lock at once (BEGIN
        IMMEDIATE), so two writers wait for each other instead of failing.

        While a signed request is being answered (``self.ledger``), its first write
        opens the request's one transaction, which records its nonce first
        (RequestReplayed if another copy did) and commits when the answer is made;
        each ``write()`` block is then a savepoint inside it."""
        entry = self.ledger.current()
        if entry is None:
            return self._begin()
        self.ledger.open(entry)
        return self.db.atomic()

    def _begin(self) -> Any:
        """A new top-level write transaction."""
        if is_postgres(self.db):
            return self.db.atomic()
        return self.db.atomic("IMMEDIATE")

    # -- trust -------------------------------------------------------------

    def register_own(self) -> None:
        self.register_chain(self.me.chain_pem)
        if self.me.directory:
            self.store_directory([self.me.directory], self.me.code)

    def serves(self, node: str) -> bool:
        return node == self.me.code or is_under(node, self.me.code)

    def verify_chain(self, chain_pem: str) -> ca.NodeIdentity:
        """The node a chain names, verified up to the root; nothing is stored."""
        try:
            return self._chains.verify(chain_pem.encode(), self.me.root, self.me.revocations)
        except KeysError as error:
            raise NodeNotEnrolled(node=str(error)[:80]) from None

    def register_chain(self, chain_pem: str, presented: bool = False,
                       identity: ca.NodeIdentity | None = None) -> str:
        """Verify a node's chain to the root; remember its key.  Returns its code.

        A node may have had several keys (a replacement PC is enrolled again): each is
        kept (``HubPeerKey``) and the newest certificate is the node's current one.  A
        node that presents itself (hello) with an older key than the one known is the
        old PC after its replacement: ``NodeReplaced``.  ``identity``: the chain's,
        verified by the caller just now.  A chain already held as the node's current
        one, with its key, is not written again (every hello presents it)."""
        if identity is None:
            identity = self.verify_chain(chain_pem)
        raw = identity.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        if self._holds_chain(identity.code, raw, chain_pem):
            with self._lock:
                cached = self._keys.get(identity.code)
            if cached is None or cached[0].public_bytes_raw().hex() != raw:
                held = frozenset(c.serial_number for c in ca.chain_from_pem(chain_pem.encode()))
                with self._lock:
                    self._keys[identity.code] = (identity.public_key, held)
            return identity.code
        chain = ca.chain_from_pem(chain_pem.encode())
        serials = sorted(c.serial_number for c in chain)
        issued = chain[0].not_valid_before_utc.isoformat()
        stamp = now_iso()
        with self.write():
            self.lock_key(f"peer:{identity.code}")
            known = self.db.execute_sql(self._sql["peer chain"], (identity.code,)).fetchone()
            older = False
            if known is not None:
                leaf = ca.chain_from_pem(known[0].encode())[0]
                known_raw = leaf.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
                older = known_raw != raw and issued < leaf.not_valid_before_utc.isoformat()
            if older and presented:
                raise NodeReplaced(node=identity.code)
            self.db.execute_sql(self._sql["peer key"], (identity.code, raw, chain_pem, issued))
            if not older:
                self.db.execute_sql(self._sql["peer"], (
                    identity.code, identity.tier, identity.name, chain_pem, json.dumps(serials),
                    stamp, stamp))
        with self._lock:
            if not older:
                self._keys[identity.code] = (identity.public_key, frozenset(serials))
            self._history.pop(identity.code, None)
        return identity.code

    def _holds_chain(self, node: str, raw: str, chain_pem: str) -> bool:
        """Whether ``chain_pem`` is the node's current chain here, its key kept with it:
        registering it again would change nothing."""
        return self.db.execute_sql(self._sql["holds"], (node, chain_pem, raw, chain_pem)
                                   ).fetchone() is not None

    def key_history(self, node: str) -> list[epochs.NodeKey]:
        """Every signing key the node has had, with the first seq each signed here."""
        with self._lock:
            cached = self._history.get(node)
        if cached is None:
            cached = [epochs.NodeKey(
                ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(row.key)),
                row.issued_at, row.first_seq)
                for row in HubPeerKey.select().where(HubPeerKey.node == node)]
            with self._lock:
                self._history[node] = cached
        return cached

    def _earlier_signer(self, envelope: Envelope) -> epochs.NodeKey:
        """The older key of the node that signed ``envelope``, if its epoch allows that
        seq (before the first event of every newer key); BadSignature otherwise."""
        header = envelope.header
        keys = self.key_history(header.node)
        signer = epochs.signer_of(envelope, keys)
        if signer is None or not epochs.allowed(signer, keys, header.seq):
            raise BadSignature(what=f"站点 {header.node} 第 {header.seq} 号事件")
        return signer

    def _note_first_seqs(self, stored: Sequence[Envelope],
                         signers: dict[tuple[str, int, str], bytes],
                         script: ingest_sql.Script) -> None:
        """Remember the first seq each key signed (inside the push's transaction, when
        ``script`` runs)."""
        first: dict[tuple[str, bytes], int] = {}
        for envelope in stored:
            node, seq = envelope.header.node, envelope.header.seq
            key = signers.get((node, seq, envelope.hash))
            if key is not None:
                at = (node, key)
                first[at] = min(seq, first.get(at, seq))
        for (node, key), seq in first.items():
            ingest_sql.note_first_seq(script, node, key.hex(), seq)
            with self._lock:
                self._history.pop(node, None)

    def public_key(self, node: str) -> ed25519.Ed25519PublicKey:
        """The node's verified key; NodeNotEnrolled / NodeRevoked otherwise."""
        with self._lock:
            cached = self._keys.get(node)
        if cached is None:
            peer = HubPeer.get_or_none(HubPeer.node == node)
            if peer is None:
                raise NodeNotEnrolled(node=node)
            chain = ca.chain_from_pem(peer.chain.encode())
            key = chain[0].public_key()
            assert isinstance(key, ed25519.Ed25519PublicKey)
            cached = (key, frozenset(json.loads(peer.serials)))
            with self._lock:
                self._keys[node] = cached
        key, serials = cached
        if self.me.revocations is not None and serials & self.me.revocations.revoked:
            raise NodeRevoked(node=node)
        return key

    def install_revocations(self, data: bytes) -> RevocationList:
        incoming = load_revocations(data, self.me.root)
        kept = newer(self.me.revocations, incoming)
        if kept is incoming:
            self.me.revocations = incoming
            with self.write():
                upsert(HubState, key="revocations", value=data.decode("latin-1"))
        return kept

    def refresh_shared(self) -> None:
        """Bring what this process keeps in memory up to the database, which other
        worker processes of the hub write too (``sync.hub.workers``): the revocation
        list, and the node keys (a node enrolled again has new serials)."""
        stored = HubState.get_or_none(HubState.key == "revocations")
        if stored is not None and stored.value != self._revocations_read:
            self.install_revocations(stored.value.encode("latin-1"))
            self._revocations_read = stored.value
        serials = {row.node: frozenset(json.loads(row.serials))
                   for row in HubPeer.select(HubPeer.node, HubPeer.serials)}
        with self._lock:
            for node, (_key, known) in list(self._keys.items()):
                if serials.get(node) != known:
                    del self._keys[node]
            self._history.clear()  # first seqs are set by whichever worker stored them

    def revocation_bytes(self) -> bytes | None:
        stored = HubState.get_or_none(HubState.key == "revocations")
        return stored.value.encode("latin-1") if stored else None

    # -- directory -----------------------------------------------------------

    def store_directory(self, documents: Iterable[object], requester: str) -> int:
        stored = 0
        for wire in documents:
            node = signer_of(wire, "目录")
            if node != requester and not is_under(node, requester) and requester != self.me.code \
                    and not is_under(self.me.code, node):
                raise NodeNotServed(node=node, hub=self.me.code)
            value = open_document(wire, self.public_key(node), "目录")
            if value.get("node") != node or not isinstance(value.get("issued_at"), str):
                raise DocumentMalformed(what="目录")
            current = HubDirectory.get_or_none(HubDirectory.node == node)
            if current is None or current.issued_at < value["issued_at"]:
                with self.write():
                    upsert(HubDirectory, node=node, document=json.dumps(wire),
                           issued_at=value["issued_at"])
                self._entries.pop(node, None)
                stored += 1
        return stored

    def directory(self, reader: str | None = None,
                  node: str | None = None) -> list[dict[str, Any]]:
        """The entries ``reader`` may read: those on its line (itself, its ancestors and
        its descendants: the keys it seals to and the staff its cases' steps name); all
        when ``reader`` is None (the hub itself).  ``node``: that one entry only (the
        hub's Scope step refuses a node off the reader's line)."""
        query = HubDirectory.select().order_by(HubDirectory.node)
        if node is not None:
            query = query.where(HubDirectory.node == node)
        rows = [r for r in query if reader is None or scope.on_line(reader, r.node)]
        chains = {p.node: p.chain for p in HubPeer.select()
                  .where(HubPeer.node.in_([r.node for r in rows]))} if rows else {}
        return [{"document": json.loads(r.document), "chain": chains.get(r.node, "")}
                for r in rows]

    # -- materials -----------------------------------------------------------

    def upload_status(self, address: str) -> HubBlob | None:
        return HubBlob.get_or_none(HubBlob.address == check_address(address))

    def upload_create(self, address: str, total: int, peer: str) -> HubBlob:
        check_address(address)
        if not 0 < total <= MAX_MATERIAL:
            raise UploadTooLarge(address=address, limit=MAX_MATERIAL)
        with self.write():
            HubBlob.insert(address=address, total=total, created_at=now_iso(),
                           peer=peer).on_conflict_ignore().execute()
        blob = HubBlob.get(HubBlob.address == address)
        if blob.total != total and not blob.complete:
            raise UploadSizeConflict(address=address, total=blob.total, declared=total)
        return blob

    def upload_chunk(self, address: str, offset: int, data: bytes, sha256_hex: str) -> HubBlob:
        """One chunk of a resumable upload.  The chunk is checked, written to the blob
        store (durable), and only then counted in ``HubBlob.received``; the last one is
        assembled and hashed by the store outside the database's write lock."""
        check_address(address)
        blob = HubBlob.get_or_none(HubBlob.address == address)
        if blob is None:
            raise NotFound(what=f"材料 {address}")
        if blob.complete:
            if offset == blob.total:
                return blob
            raise UploadOffsetWrong(address=address, expected=blob.total)
        result = accept_chunk(blob.received, offset, data, sha256_hex, blob.total)
        if isinstance(result, WrongOffset):
            raise UploadOffsetWrong(address=address, expected=result.expected_offset)
        if isinstance(result, BadChunk):
            raise ChunkCorrupt(address=address)
        if isinstance(result, TooLarge):
            raise UploadTooLarge(address=address, limit=result.limit)
        self.blobs.put_part(address, offset, data)
        if isinstance(result, Appended):
            with self.write():
                self.lock_key(f"blob:{address}")
                blob = HubBlob.get(HubBlob.address == address)
                if blob.complete:
                    return blob
                if blob.received != offset:  # another request moved it meanwhile
                    raise UploadOffsetWrong(address=address, expected=blob.received)
                blob.received = result.new_offset
                blob.save()
            return blob
        assert isinstance(result, Complete)
        whole = self.blobs.finish(address, result.total)
        with self.write():
            self.lock_key(f"blob:{address}")
            blob = HubBlob.get(HubBlob.address == address)
            if blob.complete:
                return blob
            if whole:
                blob.received, blob.complete = result.total, True
            else:
                blob.received = 0
            blob.save()
        if not whole:
            raise MaterialDigestMismatch(address=address)
        return blob

    def upload_whole(self, address: str, data: bytes, peer: str) -> tuple[HubBlob, bool]:
        """A whole material in one request (a scan up to one chunk): hashed once, checked
        against its address, stored, and recorded complete in one transaction.  Returns
        the row and whether it is new here (False: it was already held)."""
        check_address(address)
        if not 0 < len(data) <= MAX_MATERIAL:
            raise UploadTooLarge(address=address, limit=MAX_MATERIAL)
        if hashlib.sha256(data).hexdigest() != address:
            raise MaterialDigestMismatch(address=address)
        blob = HubBlob.get_or_none(HubBlob.address == address)
        if blob is not None and blob.complete:
            return blob, False
        self.blobs.put(address, data)
        with self.write():
            self.lock_key(f"blob:{address}")
            HubBlob.insert(address=address, total=len(data), received=len(data), complete=True,
                           created_at=now_iso(), peer=peer).on_conflict(
                conflict_target=[HubBlob.address],
                update={HubBlob.total: len(data), HubBlob.received: len(data),
                        HubBlob.complete: True}).execute()
        if blob is not None:  # an earlier chunked attempt: its parts are not needed now
            self.blobs.discard(address)
        return HubBlob(address=address, total=len(data), received=len(data), complete=True,
                       peer=peer), True

    def iter_chunks(self, address: str, start: int = 0) -> Iterable[bytes]:
        """A material's bytes kept as chunk rows (a hub not yet migrated)."""
        query = (HubChunk.select(HubChunk.offset, HubChunk.data)
                 .where(HubChunk.address == address).order_by(HubChunk.offset))
        for row in query:
            data = bytes(row.data)
            end = row.offset + len(data)
            if end <= start:
                continue
            yield data[max(0, start - row.offset):]

    def citations(self, address: str) -> list[scope.Citation]:
        """The events held here that cite a material: author and addressed nodes."""
        events = [row.event for row in HubCitation.select(HubCitation.event)
                  .where(HubCitation.address == address)]
        if not events:
            return []
        authors = {row.id: row.node for row in HubEvent.select(HubEvent.id, HubEvent.node)
                   .where(HubEvent.id.in_(events))}
        addressed: dict[int, list[str]] = {}
        for row in HubAddress.select().where(HubAddress.event.in_(events)):
            addressed.setdefault(row.event, []).append(row.node)
        return [scope.Citation(author, tuple(addressed.get(event, ())))
                for event, author in authors.items()]

    def check_material_reader(self, reader: str, address: str) -> None:
        """NotFound when the hub holds nothing under ``address``; ReadNotPermitted when
        ``reader`` is not one of the material's parties (``scope.may_read_material``)."""
        blob = HubBlob.get_or_none(HubBlob.address == check_address(address))
        if blob is None:
            raise NotFound(what=f"材料 {address}")
        if reader != self.me.code and not scope.may_read_material(
                reader, blob.peer, self.citations(address)):
            raise ReadNotPermitted(node=reader, what=f"材料 {address[:12]}…")

    def read_material(self, address: str, start: int, length: int) -> bytes:
        blob = self.upload_status(address)
        if blob is None or not blob.complete:
            raise NotFound(what=f"材料 {address}")
        try:
            return self.blobs.read(address, start, length)
        except BlobMissing:
            if not self.legacy_chunks:
                raise NotFound(what=f"材料 {address}") from None
        out = bytearray()  # not migrated yet: still in the chunk rows
        for piece in self.iter_chunks(address, start):
            out += piece
            if len(out) >= length:
                break
        if not out and start < blob.total:
            raise NotFound(what=f"材料 {address}")
        return bytes(out[:length])

    # -- events --------------------------------------------------------------

    def lock_key(self, key: str) -> None:
        if is_postgres(self.db):
            self.db.execute_sql(ingest_sql.LOCK, (key,))

    def may_deliver(self, requester: str, node: str) -> bool:
        """The author itself, or a hub below us forwarding its subtree, or our parent
        sending down what is addressed into our subtree."""
        if node == requester:
            return self.serves(node) or is_under(self.me.code, node)
        if is_under(node, requester) and self.serves(requester):
            return True
        return is_under(self.me.code, requester)  # our ancestors deliver downward

    def high_water(self, node: str) -> int:
        return int(HubEvent.select(fn.MAX(HubEvent.seq)).where(HubEvent.node == node)
                   .scalar() or 0)

    def digest_at(self, node: str, seq: int) -> str | None:
        row = HubEvent.get_or_none((HubEvent.node == node) & (HubEvent.seq == seq))
        return row.digest if row else None

    def node_events(self, node: str, after: int, limit: int) -> list[HubEvent]:
        """A node's own envelopes after ``after``, in seq order: a station restored from
        a backup, or a replacement PC, learns from them where its chain stands."""
        return list(HubEvent.select().where((HubEvent.node == node) & (HubEvent.seq > after))
                    .order_by(HubEvent.seq).limit(limit))

    def node_head(self, node: str) -> dict[str, Any]:
        """A node's high-water mark, head digest and newest receipt (0 and nothing for a
        node the hub holds nothing of); the hub's Scope step lets only the node itself
        and its ancestors ask."""
        high = self.high_water(node)
        receipt = (HubReceipt.select().where(HubReceipt.node == node)
                   .order_by(HubReceipt.up_to_seq.desc()).first())
        return {"node": node, "high_water": high,
                "head": self.digest_at(node, high) if high else None,
                "receipt": json.loads(receipt.document) if receipt else None}

    def verify(self, raws: Sequence[bytes], requester: str,
               signers: dict[tuple[str, int, str], bytes] | None = None) -> list[Envelope]:
        """Parse and verify a batch; ``signers`` gets which key signed each envelope
        (node, seq, digest) -> raw public key (a node may have had several: epochs)."""
        envelopes, walk = self._verify_begin(raws, requester, signers)
        walk()
        return envelopes

    def _verify_begin(self, raws: Sequence[bytes], requester: str,
                      signers: dict[tuple[str, int, str], bytes] | None = None
                      ) -> tuple[list[Envelope], Callable[[], None]]:
        """Parse a batch and start verifying it: the envelopes (EnvelopeMalformed for the
        first that does not parse), and ``walk``, which waits for the signatures and
        checks every event in log order, raising the first error as ``verify`` does
        (called again, it raises that error again, or returns).

        The batch is parsed a chunk at a time, and each chunk's signatures go to the
        verify pool as soon as it is parsed, so the pool verifies while the next chunk
        is parsed (and, in ``push``, while the batch is decided and staged)."""
        pipelined = len(raws) >= verify_pool.INLINE_BELOW and verify_pool.threads() >= 2
        step = verify_pool.chunk_size(len(raws)) if pipelined else max(1, len(raws))
        keys: dict[str, object] = {}  # node -> its current key, looked up once per batch
        envelopes: list[Envelope] = []
        chunks: list[tuple[list[Envelope], verify_pool.Pending, list[int]]] = []
        for at in range(0, len(raws), step):
            part = [parse_envelope(raw) for raw in raws[at:at + step]]
            envelopes.extend(part)
            chunks.append((part, *self._start_signatures(part, requester, keys, pipelined)))
        done: list[BaseException | None] = []

        def walk() -> None:
            if done:
                if done[0] is not None:
                    raise done[0]
                return
            try:
                checks()
            except BaseException as error:
                done.append(error)
                raise
            done.append(None)

        def checks() -> None:
            served: dict[str, ed25519.Ed25519PublicKey] = {}  # node -> key, checked in order
            tiers: dict[str, str] = {}
            raw_keys: dict[int, tuple[object, bytes]] = {}  # id(key) -> (key, raw bytes)
            for part, pending, wanted in chunks:
                checked: list[tuple[object, verify_pool.Outcome]] = [(None, None)] * len(part)
                for i, outcome in zip(wanted, pending.outcomes(), strict=True):
                    checked[i] = (keys[part[i].header.node], outcome)
                for envelope, (checked_key, outcome) in zip(part, checked, strict=True):
                    node = envelope.header.node
                    key = served.get(node)
                    if key is None:
                        if not self.may_deliver(requester, node):
                            raise NodeNotServed(node=node, hub=self.me.code)
                        key = self.public_key(node)
                    if envelope.key_id != node:
                        raise BadSignature(what=f"站点 {node} 第 {envelope.header.seq} 号事件")
                    served[node] = key
                    try:
                        if checked_key is not key:  # not checked ahead (or the key changed since)
                            verify_envelope(envelope, key)
                        elif outcome is not None:
                            raise outcome
                        signer = key
                    except BadSignature:  # signed by an earlier PC of the node (a replacement)?
                        signer = self._earlier_signer(envelope).key
                    if signers is not None:
                        known = raw_keys.get(id(signer))
                        if known is None:
                            known = raw_keys[id(signer)] = \
                                (signer, signer.public_bytes(Encoding.Raw, PublicFormat.Raw))
                        signers[(node, envelope.header.seq, envelope.hash)] = known[1]
                    tier = tiers.get(node)
                    if tier is None:
                        tier = tiers[node] = tier_of(node)
                    rules.check_author(envelope.header, tier)
                    rules.check_case_number(envelope.header)

        return envelopes, walk

    def _start_signatures(self, envelopes: Sequence[Envelope], requester: str,
                          keys: dict[str, object], pooled: bool
                          ) -> tuple[verify_pool.Pending, list[int]]:
        """Start checking a chunk's signatures ahead, on every core, against each node's
        current key (``keys``, filled as nodes appear); the pending outcomes, and the
        positions in the chunk they are for.  A node whose key is not asked for here is
        left out; ``verify`` walks the outcomes in log order, so the first bad event is
        still the one reported; a node it refuses is asked again there, and raises."""
        for node in dict.fromkeys(e.header.node for e in envelopes):
            if node in keys:
                continue
            try:
                if self.may_deliver(requester, node):
                    keys[node] = self.public_key(node)
            except Exception:  # ``verify`` asks again, in log order, and raises
                pass
        wanted = [i for i, e in enumerate(envelopes)
                  if e.header.node in keys and e.key_id == e.header.node]
        pending = verify_pool.start([(envelopes[i], keys[envelopes[i].header.node])
                                     for i in wanted], inline=not pooled)
        return pending, wanted

    def push(self, raws: Sequence[bytes], requester: str) -> PushAnswer:
        if len(raws) > MAX_BATCH_EVENTS:
            raise RequestMalformed(reason=f"一批最多 {MAX_BATCH_EVENTS} 条事件")
        signers: dict[tuple[str, int, str], bytes] = {}
        envelopes, walk = self._verify_begin(raws, requester, signers)
        try:
            return self._push(envelopes, walk, requester, signers)
        except Exception:
            # The batch is decided and staged while the pool verifies its signatures;
            # an event that does not verify is still the error answered, as when every
            # event was checked before anything else (the transaction is rolled back).
            walk()
            raise

    def _push(self, envelopes: list[Envelope], walk: Callable[[], None], requester: str,
              signers: dict[tuple[str, int, str], bytes]) -> PushAnswer:
        """``push`` once the batch is parsed; ``walk`` (``_verify_begin``) is called once
        the batch's rows are written, before anything that depends on its signatures
        (the keys that signed it, receipts, fork evidence) and before the commit."""
        downward = is_under(self.me.code, requester)  # our parent hands down its events
        by_key = {(e.header.node, e.header.seq, e.hash): e for e in envelopes}
        outgoing = [OutgoingEvent(e.header.node, e.header.seq, e.hash, e.header.materials,
                                  len(e.raw), e.header.prev) for e in envelopes]
        answer = PushAnswer()
        forks: list[tuple[Envelope, str]] = []
        broken: list[BrokenLink] = []
        named = {e.header.node for e in envelopes} | {
            named for recipients in {e.header.recipients for e in envelopes}
            for recipient in recipients if (named := _recipient_node(recipient))}
        with self.write() as transaction:
            ordered = batch_order(outgoing)
            # the nodes' locks (PostgreSQL), then the held events, materials, cases, claims
            # and directory entries the batch needs: one round trip on PostgreSQL
            locks = [f"node:{node}" for node in sorted({e.node for e in outgoing})] \
                if is_postgres(self.db) else []
            held, staged = ingest_sql.read_push(self.db, locks, ordered, envelopes, requester,
                                                not downward, named)
            decisions = decide_batch(held, outgoing)
            staged.received_at = now_iso()  # one stamp for the request's events
            heads: dict[str, tuple[int, str]] = {}
            dup_nodes: set[str] = set()
            keep: list[Envelope] = []
            for event, decision in zip(ordered, decisions, strict=True):
                envelope = by_key[(event.node, event.seq, event.digest)]
                if isinstance(decision, Accept):
                    keep.append(envelope)
                    heads[event.node] = (event.seq, event.digest)
                    answer.accepted += 1
                elif isinstance(decision, Duplicate):
                    answer.duplicates += 1
                    dup_nodes.add(event.node)
                elif isinstance(decision, Fork):
                    forks.append((envelope, decision.existing_digest))
                elif isinstance(decision, BrokenLink):  # kept as a fork at seq - 1
                    forks.append((envelope, decision.head_digest))
                    broken.append(decision)
                elif isinstance(decision, Gap) and downward:
                    keep.append(envelope)  # a partial copy of an ancestor's log
                    answer.accepted += 1
                elif isinstance(decision, Gap):
                    if all(g.node != event.node for g in answer.gaps):
                        answer.gaps.append(Gapped(event.node, decision.high_water))
                elif isinstance(decision, BehindFork):
                    pass
            if not downward:  # what a parent hands down was checked there
                self.check_recipients(keep, staged)
            for envelope in arrival_order(keep, envelopes):
                self._store(staged, envelope, downward, requester)
            # the writes that return nothing: one round trip on PostgreSQL, with the conflicts
            script = ingest_sql.Script(self.db)
            indexes = staged.write(self.db, script)
            walk()  # every event verified, in log order (its error raised, else nothing)
            self._note_first_seqs(keep, signers, script)
            if forks:
                transaction.rollback()
            else:
                for node, (seq, digest) in heads.items():
                    answer.receipts.append(self._receipt(node, seq, digest,
                                                         indexes[(node, seq)], script))
                answer.conflicts = self._conflicts(requester, envelopes, script)
                for node in sorted(dup_nodes - set(heads)):
                    stored = (HubReceipt.select().where(HubReceipt.node == node)
                              .order_by(HubReceipt.up_to_seq.desc()).first())
                    if stored is not None:
                        answer.receipts.append(json.loads(stored.document))
        if forks:
            self._keep_forks(forks, requester)
            first, existing = forks[0]
            link = next((b for b in broken if b.seq == first.header.seq), None)
            if link is not None:  # the sender's seq - 1 is not ours: name both digests there
                raise EventForked(node=first.header.node, seq=link.seq - 1,
                                  existing=link.head_digest, received=link.prev)
            raise EventForked(node=first.header.node, seq=first.header.seq,
                              existing=existing, received=first.hash)
        return answer

    def _conflicts(self, requester: str, envelopes: Sequence[Envelope],
                   script: ingest_sql.Script) -> list[dict[str, Any]]:
        """The requester's own events in this batch (new or sent again) that were kept
        without moving their case, so the station learns it even from a repeated push;
        ``script`` (the push's last writes) is run first, in the same round trip."""
        seqs = [e.header.seq for e in envelopes if e.header.node == requester]
        return ingest_sql.conflicts(script, requester, seqs, CONFLICT)

    def _keep_forks(self, forks: list[tuple[Envelope, str]], requester: str) -> None:
        with self.write():
            for envelope, existing in forks:
                HubFork.insert(
                    node=envelope.header.node, seq=envelope.header.seq, digest=envelope.hash,
                    existing_digest=existing, envelope=envelope.raw, peer=requester,
                    received_at=now_iso()).on_conflict_ignore().execute()

    def _store(self, staged: ingest_sql.PushBatch, envelope: Envelope,
               downward: bool = False, requester: str = "") -> None:
        """Keep one accepted envelope: check it, then stage its rows (``staged.write``
        stores them).  The lifecycle table is enforced on a station's own events where
        it pushes them (a village at its township hub, a desk at its own hub); events a
        child hub forwards or a parent hands down were checked there, and are folded
        here, or kept and flagged when they do not fit the state reached here."""
        header = envelope.header
        if not downward:
            for address in header.materials:
                if address not in staged.complete:
                    raise MaterialMissing(address=address)
        if header.case_no and lifecycle.is_case_event(header.type):
            enforce = not downward and header.node == requester \
                and (header.node == self.me.code or tier_of(header.node) == "village")
            self._advance_case(staged, envelope, enforce)
        nodes = staged.addressed.get(header.recipients)
        if nodes is None:
            nodes = staged.addressed[header.recipients] = \
                sorted({n for r in header.recipients if (n := _recipient_node(r))})
        staged.add(envelope, staged.received_at or now_iso(), nodes)

    def actor(self, node: str, user: str,
              ahead: ingest_sql.PushBatch | None = None) -> lifecycle.Actor:
        """Who ``node/user`` is: tier from the node code, role and office from the
        node's newest signed directory entry (its staff list; ``ahead`` as ``_entry``)."""
        role, office = self._entry(node, ahead).staff.get(user, (None, None))
        return lifecycle.Actor(node, tier_of(node), user, role, office)

    def staff(self, node: str) -> dict[str, tuple[str | None, str | None]]:
        return self._entry(node).staff

    def _entry(self, node: str, ahead: ingest_sql.PushBatch | None = None) -> _Entry:
        """What the hub reads from a node's newest directory entry (verified when it was
        stored), parsed once per version; ``ahead``: a push whose nodes' entries are
        asked for together (once, when one of them is not fresh here)."""
        cached = self._entries.get(node)
        moment = time.monotonic()
        if cached is not None and moment - cached[2] < DIRECTORY_FRESH:
            return cached[1]
        issued = ahead.directory_issued(self.db) if ahead is not None else {}
        issued_at = issued[node] if node in issued \
            else ingest_sql.directory_issued_at(self.db, node)
        if issued_at is None:  # none yet ("" is never an entry's time)
            self._entries[node] = ("", _NO_ENTRY, moment)
            return _NO_ENTRY
        if cached is not None and cached[0] == issued_at:
            self._entries[node] = (issued_at, cached[1], moment)
            return cached[1]
        row = HubDirectory.get_or_none(HubDirectory.node == node)
        if row is None:  # removed meanwhile
            return _NO_ENTRY
        issued_at = row.issued_at
        try:
            body = json.loads(base64.b64decode(json.loads(row.document)["body"]))
            listed = body.get("staff") or {}
            staff = {str(name): (entry.get("role"), entry.get("office"))
                     for name, entry in listed.items() if isinstance(entry, dict)}
            offices = frozenset(str(o.get("office")) for o in body.get("offices") or ()
                                if isinstance(o, dict))
        except (ValueError, KeyError, TypeError, AttributeError):
            staff, offices = {}, frozenset()
        entry = _Entry(True, staff, offices)
        self._entries[node] = (issued_at, entry, moment)
        return entry

    def check_recipients(self, envelopes: Sequence[Envelope],
                         staged: ingest_sql.PushBatch | None = None) -> None:
        """Every recipient is a node (inbox) or an office the directory knows, under the
        author's county; RecipientUnknown for the first that is not.  This hub's own
        ancestors are known before their entries arrive (a hub that has not yet heard from
        its county, a USB bundle imported first, still takes a village's events sealed to
        the county's offices); once their entry is here, it is checked like any other."""
        entries: dict[str, _Entry] = {}  # one directory read per node and batch
        judged: set[tuple[str, str]] = set()  # (author's county, recipient) found known
        for envelope in envelopes:
            county = envelope.header.node[:6]
            for recipient in envelope.header.recipients:
                if (county, recipient) in judged:
                    continue
                parts = recipient.split(":")
                node = _recipient_node(recipient)
                known = node is not None and node[:6] == county \
                    and ((parts[0] == "node" and len(parts) == 3)
                         or (parts[0] == "office" and len(parts) == 4))
                if known and node is not None:
                    if node not in entries:
                        entries[node] = self._entry(node, staged)
                    if entries[node].listed:
                        known = parts[0] == "node" or parts[2] in entries[node].offices
                    else:
                        known = is_under(self.me.code, node)
                if not known:
                    raise RecipientUnknown(recipient=recipient[:80])
                judged.add((county, recipient))

    def _advance_case(self, staged: ingest_sql.PushBatch, envelope: Envelope,
                      enforce: bool) -> None:
        """Fold one event into its case (``HubCase``) by sync/lifecycle.py; the batch's
        earlier events are already folded in ``staged``."""
        header = envelope.header
        assert header.case_no
        case_no = header.case_no
        view = staged.cases.get(case_no) or lifecycle.CaseView(case_no)
        fact = rules.fact_of(header)
        key = (header.node, header.author)
        actor = staged.actors.get(key)
        if actor is None:  # one directory read per batch
            actor = staged.actors[key] = self.actor(header.node, header.author, staged)
        matter = self.matters(view.matter or header.matter or "")
        if enforce:
            claim = staged.claims.get(case_no)
            if header.type == lifecycle.CLAIMED and claim not in (None, actor.holder):
                raise AlreadyClaimed(case_no=case_no, holder=claim)
            try:
                lifecycle.check(view, fact, actor, matter, self._holder_office)
            except ActionOutOfState:
                # Tier and role were right; the case moved on meanwhile (a village offline
                # withdrew what the township decided).  Refusing would block every later
                # event of the station behind this one: keep it, do not fold it, flag it.
                staged.flags.append((case_no, header.node, header.seq, header.type,
                                     view.state, CONFLICT, now_iso()))
                return
        else:
            rule = lifecycle.rule_for(header.type)
            if rule is not None and view.state not in rule.before:
                staged.flags.append((case_no, header.node, header.seq, header.type,
                                     view.state, "out-of-state", now_iso()))
                return
        after = lifecycle.apply(view, fact, actor.office, matter)
        if header.type == lifecycle.FILED and not after.offices:  # a matter not known here
            township = lifecycle.township_of(header.node)
            after = lifecycle.changed(after, offices=tuple(
                f"{parts[1]}:{parts[2]}" for r in header.recipients
                if (parts := r.split(":"))[0] == "office" and len(parts) >= 3
                and parts[1] == township))
        if view.holder and after.holder is None:
            staged.release(case_no)
        elif after.holder and after.holder != view.holder:
            staged.take(case_no, after.holder)
        staged.fold(case_no, after)

    def _holder_office(self, holder: str) -> str | None:
        node, _, user = holder.partition("/")
        return self.actor(node, user).office

    def _receipt(self, node: str, seq: int, digest: str, index: int,
                 script: ingest_sql.Script) -> dict[str, str]:
        """The signed receipt of ``node`` up to ``seq``; its row is written by ``script``."""
        document = sign_document(
            {"kind": "receipt", "hub": self.me.code, "node": node, "up_to_seq": seq,
             "head": digest, "index": index, "at": now_iso()},
            self.me.signing_key, self.me.code)
        ingest_sql.upsert_receipt(script, node, seq, digest, index, json.dumps(document))
        return document

    def pull(self, requester: str, after: int, limit: int = PULL_LIMIT) -> tuple[list[HubEvent],
                                                                                    int]:
        """Events addressed to ``requester`` or its subtree, after log index ``after``."""
        prefix = scope_prefix(requester)
        limit = max(1, min(limit, PULL_LIMIT))
        ids = (HubAddress.select(HubAddress.event)
               .where((HubAddress.event > after)
                      & ((HubAddress.node == requester) | HubAddress.node.startswith(prefix)))
               .group_by(HubAddress.event).order_by(HubAddress.event).limit(limit))
        wanted = [row.event for row in ids]
        events = list(HubEvent.select().where(HubEvent.id.in_(wanted)).order_by(HubEvent.id)) \
            if wanted else []
        events = [e for e in events if e.node != requester]
        cursor = wanted[-1] if wanted else after
        return events, cursor

    # -- reviewer queue and claims ----------------------------------------------

    def queue(self, office: str | None) -> list[dict[str, Any]]:
        """Cases on this hub's desks now (state and tier), for one office or all."""
        query = HubCase.select().where(HubCase.state.in_(lifecycle.ON_DESK)
                                       & (HubCase.level == self.me.tier))
        out = []
        for row in query.order_by(HubCase.case_no):
            view = lifecycle.CaseView.from_json({**json.loads(row.view or "{}"),
                                                 "case_no": row.case_no})
            mine = [o.split(":", 1)[1] for o in view.offices
                    if o.split(":", 1)[0] == self.me.code]
            if office is not None:
                mine = [o for o in mine if o == office]
            if mine:
                out.append({"case_no": row.case_no, "matter": row.matter, "state": row.state,
                            "holder": row.holder, "filed_by": row.filed_by,
                            "offices": sorted(set(mine)), "level": view.level,
                            "pending": [p.split(":", 1)[1] for p in view.pending],
                            "extension": view.extension, "accepted": view.accepted})
        return out

    def case_view(self, case_no: str) -> lifecycle.CaseView | None:
        row = HubCase.get_or_none(HubCase.case_no == case_no)
        if row is None:
            return None
        return lifecycle.CaseView.from_json({**json.loads(row.view or "{}"), "case_no": case_no})

    def claim(self, case_no: str, holder: str) -> dict[str, str]:
        """Reserve a case on this hub's desks for one reviewer (``NODE/user``), as the
        lifecycle table allows (tier, role, office, the case's tier); exactly one wins."""
        node, _, user = holder.partition("/")
        view = self.case_view(case_no)
        if view is None:
            raise NotFound(what=f"案件 {case_no}")
        actor = self.actor(node, user)
        if actor.tier not in rules.allowed_tiers(lifecycle.CLAIMED):
            raise EventNotPermitted(tier=rules.TIER_NAMES.get(actor.tier, actor.tier),
                                    node=node, action=lifecycle.action_label(lifecycle.CLAIMED))
        lifecycle.check(view, lifecycle.Fact(lifecycle.CLAIMED, node, user, case_no,
                                             view.matter),
                        actor, self.matters(view.matter or ""), self._holder_office)
        try:
            with self.write():
                HubClaim.insert(case_no=case_no, holder=holder, claimed_at=now_iso()).execute()
        except IntegrityError:
            current = HubClaim.get_or_none(HubClaim.case_no == case_no)
            raise AlreadyClaimed(case_no=case_no,
                                 holder=current.holder if current else "?") from None
        return {"case_no": case_no, "holder": holder, "matter": view.matter or ""}

    def release(self, case_no: str, holder: str) -> None:
        claim = HubClaim.get_or_none(HubClaim.case_no == case_no)
        if claim is None or claim.holder != holder:
            raise NotClaimHolder(case_no=case_no, holder=claim.holder if claim else "-")
        with self.write():
            HubClaim.delete().where(HubClaim.case_no == case_no).execute()

    # -- proofs (receipts stations hold) and the sync log --------------------------

    def store_proofs(self, documents: Iterable[object], requester: str) -> int:
        stored = 0
        for wire in documents:
            hub = signer_of(wire, "回执")
            value = open_document(wire, self.public_key(hub), "回执")
            node = str(value.get("node", ""))
            if value.get("kind") != "receipt" or not (node == requester
                                                      or is_under(node, requester)):
                raise DocumentMalformed(what="回执")
            key = (HubProof.hub == hub) & (HubProof.node == node) \
                & (HubProof.up_to_seq == int(value["up_to_seq"]))
            if HubProof.get_or_none(key) is None:
                with self.write():
                    HubProof.insert(hub=hub, node=node, up_to_seq=int(value["up_to_seq"]),
                                    head=str(value["head"]), document=json.dumps(wire),
                                    reported_at=now_iso()).on_conflict_ignore().execute()
                stored += 1
        return stored

    def log_session(self, session: str, peer: str, *, events_in: int = 0, events_out: int = 0,
                    blobs_in: int = 0, bytes_in: int = 0, bytes_out: int = 0,
                    error: str | None = None, direction: str = "") -> None:
        """Count one request in its session's row, and note that ``peer`` was seen
        (``last_seen``, at most every ``ledger.SEEN_EVERY`` seconds).  Answering a signed
        request, this is written in the request's own transaction (``self.write``)."""
        key = f"{peer}:{session}"[:120]
        stamp = now_iso()
        with self.write():
            if self.ledger.seen_due(peer):
                self.db.execute_sql(self._sql["seen"], (stamp, peer))
            started = self._started.get(key)
            if started is None:  # this process has not seen the session: ask the database
                row = self.db.execute_sql(self._sql["started"], (key,)).fetchone()
                started = stamp if row is None else row[0]
                if len(self._started) >= 10_000:
                    self._started.clear()
                self._started[key] = started
            duration = int((datetime.fromisoformat(stamp) - datetime.fromisoformat(started))
                           .total_seconds() * 1000)
            self.db.execute_sql(self._sql["session"], (
                key, peer, direction, started, stamp, duration, events_in, events_out, blobs_in,
                bytes_in, bytes_out, "error" if error else "ok", error[:500] if error else None))

    def sessions(self, peer: str | None = None, result: str | None = None,
                 limit: int = 200) -> list[dict[str, Any]]:
        query = HubSession.select()
        if peer:
            query = query.where(HubSession.peer == peer)
        if result:
            query = query.where(HubSession.result == result)
        return [{"peer": s.peer, "direction": s.direction, "started_at": s.started_at,
                 "duration_ms": s.duration_ms, "requests": s.requests,
                 "events_in": s.events_in, "events_out": s.events_out, "blobs_in": s.blobs_in,
                 "bytes_in": s.bytes_in, "bytes_out": s.bytes_out, "result": s.result,
                 "error": s.error}
                for s in query.order_by(HubSession.started_at.desc()).limit(limit)]


def _bookkeeping_sql(p: str) -> dict[str, str]:
    """The statements every signed request runs, as plain SQL (``p``: the driver's
    placeholder): building them with peewee cost more CPU than running them."""
    peer, key, session = (HubPeer._meta.table_name, HubPeerKey._meta.table_name,
                          HubSession._meta.table_name)
    added = ("events_in", "events_out", "blobs_in", "bytes_in", "bytes_out")
    return {
        "holds": f"SELECT 1 FROM {peer} p JOIN {key} k ON k.node = p.node"
                 f" WHERE p.node = {p} AND p.chain = {p} AND k.key = {p} AND k.chain = {p}",
        "seen": f"UPDATE {peer} SET last_seen = {p} WHERE node = {p}",
        # A chain registered (register_chain): the node's current chain, a key it had.
        "peer chain": f"SELECT chain FROM {peer} WHERE node = {p}",
        "peer key": f"INSERT INTO {key} (node, key, chain, issued_at) VALUES ({p}, {p}, {p}, {p})"
                    f" ON CONFLICT (node, key) DO UPDATE SET chain = excluded.chain,"
                    f" issued_at = excluded.issued_at",
        "peer": f"INSERT INTO {peer} (node, tier, name, chain, serials, first_seen, last_seen)"
                f" VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT (node) DO UPDATE SET"
                f" chain = excluded.chain, serials = excluded.serials,"
                f" last_seen = excluded.last_seen",
        "started": f"SELECT started_at FROM {session} WHERE id = {p}",
        # One row per session: its first request inserts it, the others add to it.  The
        # direction is "" until a request moves events one way, "both" once both ways;
        # an error marks the session failed and is kept (the last one).
        "session": (
            f"INSERT INTO {session} (id, peer, direction, started_at, last_at, duration_ms,"
            f" requests, {', '.join(added)}, result, error)"
            f" VALUES ({p}, {p}, {p}, {p}, {p}, {p}, 1, {', '.join([p] * len(added))}, {p}, {p})"
            f" ON CONFLICT (id) DO UPDATE SET last_at = excluded.last_at,"
            f" duration_ms = excluded.duration_ms, requests = {session}.requests + 1, "
            + ", ".join(f"{c} = {session}.{c} + excluded.{c}" for c in added)
            + f", direction = CASE WHEN {session}.direction = '' THEN excluded.direction"
            f" WHEN excluded.direction <> '' AND {session}.direction <> excluded.direction"
            f" THEN 'both' ELSE {session}.direction END,"
            f" result = CASE WHEN excluded.error IS NULL THEN {session}.result ELSE 'error' END,"
            f" error = COALESCE(excluded.error, {session}.error)"),
    }


class DbNonces:
    """Replay protection kept in the hub database (survives restarts, shared by threads).

    Each node may have at most ``per_node`` live nonces (requests signed in the
    last few minutes); beyond that its requests get ReplayCacheFull (503, retry
    later), so one enrolled node cannot fill the hub's database."""

    def __init__(self, per_node: int = 20_000) -> None:
        self.per_node = per_node

    def seen(self, key_id: str, nonce: str, expires: int, now: int) -> bool:
        HubNonce.delete().where(HubNonce.expires < now).execute()
        live = HubNonce.select().where(HubNonce.key_id == key_id)
        if live.where(HubNonce.nonce == nonce).exists():
            return True
        if live.count() >= self.per_node:
            oldest = live.order_by(HubNonce.expires).first()
            raise ReplayCacheFull(count=self.per_node,
                                  retry_after=max(1, oldest.expires - now + 1) if oldest else 1)
        try:
            HubNonce.insert(key_id=key_id, nonce=nonce, expires=expires).execute()
        except IntegrityError:
            return True
        return False


def arrival_order(keep: Sequence[Envelope], arrived: Sequence[Envelope]) -> list[Envelope]:
    """``keep`` in the order the events arrived across nodes (a forwarding hub sends
    them in the order it accepted them, so a case's events fold here as they folded
    there), each node's own events still in seq order."""
    position = {id(e): i for i, e in enumerate(arrived)}
    by_node: dict[str, list[Envelope]] = {}
    for envelope in sorted(keep, key=lambda e: (e.header.node, e.header.seq)):
        by_node.setdefault(envelope.header.node, []).append(envelope)
    slots = sorted(keep, key=lambda e: position.get(id(e), 0))
    taken: dict[str, int] = {}
    out = []
    for envelope in slots:
        node = envelope.header.node
        index = taken.get(node, 0)
        out.append(by_node[node][index])
        taken[node] = index + 1
    return out


def _recipient_node(recipient: str) -> str | None:
    """The node a recipient id names: office:CODE:NAME:V, node:CODE:V."""
    parts = recipient.split(":")
    if len(parts) >= 3 and parts[0] in ("office", "node") and len(parts[1]) == 12 \
            and parts[1].isdigit():
        return parts[1]
    return None
