"""A push costs PostgreSQL few round trips, and the statements it joins answer as before.

On PostgreSQL every statement is a round trip to the server; a push takes its locks
and reads its batch in one (``sync.hub.ingest_sql.read_push``), copies its events in,
and joins the writes that return nothing into one (``sync.hub.ingest_sql.Script``).
The count is checked, not a time.  The withdrawal kept after a decision
(tests/test_case_conflicts.py) is replayed on PostgreSQL hubs: its flag, claims and
the conflicts answered come through the joined statements.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import test_case_conflicts
from network import postgres_databases
from test_hub_ingest_parallel import hub

from station.demo import demo_network
from station.demo.demo_network import DemoNetwork

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import sync_common as common  # bench/ is not a package: on the path above

# BEGIN; the node's lock with one SELECT of its held events, the materials, cases,
# claims and directory entries; the events' ids; the events (one binary COPY); every
# other row with the keys' first seqs, the receipt and the conflicts; COMMIT
ROUND_TRIPS = 6


class Counting:
    """A cursor that counts what it executes."""

    def __init__(self, cursor: Any, statements: list[str]) -> None:
        self.cursor, self.statements = cursor, statements

    def execute(self, sql: str, params: Any = None) -> Any:
        self.statements.append(sql)
        return self.cursor.execute(sql, params)

    def copy_expert(self, sql: str, stream: Any) -> Any:
        self.statements.append(sql)
        return self.cursor.copy_expert(sql, stream)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def test_a_push_of_one_node_is_a_fixed_number_of_round_trips(tmp_path: Path) -> None:
    net = common.make_network(2)
    logs = [common.station_log(v, 100, common.readers(), 2) for v in net.villages]
    with postgres_databases("trips") as (url,), hub(net, logs, url, tmp_path / "x.db") \
            as (service, db):
        statements: list[str] = []
        cursor = db.cursor
        db.cursor = lambda *args, **kwargs: Counting(cursor(*args, **kwargs), statements)
        for start in (0, 200):  # the first push also reads each directory entry once
            for log in logs:
                statements.clear()
                answer = service.push(log.envelopes[start:start + 200], log.node.code)
                assert answer.accepted == 200 and len(answer.receipts) == 1
        assert len(statements) <= ROUND_TRIPS, "\n".join(s[:60] for s in statements)


def test_a_withdrawal_after_the_decision_on_postgresql_hubs(
        net: DemoNetwork, monkeypatch: Any) -> None:
    with postgres_databases("county", "township") as (county_db, township_db):
        monkeypatch.setattr(test_case_conflicts, "start_hubs",
                            lambda n: demo_network.start_hubs(n, county_db, township_db))
        test_case_conflicts.\
            test_a_withdrawal_after_the_decision_is_kept_not_applied_and_blocks_nothing(net)
        net.stop()
