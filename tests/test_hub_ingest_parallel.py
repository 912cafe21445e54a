"""A pushed batch's signatures are verified on every core (issue 19): the outcome and
the error are those of verifying one by one, in log order; SQLite and PostgreSQL hubs
store a large batch as the same rows.

Real parts: villages certified by ``keys/ca.py``, envelopes built, sealed and signed
as a village publishes them (``bench/sync_common.py``, shared with the ingest
benchmark), a real SQLite file and a real PostgreSQL database.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from network import postgres_databases
from peewee import Database

from keys.errors import BadSignature
from sync import verify_pool
from sync.envelope import parse_envelope, verify_envelope
from sync.hub.models import HubBlob, HubEvent, HubFork
from sync.hub.service import MAX_BATCH_EVENTS, HubService
from sync.problems import EventForked, MaterialMissing
from sync.signed import open_document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import sync_common as common  # bench/ is not a package: on the path above

CASES = 100  # × 4 events: batches well over the inline threshold


@pytest.fixture(scope="module")
def net() -> common.Network:
    return common.make_network(3)


@pytest.fixture(scope="module")
def logs(net: common.Network) -> list[common.StationLog]:
    readers = common.readers()
    return [common.station_log(v, CASES, readers, 1) for v in net.villages]


@contextmanager
def hub(net: common.Network, logs: list[common.StationLog], url: str | None,
        path: Path) -> Iterator[tuple[HubService, Database]]:
    """A fresh hub that knows the villages, their cited materials and the readers."""
    with common.hub_database(url, path) as db:
        service = HubService(net.identity(), db)
        common.register_materials(a for log in logs for a in log.materials)
        common.register_directory()
        for village in net.villages:
            service.register_chain(village.chain_pem)
        yield service, db


def forged(node: common.Node, logs: list[common.StationLog]) -> list[bytes]:
    """The same log signed by another key under the node's code: every signature bad."""
    impostor = common.Node(node.code, Ed25519PrivateKey.generate(), node.chain_pem)
    return common.station_log(impostor, CASES, common.readers(), 1).envelopes


def first_error_one_by_one(raws: list[bytes], node: common.Node) -> str:
    """The error verifying one by one in log order gives (what the hub said before)."""
    key = node.key.public_key()
    for raw in raws:
        try:
            verify_envelope(parse_envelope(raw), key)
        except BadSignature as error:
            return str(error)
    raise AssertionError("every signature verified")


def test_a_bad_signature_in_the_middle_is_refused_naming_the_first_bad_event(
        net: common.Network, logs: list[common.StationLog], tmp_path: Path) -> None:
    village, log = net.villages[0], logs[0]
    bad = forged(village, logs)
    raws = log.envelopes[:MAX_BATCH_EVENTS]
    assert len(raws) >= verify_pool.INLINE_BELOW * 4
    batch = list(raws)
    batch[250], batch[137] = bad[250], bad[137]  # two bad; 138 is first in log order
    expected = first_error_one_by_one(batch, village)
    assert "第 138 号事件" in expected and village.code in expected

    small = list(raws[:20])
    small[9] = bad[9]  # under the threshold: verified inline, the same answer
    with hub(net, logs, None, tmp_path / "hub.db") as (service, _db):
        with pytest.raises(BadSignature) as refused:
            service.push(batch, village.code)
        assert str(refused.value) == expected
        with pytest.raises(BadSignature) as refused_small:
            service.push(small, village.code)
        assert str(refused_small.value) == first_error_one_by_one(small, village)
        assert "第 10 号事件" in str(refused_small.value)
        assert HubEvent.select().count() == 0  # nothing of a refused batch is kept

        answer = service.push(raws, village.code)  # the good batch is taken whole
        assert answer.accepted == len(raws) and not answer.gaps
        assert HubEvent.select().count() == len(raws)


def test_a_bad_signature_is_answered_before_what_the_batch_is_refused_for_at_the_hub(
        net: common.Network, logs: list[common.StationLog], tmp_path: Path) -> None:
    """The hub decides and stages a batch while its signatures are verified: an event
    that does not verify is still the answer, before a missing material or a fork found
    meanwhile, and nothing of the batch is kept, not even fork evidence."""
    village, log = net.villages[1], logs[1]
    bad = forged(village, logs)
    raws = log.envelopes[:MAX_BATCH_EVENTS]
    batch = list(raws)
    batch[300] = bad[300]
    expected = first_error_one_by_one(batch, village)
    assert "第 301 号事件" in expected
    with hub(net, logs, None, tmp_path / "hub.db") as (service, _db):
        HubBlob.delete().where(HubBlob.address == log.materials[0]).execute()  # seq 1 cites it
        with pytest.raises(BadSignature) as refused:
            service.push(batch, village.code)
        assert str(refused.value) == expected
        with pytest.raises(MaterialMissing):  # all signatures good: the material is the error
            service.push(raws, village.code)
        assert HubEvent.select().count() == 0
        common.register_materials(log.materials[:1])
        assert service.push(raws[:100], village.code).accepted == 100

        other = common.station_log(village, CASES, common.readers(), 1).envelopes  # forks
        forking = list(other[:MAX_BATCH_EVENTS])
        forking[150] = bad[150]
        with pytest.raises(BadSignature) as refused:
            service.push(forking, village.code)
        assert str(refused.value) == first_error_one_by_one(forking, village)
        assert HubFork.select().count() == 0 and HubEvent.select().count() == 100
        with pytest.raises(EventForked):  # the same forks, every signature good
            service.push(list(other[:MAX_BATCH_EVENTS]), village.code)
        assert HubFork.select().count() > 0 and HubEvent.select().count() == 100


ROWS = {
    "hub_event": "SELECT node, seq, digest, envelope, type, case_no, matter, hlc, author, "
                 "peer FROM hub_event ORDER BY id",
    "hub_address": "SELECT e.node, e.seq, a.node FROM hub_address a "
                   "JOIN hub_event e ON e.id = a.event ORDER BY e.id, a.node",
    "hub_citation": "SELECT c.address, e.node, e.seq FROM hub_citation c "
                    "JOIN hub_event e ON e.id = c.event ORDER BY e.id, c.address",
    "hub_case": "SELECT case_no, state, holder, filed_by, matter, offices, level "
                "FROM hub_case ORDER BY case_no",
    "hub_receipt": "SELECT node, up_to_seq, head, hub_index FROM hub_receipt ORDER BY node",
}


def stored(service: HubService, db: Database, logs: list[common.StationLog]
           ) -> tuple[list[Any], dict[str, list[tuple[Any, ...]]]]:
    """Push every village's log in batches of the most a push takes, villages taking
    turns; the answers and the rows stored."""
    answers = []
    for start in range(0, CASES * common.EVENTS_PER_CASE, MAX_BATCH_EVENTS):
        for log in logs:
            answer = service.push(log.envelopes[start:start + MAX_BATCH_EVENTS],
                                  log.node.code)
            answers.append((answer.accepted, answer.duplicates, answer.gaps,
                            [(r["node"], r["up_to_seq"], r["head"]) for r in
                             (service_receipt(service, r) for r in answer.receipts)]))
    rows = {table: [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                    for row in db.execute_sql(sql).fetchall()]
            for table, sql in ROWS.items()}
    return answers, rows


def service_receipt(service: HubService, document: dict[str, Any]) -> dict[str, Any]:
    """The receipt's fields, once the hub's signature on it verified."""
    return open_document(document, service.me.signing_key.public_key(), "回执")


def test_a_large_batch_is_stored_as_the_same_rows_on_sqlite_and_postgresql(
        net: common.Network, logs: list[common.StationLog], tmp_path: Path) -> None:
    with hub(net, logs, None, tmp_path / "hub.db") as (service, db):
        on_sqlite = stored(service, db, logs)
    with postgres_databases("ingest") as (url,), \
            hub(net, logs, url, tmp_path / "unused.db") as (service, db):
        on_postgres = stored(service, db, logs)
    answers, rows = on_sqlite
    assert all(accepted > 0 and not gaps for accepted, _, gaps, _ in answers)
    assert len(rows["hub_event"]) == 3 * CASES * common.EVENTS_PER_CASE
    assert len(rows["hub_citation"]) == 3 * CASES and len(rows["hub_case"]) == 3 * CASES
    assert rows["hub_address"] and len(rows["hub_receipt"]) == 3
    assert on_postgres == on_sqlite
