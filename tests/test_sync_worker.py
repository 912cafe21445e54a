"""Background sync for the desktop (station/network/sync_worker.py): the backoff policy, its
persistence across a restart, 立即同步, and real rounds against a running township hub
and against a dead address."""

from __future__ import annotations

import queue
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from filing_samples import APPLICANT, ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED, scans
from network import copy_network

from station.app import Station
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.filing.new_case import file_case
from station.network import link
from station.network.sync_worker import (
    FAILED,
    IDLE,
    SYNCING,
    UNCONFIGURED,
    BackgroundSync,
    Backoff,
    HubAddressInvalid,
    SyncScheduler,
    SyncStatus,
    valid_hub_address,
)
from station.store.models import Event, Setting


def dead_address() -> str:
    """A loopback port nobody listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Draws:
    """The 'random' numbers a test chooses, in order (then the last one again)."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def __call__(self) -> float:
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


# -- the policy, pure ---------------------------------------------------------------

def test_backoff_grows_exponentially_with_full_jitter_up_to_the_cap() -> None:
    policy = Backoff()
    assert policy.delay(0, Draws(0.5)) == 60.0  # healthy: once a minute
    ceilings = [policy.ceiling(n) for n in range(1, 12)]
    assert ceilings[:5] == [5.0, 10.0, 20.0, 40.0, 80.0]
    assert ceilings[-1] == 900.0 and max(ceilings) == 900.0  # capped at 15 minutes
    assert policy.ceiling(10_000) == 900.0  # no overflow after days of failures
    for failures in range(1, 15):
        ceiling = policy.ceiling(failures)
        delays = [policy.delay(failures, Draws(r)) for r in (0.0, 0.1, 0.5, 0.9, 0.999)]
        assert all(1.0 <= d <= ceiling for d in delays), (failures, delays)
        assert delays[-1] > 0.99 * ceiling  # full jitter reaches the ceiling…
    assert policy.delay(6, Draws(0.0)) == 1.0  # …and never retries at once
    assert len({policy.delay(8, Draws(r)) for r in (0.2, 0.4, 0.6)}) == 3  # spread out


def test_hub_address_is_checked() -> None:
    assert valid_hub_address(" http://10.0.0.2:8470/ ") == "http://10.0.0.2:8470"
    for bad in ("10.0.0.2:8470", "ftp://hub", "", "http://"):
        with pytest.raises(HubAddressInvalid) as caught:
            valid_hub_address(bad)
        assert "http://" in str(caught.value)


# -- the schedule against a dead address (a real store, real connection refused) ----

@pytest.fixture
def village(station: Station, tmp_path: Path) -> Station:
    """A village with one case filed (待上报 counts cases and their steps) and a hub
    nobody answers at."""
    file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM,
              scans(tmp_path / "scans", ELDER_REQUIRED))
    link.set_hub(station, dead_address())
    return station


def test_failures_back_off_persist_and_are_honoured_after_a_restart(village: Station) -> None:
    clock = Clock()
    statuses: list[SyncStatus] = []
    first = SyncScheduler(village, clock=clock, rand=Draws(0.5), on_status=statuses.append)
    first.load()
    assert first.due()  # never synced: at once
    pending = link.pending_count()
    assert pending > 0
    for expected in (1, 2, 3):
        assert first.run_round() is None
        assert first.failures == expected
    assert first.next_attempt == clock.now + 0.5 * 20.0
    failed = statuses[-1]
    assert failed.state == FAILED and failed.failures == 3
    assert failed.error and "连不上枢纽站" in failed.error and "127.0.0.1" in failed.error
    assert [s.state for s in statuses[:2]] == [SYNCING, FAILED]
    assert link.pending_count() == pending  # nothing lost, nothing sent

    # "Restart": a new scheduler on the same store (a new app) keeps the backoff…
    clock.now += 4
    second = SyncScheduler(village, clock=clock, rand=Draws(0.5))
    second.load()
    assert second.failures == 3 and second.state == FAILED
    assert second.due_in() == pytest.approx(6.0)  # …does not hammer the dead hub…
    assert second.status().error == failed.error
    clock.now += 6
    assert second.due()  # …and does not wait longer than it had promised.
    second.run_round()
    assert second.failures == 4


def test_a_restart_never_waits_longer_than_the_policy_allows(village: Station) -> None:
    clock = Clock()
    scheduler = SyncScheduler(village, clock=clock, rand=Draws(0.999))
    scheduler.run_round()
    scheduler.run_round()  # 2 failures: at most 10 s
    clock.now -= 86_400  # the PC's clock went back a day
    again = SyncScheduler(village, clock=clock)
    again.load()
    assert 0 < again.due_in() <= again.backoff.ceiling(2)


def test_sync_now_resets_the_backoff(village: Station) -> None:
    clock = Clock()
    scheduler = SyncScheduler(village, clock=clock, rand=Draws(0.999))
    for _ in range(9):
        scheduler.run_round()
    assert scheduler.due_in() > 500  # about 10 minutes away
    scheduler.reset()
    assert scheduler.due() and scheduler.failures == 0
    reloaded = SyncScheduler(village, clock=clock)
    reloaded.load()
    assert reloaded.due() and reloaded.failures == 0


def test_without_a_hub_address_it_waits_quietly(station: Station) -> None:
    scheduler = SyncScheduler(station, clock=Clock())
    assert scheduler.run_round() is None
    assert scheduler.state == UNCONFIGURED and scheduler.failures == 0
    assert scheduler.status().hub is None


def test_the_background_thread_reports_failure_and_keeps_everything(village: Station) -> None:
    before = [(e.seq, e.type) for e in Event.select().order_by(Event.seq)]
    reports: queue.SimpleQueue[SyncStatus] = queue.SimpleQueue()
    worker = BackgroundSync(SyncScheduler(village, on_status=reports.put)).start()
    try:
        failed = wait_for(reports, lambda s: s.state == FAILED)
    finally:
        worker.stop()
    assert not worker.running
    assert failed.failures == 1
    assert failed.pending == len([t for _, t in before if t.startswith("case.")]) > 0
    assert "连不上枢纽站" in (failed.error or "") and "网络恢复后会自动续传" in (failed.error or "")
    assert [(e.seq, e.type) for e in Event.select().order_by(Event.seq)] == before
    stored = {s.key: s.value for s in Setting.select().where(Setting.key.startswith("sync."))}
    assert int(stored["sync.failures"]) == worker.scheduler.failures >= 1
    assert float(stored["sync.next_attempt"]) > 0


def wait_for(reports: queue.SimpleQueue[SyncStatus], check: Callable[[SyncStatus], bool],
             timeout: float = 120.0) -> SyncStatus:
    while True:
        try:
            status = reports.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no such sync status reported in the time allowed") from None
        if check(status):
            return status


# -- against a running township hub ---------------------------------------------------------

@pytest.fixture
def net(network_template: Path, tmp_path: Path) -> Iterator[DemoNetwork]:
    running = copy_network(network_template, tmp_path / "net")
    try:
        demo_network.start_hubs(running)
        yield running
    finally:
        running.stop()


def test_a_background_round_sends_everything_to_the_township_hub(net: DemoNetwork) -> None:
    with net.open(net.village) as village:
        filed = demo_network.file_samples(net, village)
        assert link.pending_count() > 0
        reports: queue.SimpleQueue[SyncStatus] = queue.SimpleQueue()
        uploads: list[tuple[int, int]] = []
        worker = BackgroundSync(SyncScheduler(village, on_status=reports.put,
                                              on_progress=lambda d, t: uploads.append((d, t))))
        worker.start()
        try:
            done = wait_for(reports, lambda s: s.state == IDLE and s.last_success is not None)
        finally:
            worker.stop()
        assert done.pending == 0 and done.failures == 0 and done.error is None
        assert link.pending_count() == 0  # seen from this thread's own connection
        assert uploads and all(0 < d <= t for d, t in uploads)
        assert uploads[-1][0] == uploads[-1][1]  # the bar ends full
        assert done.upload_total == uploads[-1][1]
        head = link.acked_seq()
        client = link.client_for(village)
        link.connect(village, client)
        assert int(client.node_head(village.node.code)["high_water"]) == head
    assert len(filed) == 2


def test_a_dead_hub_then_the_right_one_nothing_lost(net: DemoNetwork) -> None:
    township = net.township.address
    assert township
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 1)
        link.set_hub(village, dead_address())
        clock = Clock(time.time())
        scheduler = SyncScheduler(village, clock=clock, rand=Draws(0.999))
        for _ in range(5):
            scheduler.run_round()
        pending = link.pending_count()
        assert scheduler.state == FAILED and scheduler.failures == 5 and pending > 0
        assert scheduler.due_in() > 60
        link.set_hub(village, township)
        scheduler.reset()  # 立即同步
        report = scheduler.run_round()
        assert report is not None and report.pending == 0
        assert scheduler.state == IDLE and scheduler.failures == 0 and scheduler.error is None
        assert scheduler.due_in() == pytest.approx(60.0)  # healthy again: once a minute
        assert report.pushed >= pending  # everything that waited went up


def test_a_round_never_runs_concurrently_and_stops_when_asked(net: DemoNetwork) -> None:
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 1)
        inner: list[object] = []
        scheduler: SyncScheduler

        def progress(done: int, total: int) -> None:
            if not inner:
                inner.append(scheduler.run_round())  # a second round while one runs
                scheduler.stop()  # the app is closing

        scheduler = SyncScheduler(village, on_progress=progress)
        assert scheduler.run_round() is None  # gave up at its next progress report
        assert inner == [None]  # the second round did not start
        assert scheduler.failures == 0 and scheduler.state == IDLE  # stopping is no failure
        again = SyncScheduler(village)
        report = again.run_round()  # the next start resumes and finishes
        assert report is not None and report.pending == 0
