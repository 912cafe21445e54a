"""Materials into a hub from many stations at once, beside the line rate of one request.

Run from the repository root::

    .venv/bin/python bench/bench_materials.py [--threads 4 16] [--processes 2]
        [--scans 400] [--size-kb 200] [--blobs SPEC | --swift] [--workers N] [--sqlite]
        [--compare-tree DIR] [--workdir DIR]

Each scan is ``--size-kb`` KB of random bytes (as incompressible as encrypted scans),
uploaded with the product's client (``sync.client.HubClient.upload``: one signed ``PUT``
for a scan up to one chunk) by ``--threads`` client threads spread over ``--processes``
client processes, each thread a village of its own (registered beforehand, not timed).
The hub is ``HubService`` behind the product's waitress settings in its own process
(``bench/sync_common.py hub``) on a fresh PostgreSQL database (``--sqlite``: a SQLite
file) with its materials in ``--blobs`` (default: a folder in the work folder).

Beside it, in the same run, with the same threads and processes: the same number of
``PUT``s of the same size to the sink (``bench/sync_common.py sink``, a WSGI app that
reads each body and drops it), the rate one request per scan can reach on this machine
with nothing stored.  The figure to read is the ratio.

``--compare-tree DIR``: also run the hub and the clients from another checkout (e.g. the
main branch before the material store, whose hub keeps chunk rows in its database and
whose client sends ``POST`` + ``PATCH``), on a database of its own.

``--swift``: the materials go to a one-node OpenStack Swift through its S3 API, started
for the run by the tests' harness (``tests/swift.py``; Debian's swift packages), a
bucket of its own for each run.

The hub's command line is made by ``hub_argv`` alone, so options of the hub launcher
(``--workers``, an S3 ``--blobs``) reach it from one place.  Progress goes to stderr, the
figures to stdout; nothing is asserted about times.  The run checks that the hub holds
every scan whole and, for this tree, that no chunk row was written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sync_common as common
from bench_store import machine, run_in_work_folder

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
progress = common.progress


# -- the hub -----------------------------------------------------------------------


def hub_argv(network: Path, url: str | None, sqlite_path: Path, blobs: str | None,
             tree: Path = ROOT, workers: int = 1) -> list[str]:
    """The hub's command line (every option of the hub launcher is added here).  An
    older tree (``--compare-tree``) gets neither ``--blobs`` nor ``--workers``."""
    if tree != ROOT:
        argv = common.hub_argv(network, "127.0.0.1:0", url, sqlite_path)
        at = argv.index("--workers")
        del argv[at:at + 2]
        argv[1] = str(tree / "bench" / "sync_common.py")
        return argv
    return common.hub_argv(network, "127.0.0.1:0", url, sqlite_path, workers, blobs)


def tree_env(tree: Path) -> dict[str, str]:
    """Run a process on the code of ``tree`` (before the editable install)."""
    return {**os.environ, "PYTHONPATH": str(tree) if tree != ROOT else
            os.environ.get("PYTHONPATH", "")}


@contextmanager
def serving(argv: list[str], log: Path, env: dict[str, str]) -> Any:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        with common.serving(argv, log) as server:
            os.environ.clear()
            os.environ.update(saved)
            yield server
    finally:
        os.environ.clear()
        os.environ.update(saved)


# -- the client processes -------------------------------------------------------------


def client_main(args: argparse.Namespace) -> int:
    """One client process: ``--threads`` threads, villages from ``--first``, ``--count``
    scans in all; prints "ready", waits for a line on stdin, uploads, prints the result."""
    import requests

    from sync.client import HubClient

    size = args.size_kb * 1000
    args.threads = args.threads[0]
    per_thread = [args.count // args.threads + (1 if i < args.count % args.threads else 0)
                  for i in range(args.threads)]
    scans = [[os.urandom(size) for _ in range(n)] for n in per_thread]
    clients: list[Any] = []
    if args.target == "hub":
        net = common.Network.load(args.network)
        for index in range(args.threads):
            village = net.villages[args.first + index]
            client = HubClient(args.url, village.key, village.code, timeout=120)
            client.health()
            client.hello(village.chain_pem)
            clients.append(client)
    else:
        clients = [requests.Session() for _ in range(args.threads)]
    counted = [0] * args.threads
    for index, client in enumerate(clients):
        if args.target == "hub":
            send = client.http.request

            def counting(*a: Any, _send: Any = send, _i: int = index, **k: Any) -> Any:
                counted[_i] += 1
                return _send(*a, **k)
            client.http.request = counting
    print("ready", flush=True)
    sys.stdin.readline()
    errors: list[str] = []

    def work(index: int) -> None:
        try:
            for data in scans[index]:
                if args.target == "hub":
                    address = hashlib.sha256(data).hexdigest()
                    clients[index].upload(address, len(data), lambda at, n, d=data:
                                          d[at:at + n])
                else:
                    answer = clients[index].put(f"{args.url}/upload", data=data, headers={
                        "Content-Type": "application/octet-stream"}, timeout=120)
                    answer.raise_for_status()
                    counted[index] += 1
        except Exception as error:  # reported to the parent
            errors.append(repr(error))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
    began = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = time.time()
    print(json.dumps({"began": began, "ended": ended, "scans": sum(per_thread),
                      "requests": sum(counted), "errors": errors}), flush=True)
    return 0


def run_clients(target: str, url: str, network: Path, threads: int, processes: int,
                scans: int, size_kb: int, env: dict[str, str], tree: Path) -> dict[str, Any]:
    """``threads`` threads over ``processes`` processes, started together."""
    spread = [threads // processes + (1 if i < threads % processes else 0)
              for i in range(processes)]
    counts = [scans * n // threads for n in spread]
    counts[0] += scans - sum(counts)
    children, first = [], 0
    for n, count in zip(spread, counts, strict=True):
        argv = [sys.executable, str(Path(__file__).resolve()), "--client",
                "--target", target, "--url", url, "--network", str(network),
                "--threads", str(n), "--first", str(first), "--count", str(count),
                "--size-kb", str(size_kb)]
        first += n
        children.append(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True, env=env))
    for child in children:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"a client did not start: {line!r} ({child.wait()})")
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=1800)
        results.append(json.loads(out.strip().splitlines()[-1]))
    errors = [e for r in results for e in r["errors"]]
    if errors:
        raise RuntimeError(f"{target} clients failed: {errors[:3]}")
    seconds = max(r["ended"] for r in results) - min(r["began"] for r in results)
    done = sum(r["scans"] for r in results)
    return {"scans": done, "seconds": seconds, "rate": done / seconds,
            "requests": sum(r["requests"] for r in results)}


# -- the parent -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station materials-in benchmark.")
    parser.add_argument("--threads", type=int, nargs="+", default=[4, 16],
                        help="client threads (each setting a run of its own)")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--scans", type=int, default=400, help="scans per run")
    parser.add_argument("--size-kb", type=int, default=200, help="scan size, KB")
    parser.add_argument("--blobs", help="the hub's material store (default: a folder in "
                        "the work folder); e.g. s3://bucket/prefix?endpoint=…")
    parser.add_argument("--swift", action="store_true",
                        help="keep the materials in a Swift started for the run (S3 API)")
    parser.add_argument("--workers", type=int, default=1,
                        help="hub worker processes (more than 1: PostgreSQL only)")
    parser.add_argument("--sqlite", action="store_true",
                        help="the hub on a SQLite file instead of PostgreSQL")
    parser.add_argument("--compare-tree", type=Path,
                        help="also run hub and clients from this checkout (e.g. main)")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--network", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.client:
        return client_main(args)
    return run_in_work_folder(args.workdir, "bianmin-bench-materials-",
                              lambda work: run(args, work))


def _check(url: str | None, sqlite_path: Path, scans: int, fresh_tree: bool) -> str:
    from sync.hub.models import HubBlob, HubChunk

    with common.hub_database(url, sqlite_path) as db:
        whole = HubBlob.select().where(HubBlob.complete == True).count()  # noqa: E712
        rows = db.execute_sql(f"SELECT count(*) FROM {HubChunk._meta.table_name}").fetchone()[0]
    if whole != scans:
        raise RuntimeError(f"the hub holds {whole} whole scans of {scans}")
    if fresh_tree and rows:
        raise RuntimeError(f"{rows} chunk rows were written")
    return f"{whole} whole, {rows} chunk rows"


@contextmanager
def started_swift(work: Path) -> Any:
    """A one-node Swift for the run (the tests' harness), its keys in the environment the
    hub processes inherit (the S3 store reads the standard AWS variables)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from swift import swift_s3

    progress("starting Swift (S3 API)")
    with swift_s3(work / "swift") as swift:
        os.environ.update(swift.environment())
        yield swift


def swift_bucket(swift: Any, name: str) -> str:
    swift.client().create_bucket(Bucket=name)
    return f"s3://{name}?endpoint={swift.endpoint_url}&region={swift.region}"


def run(args: argparse.Namespace, work: Path) -> None:
    load_before = common.load_average()
    villages = max(args.threads)
    net = common.make_network(villages)
    network = work / "network.json"
    net.save(network)
    trees = [("this tree (material store, PUT)", ROOT)]
    if args.compare_tree:
        trees.append((f"{args.compare_tree} (as it stores materials)",
                      args.compare_tree.resolve()))
    lines: list[str] = []
    with ExitStack() as outer:
        swift = outer.enter_context(started_swift(work)) if args.swift else None
        sink = outer.enter_context(common.serving(common.sink_argv("127.0.0.1:0"),
                                                  work / "sink.log"))
        for label, tree in trees:
            env = tree_env(tree)
            for threads in args.threads:
                with ExitStack() as stack:
                    url = None if args.sqlite else stack.enter_context(
                        common.postgres_database("materials"))
                    sqlite_path = work / f"hub-{len(lines)}.db"
                    blobs = args.blobs or f"file://{work}/blobs-{len(lines)}"
                    if swift is not None:
                        blobs = swift_bucket(swift, f"materials-{len(lines)}")
                    hub = stack.enter_context(serving(
                        hub_argv(network, url, sqlite_path, blobs, tree, args.workers),
                        work / f"hub-{len(lines)}.log", env))
                    progress(f"{label}: {threads} threads, hub at {hub.address}")
                    cpu = hub.cpu_seconds()
                    hub_run = run_clients("hub", hub.address, network, threads,
                                          args.processes, args.scans, args.size_kb, env, tree)
                    cpu = hub.cpu_seconds() - cpu
                    checked = _check(url, sqlite_path, args.scans, tree == ROOT)
                sink_run = run_clients("sink", sink.address, network, threads, args.processes,
                                       args.scans, args.size_kb, tree_env(ROOT), ROOT)
                lines.append(
                    f"| {label} | {threads} | {hub_run['rate']:.1f} | "
                    f"{hub_run['requests'] / hub_run['scans']:.2f} | "
                    f"{cpu * 1000 / hub_run['scans']:.1f} | {sink_run['rate']:.1f} | "
                    f"{hub_run['rate'] / sink_run['rate']:.2f} | {checked} |")
                progress(lines[-1])
    engine = "SQLite" if args.sqlite else common.postgres_version()
    print(f"# materials in: {args.scans} scans of {args.size_kb} KB per run, "
          f"{args.processes} client processes, hub on {engine} with {args.workers} worker "
          f"process(es), store {'Swift (S3 API)' if args.swift else args.blobs or 'a folder (file://)'}")
    print(f"# {datetime.now().isoformat(timespec='seconds')}; {machine()}; "
          f"load before {load_before}, after {common.load_average()}")
    print("| hub | threads | scans/s | requests/scan | hub CPU ms/scan | sink PUT/s | "
          "ratio | held |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for line in lines:
        print(line)


if __name__ == "__main__":
    sys.exit(main())
