"""Two writers on one station store (a desk's GUI and its background sync, or two
``station`` processes at one township PC).

SQLite refuses a write at once, without waiting for its busy timeout, when the
connection still has a SELECT stepping and another connection wrote since that
SELECT began ("database is locked").  Publishing and applying pulled events read
their rows in full before writing, and re-check inside the write transaction, so a
second writer in the middle neither fails the round nor forks the hash chain.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import pytest

from station.app import Station
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.network import link, publish
from station.store.models import Event, SyncEnvelope
from sync.envelope import ZERO_HASH, parse_envelope


def ready_to_publish(net: DemoNetwork, station: Station, cases: int = 3) -> int:
    """File ``cases`` cases and learn the hubs' keys; nothing published yet."""
    demo_network.file_samples(net, station, cases)
    link.exchange_trust(station, link.client_for(station))
    assert not SyncEnvelope.select().exists()
    unpublished = Event.select().count()
    assert unpublished >= cases
    return unpublished


def during_first_seal(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run ``action`` once, while publish_pending is between its SELECT and first write."""
    real = publish.seal
    fired = threading.Event()

    def seal(*args: Any, **kwargs: Any) -> Any:
        if not fired.is_set():
            fired.set()
            action()
        return real(*args, **kwargs)

    monkeypatch.setattr(publish, "seal", seal)


def assert_one_chain() -> None:
    """Every event published exactly once, each envelope linked to the one before."""
    rows = list(SyncEnvelope.select().order_by(SyncEnvelope.seq))
    events = [e.seq for e in Event.select(Event.seq).order_by(Event.seq)]
    assert [r.seq for r in rows] == events
    prev = ZERO_HASH
    for row in rows:
        header = parse_envelope(bytes(row.envelope)).header
        assert header.seq == row.seq
        assert header.prev == prev, f"the chain forks at seq {row.seq}"
        prev = row.digest


def test_publishing_goes_on_when_another_process_writes_meanwhile(
        net: DemoNetwork, monkeypatch: pytest.MonkeyPatch) -> None:
    demo_network.start_hubs(net)
    with net.open(net.village) as village:
        unpublished = ready_to_publish(net, village)

        def other_writer() -> None:  # a second connection, as another process has
            other = sqlite3.connect(village.db.database, timeout=30, isolation_level=None)
            try:
                other.execute("INSERT INTO setting (key, value) VALUES ('test.other', '1')")
            finally:
                other.close()

        during_first_seal(monkeypatch, other_writer)
        assert publish.publish_pending(village) == unpublished
        assert_one_chain()


def test_two_publishers_on_one_store_write_one_chain(
        net: DemoNetwork, monkeypatch: pytest.MonkeyPatch) -> None:
    demo_network.start_hubs(net)
    with net.open(net.village) as village:
        unpublished = ready_to_publish(net, village)
        counts: list[int] = []
        errors: list[BaseException] = []

        def rival() -> None:  # another thread has its own connection to the store
            try:
                counts.append(publish.publish_pending(village))
            except BaseException as error:  # reported below, on the test thread
                errors.append(error)
            finally:
                village.db.close()

        def run_rival() -> None:
            thread = threading.Thread(target=rival)
            thread.start()
            thread.join(timeout=120)

        during_first_seal(monkeypatch, run_rival)
        first = publish.publish_pending(village)
        assert not errors, errors
        assert counts == [unpublished], "the rival published everything"
        assert first == 0, "the first publisher saw the rival's envelopes and stopped"
        assert_one_chain()
        assert publish.publish_pending(village) == 0
