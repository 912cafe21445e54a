"""Audit of a hub's holdings (run at the county): every node's chain from origin.

Reports gaps, forks (two envelopes for one (node, seq), including those the
hub refused and kept as evidence), broken links, bad signatures, receipts
that stations hold for events the county does not have (lost in transit),
events a child hub forwarded that the lifecycle table forbids in the state
their case had reached here (kept and flagged, not folded), and stations
silent for more than N days.  Reads only clear headers and
signatures: no key opens a payload here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import ca
from keys.errors import KeysError
from keys.hierarchy import tier_of
from sync.envelope import (
    BrokenLink,
    ChainFork,
    ChainGap,
    check_chain,
    parse_envelope,
)
from sync.epochs import NodeKey, allowed, signer_of, with_first_seqs
from sync.errors import SyncError
from sync.hub.models import (
    HubEvent,
    HubFlag,
    HubFork,
    HubPeer,
    HubPeerKey,
    HubProof,
    HubSession,
)


@dataclass
class AuditReport:
    nodes: list[dict[str, Any]] = field(default_factory=list)
    events: int = 0
    forks: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    broken_links: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: list[dict[str, Any]] = field(default_factory=list)
    lost_in_transit: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)  # out of the lifecycle
    silent_stations: list[dict[str, Any]] = field(default_factory=list)
    epochs: list[dict[str, Any]] = field(default_factory=list)  # replaced PCs: where each
    #                                     key's events begin (a successor, not a fork)
    sessions: int = 0
    failed_sessions: int = 0

    @property
    def ok(self) -> bool:
        return not (self.forks or self.gaps or self.broken_links or self.bad_signatures
                    or self.lost_in_transit)  # flagged: kept, listed, not a broken chain

    def to_json(self) -> dict[str, Any]:
        value = asdict(self)
        value["ok"] = self.ok
        return value


def _keys(node: str, peer: HubPeer | None) -> list[NodeKey]:
    """Every signing key the node has had (a replacement PC brings a new one)."""
    found = [NodeKey(ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(k.key)),
                     k.issued_at) for k in HubPeerKey.select().where(HubPeerKey.node == node)]
    if not found and peer is not None:  # a hub database older than the key history
        leaf = ca.chain_from_pem(peer.chain.encode())[0]
        key = leaf.public_key()
        if isinstance(key, ed25519.Ed25519PublicKey):
            found.append(NodeKey(key, leaf.not_valid_before_utc.isoformat()))
    return found


def verify_hub(silent_days: int = 7, now: datetime | None = None,
               scope: str | None = None) -> AuditReport:
    """Audit the hub database currently bound to the hub models."""
    now = now or datetime.now(UTC)
    report = AuditReport()
    peers = {p.node: p for p in HubPeer.select()}
    nodes = sorted({row.node for row in HubEvent.select(HubEvent.node).distinct()} | set(peers))
    if scope:
        nodes = [n for n in nodes if n.startswith(scope)]
    for node in nodes:
        rows = list(HubEvent.select().where(HubEvent.node == node).order_by(HubEvent.seq))
        envelopes = []
        keys = _keys(node, peers.get(node))
        signed: list[tuple[NodeKey, int]] = []
        for row in rows:
            try:
                envelope = parse_envelope(bytes(row.envelope))
            except (SyncError, KeysError):
                report.bad_signatures.append({"node": node, "seq": row.seq})
                continue
            signer = signer_of(envelope, keys)
            if signer is None:
                report.bad_signatures.append({"node": node, "seq": row.seq})
                continue
            signed.append((signer, row.seq))
            envelopes.append(envelope)
        # key epochs: an earlier key signs only before the first event of a newer one
        # (the first seqs are read from the envelopes, not from what the hub noted)
        epochs = with_first_seqs(keys, signed)
        for signer, seq in signed:
            mine = epochs[keys.index(signer)]
            if not allowed(mine, epochs, seq):
                report.bad_signatures.append({"node": node, "seq": seq, "reason": "replaced"})
        starts = sorted((k.first_seq, k.issued_at) for k in epochs if k.first_seq is not None)
        if len(starts) > 1:
            report.epochs.append({"node": node, "starts": [seq for seq, _ in starts]})
        for fork in HubFork.select().where(HubFork.node == node):
            report.forks.append({"node": node, "seq": fork.seq,
                                 "hashes": sorted((fork.existing_digest, fork.digest))})
        for problem in check_chain(envelopes):
            if isinstance(problem, ChainGap):
                report.gaps.append({"node": node, "first": problem.first, "last": problem.last})
            elif isinstance(problem, ChainFork):
                report.forks.append({"node": node, "seq": problem.seq,
                                     "hashes": list(problem.hashes)})
            elif isinstance(problem, BrokenLink):
                report.broken_links.append({"node": node, "seq": problem.seq})
        report.events += len(rows)
        last = max((r.received_at for r in rows), default=None)
        peer = peers.get(node)
        seen = max(filter(None, (last, peer.last_seen if peer else None)), default=None)
        entry = {"code": node, "tier": tier_of(node), "events": len(rows),
                 "high_water": rows[-1].seq if rows else 0, "last_seen": seen}
        report.nodes.append(entry)
        if tier_of(node) == "village" and (
                seen is None or datetime.fromisoformat(seen) < now - timedelta(days=silent_days)):
            report.silent_stations.append({"code": node, "last_seen": seen})
    held = {(r.node, r.seq): r.digest for r in HubEvent.select(HubEvent.node, HubEvent.seq,
                                                                HubEvent.digest)}
    for proof in HubProof.select():
        if scope and not proof.node.startswith(scope):
            continue
        if held.get((proof.node, proof.up_to_seq)) != proof.head:
            report.lost_in_transit.append({"node": proof.node, "up_to_seq": proof.up_to_seq,
                                           "receipted_by": proof.hub})
    for flag in HubFlag.select().order_by(HubFlag.id):
        if scope and not flag.node.startswith(scope):
            continue
        report.flagged.append({"node": flag.node, "seq": flag.seq, "case_no": flag.case_no,
                               "type": flag.type, "state": flag.state, "reason": flag.reason,
                               "flagged_at": flag.flagged_at})
    report.sessions = HubSession.select().count()
    report.failed_sessions = HubSession.select().where(HubSession.result == "error").count()
    return report


def summary_line(report: AuditReport) -> str:
    return json.dumps({k: (len(v) if isinstance(v, list) else v)
                       for k, v in report.to_json().items()}, ensure_ascii=False)
