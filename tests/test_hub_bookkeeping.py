"""A signed request's bookkeeping (its nonce, its sync-log row, last_seen) shares the
request's one transaction (sync/hub/ledger.py), and the replay guarantee is still the
database's: of two copies of one signed request sent at once, exactly one is answered.

Real hubs: ``HubService`` behind the product's waitress settings on loopback, on SQLite
and on PostgreSQL; villages certified by bench/sync_common.py."""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests
from network import postgres_databases
from peewee import Database

from station.demo.demo_network import wait_until
from sync import httpsig
from sync.client import HubClient
from sync.errors import RequestReplayed
from sync.hub.identity import is_postgres, open_database
from sync.hub.ledger import Ledger
from sync.hub.models import HubNonce, HubPeer, HubPeerKey, HubSession
from sync.hub.serve import bind
from sync.hub.service import HubService
from sync.problems import PROBLEM_BASE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import sync_common as common  # bench/ is not a package: on the path above

BACKENDS = ("sqlite", "postgresql")


@dataclass
class Hub:
    service: HubService
    db: Database
    address: str
    url: str | None  # PostgreSQL's, or None (SQLite at ``path``)
    path: Path
    net: common.Network


@pytest.fixture(scope="module")
def network() -> common.Network:
    return common.make_network(2)


@pytest.fixture(scope="module", params=BACKENDS)
def hub(request: pytest.FixtureRequest, network: common.Network,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    path = tmp_path_factory.mktemp("bookkeeping") / "hub.db"
    if request.param == "postgresql":
        with postgres_databases("bookkeeping") as urls:
            yield from _serve(network, urls[0], path)
    else:
        yield from _serve(network, None, path)


def _serve(net: common.Network, url: str | None, path: Path) -> Iterator[Hub]:
    db = open_database(url, path)
    with db.connection_context():
        service = HubService(net.identity(), db)
        for village in net.villages:
            service.register_chain(village.chain_pem)
    server, address = bind(service, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with db.connection_context():
            yield Hub(service, db, address, url, path, net)
    finally:
        server.close()
        thread.join(30)
        db.close()


def signed(hub: Hub, method: str, path: str, body: bytes = b"") -> tuple[str, dict[str, str]]:
    village = hub.net.villages[0]
    url = hub.address + path
    headers = {"Content-Type": "application/json", "Sync-Session": "race"}
    headers.update(httpsig.sign_request(method, url, headers, body, village.key, village.code,
                                        created=int(time.time())))
    return url, headers


def in_progress(hub: Hub) -> float:
    text = requests.get(hub.address + "/metrics", timeout=30).text
    for line in text.splitlines():
        if line.startswith("bianmin_hub_requests_in_progress "):
            return float(line.split()[1])
    return 0.0


class NonceWritesHeld:
    """Hold what a nonce's INSERT needs: SQLite's write lock (BEGIN IMMEDIATE) or, on
    PostgreSQL, a lock on hub_nonce that lets reads through and stops inserts."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.connection: Any = None

    def __enter__(self) -> NonceWritesHeld:
        if self.hub.url:
            self.connection = psycopg2.connect(self.hub.url)
            self.connection.cursor().execute(
                "LOCK TABLE hub_nonce IN SHARE ROW EXCLUSIVE MODE")
        else:
            self.connection = sqlite3.connect(self.hub.path, isolation_level=None, timeout=30)
            self.connection.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.commit() if self.hub.url else self.connection.execute("COMMIT")
        self.connection.close()


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/events?after=0&limit=1", b""),  # a read: recorded when answered
    ("POST", "/v1/events", b'{"events": []}'),  # a write: recorded by its first write
])
def test_two_copies_of_one_signed_request_at_once_exactly_one_is_answered(
        hub: Hub, method: str, path: str, body: bytes) -> None:
    url, headers = signed(hub, method, path, body)
    answers: list[requests.Response] = []
    lock = threading.Lock()

    def send() -> None:
        with requests.Session() as connection:  # each copy on its own connection
            answer = connection.request(method, url, data=body or None, headers=headers,
                                        timeout=60)
        with lock:
            answers.append(answer)

    sessions_before = _session_requests(hub, "race")
    with NonceWritesHeld(hub):
        copies = [threading.Thread(target=send) for _ in range(2)]
        for copy in copies:
            copy.start()
        wait_until(lambda: in_progress(hub) == 2, what="both copies in the hub")
    for copy in copies:
        copy.join(60)
    assert sorted(a.status_code for a in answers) == [200, 401], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 401).json()
    assert refused["type"] == PROBLEM_BASE + "request-replayed", refused
    # Only the copy answered is in the sync log, once.
    assert _session_requests(hub, "race") == sessions_before + 1
    # A third copy, later, is refused too.
    again = requests.request(method, url, data=body or None, headers=headers, timeout=60)
    assert again.status_code == 401 and again.json()["type"].endswith("request-replayed")


def _session_requests(hub: Hub, session: str) -> int:
    village = hub.net.villages[0].code
    row = HubSession.get_or_none(HubSession.id == f"{village}:{session}")
    return row.requests if row else 0


def test_the_database_key_decides_between_two_hub_processes(hub: Hub) -> None:
    """Two processes' ledgers (no memory shared) both find a nonce new; the first to
    write it wins, the other's transaction is refused and rolled back whole."""
    first, second = (Ledger(hub.db, hub.service._begin), Ledger(hub.db, hub.service._begin))
    now = int(time.time())
    outcome: list[str] = []
    checked = threading.Event()
    assert not first.check("450981104201", "racing-nonce", now + 600, now)
    entry = first.current()
    assert entry is not None
    first.open(entry)  # the nonce is written, not committed yet

    def other_process() -> None:
        with hub.db.connection_context():
            found = second.check("450981104201", "racing-nonce", now + 600, now)
            checked.set()
            assert not found, "the first copy's nonce is not committed yet"
            other = second.current()
            assert other is not None
            try:
                second.open(other)  # waits for the first transaction on either backend
                outcome.append("accepted")
            except RequestReplayed:
                outcome.append("replayed")
            finally:
                second.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    assert checked.wait(60)
    first.commit(entry)
    first.close()
    thread.join(60)
    assert outcome == ["replayed"]
    assert HubNonce.select().where(HubNonce.nonce == "racing-nonce").count() == 1


def _peer_version(hub: Hub, node: str) -> tuple[Any, ...]:
    """What changes whenever the node's peer rows are written: SQLite's count of changes
    on this connection, PostgreSQL's row versions (xmin moves even when an UPDATE writes
    the same values)."""
    if is_postgres(hub.db):
        cursor = hub.db.execute_sql(
            "SELECT (SELECT xmin::text FROM hub_peer WHERE node = %s),"
            " (SELECT string_agg(xmin::text, ',') FROM hub_peer_key WHERE node = %s)",
            (node, node))
        return tuple(cursor.fetchone())
    return (hub.db.connection().total_changes,)


def test_a_hello_with_an_unchanged_chain_writes_nothing(hub: Hub) -> None:
    village = hub.net.villages[1]
    before = _peer_version(hub, village.code)
    peer_row = HubPeer.get(HubPeer.node == village.code).__data__
    assert hub.service.register_chain(village.chain_pem, presented=True) == village.code
    assert _peer_version(hub, village.code) == before
    assert HubPeer.get(HubPeer.node == village.code).__data__ == peer_row
    # Over HTTP too: the hello is answered, the chain is not stored again.
    client = HubClient(hub.address, village.key, village.code, session_id="hello-twice")
    for _ in range(2):
        assert client.hello(village.chain_pem)["peer"] == village.code
    row = HubPeer.get(HubPeer.node == village.code)
    assert (row.chain, row.serials, row.first_seen) == (
        peer_row["chain"], peer_row["serials"], peer_row["first_seen"])
    assert HubPeerKey.select().where(HubPeerKey.node == village.code).count() == 1


def test_the_sync_log_gets_one_row_per_session_and_counts_every_request(hub: Hub) -> None:
    village = hub.net.villages[1]
    client = HubClient(hub.address, village.key, village.code, session_id="counted")
    client.health()  # unsigned: not in the log
    client.hello(village.chain_pem)
    client.pull(0, 10)
    answer = client.push([])
    assert answer.accepted == 0
    rows = list(HubSession.select().where(HubSession.id == f"{village.code}:counted"))
    assert len(rows) == 1
    row = rows[0]
    assert (row.peer, row.requests, row.result, row.error) == (village.code, 3, "ok", None)
    assert row.bytes_in > 0 and row.bytes_out > 0 and row.direction == "both"
    assert HubPeer.get(HubPeer.node == village.code).last_seen is not None
