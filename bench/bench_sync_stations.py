"""Many stations at once: 500 villages syncing against one hub over HTTP.

Run from the repository root::

    .venv/bin/python bench/bench_sync_stations.py [--stations 500] [--cases 5] [--materials 2]
        [--single 7] [--client-processes 2] [--timeout 120] [--backend sqlite|postgresql]
        [--workers N] [--workdir DIR]

It prints the push latency of ``--stations`` stations that all start at the
same moment, beside the push latency of one station alone measured in the
same run against the same hub, as a ratio.  It asserts nothing about timings
(they are read by people, docs/performance.md); it does check that every
event was accepted.

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
to the last answer.  The client processes run on the same two cores as the
hub: their CPU time is printed beside the hub's, so a reader can see how much
of the latency is the clients' own.  Progress goes to stderr; the figures to
stdout.
"""

from __future__ import annotations

import argparse
import base64
import json
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
from sync.hub.service import HubService

progress = common.progress
PRODUCT_TIMEOUT = 30.0  # HubClient's default request timeout


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
    if spec["mode"] == "alone":
        results = [session(address, station, timeout, None) for station in stations]
        print(json.dumps({"results": results}), flush=True)
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


def alone(address: str, logs: list[common.StationLog], timeout: float,
          work: Path) -> list[dict[str, Any]]:
    spec = write_spec(work / "alone.json", address, timeout, "alone", logs)
    done = subprocess.run(client_argv(spec), capture_output=True, text=True, check=True)
    results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
    return results


@dataclass
class Storm:
    results: list[dict[str, Any]]
    started: float  # time.time() when the parent said go
    client_cpu: float
    hub_cpu: float


def at_once(hub: common.Server, logs: list[common.StationLog], processes: int, timeout: float,
            work: Path) -> Storm:
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
    hub_before = hub.cpu_seconds()
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
    return Storm(results, started, cpu, hub.cpu_seconds() - hub_before)


def latency_line(label: str, values: list[float], single: float) -> None:
    p50, p99 = common.percentile(values, 50), common.percentile(values, 99)
    print(f"  {label:<30} p50 {ms(p50):>9}   p99 {ms(p99):>9}   max {ms(max(values)):>9}   "
          f"alone {ms(single):>9}   ratio p50 {p50 / single:6.1f}, p99 {p99 / single:6.1f}")


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
                        help="hub worker processes (more than 1 needs --backend postgresql)")
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
    path = work / "hub.db"
    context: AbstractContextManager[str | None] = (
        common.postgres_database("stations") if args.backend == "postgresql" else nullcontext())
    with context as url:
        with common.hub_database(url, path) as db:
            HubService(net.identity(), db)
            common.register_materials(a for log in logs for a in log.materials)
            common.register_directory()
        argv = common.hub_argv(network_file, "127.0.0.1:0", url, path, args.workers)
        with common.serving(argv, work / "hub.log") as hub:
            progress(f"{args.single} stations alone, one after another")
            single = alone(hub.address, single_logs, args.timeout, work)
            progress(f"{args.stations} stations at once, in {args.client_processes} "
                     "client processes")
            storm = at_once(hub, storm_logs, args.client_processes, args.timeout, work)
    report(args, storm, single, sizes, load_before)


def report(args: argparse.Namespace, storm: Storm, single: list[dict[str, Any]],
           sizes: list[int], load_before: str) -> None:
    failed = [r for r in storm.results + single if "error" in r]
    refused = [r for r in storm.results + single
               if "error" not in r and r["accepted"] != r["events"]]
    if refused:
        raise RuntimeError(f"{len(refused)} stations had events refused: the figures would "
                           "be wrong")
    ok = [r for r in storm.results if "error" not in r]
    single_push = statistics.median(r["push"] for r in single)
    single_session = statistics.median(r["session"] for r in single)
    last = max(r["ended"] for r in storm.results)
    wall = last - storm.started
    events = sum(r["accepted"] for r in ok)
    library = common.postgres_version() if args.backend == "postgresql" \
        else f"SQLite {sqlite3.sqlite_version}"
    print()
    print(f"Bianmin Station: {args.stations} stations syncing at once, "
          f"{datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine(library)}")
    print(f"  load average (1/5/15 min): {load_before} at the start, "
          f"{common.load_average()} at the end")
    server = "waitress (8 threads, 100 connections)" if args.workers == 1 else \
        f"gunicorn ({args.workers} worker processes × 8 threads)"
    print(f"  hub: HubService behind {server}, "
          f"{'SQLite file' if args.backend == 'sqlite' else 'PostgreSQL on 127.0.0.1'}; "
          f"clients: {args.client_processes} processes × "
          f"{-(-args.stations // args.client_processes)} threads, timeout {args.timeout:g} s")
    print(f"  each station: health, hello (its certificate chain), one push of "
          f"{args.cases * common.EVENTS_PER_CASE} events ({statistics.median(sizes):,.0f} B "
          f"median); alone = median of {len(single)} stations syncing one after another")
    print()
    if ok:
        latency_line("push (POST /v1/events)", [r["push"] for r in ok], single_push)
        latency_line("whole session (3 requests)", [r["session"] for r in ok], single_session)
        for step, label in (("health", "  of which GET /v1/health"),
                            ("hello", "  of which POST /v1/hello")):
            latency_line(label, [r[step] for r in ok],
                         statistics.median(r[step] for r in single))
    print(f"  stations done: {len(ok)} of {args.stations}; failed: {len(failed)}"
          + (f" (first: {failed[0]['error']})" if failed else ""))
    slow = {step: len([r for r in ok if r[step] > PRODUCT_TIMEOUT])
            for step in ("health", "hello", "push")}
    print(f"  requests longer than HubClient's default timeout ({PRODUCT_TIMEOUT:g} s; a real "
          f"station would have given up and retried later): "
          + ", ".join(f"{step} {count}" for step, count in slow.items()))
    print(f"  throughput: {events:,} events in {wall:.1f} s = {events / wall:,.0f} events/s, "
          f"{len(ok) / wall:,.1f} stations/s (start to last answer)")
    whose = "hub" if args.workers == 1 else f"hub (master + {args.workers} workers)"
    print(f"  CPU during the storm: {whose} {storm.hub_cpu:.1f} s ({storm.hub_cpu / wall:.0%} of "
          f"one core), clients {storm.client_cpu:.1f} s ({storm.client_cpu / wall:.0%} of one "
          f"core), of {wall:.1f} s wall on 2 cores; hub CPU per station "
          f"{ms(storm.hub_cpu / max(1, len(ok)))}")


if __name__ == "__main__":
    sys.exit(main())
