"""The verify pool cuts the interpreter's switch interval only while chunks are on it.

A pool thread needs the GIL back after every verify, and asks for it only after
the switch interval; with the default 5 ms it would wait that long while the
caller parses in Python.  The interval is cut while any chunk is on the pool and
put back after the last; an interval already shorter is left as it is.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sync import verify_pool


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Every verify on the pool waits for the event (set it to let them finish)."""
    release = threading.Event()

    def waiting(envelope: Any, key: Any) -> verify_pool.Outcome:
        release.wait(10)
        return None

    monkeypatch.setattr(verify_pool, "_outcome", waiting)
    monkeypatch.setattr(verify_pool, "threads", lambda: 2)
    before = sys.getswitchinterval()
    yield release
    release.set()
    sys.setswitchinterval(before)


def test_the_interval_is_short_while_chunks_are_on_the_pool(held: threading.Event) -> None:
    sys.setswitchinterval(0.005)
    first = verify_pool.start([(None, None)] * 3)  # type: ignore[list-item]
    second = verify_pool.start([(None, None)])  # type: ignore[list-item]
    assert sys.getswitchinterval() == pytest.approx(verify_pool.SWITCH_INTERVAL)
    held.set()
    assert first.outcomes() == [None] * 3 and second.outcomes() == [None]
    for _ in range(100):  # the pool thread counts the chunk off just after its result
        if sys.getswitchinterval() == pytest.approx(0.005):
            break
        threading.Event().wait(0.01)
    assert sys.getswitchinterval() == pytest.approx(0.005)
    assert verify_pool._on_pool == 0


def test_a_shorter_interval_is_left_alone(held: threading.Event) -> None:
    sys.setswitchinterval(0.0001)
    pending = verify_pool.start([(None, None)])  # type: ignore[list-item]
    assert sys.getswitchinterval() == pytest.approx(0.0001)
    held.set()
    assert pending.outcomes() == [None]
    assert sys.getswitchinterval() == pytest.approx(0.0001)


def test_verify_all_counts_its_chunks_off(held: threading.Event) -> None:
    sys.setswitchinterval(0.005)
    held.set()
    assert verify_pool.verify_all([(None, None)] * 200) == [None] * 200  # type: ignore[list-item]
    for _ in range(100):
        if verify_pool._on_pool == 0:
            break
        threading.Event().wait(0.01)
    assert verify_pool._on_pool == 0 and sys.getswitchinterval() == pytest.approx(0.005)
