"""A node's signing keys over time: a replacement PC starts a new key epoch.

A village PC that dies without a backup is replaced: the county enrols the same
node code again, and the new PC signs with a new key.  Its chain goes on from
the hub's head (``station/network/chain_resume.py``), so the log has no gap and
no fork; only the key changes.  Every key the node has had stays, so what the
old PC signed is still verified, and the order of the chain bounds it: a key
signs only events *before* the first event of any newer key.  An event from an
older key after that (the old PC come back, or stolen) is refused at the hub
and reported by the audit.

Pure functions over the keys a hub holds; the hub and the audit call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ed25519

from keys.errors import KeysError
from sync.envelope import Envelope, verify_envelope
from sync.errors import SyncError


@dataclass(frozen=True)
class NodeKey:
    """One signing key of a node, from its certificate."""

    key: ed25519.Ed25519PublicKey
    issued_at: str  # the certificate's not-before, ISO 8601 UTC: orders the epochs
    first_seq: int | None = None  # the first seq a hub stored signed by this key


def newest_first(keys: Iterable[NodeKey]) -> list[NodeKey]:
    return sorted(keys, key=lambda k: k.issued_at, reverse=True)


def signer_of(envelope: Envelope, keys: Sequence[NodeKey]) -> NodeKey | None:
    """The key (of ``keys``, tried newest first) whose signature the envelope carries."""
    for candidate in newest_first(keys):
        try:
            verify_envelope(envelope, candidate.key)
            return candidate
        except (SyncError, KeysError):
            continue
    return None


def allowed(signer: NodeKey, keys: Sequence[NodeKey], seq: int) -> bool:
    """An older key signs only before the first event of every newer key."""
    return all(k.first_seq is None or seq < k.first_seq
               for k in keys if k.issued_at > signer.issued_at)


def with_first_seqs(keys: Sequence[NodeKey],
                    signed: Iterable[tuple[NodeKey, int]]) -> list[NodeKey]:
    """``keys`` with each key's first seq taken from (signer, seq) pairs (the audit
    reads them from the envelopes themselves, not from what a hub noted)."""
    first: dict[int, int] = {}
    for signer, seq in signed:
        at = keys.index(signer)
        first[at] = min(seq, first.get(at, seq))
    return [NodeKey(k.key, k.issued_at, first.get(i)) for i, k in enumerate(keys)]
