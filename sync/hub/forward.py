"""Store-and-forward upward: a hub pushes its subtree's events and materials to
its parent unchanged (original signatures intact) and pulls down what the
parent holds for its subtree.  Runs in a thread of ``station hub serve``;
each round is idempotent, so a cut link only delays it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time

from peewee import fn

from keys.errors import KeysError
from sync.client import HubClient
from sync.envelope import parse_envelope
from sync.errors import SyncError
from sync.hub.models import (
    HubBlob,
    HubDirectory,
    HubEvent,
    HubPeer,
    HubPeerKey,
    HubProof,
    HubState,
    upsert,
)
from sync.hub.service import HubService, scope_prefix
from sync.problems import MaterialMissing
from sync.signed import open_document, signer_of
from sync.updates import KINDS

log = logging.getLogger("bianmin.hub.forward")
BATCH = 200
# What the monitoring reads (sync/hub/metrics.py), kept in the database so that every
# worker process answers alike: the parent's high-water per node as last seen, and when
# a round last succeeded (written at most every SUCCESS_EVERY seconds).
ACKED = "up:acked"
SUCCESS = "up:success"
SUCCESS_EVERY = 15.0


def _state(key: str, default: str = "0") -> str:
    row = HubState.get_or_none(HubState.key == key)
    return row.value if row else default


def _put(key: str, value: str) -> None:
    upsert(HubState, key=key, value=value)


DOWN_CHUNK = 1 << 20


class Forwarder:
    def __init__(self, hub: HubService, upstream: str, interval: float = 2.0,
                 ca_file: str | None = None) -> None:
        """``ca_file``: the county's CA for an https:// upstream (see HubClient)."""
        self.hub = hub
        self.upstream = upstream
        self.ca_file = ca_file
        self.interval = interval
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.failures = 0
        self.last_error: str | None = None
        self._acked_kept: dict[str, int] | None = None
        self._success_kept = 0.0

    def client(self) -> HubClient:
        return HubClient(self.upstream, self.hub.me.signing_key, self.hub.me.code,
                         ca_file=self.ca_file)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with self.hub.db.connection_context():
                    self.round()
                    self._keep_success()
                self.failures, self.last_error = 0, None
                delay = self.interval
            except (SyncError, OSError) as error:
                self.failures += 1
                self.last_error = str(error)
                log.warning("forwarding to %s failed: %s", self.upstream, error)
                delay = min(60.0, self.interval * 2 ** min(self.failures, 5))
                delay *= random.uniform(0.5, 1.0)
            self.wake.wait(delay)
            self.wake.clear()

    def round(self) -> dict[str, int]:
        client = self.client()
        client.health()
        answer = client.hello(self.hub.me.chain_pem)
        parent = self.hub.register_chain(str(answer["chain"]))
        listed = client.revocations()  # first: it decides whom we still forward for
        if listed:
            self.hub.install_revocations(listed)
        prefix = scope_prefix(self.hub.me.code)
        peers = [p for p in HubPeer.select() if p.node.startswith(prefix)
                 and p.node != self.hub.me.code]
        if peers:  # every key each node has had, oldest first: the parent verifies what
            #        an earlier PC of a replaced station signed (sync/epochs.py)
            earlier = [k.chain for k in HubPeerKey.select().order_by(HubPeerKey.issued_at)
                       if k.node.startswith(prefix) and k.node != self.hub.me.code]
            client.certificates(list(dict.fromkeys([*earlier, *(p.chain for p in peers)])))
        mine = [json.loads(r.document) for r in HubDirectory.select()
                if r.node.startswith(prefix)]
        if mine:
            client.publish_directory(mine)
        for entry in client.directory():
            chain = entry.get("chain")
            if chain:
                try:
                    self.hub.register_chain(str(chain))
                    self.hub.store_directory([entry["document"]], parent)
                except SyncError:
                    continue
        self.relay_enrolments(client, parent)
        self.pull_updates(client)
        pushed = self.push_up(client, prefix)
        self.forward_proofs(client, prefix)
        pulled = self.pull_down(client, parent)
        return {"pushed": pushed, "pulled": pulled}

    def relay_enrolments(self, client: HubClient, parent: str) -> None:
        """Grants from above come down; requests they cover go up; approvals and
        refusals come down."""
        desk = self.hub.enrolments
        for wire in client.enrolment_grants():
            try:
                desk.store_grants([wire], parent)
            except (SyncError, KeysError) as error:  # one bad grant blocks no other
                log.warning("an enrolment grant from %s not taken: %s", self.upstream, error)
        for row in desk.relayed_up():
            try:
                client.submit_enrolment(json.loads(row.request))
                state = client.enrolment_state(row.node)
                if state.get("state") == "approved" and state.get("certificates"):
                    desk.approve(state["certificates"], parent)
                elif state.get("state") == "refused" and state.get("refusal"):
                    desk.refuse(state["refusal"], parent)
            except (SyncError, KeysError) as error:  # one refused request blocks no other
                log.warning("enrolment of %s not relayed: %s", row.node, error)

    def pull_updates(self, client: HubClient) -> None:
        """The county's catalogue and calendar updates, newer than ours, come down."""
        ours = self.hub.updates.versions()
        for kind, version in client.update_versions().items():
            if kind in KINDS and int(version) > ours[kind]:
                try:
                    self.hub.updates.install(kind, client.update(kind), strict=False)
                except (SyncError, KeysError) as error:
                    log.warning("%s update from %s not taken: %s", kind, self.upstream, error)

    def push_up(self, client: HubClient, prefix: str) -> int:
        """Send the subtree's events the parent lacks, in this hub's log order: a case's
        events from several nodes (a village's filing, the township's review) then fold
        at the parent in the order they folded here."""
        nodes = sorted(row.node for row in HubEvent.select(HubEvent.node).distinct()
                       if row.node.startswith(prefix))
        acked: dict[str, int] = {}
        for node in nodes:
            try:
                acked[node] = int(client.node_head(node)["high_water"])
            except SyncError as error:  # one refused node (e.g. revoked) blocks no other
                log.warning("forwarding %s refused: %s", node, error)
        total = self._push_unsent(client, acked)
        self._keep_acked(acked)
        return total

    def _push_unsent(self, client: HubClient, acked: dict[str, int]) -> int:
        total = 0
        while True:
            rows = self._unsent(acked)
            if not rows:
                return total
            before = dict(acked)
            try:
                total += self._push_rows(client, rows, acked)
            except SyncError as error:
                log.warning("a forwarded batch was refused (%s); sending node by node", error)
                for node in sorted({r.node for r in rows}):
                    try:
                        total += self._push_rows(client, [r for r in rows if r.node == node],
                                                 acked)
                    except SyncError as refused:
                        log.warning("forwarding %s refused: %s", node, refused)
                        acked.pop(node, None)
            if acked == before:  # the parent takes nothing more now: try next round
                return total

    def _keep_acked(self, acked: dict[str, int]) -> None:
        if acked != self._acked_kept:
            with self.hub.write():
                _put(ACKED, json.dumps(acked, sort_keys=True))
            self._acked_kept = dict(acked)

    def _keep_success(self) -> None:
        now = time.time()
        if now - self._success_kept >= SUCCESS_EVERY:
            with self.hub.write():
                _put(SUCCESS, str(int(now)))
            self._success_kept = now

    def _unsent(self, acked: dict[str, int]) -> list[HubEvent]:
        """The next batch of events past each node's acknowledged seq, in log order."""
        if not acked:
            return []
        wanted = None
        for node, seq in acked.items():
            condition = (HubEvent.node == node) & (HubEvent.seq > seq)
            wanted = condition if wanted is None else (wanted | condition)
        return list(HubEvent.select().where(wanted).order_by(HubEvent.id).limit(BATCH))

    def _push_rows(self, client: HubClient, rows: list[HubEvent], acked: dict[str, int]) -> int:
        for row in rows:
            for address in parse_envelope(bytes(row.envelope)).header.materials:
                self.upload(client, address)
        try:
            result = client.push([bytes(r.envelope) for r in rows])
        except MaterialMissing as missing:
            self.upload(client, str(missing.params["address"]), force=True)
            return 0
        nodes = {r.node for r in rows}
        for wire in result.receipts:
            value = open_document(wire, self.hub.public_key(signer_of(wire, "回执")), "回执")
            node = str(value.get("node"))
            if node in nodes:
                acked[node] = max(acked.get(node, 0), int(value["up_to_seq"]))
        for gap in result.gaps:
            if gap["node"] in nodes:
                acked[gap["node"]] = int(gap["high_water"])
        if not result.receipts and not result.gaps:
            for row in rows:
                acked[row.node] = max(acked.get(row.node, 0), row.seq)
        return result.accepted

    def upload(self, client: HubClient, address: str, force: bool = False) -> None:
        blob = HubBlob.get_or_none(HubBlob.address == address)
        if blob is None or not blob.complete:
            return
        status = client.material_status(address)
        if status is not None and status["complete"] and not force:
            return
        client.upload(address, blob.total,
                      lambda offset, length: self.hub.read_material(address, offset, length))

    def fetch_down(self, client: HubClient, address: str, parent: str) -> None:
        """Copy a material from the parent hub when this hub lacks it (or part of it)."""
        blob = HubBlob.get_or_none(HubBlob.address == address)
        if blob is not None and blob.complete:
            return
        status = client.material_status(address)
        if status is None or not status.get("complete"):
            return
        total = int(status["total"])
        data = client.read_material(address, total)
        blob = self.hub.upload_create(address, total, parent)
        offset = blob.received
        while offset < total:
            chunk = data[offset:offset + DOWN_CHUNK]
            self.hub.upload_chunk(address, offset, chunk, hashlib.sha256(chunk).hexdigest())
            offset += len(chunk)

    def forward_proofs(self, client: HubClient, prefix: str) -> None:
        sent = int(_state("up:proofs"))
        rows = list(HubProof.select().where(HubProof.node.startswith(prefix))
                    .order_by(HubProof.reported_at))
        fresh = rows[sent:]
        if fresh:
            client.report_proofs([json.loads(r.document) for r in fresh])
            _put("up:proofs", str(len(rows)))

    def pull_down(self, client: HubClient, parent: str) -> int:
        cursor = int(_state("down:cursor"))
        total = 0
        while True:
            events, next_cursor, hub_log = client.pull(cursor)
            if hub_log and _state("down:log", hub_log) != hub_log and cursor:
                cursor = 0  # the parent was restored: its indices start a new log
                _put("down:cursor", "0")
                _put("down:log", hub_log)
                continue
            if hub_log:
                _put("down:log", hub_log)
            for _, raw in events:  # documents signed above (decisions …) come down too
                for address in parse_envelope(raw).header.materials:
                    self.fetch_down(client, address, parent)
            if events:
                self.hub.push([raw for _, raw in events], parent)
                total += len(events)
            _put("down:cursor", str(next_cursor))
            if not events or next_cursor == cursor:
                return total
            cursor = next_cursor


def backlog(code: str) -> int:
    """Events of ``code``'s subtree held here past the parent's high-water as last seen:
    one indexed lookup per node (a node never acknowledged counts from seq 0)."""
    acked = {str(k): int(v) for k, v in json.loads(_state(ACKED, "{}")).items()}
    prefix = scope_prefix(code)
    nodes = set(acked) | {row.node for row in HubPeer.select(HubPeer.node)
                          .where(HubPeer.node.startswith(prefix))}
    total = 0
    for node in sorted(nodes):
        head = HubEvent.select(fn.MAX(HubEvent.seq)).where(HubEvent.node == node).scalar()
        total += max(0, int(head or 0) - acked.get(node, 0))
    return total


def last_success() -> float | None:
    """When a forwarding round last succeeded (Unix seconds), or None if none has."""
    stored = _state(SUCCESS, "")
    return float(stored) if stored else None
