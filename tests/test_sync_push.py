"""The sender's push planner: exact batches for each outbox and each hub answer."""

from __future__ import annotations

import hashlib

import pytest

from sync.errors import OutboxGap, ReceiptGoesBack, ReceiptMismatch, ReceiptUnknownHead
from sync.push import (
    Batch,
    OutgoingEvent,
    PushState,
    Receipt,
    apply_high_water,
    apply_receipt,
    apply_uploaded,
    plan_batch,
)

NODE = "450981104201"


def event(seq: int, *materials: str, size: int = 100, node: str = NODE) -> OutgoingEvent:
    digest = hashlib.sha256(f"{node}/{seq}".encode()).hexdigest()
    return OutgoingEvent(node, seq, digest, materials, size)


def receipt(ev: OutgoingEvent, digest: str | None = None) -> Receipt:
    return Receipt(ev.node, ev.seq, digest or ev.digest, hub_index=77, signature=b"sig")


OUTBOX = [event(1), event(2, "m-a"), event(3), event(4, "m-b", "m-a"), event(5)]


def test_nothing_to_send() -> None:
    assert plan_batch([], PushState()) == Batch((), (), ())
    assert plan_batch(OUTBOX[:1], PushState(acked_seq=1)) == Batch((), (), ())


def test_materials_first_hold_back_the_citing_event_and_everything_after_it() -> None:
    assert plan_batch(OUTBOX, PushState()) == Batch(("m-a",), (OUTBOX[0],), (2, 3, 4, 5))
    state = apply_uploaded(PushState(), "m-a")
    assert state == PushState(0, frozenset({"m-a"}))
    assert plan_batch(OUTBOX, state) == Batch(("m-b",), tuple(OUTBOX[:3]), (4, 5))
    state = apply_uploaded(state, "m-b")
    assert plan_batch(OUTBOX, state) == Batch((), tuple(OUTBOX), ())


def test_missing_materials_are_listed_once_in_citation_order() -> None:
    outbox = [event(1, "m-c", "m-a", "m-c", "m-b")]
    assert plan_batch(outbox, PushState(uploaded=frozenset({"m-a"}))) == \
        Batch(("m-c", "m-b"), (), (1,))


def test_events_after_the_cursor_in_seq_order_whatever_the_outbox_order() -> None:
    shuffled = [OUTBOX[4], OUTBOX[2], OUTBOX[0], OUTBOX[3], OUTBOX[1]]
    state = PushState(acked_seq=2, uploaded=frozenset({"m-a", "m-b"}))
    assert plan_batch(shuffled, state) == Batch((), (OUTBOX[2], OUTBOX[3], OUTBOX[4]), ())


def test_limits() -> None:
    outbox = [event(seq, size=400) for seq in range(1, 8)]
    assert plan_batch(outbox, PushState(), max_events=3).events == tuple(outbox[:3])
    assert plan_batch(outbox, PushState(), max_bytes=1000).events == tuple(outbox[:2])
    assert plan_batch(outbox, PushState(), max_bytes=800).events == tuple(outbox[:2])
    # an event bigger than the limit travels alone rather than never
    big = [event(1, size=5000), event(2)]
    assert plan_batch(big, PushState(), max_bytes=1000) == Batch((), (big[0],), ())
    # a limit reached before the blocked event: nothing is held back yet
    blocked = [event(1), event(2), event(3, "m-x")]
    assert plan_batch(blocked, PushState(), max_events=2) == Batch((), tuple(blocked[:2]), ())


def test_a_hole_in_the_outbox_stops_the_push() -> None:
    with pytest.raises(OutboxGap) as caught:
        plan_batch([event(1), event(3)], PushState())
    assert caught.value.params == {"node": NODE, "expected": 2, "found": 3}
    assert "第 2 条" in str(caught.value)


def test_receipt_moves_the_cursor_and_the_next_batch() -> None:
    state = PushState(uploaded=frozenset({"m-a", "m-b"}))
    state = apply_receipt(state, receipt(OUTBOX[2]), OUTBOX)
    assert state.acked_seq == 3
    assert plan_batch(OUTBOX, state).events == (OUTBOX[3], OUTBOX[4])
    assert apply_receipt(state, receipt(OUTBOX[2]), OUTBOX) == state  # the same receipt again


def test_receipt_going_back_changes_nothing() -> None:
    state = PushState(acked_seq=4)
    with pytest.raises(ReceiptGoesBack) as caught:
        apply_receipt(state, receipt(OUTBOX[1]), OUTBOX)
    assert isinstance(caught.value, ReceiptMismatch)
    assert caught.value.params == {"node": NODE, "seq": 2, "acked": 4}
    assert state == PushState(acked_seq=4)


@pytest.mark.parametrize("bad", [
    Receipt(NODE, 3, "0" * 64, 1, b""),        # a digest we never made
    Receipt(NODE, 9, OUTBOX[2].digest, 1, b""),  # a seq we never made
    Receipt("other", 3, OUTBOX[2].digest, 1, b""),  # not our node
])
def test_receipt_naming_an_unknown_head_is_refused(bad: Receipt) -> None:
    with pytest.raises(ReceiptUnknownHead) as caught:
        apply_receipt(PushState(acked_seq=1), bad, OUTBOX)
    assert isinstance(caught.value, ReceiptMismatch)
    assert caught.value.params["seq"] == bad.up_to_seq


def test_hub_restored_from_backup_gets_events_again() -> None:
    state = PushState(acked_seq=5, uploaded=frozenset({"m-a", "m-b"}))
    state = apply_high_water(state, 2)
    assert state.acked_seq == 2
    assert plan_batch(OUTBOX, state) == Batch((), tuple(OUTBOX[2:]), ())
    # a fresh receipt brings it forward again
    assert apply_receipt(state, receipt(OUTBOX[4]), OUTBOX).acked_seq == 5


def test_high_water_never_moves_the_cursor_forward() -> None:
    state = PushState(acked_seq=2)
    assert apply_high_water(state, 2) is state
    assert apply_high_water(state, 4) is state
    assert apply_high_water(state, -1) == PushState(acked_seq=0)
