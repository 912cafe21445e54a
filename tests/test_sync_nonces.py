"""The hub's replay memory (a table in its database) is bounded per node."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.errors import ReplayCacheFull
from sync.hub.identity import open_database
from sync.hub.service import DbNonces


def test_each_node_has_a_bounded_number_of_live_nonces(tmp_path: Path) -> None:
    db = open_database(None, tmp_path / "hub.db")
    with db.connection_context():
        nonces = DbNonces(per_node=3)
        now = 1_000_000
        assert [nonces.seen("450981104201", f"n{i}", now + 300, now) for i in range(3)] \
            == [False, False, False]
        assert nonces.seen("450981104201", "n1", now + 300, now), "a replay is recognised"
        with pytest.raises(ReplayCacheFull) as full:
            nonces.seen("450981104201", "n3", now + 300, now)
        assert full.value.status == 503 and int(full.value.params["retry_after"]) == 301
        assert not nonces.seen("450981104202", "n0", now + 300, now), "other nodes go on"
        later = now + 301  # the first three have expired and are forgotten
        assert not nonces.seen("450981104201", "n3", later + 300, later)
    db.close()
