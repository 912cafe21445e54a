"""A station's own backup and restore, beside a plain tar of the same data folder.

Run from the repository root::

    .venv/bin/python bench/bench_station_backup.py [--cases 20] [--pages 3] [--page-mb 1]
                                                   [--rounds 5] [--workdir DIR]

It prints figures, each beside a peer measured in the same run, as a ratio, and
asserts nothing (timings are read by people: docs/performance.md).

1. Files ``--cases`` cases of ``--pages`` pages of ``--page-mb`` MiB of
   incompressible data, with the real filing code (encrypted store and scans).
2. ``take_backup`` (store snapshot, the scans, streaming AEAD, fsync) against the
   peer: ``tarfile`` of the whole data folder, unencrypted, into one file, fsynced.
3. ``restore_backup`` (authenticate, unpack, check every scan's address, the
   store's integrity, fsync, rename) against the peer: extracting that tar, fsynced.

The two sides alternate which goes first.  Progress goes to stderr; figures to stdout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from bench_store import (
    APPLICANT,
    ELDER_FORM,
    ELDER_MATTER,
    NODE,
    PASSPHRASE,
    fresh_scans,
    fsync_path,
    page_names,
)

from keys.kdf import WEAK_KDF_VARIABLE
from station.app import Station
from station.backup.restore import WithPassphrase, restore_backup
from station.backup.take import take_backup
from station.filing.new_case import file_case


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fsync_path(Path(folder) / name)
        fsync_path(Path(folder))


def plain_tar(data: Path, target: Path) -> None:
    with tarfile.open(target, "w") as tar:
        tar.add(data, arcname="data")
    fsync_path(target)


def plain_untar(source: Path, target: Path) -> None:
    with tarfile.open(source) as tar:
        tar.extractall(target, filter="data")
    fsync_tree(target)


def timed(call: object) -> float:
    start = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--page-mb", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    os.environ[WEAK_KDF_VARIABLE] = "1"  # the KDF is not what is measured
    os.environ.setdefault("STATION_NO_OPEN", "1")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-backup-"))
    data, documents = work / "data", work / "documents"
    station = Station.init(data, *NODE, "daiban", PASSPHRASE, documents)[0]
    names = page_names(args.pages)
    size = int(args.page_mb * 1024 * 1024)
    progress(f"filing {args.cases} cases of {args.pages} × {args.page_mb} MiB …")
    for number in range(args.cases):
        files = fresh_scans(work / "scans", names, size)
        file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files, print_documents=False)
        if number % 5 == 4:
            progress(f"  {number + 1}")
    shutil.rmtree(work / "scans")
    folder_bytes = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())

    backup_times, tar_times, restore_times, untar_times = [], [], [], []
    backup_size = 0
    copy, tar = work / "copy.bmsbackup", work / "copy.tar"
    restored, untarred = work / "restored", work / "untarred"
    for number in range(args.rounds + 1):  # round 0 warms up and is not counted
        for path in (copy, tar):
            path.unlink(missing_ok=True)
        sides = [("backup", lambda: take_backup(station, copy)),
                 ("tar", lambda: plain_tar(data, tar))]
        if number % 2:
            sides.reverse()
        took = {name: timed(call) for name, call in sides}
        backup_size = copy.stat().st_size
        for path in (restored, untarred):
            shutil.rmtree(path, ignore_errors=True)
        back = [("restore", lambda: restore_backup(copy, restored, WithPassphrase(PASSPHRASE))),
                ("untar", lambda: plain_untar(tar, untarred))]
        if number % 2:
            back.reverse()
        took.update({name: timed(call) for name, call in back})
        if number:
            backup_times.append(took["backup"])
            tar_times.append(took["tar"])
            restore_times.append(took["restore"])
            untar_times.append(took["untar"])
        progress(f"round {number}: " + ", ".join(f"{k} {v:.2f} s" for k, v in took.items()))
    station.close()

    def line(what: str, ours: list[float], peer: list[float], peer_name: str) -> None:
        a, b = statistics.median(ours), statistics.median(peer)
        print(f"{what:<10} {a:7.2f} s   {peer_name:<18} {b:7.2f} s   ratio {a / b:5.2f}×   "
              f"({folder_bytes / a / 1e6:6.1f} MB/s of data folder)")

    print(f"data folder {folder_bytes / 1e6:.1f} MB ({args.cases} cases × {args.pages} × "
          f"{args.page_mb} MiB); backup file {backup_size / 1e6:.1f} MB; "
          f"median of {args.rounds} rounds, {os.cpu_count()} cores")
    line("backup", backup_times, tar_times, "plain tar + fsync")
    line("restore", restore_times, untar_times, "plain untar + fsync")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
