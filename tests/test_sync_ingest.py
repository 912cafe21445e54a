"""The hub's decisions for pushed events: exact answers, whatever the arrival order."""

from __future__ import annotations

from dataclasses import dataclass, field

from sync.ingest import (
    Accept,
    BehindFork,
    BrokenLink,
    Duplicate,
    Fork,
    Gap,
    batch_order,
    decide,
    decide_batch,
)
from sync.push import OutgoingEvent

A, B = "450981104201", "450981104202"


def event(seq: int, version: str = "", node: str = A) -> OutgoingEvent:
    return OutgoingEvent(node, seq, f"{node}-{seq}{version}", (), 10)


@dataclass
class Log:
    """A hub's committed log, as a HubView."""

    held: dict[tuple[str, int], str] = field(default_factory=dict)

    def high_water(self, node: str) -> int:
        seq = 0
        while (node, seq + 1) in self.held:
            seq += 1
        return seq

    def digest_at(self, node: str, seq: int) -> str | None:
        return self.held.get((node, seq))

    def commit(self, events: list[OutgoingEvent]) -> None:
        """What the hub shell does with a batch: keep what was accepted."""
        for ev, decision in zip(batch_order(events), decide_batch(self, events), strict=True):
            if isinstance(decision, Accept):
                self.held[(ev.node, ev.seq)] = ev.digest


def holding(*events: OutgoingEvent) -> Log:
    return Log({(e.node, e.seq): e.digest for e in events})


def test_single_decisions() -> None:
    log = holding(event(1), event(2))
    assert decide(log, event(3)) == Accept(3)
    assert decide(log, event(2)) == Duplicate(2)
    assert decide(log, event(2, "x")) == Fork(2, f"{A}-2", f"{A}-2x")
    assert decide(log, event(5)) == Gap(5, 2)
    assert decide(log, event(1, node=B)) == Accept(1)


def test_batch_in_order_sees_earlier_accepts() -> None:
    assert decide_batch(Log(), [event(1), event(2), event(3)]) == [Accept(1), Accept(2), Accept(3)]


def test_same_batch_delivered_twice_is_idempotent() -> None:
    log = Log()
    batch = [event(1), event(2), event(3)]
    log.commit(batch)
    assert log.high_water(A) == 3
    assert decide_batch(log, batch) == [Duplicate(1), Duplicate(2), Duplicate(3)]


def test_batch_out_of_order_is_sorted_first() -> None:
    log = holding(event(1))
    assert decide_batch(log, [event(4), event(2), event(3)]) == [Accept(2), Accept(3), Accept(4)]


def test_repeats_within_a_batch_collapse() -> None:
    assert decide_batch(Log(), [event(2), event(1), event(2), event(1)]) == [Accept(1), Accept(2)]


def test_gap_in_the_middle_answers_the_mark_for_everything_after_it() -> None:
    log = holding(event(1))
    assert decide_batch(log, [event(2), event(3), event(5), event(6)]) == \
        [Accept(2), Accept(3), Gap(5, 3), Gap(6, 3)]


def test_fork_in_the_middle_keeps_what_follows_out() -> None:
    log = holding(event(1), event(2), event(3))
    assert decide_batch(log, [event(2), event(3, "x"), event(4), event(5)]) == \
        [Duplicate(2), Fork(3, f"{A}-3", f"{A}-3x"), BehindFork(4, 3), BehindFork(5, 3)]


def test_two_versions_of_one_seq_in_a_batch() -> None:
    assert decide_batch(Log(), [event(1, "y"), event(1, "x"), event(2)]) == \
        [Accept(1), Fork(1, f"{A}-1y", f"{A}-1x"), BehindFork(2, 1)]


def test_nodes_are_decided_apart() -> None:
    log = holding(event(1, node=B))
    batch = [event(2, node=B), event(2), event(1), event(3, "x", node=B), event(1, "x", node=B)]
    assert decide_batch(log, batch) == [
        Accept(1), Accept(2),                                    # node A
        Fork(1, f"{B}-1", f"{B}-1x"), BehindFork(2, 1), BehindFork(3, 1),  # node B
    ]


def test_batch_order_pairs_events_with_decisions() -> None:
    batch = [event(2, node=B), event(1), event(1), event(1, node=B)]
    assert batch_order(batch) == [event(1), event(1, node=B), event(2, node=B)]
    log = Log()
    log.commit(batch)
    assert (log.high_water(A), log.high_water(B)) == (1, 2)


def linked(seq: int, prev: str, version: str = "") -> OutgoingEvent:
    return OutgoingEvent(A, seq, f"{A}-{seq}{version}", (), 10, prev)


def test_next_event_must_name_the_held_head() -> None:
    log = Log({(A, 1): f"{A}-1"})
    assert decide(log, linked(2, f"{A}-1")) == Accept(2)
    assert decide(log, linked(2, "elsewhere")) == BrokenLink(2, f"{A}-1", "elsewhere")
    # within a batch the link is to the event accepted just before; after a break, nothing
    assert decide_batch(log, [linked(2, f"{A}-1"), linked(3, "elsewhere"),
                              linked(4, f"{A}-3")]) == [
        Accept(2), BrokenLink(3, f"{A}-2", "elsewhere"), BehindFork(4, 3)]
