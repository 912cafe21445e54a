"""A township hub served by two worker processes on one PostgreSQL database.

Real processes (``station hub serve --workers 2``: a gunicorn master and its two
workers behind one address), real PostgreSQL, real HTTP on loopback.  The village and
the reviewers sync through them; concurrent claims of one case from two reviewers
land on both processes and exactly one wins; the holdings compare equal; the worker
holding the forwarding lock is killed (SIGKILL) and another takes the lock, after
which what arrives still reaches the county.  And with SQLite, several workers are
refused before anything is stored."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest
from cli import snapshot, station
from network import assert_same_holdings, postgres_databases, return_and_compare
from prometheus_client.parser import text_string_to_metric_families

from station import node_keys
from station.casework import review_queue
from station.demo import demo_network
from station.demo.demo_network import REVIEWERS, DemoNetwork
from station.errors import HubWorkersUnavailable
from station.hubops import hub_runner
from station.network import link
from sync.errors import SyncError
from sync.hub import workers
from sync.hub.identity import open_database
from sync.hub.leader import HOLDER, ForwardingLeader
from sync.hub.models import HubPeer
from sync.hub.service import HubService
from sync.hub.workers import ProxiedAddress
from sync.problems import NodeRevoked

CLAIMS = 24  # claim requests, from two reviewers at once


def _holder(url: str) -> dict[str, Any] | None:
    """The forwarding lock's holder as the workers recorded it in the hub database."""
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT value FROM hub_state WHERE key = %s", (HOLDER,))
        row = cursor.fetchone()
    conn.close()
    return json.loads(row[0]) if row else None


def _parent_of(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _scrape(address: str) -> dict[str, dict[str, float]]:
    """One /metrics answer on a fresh connection (whichever worker takes it): the
    answering worker's pid and its per-route request counters."""
    parts = urlsplit(address)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        body = conn.getresponse().read().decode()
    finally:
        conn.close()
    out: dict[str, dict[str, float]] = {"held": {}, "claims": {}}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "bianmin_hub_forwarding_lock_held":
                out["held"][sample.labels["pid"]] = sample.value
            if sample.name == "bianmin_hub_requests_total" \
                    and sample.labels.get("route") == "/v1/claims":
                out["claims"][sample.labels["status"]] = \
                    out["claims"].get(sample.labels["status"], 0) + sample.value
    return out


def _both_answered(address: str, seen: dict[str, float]) -> bool:
    """Scrape once more; ``seen``: claims answered by each worker pid scraped so far."""
    scraped = _scrape(address)
    for pid in scraped["held"]:
        seen[pid] = sum(scraped["claims"].values())
    return len(seen) >= 2


def _race_claims(net: DemoNetwork, case_no: str) -> tuple[list[str], list[str]]:
    """CLAIMS claim requests for ``case_no`` at once, half from each of two reviewers
    of the same office, each on its own connection; the winners and the refused."""
    clients = []
    for name in (REVIEWERS[0][0], REVIEWERS[1][0]):
        with net.open(net.township, name) as desk:
            for _ in range(CLAIMS // 2):
                client = link.client_for(desk)
                link.connect(desk, client)
                clients.append((client, name))
    won: list[str] = []
    refused: list[str] = []
    start = threading.Barrier(len(clients))

    def claim(client: Any, name: str) -> None:
        start.wait()
        try:
            client.claim(case_no, name)
            won.append(name)
        except SyncError as error:
            refused.append(type(error).__name__)

    threads = [threading.Thread(target=claim, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won, refused


def test_two_workers_serve_a_township_and_forwarding_moves_when_its_holder_dies(
        net: DemoNetwork) -> None:
    with postgres_databases("county", "township") as (county_db, township_db):
        net.county_db, net.township_db = county_db, township_db
        county = demo_network.start_hub(net, net.county, db=county_db)
        township = demo_network.start_hub(net, net.township, upstream=county, db=township_db,
                                          options=("--workers", "2"))
        master = net.township.process
        assert master is not None
        net.reviewer.address = township
        with net.open(net.village) as village:
            link.set_hub(village, township)
        for name, _display, _office in REVIEWERS:
            with net.open(net.township, name) as desk:
                link.set_hub(desk, township)
        with net.open(net.county) as admin:
            link.set_hub(admin, county)

        # The village files and syncs through the two workers; it reaches the county.
        with net.open(net.village) as village:
            filed = [r.case_no for r in demo_network.file_samples(net, village, 2)]
            report = link.sync_once(village)
            assert report.pending == 0
            head = link.acked_seq()
        demo_network.wait_for_county(net, {net.village.code: head})

        # Two reviewers of one office claim one case at once: exactly one wins.
        with net.open(net.reviewer) as desk:
            link.sync_once(desk)
            assert set(filed) <= {c["case_no"] for c in review_queue.queue(desk)}
        won, refused = _race_claims(net, filed[1])
        assert len(won) == 1, (won, refused)
        assert refused == ["AlreadyClaimed"] * (CLAIMS - 1)

        # Both worker processes answered claims (each counts its own); should the kernel
        # have handed every connection to one worker, race again (every later claim of
        # the case is refused too) until both have.
        rounds = 1
        while True:
            seen: dict[str, float] = {}
            demo_network.wait_until(lambda seen=seen: _both_answered(township, seen), 60,
                                    "a /metrics answer from each worker")
            assert sum(seen.values()) == CLAIMS * rounds, seen
            if all(count > 0 for count in seen.values()) or rounds == 10:
                break
            again, refused = _race_claims(net, filed[1])
            assert again == [] and refused == ["AlreadyClaimed"] * CLAIMS
            rounds += 1
        assert all(count > 0 for count in seen.values()), seen

        # The rest of the round trip, then the holdings compare equal.
        return_and_compare(net, filed[0])

        # Exactly one worker holds the forwarding lock; kill it outright.
        holder = demo_network.wait_until(lambda: _holder(township_db), 60, "a lock holder")
        victim = int(holder["pid"])
        assert _parent_of(victim) == master.pid and _alive(victim)
        os.kill(victim, signal.SIGKILL)
        demo_network.wait_until(lambda: not _alive(victim), 60, "the holder's end")

        def taken_over() -> dict[str, Any] | None:
            now = _holder(township_db)
            return now if now and now["pid"] != victim else None
        successor = demo_network.wait_until(taken_over, 90, "another worker taking the lock")
        assert _parent_of(int(successor["pid"])) == master.pid

        # What arrives afterwards still reaches the county.
        with net.open(net.village) as village:
            more = [r.case_no for r in demo_network.file_samples(net, village, 1)]
            report = link.sync_once(village)
            assert report.pending == 0
            head = link.acked_seq()
        demo_network.wait_for_county(net, {net.village.code: head})
        assert more
        assert_same_holdings(net)

        # SIGTERM to the master stops every worker.
        children = [int(p) for p in
                    Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()]
        master.send_signal(signal.SIGTERM)
        assert master.wait(60) == 0
        assert not any(_alive(pid) for pid in children)
        net.stop()


def test_several_workers_on_sqlite_are_refused_and_nothing_changes(
        net: DemoNetwork) -> None:
    before = snapshot(net.township.data)
    result = station("hub", "serve", "--data", net.township.data, "--user", "admin",
                     "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:9",
                     "--workers", "2", env={"STATION_PASSPHRASE": net.passphrase})
    assert result.code == 2, result
    assert "多个工作进程（--workers 2）须共用一个 PostgreSQL 数据库" in result.err
    assert "--db postgresql://" in result.err
    assert not (net.township.data / hub_runner.DB_NAME).exists()
    assert snapshot(net.township.data) == before


class _FakeForwarder:
    """Stands for the Forwarder: says while it runs."""

    def __init__(self, name: str, running: set[str]) -> None:
        self.name, self.running = name, running
        self.stop, self.wake = threading.Event(), threading.Event()

    def run(self) -> None:
        self.running.add(self.name)
        self.stop.wait()
        self.running.discard(self.name)


def test_the_forwarding_lock_is_held_by_one_leader_and_passes_on(tmp_path: Path) -> None:
    """Two leaders on one PostgreSQL database: one forwards; when it stops (its session
    ends), the other takes the lock and forwards."""
    with postgres_databases("leader") as (url,):
        db = open_database(url, tmp_path / "unused.db")
        running: set[str] = set()
        leaders = {name: ForwardingLeader(db, lambda n=name: _FakeForwarder(n, running),
                                          retry=0.2) for name in ("a", "b")}
        threads = {name: threading.Thread(target=leader.run, daemon=True)
                   for name, leader in leaders.items()}
        for thread in threads.values():
            thread.start()
        first = demo_network.wait_until(lambda: set(running), 30, "a leader forwarding")
        assert len(first) == 1
        holder = next(iter(first))
        other = "b" if holder == "a" else "a"
        leaders[holder].stop.set()
        threads[holder].join()
        demo_network.wait_until(lambda: running == {other}, 30, "the other leader forwarding")
        leaders[other].stop.set()
        threads[other].join()
        assert running == set()
        db.close()


def test_a_worker_reads_again_what_another_worker_changed(net: DemoNetwork,
                                                           tmp_path: Path) -> None:
    """Two HubServices on one database stand for two worker processes: a revocation list
    one of them installs reaches the other's memory at its next ``refresh_shared``."""
    with postgres_databases("shared") as (url,):
        with net.open(net.township) as township:
            first, second = (hub_runner.identity_of(township, None) for _ in range(2))
        with net.open(net.village):
            chain = node_keys.certificate(node_keys.SIGNING)
        assert chain
        db = open_database(url, tmp_path / "unused.db")
        with db.connection_context():
            one, other = HubService(first, db), HubService(second, db)
            village_code = one.register_chain(chain)
            other.public_key(village_code)  # known, and kept in memory
            serial = json.loads(HubPeer.get(HubPeer.node == village_code).serials)[0]
            issued = station("revocations", "issue", "--serial", str(serial), "--out",
                             tmp_path / "revoked.bin", "--data", net.county.data,
                             "--user", "admin", env={"STATION_PASSPHRASE": net.passphrase})
            assert issued.code == 0, issued.err
            one.install_revocations((tmp_path / "revoked.bin").read_bytes())
            with pytest.raises(NodeRevoked):
                one.public_key(village_code)
            other.public_key(village_code)  # not yet read again
            other.refresh_shared()
            with pytest.raises(NodeRevoked):
                other.public_key(village_code)
        db.close()


def test_proxied_address_as_waitress_does_it() -> None:
    """--trusted-proxy under several workers: the last X-Forwarded-For address from the
    trusted proxy, the header dropped from anyone else; the request target kept."""
    seen: list[dict[str, Any]] = []
    app = ProxiedAddress(lambda environ, start: seen.append(dict(environ)) or [],
                         "10.0.0.5")
    app({"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.1.1.1",
         "RAW_URI": "/v1/x%2Cy"}, None)
    app({"REMOTE_ADDR": "10.0.0.6", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, None)
    assert seen[0]["REMOTE_ADDR"] == "10.1.1.1" and seen[0]["REQUEST_URI"] == "/v1/x%2Cy"
    assert seen[1]["REMOTE_ADDR"] == "10.0.0.6" and "HTTP_X_FORWARDED_FOR" not in seen[1]


def test_several_workers_where_gunicorn_cannot_run_are_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "available", lambda: False)
    hub_runner.check_workers(1, None)  # one process: waitress, as before
    with pytest.raises(HubWorkersUnavailable) as raised:
        hub_runner.check_workers(2, "postgresql://postgres@127.0.0.1/x")
    assert "需要 Linux 和 gunicorn" in str(raised.value)
