"""Helpers for network tests: a demo network per test, hub databases, holdings.

The network (county, township, village, reviewers) is created once per test
module and copied for each test, so every test starts from the same enrolled
nodes and its own hub databases.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from conftest import PASSPHRASE

from station.casework import review_queue
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork, DemoNode
from station.hubops import hub_runner
from station.network import link
from station.store.models import InboxEvent, OutgoingMaterial, SyncEnvelope
from sync.hub.blob_config import default_root
from sync.hub.blobs_fs import FilesystemStore
from sync.hub.identity import open_database
from sync.hub.models import HubBlob, HubEvent, HubFork

PG = "postgresql://postgres@127.0.0.1:5432/{name}"


def copy_network(template: Path, target: Path) -> DemoNetwork:
    shutil.copytree(template, target)
    return demo_network.setup(target, PASSPHRASE)


@contextmanager
def postgres_databases(*roles: str) -> Iterator[list[str]]:
    """Fresh PostgreSQL databases on the machine's server, dropped afterwards.

    Fails (never skips) when the server is not there: hub tests need it."""
    names = [f"bm_{role}_{uuid.uuid4().hex[:10]}" for role in roles]
    try:
        admin = psycopg2.connect(PG.format(name="postgres"))
    except psycopg2.OperationalError as error:
        raise AssertionError(
            f"PostgreSQL at 127.0.0.1:5432 is needed for hub tests and is not reachable: {error}"
            " (start it: pg_ctlcluster --skip-systemctl-redirect 15 main start)") from None
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute(f"CREATE DATABASE {name}")
        yield [PG.format(name=name) for name in names]
    finally:
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@dataclass
class HubHoldings:
    events: dict[tuple[str, int], str]  # (node, seq) -> digest
    rows: int
    materials: dict[str, bool]  # address -> whole and matching its address
    forks: int


def hub_holdings(net: DemoNetwork, node: DemoNode, url: str | None) -> HubHoldings:
    db = open_database(url, node.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            events = {(e.node, e.seq): e.digest for e in HubEvent.select()}
            rows = HubEvent.select().count()
            materials = {}
            store = FilesystemStore(default_root(node.data))
            for blob in HubBlob.select():
                digest = hashlib.sha256()
                for chunk in _chunks(store, blob.address):
                    digest.update(chunk)
                materials[blob.address] = blob.complete and digest.hexdigest() == blob.address
            forks = HubFork.select().count()
    finally:
        db.close()
    return HubHoldings(events, rows, materials, forks)


def _chunks(store: FilesystemStore, address: str) -> Iterator[bytes]:
    """A material's bytes as the hub keeps them: in its blob store (or, on a hub not
    yet migrated, as chunk rows)."""
    from sync.hub.models import HubChunk

    if store.has(address):
        yield store.read(address, 0, 1 << 30)
        return
    for row in HubChunk.select().where(HubChunk.address == address).order_by(HubChunk.offset):
        yield bytes(row.data)


@dataclass
class StationHoldings:
    sent: dict[tuple[str, int], str]
    materials: set[str]
    inbox: dict[str, str]  # digest -> type


def station_holdings(net: DemoNetwork, node: DemoNode, user: str | None = None) -> StationHoldings:
    with net.open(node, user) as station:
        code = station.node.code
        sent = {(code, e.seq): e.digest for e in SyncEnvelope.select()}
        materials = {m.address for m in OutgoingMaterial.select()}
        inbox = {i.digest: i.type for i in InboxEvent.select()}
    return StationHoldings(sent, materials, inbox)


def assert_same_holdings(net: DemoNetwork) -> None:
    """Every event and material the village and the reviewer sent is at the township
    and at the county, byte-identical (same digest), once; every material is whole."""
    village = station_holdings(net, net.village)
    desk = station_holdings(net, net.reviewer)
    township = hub_holdings(net, net.township, net.township_db)
    county = hub_holdings(net, net.county, net.county_db)
    for hub in (township, county):
        assert hub.rows == len(hub.events), "an event is held twice"
        for key, digest in {**village.sent, **desk.sent}.items():
            assert hub.events.get(key) == digest, f"{key} missing or different at a hub"
        assert village.materials <= set(hub.materials), "a material did not arrive"
        assert all(hub.materials.values()), "a material is incomplete or corrupt"
    subtree = {k: v for k, v in township.events.items() if k[0].startswith("450981104")}
    at_county = {k: v for k, v in county.events.items() if k[0].startswith("450981104")}
    assert subtree == at_county, "the county does not hold exactly the township's subtree"
    assert set(township.materials) == set(county.materials)
    returned = [d for d, t in village.inbox.items() if t == "case.returned"]
    assert all(township.events.get(k) in returned or True for k in township.events)
    assert len(returned) >= 1 and all(d in township.events.values() for d in returned)


def finish_round_trip(net: DemoNetwork, filed: list[str]) -> None:
    """The rest of the round trip after a fault, then the comparison."""
    with net.open(net.village) as village:
        report = link.sync_once(village)
        assert report.pending == 0, report
        head = link.acked_seq()
    demo_network.wait_for_county(net, {net.village.code: head})
    with net.open(net.reviewer) as desk:
        link.sync_once(desk)
        queued = {c["case_no"] for c in review_queue.queue(desk)}
        assert set(filed) <= queued, "a filed case is not in the township's queue"
    return_and_compare(net, filed[0])


def return_and_compare(net: DemoNetwork, case_no: str) -> None:
    """The reviewer claims ``case_no`` and returns it for a supplement; the village gets
    it back; once the county holds both heads, every holding compares equal."""
    with net.open(net.reviewer) as desk:
        review_queue.claim(desk, case_no)
        review_queue.return_to_village(desk, case_no, "请补充户口簿首页")
        desk_head = link.acked_seq()
    with net.open(net.village) as village:
        report = link.sync_once(village)
        assert report.returned == [case_no]
        head = link.acked_seq()
    demo_network.wait_for_county(net, {net.township.code: desk_head, net.village.code: head})
    assert_same_holdings(net)
