"""Many stations at once: 500 villages syncing against one hub over HTTP.

Run from the repository root::

    .venv/bin/python bench/bench_sync_stations.py [--stations 500] [--cases 5] [--materials 2]
        [--single 7] [--client-processes 2] [--timeout 120] [--backend sqlite|postgresql]
        [--workers N] [--baseline DIR] [--baseline-backend sqlite|postgresql] [--repeat K]
        [--known] [--workdir DIR]

It prints the push latency of ``--stations`` stations that all start at the
same moment, beside the push latency of one station alone measured in the
same run against the same hub, as a ratio.  It asserts nothing about timings
(they are read by people, docs/performance.md); it does check that every
event was accepted, and prints no figure if a station had an event refused.

Configurations, one after another in the same run, each on a fresh hub
database (a fresh PostgreSQL database, or a fresh SQLite file), with the same
network, the same station logs and the same clients (this checkout's
``HubClient``):

- ``--baseline DIR`` (first): the hub served by an older checkout, DIR (say
  ``git worktree add --detach /work/wt/filed d3010bd``, the code as issue 19
  was filed), single process: DIR's own ``bench/sync_common.py hub`` with
  ``PYTHONPATH=DIR``, so DIR's packages are imported (the bench checks where
  they came from); its tables are made and filled by DIR's code too.  Only
  the options every version of ``hub`` understands are given
  (``--network --listen --db|--sqlite``).  ``--baseline-backend`` gives its
  database (default: ``--backend``): issue 19's "94 ms per station" was the
  code as filed on SQLite, its default; on PostgreSQL it costs far less.
- this checkout's hub, single process (waitress);
- with ``--workers N`` (N > 1, PostgreSQL only), this checkout's hub with N
  worker processes: the single-process hub beside it in the same run.

``--known``: before the stations alone and the storm, every station says hello once,
one after another, so the hub knows them (their chains registered, and remembered by
the running hub): the morning rush of stations that synced yesterday.  Without it
every station meets the hub for the first time, as issue 19 measured.

``--repeat K`` runs each configuration's storm K times (a fresh database each
time; the hub's CPU per station varies by about ±12 % from run to run on a
shared 2-core machine) and the summary gives medians.

What it does:

1. Certifies ``--stations`` + ``--single`` villages under one township with
   ``keys/ca.py`` (each its own Ed25519 key and certificate chain) and builds
   each village's log with ``sync/envelope.py``: ``--cases`` cases of four
   events (``case.filed`` citing ``--materials`` materials,
   ``case.notice_issued``, ``access.printed``, ``access.viewed``), sealed to
   two offices, signed, hash-chained.  The materials are marked whole in the
   hub's table beforehand (uploading is bench_sync_goodput.py's subject).
2. Starts the township hub in its own process (``HubService`` behind waitress
   with the product's settings, ``sync/hub/serve.py``: 8 threads, waitress's
   default limit of 100 open connections) on loopback, on SQLite (a file,
   the default) or a fresh PostgreSQL database.  ``--workers N`` (N > 1,
   PostgreSQL only): the hub as ``station hub serve --workers N`` serves it, N
   gunicorn worker processes of 8 threads each (``sync/hub/workers.py``); the
   hub's CPU time is then the master's plus its workers'.
3. Single station: the ``--single`` extra villages sync one after another,
   alone: a station's sync session with ``sync.client.HubClient`` —
   ``GET /v1/health``, ``POST /v1/hello`` (its chain), ``POST /v1/events``
   (its whole log, one batch).
4. All at once: ``--client-processes`` processes, each with one thread per
   station (a fresh ``HubClient``, its own connection), wait until every
   thread is ready, then all start the same session at the same moment.

Figures: push latency (the ``POST /v1/events`` request) and whole-session
latency, p50 / p99 / max, and the events accepted per second from the start
to the last answer (the drain).  CPU time during the storm: the hub's; the
client processes'; and with ``--backend postgresql`` the database server's,
the sum over every process whose command name is ``postgres`` (its backends
and background processes; not the backends of other databases, which other
benchmarks may be using) of the CPU time from /proc/PID/stat before and after
the storm.  A backend that exits during the storm takes its CPU time with it
(uncounted); the hub keeps its connections open, so few do.

Two bounds on the drain, both printed: (a) the literal one of issue 19's
done-when, 1.3 × hub CPU per station × stations ÷ cores, which supposes the
hub has the cores to itself, as on a county's hub machine; and (b) the
machine's, 1.3 × (hub + PostgreSQL + clients CPU) ÷ cores, whether the cores
stayed busy.  Here the client processes and PostgreSQL share the same two
cores with the hub, so the drain also pays for their CPU and (a) cannot be met
by the hub alone; (b) tells whether the time went into work or into waiting.
Beside them, the whole machine's busy share during the storm (/proc/stat,
every process's): on a machine shared with other work, a drain above bound (b)
with the cores near 100 % busy is the others' doing, not the hub waiting.
Progress goes to stderr; the figures to stdout, at the end: a block per run,
then a summary table.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sync_common as common
from bench_store import machine, ms, run_in_work_folder

from sync.client import HubClient

progress = common.progress
PRODUCT_TIMEOUT = 30.0  # HubClient's default request timeout
ROOT = Path(__file__).resolve().parent.parent  # this checkout
BOUND = 1.3  # issue 19: the drain within 1.3 × the CPU it needs ÷ the cores
CORES = len(os.sched_getaffinity(0))


# -- the client process ------------------------------------------------------------


def session(address: str, station: dict[str, Any], timeout: float,
            go: threading.Event | None, parked: threading.Barrier | None = None
            ) -> dict[str, Any]:
    """One station's sync session; its timings (absolute times from time.time()).

    With ``go``, the station prepares, reports at ``parked``, then waits for ``go``."""
    node = common.Node.from_json(station["node"])
    raws = [base64.b64decode(r) for r in station["envelopes"]]
    client = HubClient(address, node.key, node.code, timeout=timeout)
    if go is not None:
        if parked is not None:
            parked.wait()
        go.wait()
    began = time.time()
    out: dict[str, Any] = {"code": node.code, "began": began, "events": len(raws)}
    try:
        client.health()
        health = time.time()
        client.hello(node.chain_pem)
        hello = time.time()
        answer = client.push(raws)
        ended = time.time()
        out.update(health=health - began, hello=hello - health, push=ended - hello,
                   session=ended - began, ended=ended, accepted=answer.accepted)
    except Exception as error:  # counted and shown, not fatal: the others go on
        out.update(error=f"{type(error).__name__}: {error}"[:200], ended=time.time())
    return out


def client_main(spec_path: Path) -> int:
    """Run the stations in ``spec_path``: one after another ("alone"), or all at once
    when the parent writes a line to stdin after this process printed "ready"."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    address, timeout, stations = spec["address"], spec["timeout"], spec["stations"]
    if spec["mode"] == "known":  # each station says hello once: the hub knows it after
        for station in stations:
            node = common.Node.from_json(station["node"])
            HubClient(address, node.key, node.code, timeout=timeout).hello(node.chain_pem)
        print(json.dumps({"results": []}), flush=True)
        return 0
    if spec["mode"] == "alone":
        one_by_one = [session(address, station, timeout, None) for station in stations]
        print(json.dumps({"results": one_by_one}), flush=True)
        return 0
    go = threading.Event()
    parked = threading.Barrier(len(stations) + 1)  # every station, and this thread
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def run(station: dict[str, Any]) -> None:
        result = session(address, station, timeout, go, parked)
        with lock:
            results.append(result)

    threading.stack_size(512 * 1024)
    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in stations]
    for thread in threads:
        thread.start()
    parked.wait()  # every station is prepared; the last few steps to go.wait() are tiny
    print("ready", flush=True)
    sys.stdin.readline()
    cpu_before = _cpu()
    go.set()
    for thread in threads:
        thread.join()
    print(json.dumps({"results": results, "cpu": _cpu() - cpu_before}), flush=True)
    return 0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the parent ------------------------------------------------------------------------


def station_spec(log: common.StationLog) -> dict[str, Any]:
    return {"node": log.node.to_json(),
            "envelopes": [base64.b64encode(r).decode() for r in log.envelopes]}


def write_spec(path: Path, address: str, timeout: float, mode: str,
               logs: list[common.StationLog]) -> Path:
    path.write_text(json.dumps({"address": address, "timeout": timeout, "mode": mode,
                                "stations": [station_spec(log) for log in logs]}),
                    encoding="utf-8")
    return path


def client_argv(spec: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--client", str(spec)]


def introduce(address: str, logs: list[common.StationLog], timeout: float,
              work: Path) -> None:
    """Every station's hello, one after another: the stations the hub knows (``--known``)."""
    spec = write_spec(work / "known.json", address, timeout, "known", logs)
    subprocess.run(client_argv(spec), capture_output=True, text=True, check=True)


def alone(address: str, logs: list[common.StationLog], timeout: float,
          work: Path) -> list[dict[str, Any]]:
    spec = write_spec(work / "alone.json", address, timeout, "alone", logs)
    done = subprocess.run(client_argv(spec), capture_output=True, text=True, check=True)
    results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
    return results


@dataclass(frozen=True)
class Configuration:
    """One hub to storm: whose code serves it, how many processes."""

    label: str
    root: Path  # the checkout whose packages the hub imports
    workers: int
    baseline: bool = False
    backend: str = "sqlite"  # where its hub keeps its tables: sqlite or postgresql


@dataclass
class Storm:
    results: list[dict[str, Any]]
    started: float  # time.time() when the parent said go
    client_cpu: float
    hub_cpu: float
    postgres_cpu: float | None  # None: SQLite
    postgres_ended: int = 0  # server processes that ended during the storm (CPU uncounted)
    machine_cpu: float = 0.0  # every process's on the machine, these and others
    machine_span: float = 1.0  # seconds over which machine_cpu was measured


@dataclass
class Run:
    """One configuration's storm and its peers alone, on one fresh database."""

    configuration: Configuration
    number: int  # 1 … --repeat
    storm: Storm
    single: list[dict[str, Any]]

    @property
    def ok(self) -> list[dict[str, Any]]:
        return [r for r in self.storm.results if "error" not in r]

    @property
    def drain(self) -> float:
        """From go to the last answer."""
        return max(r["ended"] for r in self.storm.results) - self.storm.started

    @property
    def hub_per_station(self) -> float:
        return self.storm.hub_cpu / max(1, len(self.ok))

    @property
    def all_cpu(self) -> float:
        return self.storm.hub_cpu + (self.storm.postgres_cpu or 0.0) + self.storm.client_cpu

    @property
    def machine_busy(self) -> float:
        """The share of the cores busy during the storm, with anyone's work (from go to the
        clients' last report, a moment after the drain's end)."""
        return self.storm.machine_cpu / (self.storm.machine_span * CORES)

    def bound_literal(self, stations: int) -> float:
        return BOUND * self.hub_per_station * stations / CORES

    def bound_machine(self) -> float:
        return BOUND * self.all_cpu / CORES

    def slow(self) -> dict[str, int]:
        return {step: len([r for r in self.ok if r[step] > PRODUCT_TIMEOUT])
                for step in ("health", "hello", "push")}


def code_env(root: Path) -> dict[str, str]:
    """The environment of a process that imports ``root``'s packages (ahead of the
    editable install's finder, which Python consults after PYTHONPATH)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "bench")])}


def describe(root: Path) -> str:
    done = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or root.name


# The hub's tables, made and filled by the serving checkout's own code (its schema).
SETUP = """
import json, sys
from pathlib import Path
import sync_common as common
from sync.hub.service import HubService
spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
net = common.Network.load(Path(spec["network"]))
with common.hub_database(spec["url"], Path(spec["sqlite"])) as db:
    HubService(net.identity(), db)
    common.register_materials(spec["materials"])
    common.register_directory()
print(json.dumps([common.__file__, sys.modules[HubService.__module__].__file__]))
"""


def prepare(configuration: Configuration, network: Path, url: str | None, sqlite_path: Path,
            materials: list[str], work: Path) -> None:
    spec = work / "setup.json"
    spec.write_text(json.dumps({"network": str(network), "url": url,
                                "sqlite": str(sqlite_path), "materials": materials}),
                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", SETUP, str(spec)], capture_output=True,
                          text=True, env=code_env(configuration.root), cwd=configuration.root)
    if done.returncode:
        raise RuntimeError(f"setting up the hub's tables failed:\n{done.stderr}")
    for imported in json.loads(done.stdout.splitlines()[-1]):
        if not Path(imported).resolve().is_relative_to(configuration.root):
            raise RuntimeError(f"{configuration.label}: imported {imported}, not from "
                               f"{configuration.root}")


def hub_argv(root: Path, network: Path, url: str | None, sqlite_path: Path,
             workers: int) -> list[str]:
    """``root``'s ``bench/sync_common.py hub``, with only the options every version of it
    understands (``--workers`` only above 1: older ones have no such option)."""
    argv = [sys.executable, str(root / "bench" / "sync_common.py"), "hub", "--network",
            str(network), "--listen", "127.0.0.1:0"]
    if workers > 1:
        argv += ["--workers", str(workers)]
    return argv + (["--db", url] if url else ["--sqlite", str(sqlite_path)])


def at_once(hub: common.Server, logs: list[common.StationLog], processes: int, timeout: float,
            work: Path, database: str | None) -> Storm:
    """The storm; ``database``: the PostgreSQL database whose server's CPU time counts."""
    clients = []
    for number in range(processes):
        spec = write_spec(work / f"storm-{number}.json", hub.address, timeout, "storm",
                          logs[number::processes])
        clients.append(subprocess.Popen(client_argv(spec), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True))
    for client in clients:
        assert client.stdout is not None
        if client.stdout.readline().strip() != "ready":
            raise RuntimeError("a client process did not start")
    postgres_before = common.postgres_cpu(database) if database else {}
    hub_before = hub.cpu_seconds()
    machine_before = common.machine_busy_seconds()
    started = time.time()
    for client in clients:
        assert client.stdin is not None
        client.stdin.write("go\n")
        client.stdin.flush()
    results, cpu = [], 0.0
    for client in clients:
        out, _ = client.communicate()
        value = json.loads(out)
        results += value["results"]
        cpu += value["cpu"]
    hub_cpu = hub.cpu_seconds() - hub_before
    machine_cpu = common.machine_busy_seconds() - machine_before
    span = time.time() - started
    if not database:
        return Storm(results, started, cpu, hub_cpu, None, machine_cpu=machine_cpu,
                     machine_span=span)
    postgres_after = common.postgres_cpu(database)
    return Storm(results, started, cpu, hub_cpu,
                 common.cpu_used(postgres_before, postgres_after),
                 len(postgres_before.keys() - postgres_after.keys()), machine_cpu, span)


def configurations(args: argparse.Namespace) -> list[Configuration]:
    found = []
    if args.baseline:
        root = args.baseline.resolve()
        backend = args.baseline_backend or args.backend
        found.append(Configuration(f"baseline {describe(root)}, 1 process, {backend}", root, 1,
                                   True, backend))
    found.append(Configuration("today, 1 process", ROOT, 1, backend=args.backend))
    if args.workers > 1:
        found.append(Configuration(f"today, {args.workers} workers", ROOT, args.workers,
                                   backend=args.backend))
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station: many stations, one hub.")
    parser.add_argument("--stations", type=int, default=500, help="stations syncing at once")
    parser.add_argument("--cases", type=int, default=5,
                        help="cases per station (4 events each), pushed as one batch")
    parser.add_argument("--materials", type=int, default=2,
                        help="materials each case.filed cites")
    parser.add_argument("--single", type=int, default=7,
                        help="extra stations that sync alone, one after another (the peer)")
    parser.add_argument("--client-processes", type=int, default=2,
                        help="processes the simultaneous stations are spread over")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="client request timeout, seconds (the product's default is 30)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1,
                        help="hub worker processes (more than 1 needs --backend postgresql); "
                        "the single-process hub is run beside it")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="a checkout of older code whose single-process hub is stormed "
                        "first, in the same run")
    parser.add_argument("--baseline-backend", choices=("sqlite", "postgresql"),
                        help="the baseline hub's database (default: --backend); sqlite is "
                        "the code as filed's default, a file beside the hub")
    parser.add_argument("--known", action="store_true",
                        help="stations the hub already knows: each says hello once before "
                        "(a morning after yesterday's sync; the hub still running)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="storms per configuration, each on a fresh database; the "
                        "summary gives medians")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    parser.add_argument("--client", type=Path, help=argparse.SUPPRESS)  # a client process
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.client:
        return client_main(args.client)
    if not 1 <= args.stations + args.single <= 999 or args.single < 1:
        print("--stations + --single must be 2–999 (village numbers of one township), "
              "--single at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and args.backend != "postgresql":
        print("--workers above 1 needs --backend postgresql", file=sys.stderr)
        return 2
    if args.repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    if args.baseline and not (args.baseline / "bench" / "sync_common.py").is_file():
        print(f"--baseline {args.baseline}: no bench/sync_common.py there", file=sys.stderr)
        return 2
    return run_in_work_folder(args.workdir, "bianmin-bench-stations-", lambda work: run(args, work))


def run(args: argparse.Namespace, work: Path) -> None:
    load_before = common.load_average()
    everyone = args.stations + args.single
    progress(f"certifying {everyone} villages")
    net = common.make_network(everyone)
    network_file = work / "network.json"
    net.save(network_file)
    progress(f"building {everyone} × {args.cases * common.EVENTS_PER_CASE} events")
    recipients = common.readers()
    logs = [common.station_log(v, args.cases, recipients, args.materials)
            for v in net.villages]
    storm_logs, single_logs = logs[:args.stations], logs[args.stations:]
    sizes = [sum(len(r) for r in log.envelopes) for log in logs]
    materials = [a for log in logs for a in log.materials]
    runs: list[Run] = []
    for configuration in configurations(args):
        for number in range(1, args.repeat + 1):
            tag = f"{len(runs) + 1}"
            path = work / f"hub-{tag}.db"
            context: AbstractContextManager[str | None] = (
                common.postgres_database("stations") if configuration.backend == "postgresql"
                else nullcontext())
            with context as url:
                progress(f"{configuration.label}, run {number} of {args.repeat}: the hub's "
                         "tables")
                prepare(configuration, network_file, url, path, materials, work)
                argv = hub_argv(configuration.root, network_file, url, path,
                                configuration.workers)
                with common.serving_in(argv, work / f"hub-{tag}.log",
                                       env=code_env(configuration.root),
                                       cwd=configuration.root) as hub:
                    if args.known:
                        progress("every station says hello first (known to the hub)")
                        introduce(hub.address, logs, args.timeout, work)
                    progress(f"{args.single} stations alone, one after another")
                    single = alone(hub.address, single_logs, args.timeout, work)
                    progress(f"{args.stations} stations at once, in {args.client_processes} "
                             "client processes")
                    storm = at_once(hub, storm_logs, args.client_processes, args.timeout,
                                    work, url.rsplit("/", 1)[1] if url else None)
            runs.append(Run(configuration, number, storm, single))
            refused = [r for r in storm.results + single
                       if "error" not in r and r["accepted"] != r["events"]]
            if refused:
                raise RuntimeError(f"{configuration.label}: {len(refused)} stations had events "
                                   "refused: the figures would be wrong")
    header(args, sizes, load_before)
    for each in runs:
        report(args, each)
    summary(args, runs)


def header(args: argparse.Namespace, sizes: list[int], load_before: str) -> None:
    library = common.postgres_version() if args.backend == "postgresql" \
        else f"SQLite {sqlite3.sqlite_version}"
    print()
    print(f"Bianmin Station: {args.stations} stations syncing at once, "
          f"{datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine(library)}")
    print(f"  load average (1/5/15 min): {load_before} at the start, "
          f"{common.load_average()} at the end")
    where = {"sqlite": "a SQLite file", "postgresql": "PostgreSQL on 127.0.0.1"}
    backends = sorted({c.backend for c in configurations(args)})
    print(f"  hub on {' or '.join(where[b] for b in backends)} (as each configuration says)"
          f", a fresh database each run; clients: {args.client_processes} processes × "
          f"{-(-args.stations // args.client_processes)} threads, timeout {args.timeout:g} s")
    print(f"  each station: health, hello (its certificate chain), one push of "
          f"{args.cases * common.EVENTS_PER_CASE} events ({statistics.median(sizes):,.0f} B "
          f"median); alone = median of {args.single} stations syncing one after another")
    print("  the stations are " + ("known to the hub (each said hello once before)"
                                   if args.known else "new to the hub (first hello)"))


def report(args: argparse.Namespace, run: Run) -> None:
    storm, single, ok = run.storm, run.single, run.ok
    configuration = run.configuration
    failed = [r for r in storm.results + single if "error" in r]
    single_push = statistics.median(r["push"] for r in single)
    single_session = statistics.median(r["session"] for r in single)
    wall = run.drain
    events = sum(r["accepted"] for r in ok)
    server = "waitress (8 threads, 100 connections)" if configuration.workers == 1 else \
        f"gunicorn ({configuration.workers} worker processes × 8 threads)"
    print()
    print(f"{configuration.label}, run {run.number} of {args.repeat}: HubService behind "
          f"{server}, code from {configuration.root}")
    if ok:
        latency_line("push (POST /v1/events)", [r["push"] for r in ok], single_push)
        latency_line("whole session (3 requests)", [r["session"] for r in ok], single_session)
        for step, label in (("health", "  of which GET /v1/health"),
                            ("hello", "  of which POST /v1/hello")):
            latency_line(label, [r[step] for r in ok],
                         statistics.median(r[step] for r in single))
    print(f"  stations done: {len(ok)} of {args.stations}; failed: {len(failed)}"
          + (f" (first: {failed[0]['error']})" if failed else ""))
    print(f"  requests longer than HubClient's default timeout ({PRODUCT_TIMEOUT:g} s; a real "
          f"station would have given up and retried later): "
          + ", ".join(f"{step} {count}" for step, count in run.slow().items()))
    print(f"  throughput: {events:,} events in {wall:.1f} s = {events / wall:,.0f} events/s, "
          f"{len(ok) / wall:,.1f} stations/s (start to last answer)")
    whose = "hub" if configuration.workers == 1 else \
        f"hub (master + {configuration.workers} workers)"
    postgres = "" if storm.postgres_cpu is None else \
        f"PostgreSQL {storm.postgres_cpu:.1f} s ({storm.postgres_cpu / wall:.0%}), "
    print(f"  CPU during the storm: {whose} {storm.hub_cpu:.1f} s ({storm.hub_cpu / wall:.0%} of "
          f"one core), {postgres}clients {storm.client_cpu:.1f} s "
          f"({storm.client_cpu / wall:.0%}); all {run.all_cpu:.1f} s of {wall:.1f} s wall × "
          f"{CORES} cores ({run.all_cpu / wall / CORES:.0%} busy)")
    print(f"  the whole machine (/proc/stat, every process, others' too): "
          f"{storm.machine_cpu:.1f} s busy ({run.machine_busy:.0%} of {CORES} cores), of which "
          f"not this bench's {max(0.0, storm.machine_cpu - run.all_cpu):.1f} s")
    print(f"  hub CPU per station {ms(run.hub_per_station)}"
          + ("" if storm.postgres_cpu is None else
             f"; PostgreSQL per station {ms(storm.postgres_cpu / max(1, len(ok)))} "
             f"({storm.postgres_ended} of its processes ended during the storm, their CPU "
             "uncounted)"))
    print(f"  drain bound (a), the done-when's: {BOUND:g} × hub CPU per station × "
          f"{args.stations} ÷ {CORES} cores = {run.bound_literal(args.stations):.1f} s; "
          f"drain ÷ bound {wall / run.bound_literal(args.stations):.2f}")
    print(f"  drain bound (b), the machine's: {BOUND:g} × (hub + "
          f"{'' if storm.postgres_cpu is None else 'PostgreSQL + '}clients CPU) ÷ {CORES} "
          f"cores = {run.bound_machine():.1f} s; drain ÷ bound {wall / run.bound_machine():.2f}")


def latency_line(label: str, values: list[float], single: float) -> None:
    p50, p99 = common.percentile(values, 50), common.percentile(values, 99)
    print(f"  {label:<30} p50 {ms(p50):>9}   p99 {ms(p99):>9}   max {ms(max(values)):>9}   "
          f"alone {ms(single):>9}   ratio p50 {p50 / single:6.1f}, p99 {p99 / single:6.1f}")


SUMMARY = "{:<28} {:>9} {:>9} {:>7} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7}"


def summary(args: argparse.Namespace, runs: list[Run]) -> None:
    """Medians over each configuration's runs; failures and timeouts summed over them."""
    print()
    print(f"Summary: {args.stations} stations at once, median of {args.repeat} run(s) per "
          "configuration (CPU per station: per station done)")
    print(SUMMARY.format("configuration", "push p50", "push p99", "drain", "hub CPU",
                         "×base", "PG CPU", "clients", "drain÷a", "drain÷b", "machine", "failed"))
    print(SUMMARY.format("", "", "", "", "/station", "", "/station", "/station", "", "",
                         "busy", "/>30 s"))
    base: float | None = None
    for configuration in dict.fromkeys(r.configuration for r in runs):
        mine = [r for r in runs if r.configuration == configuration]
        pushes = [[x["push"] for x in r.ok] or [float("nan")] for r in mine]
        hub = statistics.median(r.hub_per_station for r in mine)
        if configuration.baseline:
            base = hub
        postgres = [r.storm.postgres_cpu / max(1, len(r.ok)) for r in mine
                    if r.storm.postgres_cpu is not None]
        failed = sum(len(r.storm.results) - len(r.ok) for r in mine)
        slow = sum(sum(r.slow().values()) for r in mine)
        print(SUMMARY.format(
            configuration.label,
            ms(statistics.median(common.percentile(p, 50) for p in pushes)),
            ms(statistics.median(common.percentile(p, 99) for p in pushes)),
            f"{statistics.median(r.drain for r in mine):.1f} s", ms(hub),
            "–" if base is None else f"{hub / base:.2f}",
            ms(statistics.median(postgres)) if postgres else "–",
            ms(statistics.median(r.storm.client_cpu / max(1, len(r.ok)) for r in mine)),
            f"{statistics.median(r.drain / r.bound_literal(args.stations) for r in mine):.2f}",
            f"{statistics.median(r.drain / r.bound_machine() for r in mine):.2f}",
            f"{statistics.median(r.machine_busy for r in mine):.0%}",
            f"{failed}/{slow}"))
    print(f"  drain÷a: drain ÷ ({BOUND:g} × hub CPU per station × {args.stations} ÷ {CORES} "
          f"cores), issue 19's bound, as if the hub had the cores to itself; drain÷b: drain ÷ "
          f"({BOUND:g} × (hub + PostgreSQL + clients CPU) ÷ {CORES} cores), whether the cores "
          "stayed busy (the clients and the database share them here); machine busy: the "
          "cores' busy share, other work on the machine included")


if __name__ == "__main__":
    sys.exit(main())
