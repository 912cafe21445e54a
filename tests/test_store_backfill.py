"""The name index backfill after the upgrade to schema 3 (issue 19): batched, the same
values as the per-row backfill it replaced, and safe to interrupt."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PASSPHRASE, VILLAGE

import station.app
from keys.blind import BlindIndexer
from station.app import Station
from station.store import names
from station.store.models import Applicant, new_id
from station.store.names import normalise_name

HERE = Path(__file__).parent
RESIDENTS = 1_234
BATCH = 200
# Names as agents type them: transliterated names with every kind of middle dot,
# full-width letters and stray spaces, so normalising matters.
NAMES = ("阿卜杜拉·艾则孜", "阿卜杜拉•艾则孜", "阿卜杜拉．艾则孜", "黄 秀英", "黄秀英",
         "ＭＡＲＹ　王", "韦桂珍", "覃  德福", "莫・春生", "蓝月娥")


def make_upgraded_store(data: Path, documents: Path) -> None:
    """A station whose residents were filed before schema 3: every name index NULL.

    One resident filed after the upgrade keeps its (here deliberately odd) index:
    the backfill touches only the rows that have none.
    """
    opened, _sheet = Station.init(data, *VILLAGE, "agent", PASSPHRASE, documents)
    try:
        rows = []
        for i in range(RESIDENTS):
            person = Applicant(id=new_id(), id_index=f"id{i}", phone_index=f"ph{i}",
                               name_index=None, created_at="2026-01-05T09:00:00+08:00")
            person.name = f"{NAMES[i % len(NAMES)]}{i}"
            person.id_number = f"45098119500101{i:04d}"
            person.birth_date = "1950-01-01"
            person.sex = "女"
            person.phone = f"139{i:08d}"
            person.address = f"示范村{i % 12}组"
            rows.append(dict(person.__data__))
        rows[7]["name_index"] = "already-indexed"
        with opened.db.atomic():
            for start in range(0, len(rows), 500):
                Applicant.insert_many(rows[start:start + 500]).execute()
    finally:
        opened.close()


def per_row_backfill(index: BlindIndexer) -> int:
    """The backfill as release 3 shipped it, one UPDATE per row: the reference."""
    missing = list(Applicant.select().where(Applicant.name_index.is_null()))
    db = Applicant._meta.database
    with db.atomic("IMMEDIATE"):
        for person in missing:
            Applicant.update(name_index=index.index("name", normalise_name(person.name))).where(
                Applicant.id == person.id).execute()
    return len(missing)


def indexes(data: Path) -> dict[str, str | None]:
    conn = sqlite3.connect(data / "station.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return dict(conn.execute("SELECT id, name_index FROM applicant"))
    finally:
        conn.close()


@pytest.fixture
def upgraded(tmp_path: Path, documents: Path) -> tuple[Path, dict[str, str | None]]:
    """The upgraded store, and the index the per-row backfill gives it (on a copy)."""
    data = tmp_path / "upgraded"
    make_upgraded_store(data, documents)
    reference_dir = tmp_path / "reference"
    shutil.copytree(data, reference_dir)
    original = station.app.backfill_name_index
    station.app.backfill_name_index = per_row_backfill  # type: ignore[assignment]
    try:
        Station.open(reference_dir, None, PASSPHRASE, documents).close()
    finally:
        station.app.backfill_name_index = original
    reference = indexes(reference_dir)
    assert len(reference) == RESIDENTS and None not in reference.values()
    before = indexes(data)
    assert sum(v is None for v in before.values()) == RESIDENTS - 1
    return data, reference


def test_the_first_login_after_the_upgrade_backfills_in_batches(
        upgraded: tuple[Path, dict[str, str | None]], documents: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data, reference = upgraded
    monkeypatch.setattr(names, "BACKFILL_BATCH", BATCH)
    statements: list[str] = []
    opened = Station.open(data, None, PASSPHRASE, documents)
    try:
        assert indexes(data) == reference
        assert "already-indexed" in reference.values()  # a row with an index is left alone
        # Nothing left: a second run finds no row and writes nothing.
        opened.db.connection().set_trace_callback(statements.append)
        assert names.backfill_name_index(opened.index) == 0
        assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    finally:
        opened.close()


def test_a_backfill_that_fails_midway_keeps_whole_batches_and_finishes_later(
        upgraded: tuple[Path, dict[str, str | None]], documents: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data, reference = upgraded

    class Failing:
        def __init__(self, inner: BlindIndexer) -> None:
            self.inner, self.calls = inner, 0

        def index(self, kind: str, value: str) -> str:
            self.calls += 1
            if self.calls == 2 * BATCH + 50:  # inside the third batch
                raise OSError("injected failure")
            return self.inner.index(kind, value)

    def failing_backfill(index: BlindIndexer) -> int:
        return names.backfill_name_index(Failing(index), BATCH)  # type: ignore[arg-type]

    monkeypatch.setattr(station.app, "backfill_name_index", failing_backfill)
    with pytest.raises(OSError, match="injected failure"):
        Station.open(data, None, PASSPHRASE, documents)
    Applicant._meta.database.close()
    check_partial(indexes(data), reference, written=2 * BATCH)

    monkeypatch.undo()
    Station.open(data, None, PASSPHRASE, documents).close()
    assert indexes(data) == reference


def check_partial(found: dict[str, str | None], reference: dict[str, str | None],
                  written: int) -> None:
    """Whole batches written, each value final; the other rows still NULL."""
    assert found.keys() == reference.keys()
    assert all(value is None or value == reference[row] for row, value in found.items())
    assert sum(value is not None for value in found.values()) == written + 1  # + the odd one


def test_kill_9_midway_through_the_backfill(
        upgraded: tuple[Path, dict[str, str | None]], documents: Path) -> None:
    data, reference = upgraded
    env = dict(os.environ, PYTHONPATH=str(HERE), STATION_TEST_WEAK_KDF="1")
    child = subprocess.run(
        [sys.executable, str(HERE / "backfill_child.py"), str(data), str(documents),
         PASSPHRASE, str(BATCH), str(3 * BATCH + 17)],
        capture_output=True, text=True, env=env, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "finished" not in child.stdout
    check_partial(indexes(data), reference, written=3 * BATCH)

    Station.open(data, None, PASSPHRASE, documents).close()
    assert indexes(data) == reference
