"""Upgrade benchmark: the first login after a store upgrade to schema 3 (name index).

Run from the repository root::

    .venv/bin/python bench/bench_upgrade.py [--residents 100000] [--runs 3] [--workdir DIR]

Schema 3 added the blind index of residents' names; it needs the station's key,
so rows from before it get their index at the next unlock (``backfill_name_index``).
The bench builds a store of ``--residents`` residents through the real encrypted
model (bench_store's way), then clears every name index (the state the schema 3
migration leaves behind), and times ``Station.open`` on fresh copies of that store:

- with the per-row backfill of release 3 (one UPDATE per resident; kept below as
  the reference), "before";
- with the station's backfill (batches, one prepared UPDATE per batch), "after";
- the second login (nothing left to backfill), the floor.

It checks that both backfills wrote the same index, and prints each figure beside
the 2 s limit (issue 19) as a ratio.  It asserts nothing about time: timings are
read by people (docs/performance.md), never checked by tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bench_store import (
    AGENT,
    BATCH,
    NODE,
    PASSPHRASE,
    Timing,
    filesystem_of,
    insert_rows,
    machine,
    ms,
    progress,
    residents_of,
    run_in_work_folder,
)

import station.app
from keys.blind import BlindIndexer
from keys.kdf import WEAK_KDF_VARIABLE
from station.app import Station
from station.store.models import Applicant, new_id
from station.store.names import normalise_name

LIMIT_S = 2.0


def per_row_backfill(index: BlindIndexer) -> int:
    """The backfill as release 3 shipped it (the "before"): one UPDATE per row."""
    missing = list(Applicant.select().where(Applicant.name_index.is_null()))
    if not missing:
        return 0
    db = Applicant._meta.database
    with db.atomic("IMMEDIATE"):
        for person in missing:
            Applicant.update(name_index=index.index("name", normalise_name(person.name))).where(
                Applicant.id == person.id).execute()
    return len(missing)


def build(data: Path, documents: Path, residents: int) -> None:
    station_, _sheet = Station.init(data, *NODE, AGENT, PASSPHRASE, documents)
    people = residents_of(residents * 5 // 4)[:residents]
    try:
        for start in range(0, len(people), BATCH):
            rows = []
            for who in people[start : start + BATCH]:
                person = Applicant(id=new_id(), created_at="2026-01-05T09:00:00+08:00",
                                   id_index=station_.index.index("id_number", who.id_number),
                                   phone_index=station_.index.index("phone", who.phone))
                person.name = who.name
                person.id_number = who.id_number
                person.birth_date = who.birth_date
                person.sex = who.sex
                person.phone = who.phone
                person.address = who.address
                rows.append(person.__data__)
            with station_.db.atomic("IMMEDIATE"):
                insert_rows(station_, Applicant, rows)
            progress(f"  {min(start + BATCH, len(people)):,} residents")
    finally:
        station_.close()
    # What the schema 3 migration leaves: the column is there, every value NULL.
    conn = sqlite3.connect(data / "station.db")
    try:
        with conn:
            conn.execute("UPDATE applicant SET name_index = NULL")
    finally:
        conn.close()


def name_indexes(data: Path) -> list[tuple[str, str | None]]:
    conn = sqlite3.connect(data / "station.db")
    try:
        return conn.execute("SELECT id, name_index FROM applicant ORDER BY id").fetchall()
    finally:
        conn.close()


def login(template: Path, run: Path, documents: Path,
          backfill: Callable[[BlindIndexer], int] | None) -> float:
    """Seconds for Station.open on a fresh copy of the upgraded store."""
    if run.exists():
        shutil.rmtree(run)
    shutil.copytree(template, run)
    original = station.app.backfill_name_index
    if backfill is not None:
        station.app.backfill_name_index = backfill  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        opened = Station.open(run, AGENT, PASSPHRASE, documents)
        elapsed = time.perf_counter() - start
        opened.close()
    finally:
        station.app.backfill_name_index = original
    return elapsed


def second_login(run: Path, documents: Path) -> float:
    start = time.perf_counter()
    opened = Station.open(run, AGENT, PASSPHRASE, documents)
    elapsed = time.perf_counter() - start
    opened.close()
    return elapsed


def line(label: str, timing: Timing) -> None:
    ratio = timing.median / LIMIT_S
    print(f"  {label:<44} {ms(timing.median):>10} ({timing.spread()})  "
          f"limit {LIMIT_S:.0f} s  ratio {ratio:.2f}{'' if ratio <= 1 else '  OVER'}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station upgrade benchmark.")
    parser.add_argument("--residents", type=int, default=100_000, help="residents in the store")
    parser.add_argument("--runs", type=int, default=3, help="logins timed per figure")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_work_folder(args.workdir, "bianmin-bench-upgrade-", lambda work: run(args, work))


def run(args: argparse.Namespace, work: Path) -> None:
    template, documents, run_dir = work / "upgraded", work / "documents", work / "run"
    progress(f"building a store of {args.residents:,} residents")
    build(template, documents, args.residents)
    before, after, floor = Timing(), Timing(), Timing()
    reference: list[tuple[str, str | None]] = []
    for i in range(args.runs):
        progress(f"run {i + 1}/{args.runs}: per-row backfill")
        before.samples.append(login(template, run_dir, documents, per_row_backfill))
        reference = name_indexes(run_dir)
        progress(f"run {i + 1}/{args.runs}: batched backfill")
        after.samples.append(login(template, run_dir, documents, None))
        if name_indexes(run_dir) != reference or any(v is None for _, v in reference):
            raise SystemExit("the batched backfill wrote a different name index")
        floor.samples.append(second_login(run_dir, documents))
    weak = os.environ.get(WEAK_KDF_VARIABLE) == "1"
    print()
    print(f"Bianmin Station upgrade benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine()}")
    print(f"  workdir: {work} on {filesystem_of(work)}")
    print(f"  KDF: {'WEAK test KDF (STATION_TEST_WEAK_KDF=1)' if weak else 'product scrypt'}")
    print(f"  first login after the upgrade to schema 3, {len(reference):,} residents without "
          f"a name index; medians (min–max) of {args.runs} runs; both backfills wrote the "
          "same index")
    line("Station.open, per-row backfill (before)", before)
    line("Station.open, batched backfill (after)", after)
    line("Station.open, nothing to backfill (floor)", floor)


if __name__ == "__main__":
    sys.exit(main())
