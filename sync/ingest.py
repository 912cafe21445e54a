"""The hub's decision for pushed events, given what it already holds.

Pure: the hub shell passes a ``HubView`` of its committed log, applies the
decisions in one transaction, and only then answers (with a receipt, the
stored receipt again, a 409 with both digests, or its high-water mark).

Events are keyed by (node, seq):
  * ``seq == high_water + 1``                 -> ``Accept``
  * ``seq == high_water + 1`` but ``prev`` is not the digest held at
    ``high_water``                            -> ``BrokenLink`` (409, kept as a fork)
  * known seq, same digest                    -> ``Duplicate`` (idempotent)
  * known seq, different digest               -> ``Fork`` (409, both kept)
  * ``seq > high_water + 1``                  -> ``Gap`` (answer the mark)
  * after a ``Fork`` of the same node in the same batch -> ``BehindFork``:
    such an event continues the sender's diverged history, so appending it to
    the hub's history would splice two histories together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sync.push import OutgoingEvent


class HubView(Protocol):
    """What the hub holds of each node's log."""

    def high_water(self, node: str) -> int:
        """The highest contiguous seq held for ``node`` (0 when none)."""
        ...

    def digest_at(self, node: str, seq: int) -> str | None:
        """The digest held for (node, seq), or None."""
        ...


@dataclass(frozen=True)
class Accept:
    seq: int


@dataclass(frozen=True)
class Duplicate:
    """Already held with the same digest: answer the receipt stored for this seq again."""

    receipt_seq: int


@dataclass(frozen=True)
class Fork:
    """Already held with another digest: 409, and both events are kept as evidence."""

    seq: int
    existing_digest: str
    new_digest: str


@dataclass(frozen=True)
class Gap:
    """The hub is missing events before this one: answer the high-water mark."""

    seq: int
    high_water: int


@dataclass(frozen=True)
class BehindFork:
    """Not taken: it follows ``fork_seq``, which forked, in the same batch."""

    seq: int
    fork_seq: int


@dataclass(frozen=True)
class BrokenLink:
    """Next in seq, but its ``prev`` names another event at ``seq - 1`` than the one held
    (``head_digest``): the sender's history forked at ``seq - 1``.  Refused like a
    ``Fork``; the envelope is kept as evidence."""

    seq: int
    head_digest: str
    prev: str


Decision = Accept | Duplicate | Fork | Gap | BehindFork | BrokenLink


def decide(view: HubView, event: OutgoingEvent) -> Decision:
    """The decision for one event on its own."""
    existing = view.digest_at(event.node, event.seq)
    if existing is not None:
        if existing == event.digest:
            return Duplicate(event.seq)
        return Fork(event.seq, existing, event.digest)
    high_water = view.high_water(event.node)
    if event.seq == high_water + 1:
        if event.prev is not None and high_water > 0:
            head = view.digest_at(event.node, high_water)
            if head is not None and head != event.prev:
                return BrokenLink(event.seq, head, event.prev)
        return Accept(event.seq)
    return Gap(event.seq, high_water)


class _BatchView:
    """The hub's view plus what this batch has accepted so far."""

    def __init__(self, view: HubView) -> None:
        self._view = view
        self._accepted: dict[tuple[str, int], str] = {}
        self._high: dict[str, int] = {}

    def high_water(self, node: str) -> int:
        if node in self._high:  # not dict.get's default: that would ask the view every time
            return self._high[node]
        return self._view.high_water(node)

    def digest_at(self, node: str, seq: int) -> str | None:
        held = self._accepted.get((node, seq))
        return held if held is not None else self._view.digest_at(node, seq)

    def accept(self, event: OutgoingEvent) -> None:
        self._accepted[(event.node, event.seq)] = event.digest
        self._high[event.node] = event.seq


def batch_order(events: Iterable[OutgoingEvent]) -> list[OutgoingEvent]:
    """The distinct events of a batch in (node, seq) order, as ``decide_batch`` decides them.

    ``zip(batch_order(events), decide_batch(view, events))`` pairs each
    decision with its event.  An exact repeat (same node, seq and digest)
    appears once; the sort is stable, so two versions of one seq keep their
    arrival order.
    """
    seen: set[tuple[str, int, str]] = set()
    distinct = []
    for event in events:
        key = (event.node, event.seq, event.digest)
        if key not in seen:
            seen.add(key)
            distinct.append(event)
    return sorted(distinct, key=lambda e: (e.node, e.seq))


def decide_batch(view: HubView, events: Iterable[OutgoingEvent]) -> list[Decision]:
    """Decisions for a batch, one per event of ``batch_order(events)``.

    The batch is sorted first, so events that arrived out of order are
    accepted in order; an exact repeat within the batch collapses into one
    decision; later events see the ones accepted before them.  Two different
    digests for one seq in the same batch: the first that arrived is decided
    as usual, the other is a ``Fork`` against it.  An event whose ``prev`` is not
    the digest before it (held, or accepted earlier in the batch) is a ``BrokenLink``.
    """
    batch = _BatchView(view)
    forked: dict[str, int] = {}
    decisions: list[Decision] = []
    for event in batch_order(events):
        if event.node in forked:
            decisions.append(BehindFork(event.seq, forked[event.node]))
            continue
        decision = decide(batch, event)
        if isinstance(decision, Accept):
            batch.accept(event)
        elif isinstance(decision, Fork | BrokenLink):
            forked[event.node] = event.seq
        decisions.append(decision)
    return decisions
