"""kill -9 while filing: nothing reported as filed is lost, nothing half-stored.

A child process files cases in a loop and is killed with SIGKILL at several
points (right after a case completes, and part way into the next).  After
each kill the station reopens: every case the child reported is there with
all its materials readable, every stored case is whole, SQLite's integrity
check passes, the event chain verifies, and crash leftovers are swept.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import PASSPHRASE
from filing_samples import ELDER_REQUIRED

from station import outbox
from station.app import Station
from station.cases.register import show_case
from station.store.models import Case, CaseMaterial, Event

HERE = Path(__file__).parent


def start_child(station_dir: Path, documents: Path, scans: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(HERE), STATION_TEST_WEAK_KDF="1")
    return subprocess.Popen(
        [sys.executable, str(HERE / "crash_child.py"), str(station_dir), str(documents),
         PASSPHRASE, str(scans)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def check_whole(station: Station, reported: list[str]) -> None:
    assert station.db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {c.case_no for c in Case.select(Case.case_no)}
    assert set(reported) <= stored, "a case reported as filed was lost"
    for case in Case.select():
        materials = list(CaseMaterial.select().where(CaseMaterial.case == case))
        assert sorted({m.name for m in materials}) == sorted(ELDER_REQUIRED)
        for material in materials:
            assert len(station.blobs.read(material.blob)) == material.size
        assert show_case(station, case.case_no)["applicant"]["name"]
    filed = Event.select().where(Event.type == outbox.CASE_FILED).count()
    assert filed == len(stored)
    assert outbox.verify_chain(Event.select().order_by(Event.seq)) == []


def test_kill_9_while_filing(tmp_path: Path, data_dir: Path, documents: Path) -> None:
    Station.init(data_dir, "village", "450981104201", "示范村", "agent", PASSPHRASE,
                 documents)[0].close()
    scans = tmp_path / "scans"
    scans.mkdir()
    reported: list[str] = []
    # Kill after k completed filings, then at growing delays into the next one.
    for kill_after, extra_wait in ((1, 0.0), (1, 0.02), (2, 0.05), (1, 0.1), (3, 0.15)):
        child = start_child(data_dir, documents, scans)
        assert child.stdout is not None
        for _ in range(kill_after):
            line = child.stdout.readline().strip()
            assert line, child.stderr.read() if child.stderr else "child died"
            reported.append(line)
        if extra_wait:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=extra_wait)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        reported += [line.strip() for line in child.stdout if line.strip()]
        child.stdout.close()
        if child.stderr:
            child.stderr.close()

        station = Station.open(data_dir, None, PASSPHRASE, documents)
        try:
            check_whole(station, reported)
            assert list(station.blobs.tmp.iterdir()) == []
        finally:
            station.close()
    assert len(set(reported)) == len(reported) >= 8
