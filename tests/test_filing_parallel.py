"""A filing's pages stored on every core (BlobStore.put_files): each page reads
back as the original, in the stored format; temp files hold only ciphertext while
the pages are written; a failure leaves nothing behind; and kill -9 while the
pages are on their way to disk leaves no case, no page in place, no temp file
after reopening, and the draft whole, to be filed again."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from filing_samples import ELDER_REQUIRED

from keys.stream import MAGIC, iter_decrypt
from station.app import Station
from station.cases.register import export_material
from station.filing.drafts import file_draft, list_drafts, load_draft
from station.filing.new_case import MaterialFile
from station.store import blobs as blobs_module
from station.store.blobs import AAD, CHUNK_SIZE, PAGE_WORKERS, BlobStore
from station.store.models import Case
from station.ui.wizard.draft import Draft

HERE = Path(__file__).parent
KEYS = {1: bytes(range(32))}
JPEG_MAGIC = b"\xff\xd8\xff\xe0"


def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "data" / "materials", KEYS, 1, b"k" * 32)


def pages(folder: Path, count: int, size: int = CHUNK_SIZE * 2 + 777) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(count):
        path = folder / f"page-{i}.jpg"
        path.write_bytes(JPEG_MAGIC + os.urandom(size + i - len(JPEG_MAGIC)))
        made.append(path)
    return made


def every_file(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def needles(paths: list[Path]) -> dict[Path, list[bytes]]:
    """Runs of 64 bytes from each chunk of each page (unique in random data)."""
    found = {}
    for path in paths:
        data = path.read_bytes()
        found[path] = [data[at:at + 64] for at in range(100, len(data) - 64, CHUNK_SIZE)]
    return found


def test_more_pages_than_workers_decrypt_to_the_originals(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    given = pages(tmp_path / "scans", PAGE_WORKERS * 3 + 1)
    stored = blobs.put_files([*given, given[1]])
    assert [s.size for s in stored] == [p.stat().st_size for p in [*given, given[1]]]
    assert stored[1] == stored[-1]  # the same page twice is kept once
    assert len({s.address for s in stored}) == len(given)
    for blob, path in zip(stored, given, strict=False):
        assert blobs.read(blob.address) == path.read_bytes()
        with blobs.path_of(blob.address).open("rb") as sealed:  # the stream format
            assert sealed.read(4) == MAGIC
            sealed.seek(0)
            assert b"".join(iter_decrypt(KEYS, sealed, AAD)) == path.read_bytes()
    assert sorted(p.name for p in blobs.root.iterdir()) == sorted(s.address for s in stored[:-1])
    assert list(blobs.tmp.iterdir()) == []


def test_temp_files_hold_only_ciphertext_while_pages_are_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blobs = store(tmp_path)
    given = pages(tmp_path / "scans", 5)
    runs = needles(given)
    data = tmp_path / "data"
    seen: list[Path] = []
    real_fsync = blobs_module._fsync_file

    def search_then_fsync(path: Path) -> None:
        # Every file under the data folder as it is at this moment: the temp file
        # about to be fsynced, others still being written, none renamed yet.
        seen.append(path)
        assert path.parent == blobs.tmp
        assert not any(blobs.root.iterdir())
        for on_disk, content in every_file(data).items():
            for page, chunks in runs.items():
                for run in chunks:
                    assert run not in content, f"{page.name} in plaintext in {on_disk}"
        real_fsync(path)

    monkeypatch.setattr(blobs_module, "_fsync_file", search_then_fsync)
    stored = blobs.put_files(given)
    assert len(seen) == len(given)
    assert [blobs.read(s.address) for s in stored] == [p.read_bytes() for p in given]
    for content in every_file(data).values():  # and once in place
        for chunks in runs.values():
            assert not any(run in content for run in chunks)


def test_a_page_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    given = pages(tmp_path / "scans", 4)
    with pytest.raises(FileNotFoundError):
        blobs.put_files([*given[:2], tmp_path / "gone.jpg", *given[2:]])
    assert list(blobs.tmp.iterdir()) == []
    assert list(blobs.root.iterdir()) == []


def test_kill_9_while_pages_are_written_keeps_the_draft(tmp_path: Path, data_dir: Path,
                                                         documents: Path) -> None:
    Station.init(data_dir, "village", "450981104201", "示范村", "agent", PASSPHRASE,
                 documents)[0].close()
    scans = tmp_path / "scans"
    scans.mkdir()
    given = [scans / f"{i}.jpg" for i in range(3)]
    for path in given:
        path.write_bytes(JPEG_MAGIC + os.urandom(2 * 1024 * 1024 + 12_345 - len(JPEG_MAGIC)))
    runs = needles(given)
    env = dict(os.environ, PYTHONPATH=str(HERE), STATION_TEST_WEAK_KDF="1")
    child = subprocess.Popen(
        [sys.executable, str(HERE / "filing_kill_child.py"), str(data_dir), str(documents),
         PASSPHRASE, str(scans)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None and child.stderr is not None
    try:
        first = child.stdout.readline().split()
        assert first[:1] == ["DRAFT"], child.stderr.read()
        draft_id = first[1]
        assert child.stdout.readline().strip() == "SYNCING", child.stderr.read()
        # Pages written or being written, none in place: nothing of them in the clear.
        for on_disk, content in every_file(data_dir).items():
            for page, chunks in runs.items():
                assert not any(run in content for run in chunks), f"{page} in {on_disk}"
        assert list((data_dir / "tmp").glob("blob-*"))
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    station = Station.open(data_dir, "agent", PASSPHRASE, documents)
    try:
        assert list(station.blobs.tmp.iterdir()) == []  # swept at open
        assert Case.select().count() == 0
        assert station.db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        [listed] = list_drafts(station)
        assert listed.id == draft_id
        draft = Draft.from_content(station.catalogue, draft_id, load_draft(station, draft_id))
        assert draft.matter is not None
        [kept] = draft.files()  # the draft's own scan, still readable
        assert kept.blob is not None and station.blobs.read(kept.blob.address)
        result = file_draft(station, draft_id, draft.matter.code, draft.applicant, draft.form,
                            [kept, *(MaterialFile(n, p) for n, p in zip(ELDER_REQUIRED[1:],
                                                                          given, strict=True))])
        assert list_drafts(station) == []
        for name, path in zip(ELDER_REQUIRED[1:], given, strict=True):
            out = export_material(station, result.case_no, name, 1, tmp_path / f"{name}.jpg")
            assert out.read_bytes() == path.read_bytes()
    finally:
        station.close()


def test_put_of_one_scan_still_fsyncs_and_places_it(tmp_path: Path) -> None:
    blobs = store(tmp_path)
    content = os.urandom(CHUNK_SIZE + 1)
    blob = blobs.put(io.BytesIO(content))
    assert blobs.read(blob.address) == content
    assert list(blobs.tmp.iterdir()) == []


def test_filings_share_one_pool_of_page_threads(tmp_path: Path) -> None:
    """The page threads are started once for the process, not for every filing."""
    blobs = store(tmp_path)
    blobs.put_files(pages(tmp_path / "first", PAGE_WORKERS + 2))
    started = {t for t in threading.enumerate() if t.name.startswith("blob-page")}
    assert 1 <= len(started) <= PAGE_WORKERS
    blobs.put_files(pages(tmp_path / "second", PAGE_WORKERS + 2))
    assert {t for t in threading.enumerate() if t.name.startswith("blob-page")} == started


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_stores_pages_on_threads_of_its_own(tmp_path: Path) -> None:
    """The parent's page threads are not in a forked child: it starts its own pool
    (were it to queue pages for the parent's threads, it would wait for ever)."""
    blobs = store(tmp_path)
    given = pages(tmp_path / "scans", 3)
    blobs.put_files(given * PAGE_WORKERS)  # every thread of the pool started, then idle
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's outcome is its exit status
        signal.alarm(30)
        ok = False
        try:
            stored = blobs.put_files(given)
            ok = [blobs.read(s.address) for s in stored] == [p.read_bytes() for p in given]
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0

