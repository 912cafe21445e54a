"""A hub on a disk that refuses writes says so in one plain line (issue 17, item 3).

The fault is real: the hub process runs with a file-size limit (``RLIMIT_FSIZE``, as
``ulimit -f`` sets it) so the database file cannot grow, the way a full disk behaves.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from station import i18n
from station.cli.main import EXIT_DISK
from station.demo import demo_network
from station.demo.demo_network import ADMIN, DemoNetwork
from station.hubops import hub_runner
from station.network import link
from sync.audit import verify_hub
from sync.errors import SyncError
from sync.hub.identity import open_database
from sync.hub.models import HubEvent

LIMIT = 16 << 10  # bytes a file may reach: too small for a new hub database


def no_room() -> None:
    """In the child: files cannot grow past LIMIT; writing beyond fails with EFBIG
    instead of killing the process (SIGXFSZ ignored), as a full disk's writes fail."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_a_hub_that_cannot_write_its_database_says_what_to_do(net: DemoNetwork) -> None:
    node = net.township
    assert not (node.data / hub_runner.DB_NAME).exists()
    done = subprocess.run(
        [sys.executable, "-m", "station.cli.main", "hub", "serve", "--data", str(node.data),
         "--user", ADMIN, "--listen", "127.0.0.1:0"],
        env={**os.environ, "STATION_PASSPHRASE": net.passphrase}, preexec_fn=no_room,
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == EXIT_DISK, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "磁盘" in lines[0] and "空间" in lines[0], lines[0]


def largest_file(folder: Path) -> int:
    return max(p.stat().st_size for p in folder.glob(f"{hub_runner.DB_NAME}*"))


def test_a_running_hub_refuses_work_plainly_when_its_disk_is_full_and_loses_nothing(
        hubs: DemoNetwork) -> None:
    """The township hub's files may not grow while the village files new cases with
    scans: the push is refused with the plain message, the hub stays up, nothing is half
    stored; once there is room again, the next sync delivers everything exactly once and
    the hub's audit is clean."""
    net = hubs
    township = net.township
    assert township.process is not None and township.address
    with net.open(net.village) as village:
        link.sync_once(village)  # registered, directory exchanged: the hub's files exist
    room = largest_file(township.data)
    # The soft limit only: raising it again needs no privilege.
    resource.prlimit(township.process.pid, resource.RLIMIT_FSIZE, (room, resource.RLIM_INFINITY))
    try:
        with net.open(net.village) as village:
            filed = [f.case_no for f in demo_network.file_samples(net, village)]
            head = village.db.execute_sql("SELECT MAX(seq) FROM event").fetchone()[0]
            with pytest.raises(SyncError) as refused:
                link.sync_once(village)
            assert link.acked_seq() < head  # the hub took nothing of it
        text = i18n.render(refused.value)
        assert "磁盘已满或只读" in text and "下次同步时重发" in text, text
        assert requests.get(f"{township.address}/v1/health", timeout=30).ok  # still up
    finally:
        resource.prlimit(township.process.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    with net.open(net.village) as village:
        link.sync_once(village)
        assert link.acked_seq() == head
    db = open_database(None, township.data / hub_runner.DB_NAME)
    try:
        with db.connection_context():
            held = [e.seq for e in HubEvent.select(HubEvent.seq)
                    .where(HubEvent.node == net.village.code).order_by(HubEvent.seq)]
            cases = {e.case_no for e in HubEvent.select().where(HubEvent.type == "case.filed")}
            report = verify_hub()
    finally:
        db.close()
    assert held == list(range(1, head + 1))  # every event exactly once, none lost
    assert set(filed) <= cases
    assert report.ok, report.to_json()
