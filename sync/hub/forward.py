"""Store-and-forward upward: a hub pushes its subtree's events and materials to
its parent unchanged (original signatures intact) and pulls down what the
parent holds for its subtree.  Runs in a thread of ``station hub serve``;
each round is idempotent, so a cut link only delays it.
"""

from __future__ import annotations

import json
import logging
import random
import threading

from keys.errors import KeysError
from sync.client import HubClient
from sync.envelope import parse_envelope
from sync.errors import SyncError
from sync.hub.models import HubBlob, HubDirectory, HubEvent, HubPeer, HubProof, HubState, upsert
from sync.hub.service import HubService, scope_prefix
from sync.problems import MaterialMissing
from sync.signed import open_document, signer_of
from sync.updates import KINDS

log = logging.getLogger("bianmin.hub.forward")
BATCH = 200


def _state(key: str, default: str = "0") -> str:
    row = HubState.get_or_none(HubState.key == key)
    return row.value if row else default


def _put(key: str, value: str) -> None:
    upsert(HubState, key=key, value=value)


class Forwarder:
    def __init__(self, hub: HubService, upstream: str, interval: float = 2.0) -> None:
        self.hub = hub
        self.upstream = upstream
        self.interval = interval
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.failures = 0
        self.last_error: str | None = None

    def client(self) -> HubClient:
        return HubClient(self.upstream, self.hub.me.signing_key, self.hub.me.code)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with self.hub.db.connection_context():
                    self.round()
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
        if peers:
            client.certificates([p.chain for p in peers])
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
        """Grants from above come down; requests they cover go up; approvals come down."""
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
        nodes = [row.node for row in HubEvent.select(HubEvent.node).distinct()
                 if row.node.startswith(prefix)]
        total = 0
        for node in sorted(nodes):
            try:
                total += self._push_node(client, node)
            except SyncError as error:  # one refused node (e.g. revoked) blocks no other
                log.warning("forwarding %s refused: %s", node, error)
        return total

    def _push_node(self, client: HubClient, node: str) -> int:
        """Push one node's events the parent lacks (materials first); returns how many."""
        total = 0
        head = client.node_head(node)
        acked = int(head["high_water"])
        while True:
            rows = list(HubEvent.select().where((HubEvent.node == node)
                                                & (HubEvent.seq > acked))
                        .order_by(HubEvent.seq).limit(BATCH))
            if not rows:
                break
            for row in rows:
                for address in parse_envelope(bytes(row.envelope)).header.materials:
                    self.upload(client, address)
            try:
                result = client.push([bytes(r.envelope) for r in rows])
            except MaterialMissing as missing:
                self.upload(client, str(missing.params["address"]), force=True)
                continue
            for wire in result.receipts:
                value = open_document(wire, self.hub.public_key(signer_of(wire, "回执")),
                                      "回执")
                if value.get("node") == node:
                    acked = max(acked, int(value["up_to_seq"]))
            gaps = [g for g in result.gaps if g["node"] == node]
            if gaps:
                acked = int(gaps[0]["high_water"])
            elif not result.receipts:
                acked = rows[-1].seq
            total += result.accepted
        return total

    def upload(self, client: HubClient, address: str, force: bool = False) -> None:
        blob = HubBlob.get_or_none(HubBlob.address == address)
        if blob is None or not blob.complete:
            return
        status = client.material_status(address)
        if status is not None and status["complete"] and not force:
            return
        client.upload(address, blob.total,
                      lambda offset, length: self.hub.read_material(address, offset, length))

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
            events, next_cursor = client.pull(cursor)
            if events:
                self.hub.push([raw for _, raw in events], parent)
                total += len(events)
            _put("down:cursor", str(next_cursor))
            if not events or next_cursor == cursor:
                return total
            cursor = next_cursor
