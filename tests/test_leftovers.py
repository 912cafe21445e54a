"""Leftover scans of a killed filing are removed at the next open, and only those.

A real ``station case new`` stores its scans, then waits for the database's write lock,
which this test holds (another process writing, as the desktop app may be): the scans
are on disk and the case is not committed.  The child is killed with SIGKILL there.
At the next open, the files nothing refers to and older than the grace period are gone;
a young one (a filing that may still be in progress elsewhere) stays; every file a
case or a draft refers to is still there and decrypts.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cli import COMMAND, station
from conftest import PASSPHRASE, write_json
from filing_samples import APPLICANT, ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED, scans

from station.app import Station
from station.demo.samples import draw_scan
from station.filing.drafts import save_draft, store_scan, turn_scan
from station.store.leftovers import GRACE
from station.store.models import Case, CaseDraft, CaseMaterial

HOUR_AGO = time.time() - 3600
WAIT = 120.0  # the most this test waits for a child's scans to appear


def _env(tmp_path: Path) -> dict[str, str]:
    return {"STATION_DATA": str(tmp_path / "data"), "STATION_PASSPHRASE": PASSPHRASE,
            "STATION_DOCUMENTS": str(tmp_path / "printed")}


def _random_scans(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for i in range(count):
        path = folder / f"{i}.jpg"
        path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(300_000))
        paths.append(path)
    return paths


def _file_and_kill(tmp_path: Path, env: dict[str, str], applicant: Path, form: Path,
                   attempt: int) -> None:
    """Start ``station case new`` while this process holds the write lock, wait until its
    four scans are stored, and kill it before it can commit."""
    materials = tmp_path / "data" / "materials"
    before = set(os.listdir(materials))
    args: list[str] = []
    for name, path in zip(ELDER_REQUIRED, _random_scans(tmp_path / f"killed-{attempt}", 4),
                          strict=True):
        args += ["--material", f"{name}={path}"]
    lock = sqlite3.connect(tmp_path / "data" / "station.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    child_env.update(env, STATION_TEST_WEAK_KDF="1")
    child = subprocess.Popen(
        [*COMMAND, "case", "new", "--matter", ELDER_MATTER, "--applicant", str(applicant),
         "--form", str(form), *args, "--no-print"],
        env=child_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + WAIT
        while len(set(os.listdir(materials)) - before) < 4:
            assert child.poll() is None, f"the filing ended early: {child.communicate()}"
            assert time.monotonic() < deadline, "the filing stored no scans"
            time.sleep(0.02)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        lock.execute("ROLLBACK")
        lock.close()
    assert child.returncode == -signal.SIGKILL


def test_killed_filing_leaves_nothing_behind(tmp_path: Path) -> None:
    env = _env(tmp_path)
    done = station("init", "--tier", "village", "--code", "450981104201", "--name",
                   "示范村便民服务站", "--operator", "agent", env=env)
    assert done.code == 0, done.err
    applicant = write_json(tmp_path / "applicant.json", APPLICANT)
    form = write_json(tmp_path / "form.json", ELDER_FORM)

    filed_args: list[str] = []
    for item in scans(tmp_path, ELDER_REQUIRED):
        filed_args += ["--material", f"{item.name}={item.path}"]
    done = station("case", "new", "--matter", ELDER_MATTER, "--applicant", applicant,
                   "--form", form, *filed_args, "--json", env=env)
    assert done.code == 0, done.err
    case_no = done.json()["case_no"]

    data, printed = tmp_path / "data", tmp_path / "printed"
    with Station.open(data, None, PASSPHRASE, printed) as opened:
        page = store_scan(opened, draw_scan(tmp_path / "draft.jpg", "居民身份证", ["draft"],
                                            seed=99, size=(300, 400)))
        turned = turn_scan(opened, page)
        save_draft(opened, None, {"matter": ELDER_MATTER, "step": 2,
                                  "pages": {"居民身份证": [turned.to_json()]},
                                  "stored": [page.blob, turned.blob]})

    materials = data / "materials"
    kept_before = set(os.listdir(materials))
    _file_and_kill(tmp_path, env, applicant, form, 1)
    _file_and_kill(tmp_path, env, applicant, form, 2)
    leftovers = set(os.listdir(materials)) - kept_before
    assert len(leftovers) == 8
    young = sorted(leftovers)[0]
    for name in os.listdir(materials):  # everything old, but for one leftover
        if name != young:
            os.utime(materials / name, (HOUR_AGO, HOUR_AGO))
    (materials / "not-a-scan.txt").write_text("kept: not a blob address")

    with Station.open(data, None, PASSPHRASE, printed) as opened:
        assert set(os.listdir(materials)) == kept_before | {young, "not-a-scan.txt"}
        assert [c.case_no for c in Case.select()] == [case_no]
        pages = list(CaseMaterial.select())
        assert len(pages) == len(ELDER_REQUIRED)
        for material in pages:
            assert len(opened.blobs.read(material.blob)) == material.size
        (draft,) = CaseDraft.select()
        for address in draft.content["stored"]:
            assert opened.blobs.read(address)
        assert len(kept_before) == len(pages) + 2
    log = (data / "logs" / "station.log").read_text(encoding="utf-8")
    assert "removed 7 leftover scan file(s)" in log

    # The young one goes once it is older than the grace period.
    old = time.time() - GRACE.total_seconds() - 60
    os.utime(materials / young, (old, old))
    Station.open(data, None, PASSPHRASE, printed).close()
    assert set(os.listdir(materials)) == kept_before | {"not-a-scan.txt"}


def test_a_scan_stored_again_is_young(tmp_path: Path) -> None:
    """A leftover scan filed again (the agent retries after the crash) is not removed
    while the new filing commits: storing it again makes the file young."""
    env = _env(tmp_path)
    done = station("init", "--tier", "village", "--code", "450981104201", "--name",
                   "示范村便民服务站", "--operator", "agent", env=env)
    assert done.code == 0, done.err
    data, printed = tmp_path / "data", tmp_path / "printed"
    scan = _random_scans(tmp_path / "scans", 1)[0]
    with Station.open(data, None, PASSPHRASE, printed) as opened:
        first = opened.blobs.put_file(scan)
        path = opened.blobs.path_of(first.address)
        os.utime(path, (HOUR_AGO, HOUR_AGO))
        assert opened.blobs.put_file(scan) == first
    Station.open(data, None, PASSPHRASE, printed).close()
    assert path.exists()


SWEEP_LINE = "sweeping leftover scans"


def _init(tmp_path: Path) -> tuple[Path, Path]:
    done = station("init", "--tier", "village", "--code", "450981104201", "--name",
                   "示范村便民服务站", "--operator", "agent", env=_env(tmp_path))
    assert done.code == 0, done.err
    return tmp_path / "data", tmp_path / "printed"


def _sweeps(data: Path) -> int:
    return (data / "logs" / "station.log").read_text(encoding="utf-8").count(SWEEP_LINE)


def _old_orphan(data: Path) -> Path:
    """A file with a blob address that nothing refers to, older than the grace period:
    any sweep removes it, so while it is there no sweep ran."""
    orphan = data / "materials" / ("ab" * 32)
    orphan.write_bytes(b"ciphertext of a scan no case refers to")
    os.utime(orphan, (HOUR_AGO, HOUR_AGO))
    return orphan


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_clean_open_and_close_does_not_sweep(tmp_path: Path) -> None:
    data, printed = _init(tmp_path)
    assert _sweeps(data) == 1  # the store had no run folder yet: once, at init
    orphan = _old_orphan(data)

    with Station.open(data, None, PASSPHRASE, printed) as opened:  # a filing that ends well
        page = store_scan(opened, draw_scan(tmp_path / "p.jpg", "居民身份证", ["x"], seed=7,
                                            size=(300, 400)))
        save_draft(opened, None, {"matter": ELDER_MATTER, "step": 2, "stored": [page.blob]})
    Station.open(data, None, PASSPHRASE, printed).close()
    listed = station("case", "list", "--json", env=_env(tmp_path))
    assert listed.code == 0, listed.err
    assert _sweeps(data) == 1 and orphan.exists()
    assert list((data / "run").iterdir()) == []

    # A session killed without closing: its marker names a process that is gone.
    (data / "run" / f"open-{_dead_pid()}-1").touch()
    Station.open(data, None, PASSPHRASE, printed).close()
    assert _sweeps(data) == 2 and not orphan.exists()
    assert list((data / "run").iterdir()) == []


def test_a_live_sessions_marker_is_left_alone(tmp_path: Path) -> None:
    """Another process with the data folder open (the desktop app beside a command) is
    not an unclean end: no sweep, and its marker stays."""
    data, printed = _init(tmp_path)
    orphan = _old_orphan(data)
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        marker = data / "run" / f"open-{other.pid}-1"
        marker.touch()
        Station.open(data, None, PASSPHRASE, printed).close()
        assert _sweeps(data) == 1 and orphan.exists() and marker.exists()
    finally:
        assert other.stdin is not None
        other.stdin.close()
        other.wait()
    Station.open(data, None, PASSPHRASE, printed).close()  # it ended without closing
    assert _sweeps(data) == 2 and not orphan.exists() and not marker.exists()


def test_a_marker_from_before_the_system_started_is_stale(tmp_path: Path) -> None:
    """After a power cut process ids start again: a marker written before the system
    started is stale even when a live process now has its number."""
    boot = float(next(line.split()[1] for line in
                      Path("/proc/stat").read_text(encoding="ascii").splitlines()
                      if line.startswith("btime ")))
    data, printed = _init(tmp_path)
    orphan = _old_orphan(data)
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        marker = data / "run" / f"open-{other.pid}-1"
        marker.touch()
        os.utime(marker, (boot - 3600, boot - 3600))
        Station.open(data, None, PASSPHRASE, printed).close()
        assert _sweeps(data) == 2 and not orphan.exists() and not marker.exists()
    finally:
        assert other.stdin is not None
        other.stdin.close()
        other.wait()


def test_scans_a_session_left_unreferenced_are_swept_at_the_next_open(tmp_path: Path) -> None:
    """A scan stored by the wizard whose draft was never saved (the filing failed, or the
    window closed in between): the session ends cleanly, yet the next open sweeps."""
    data, printed = _init(tmp_path)
    with Station.open(data, None, PASSPHRASE, printed) as opened:
        page = store_scan(opened, draw_scan(tmp_path / "p.jpg", "居民身份证", ["x"], seed=8,
                                            size=(300, 400)))
    left = data / "materials" / page.blob
    assert left.exists() and (data / "run" / "sweep-owed").exists()
    os.utime(left, (HOUR_AGO, HOUR_AGO))
    Station.open(data, None, PASSPHRASE, printed).close()
    assert _sweeps(data) == 2 and not left.exists()
    assert list((data / "run").iterdir()) == []
    Station.open(data, None, PASSPHRASE, printed).close()
    assert _sweeps(data) == 2


def test_a_marker_that_cannot_be_written_does_not_keep_the_agent_out(tmp_path: Path) -> None:
    """If ``run/`` cannot be written (here a file stands in its place; as root no mode
    bit stops a write), the station still opens, sweeps at once, and closes."""
    data, printed = _init(tmp_path)
    orphan = _old_orphan(data)
    for marker in (data / "run").iterdir():
        marker.unlink()
    (data / "run").rmdir()
    (data / "run").write_text("not a folder")
    with Station.open(data, None, PASSPHRASE, printed) as opened:
        assert opened.run_marker is None
    assert _sweeps(data) == 2 and not orphan.exists()
    log = (data / "logs" / "station.log").read_text(encoding="utf-8")
    assert "open marker not written" in log
