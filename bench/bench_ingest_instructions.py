"""Instructions per ingested event: one in-process SQLite push pass, counted by callgrind.

Wall-clock ingest figures (bench_sync_ingest.py) swing by ±30 % on a shared 2-core
machine; callgrind counts instructions, which do not depend on what else runs.  So a
change to the ingest path is compared with the code before it by instructions per event,
in the same run::

    python bench/bench_ingest_instructions.py --python OLD/.venv/bin/python \\
        --python .venv/bin/python

Each interpreter imports the hub code installed in its own environment (an editable
install of another checkout: ``git worktree add ../base COMMIT``, a venv there, ``pip
install -e .``) and this file's benchmark helpers.  The network, events and batches are
built as bench_sync_ingest.py builds them; only the pass itself is counted
(``callgrind_control -z`` before it, ``-d`` after).  Needs valgrind (Debian package).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUMMARY = re.compile(r"^summary: (\d+)$", re.MULTILINE)


def child(nodes: int, cases: int) -> None:
    """Build, prepare, then run the counted pass (inside callgrind)."""
    sys.path.insert(0, str(HERE))
    import bench_sync_ingest as ingest
    import sync_common as common

    work = Path(tempfile.mkdtemp(prefix="bianmin-instr-"))
    try:
        net = common.make_network(nodes)
        logs = [common.station_log(v, cases, common.readers(), 2) for v in net.villages]
        batches = ingest.batches_of(logs, 200)
        path = work / "hub.db"
        ingest.prepare(None, path, net, [a for log in logs for a in log.materials], True)
        me = str(os.getpid())
        subprocess.run(["callgrind_control", "-z", me], check=True, capture_output=True)
        result = ingest.in_process(None, path, net, batches)
        subprocess.run(["callgrind_control", "-d", "pass", me], check=True, capture_output=True)
        print(f"events {result.events}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def count(python: str, nodes: int, cases: int, out: Path) -> tuple[int, int]:
    """(instructions of the pass, events) for one interpreter."""
    answer = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.%p", python,
         str(Path(__file__).resolve()), "--child", "--nodes", str(nodes), "--cases",
         str(cases)], capture_output=True, text=True, check=False)
    events = re.search(r"^events (\d+)$", answer.stderr, re.MULTILINE)
    dumps = [p for p in out.parent.glob(out.name + ".*") if p.suffix != "" and
             "Trigger: dump pass" in p.read_text(errors="replace")]
    if answer.returncode != 0 or events is None or not dumps:
        raise SystemExit(f"{python}: the counted pass did not run:\n{answer.stderr[-2000:]}")
    found = SUMMARY.search(dumps[0].read_text(errors="replace"))
    assert found is not None
    return int(found.group(1)), int(events.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", default=[],
                        help="an interpreter whose environment holds the hub to count "
                             "(repeat to compare; default: this one)")
    parser.add_argument("--nodes", type=int, default=5, help="village nodes")
    parser.add_argument("--cases", type=int, default=50, help="cases per node (4 events each)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.nodes, args.cases)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is needed (Debian package valgrind)", file=sys.stderr)
        return 2
    pythons = args.python or [sys.executable]
    work = Path(tempfile.mkdtemp(prefix="bianmin-callgrind-"))
    try:
        figures = []
        for number, python in enumerate(pythons):
            instructions, events = count(python, args.nodes, args.cases, work / f"cg{number}")
            figures.append(instructions / events)
            print(f"{python}: {events:,} events, {instructions:,} instructions, "
                  f"{instructions / events:,.0f} per event"
                  + (f", ratio {figures[-1] / figures[0]:.3f} to the first" if number else ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
