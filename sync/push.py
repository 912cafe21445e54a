"""The sender's side of a push: what to send next, and what the hub's answers change.

Pure: no sockets, no clocks, no files.  The caller journals the returned
``PushState`` before it sends anything, so a crash between "planned" and
"sent" only ever re-sends (the hub answers duplicates idempotently).

Protocol (docs/protocol.md, DESIGN §6):
  1. materials first: an event citing a material the hub does not hold yet is
     held back, with every later event, until the material is uploaded;
  2. events go in seq order without holes, because the hub accepts only
     ``seq == high_water + 1``;
  3. the cursor moves forward only on a receipt that names an event we made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sync.errors import OutboxGap, ReceiptGoesBack, ReceiptUnknownHead


@dataclass(frozen=True)
class OutgoingEvent:
    """One signed event waiting in the outbox, as the push planner sees it."""

    node: str
    seq: int
    digest: str  # sha256 hex of the event's bytes
    materials: tuple[str, ...]  # content addresses of the materials it cites
    size: int
    prev: str | None = None  # the digest of seq - 1 it names; None: not checked (the sender)


@dataclass(frozen=True)
class PushState:
    """What the hub has confirmed: events up to ``acked_seq``; materials fully uploaded."""

    acked_seq: int = 0
    uploaded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Batch:
    """The next thing to send: upload ``materials_to_upload``, then push ``events``.

    ``held_back`` lists the seqs that wait for materials (the first event with a
    missing material and every event after it).
    """

    materials_to_upload: tuple[str, ...]
    events: tuple[OutgoingEvent, ...]
    held_back: tuple[int, ...]


@dataclass(frozen=True)
class Receipt:
    """The hub's answer after its transaction committed (signature checked by the caller)."""

    node: str
    up_to_seq: int
    head_digest: str
    hub_index: int
    signature: bytes


def pending(outbox: Sequence[OutgoingEvent], state: PushState) -> list[OutgoingEvent]:
    """Events after ``acked_seq``, in seq order; a hole would stall the hub for ever."""
    events = sorted((e for e in outbox if e.seq > state.acked_seq), key=lambda e: e.seq)
    expected = state.acked_seq + 1
    for event in events:
        if event.seq != expected:
            raise OutboxGap(node=event.node, expected=expected, found=event.seq)
        expected += 1
    return events


def plan_batch(outbox: Sequence[OutgoingEvent], state: PushState,
               max_events: int = 200, max_bytes: int = 4_000_000) -> Batch:
    """Choose the next batch.

    Events are taken in seq order while they fit ``max_events`` and
    ``max_bytes`` (an event bigger than ``max_bytes`` travels alone, or it
    would never travel).  The first event citing a material not yet in
    ``state.uploaded`` stops the batch: it and every later event are held back
    and its missing materials are listed for upload.
    """
    events: list[OutgoingEvent] = []
    size = 0
    queue = pending(outbox, state)
    for index, event in enumerate(queue):
        if len(events) >= max_events or (events and size + event.size > max_bytes):
            break
        missing = tuple(dict.fromkeys(m for m in event.materials if m not in state.uploaded))
        if missing:
            return Batch(missing, tuple(events), tuple(e.seq for e in queue[index:]))
        events.append(event)
        size += event.size
    return Batch((), tuple(events), ())


def apply_receipt(state: PushState, receipt: Receipt,
                  outbox: Sequence[OutgoingEvent]) -> PushState:
    """Move the cursor to ``receipt.up_to_seq`` if the receipt names an event we sent.

    The hub's head digest must be the digest of our event at that seq (anything
    else means the hub holds a different history, or the receipt is not for
    us).  The same receipt twice changes nothing; a receipt behind the cursor
    raises ``ReceiptGoesBack``.  On error the state is left as it was.
    """
    if receipt.up_to_seq < state.acked_seq:
        raise ReceiptGoesBack(node=receipt.node, seq=receipt.up_to_seq, acked=state.acked_seq)
    for event in outbox:
        if (event.node == receipt.node and event.seq == receipt.up_to_seq
                and event.digest == receipt.head_digest):
            return replace(state, acked_seq=receipt.up_to_seq)
    raise ReceiptUnknownHead(node=receipt.node, seq=receipt.up_to_seq,
                             digest=receipt.head_digest)


def apply_uploaded(state: PushState, address: str) -> PushState:
    """The hub reported the material at ``address`` complete."""
    return replace(state, uploaded=state.uploaded | {address})


def apply_high_water(state: PushState, hub_high_water: int) -> PushState:
    """The hub answered "gap": it holds this node's events only up to ``hub_high_water``.

    The next batch restarts after the hub's mark, even when that moves
    ``acked_seq`` down (the hub was restored from a backup and lost events it
    had once receipted).  Receipts stay what they are, proof of delivery for
    the audit trail; but what the hub holds now decides what to resend.  A mark
    at or above the cursor changes nothing: the cursor moves forward only on a
    receipt.
    """
    if hub_high_water >= state.acked_seq:
        return state
    return replace(state, acked_seq=max(hub_high_water, 0))
