"""Steady state: many stations, each syncing once a period, against one hub over HTTP.

Run from the repository root::

    .venv/bin/python bench/bench_sync_steady.py [--stations 500] [--period 60] [--minutes 3]
        [--jitter 0.2] [--single 3] [--client-processes 2] [--backend sqlite|postgresql]
        [--workdir DIR]

Where bench_sync_stations.py starts every station at the same moment (the worst
burst), this is an ordinary working day at scale: ``--stations`` villages each sync
once every ``--period`` seconds (60: once a minute, the station's own sync interval),
the first time at a random moment of the first period and then every period, each wait
varied by up to ``--jitter`` of it, for ``--minutes`` minutes (of ``--period`` seconds
each, so ``--period 6 --minutes 3`` is the same pattern ten times faster).  Each sync
is the product's session (``sync.client.HubClient`` on a fresh connection): ``GET
/v1/health``, ``POST /v1/hello`` (its chain), ``POST /v1/events`` with what the station
filed since its last sync (one case: four events, ``--materials`` cited materials, marked
whole in the hub's table beforehand).

The pieces are bench_sync_stations.py's and sync_common.py's: the certified villages,
their logs, the hub process (``HubService`` behind waitress with the product's settings).
The peer, measured in the same run before the steady phase: ``--single`` extra villages
making the same syncs alone, one after another.  Figures: push and whole-session latency p50 /
p99 / max beside the peer, the target (push p99 at most 300 ms), and the hub's CPU over
the steady phase, per sync and as a share of one core.  Nothing about time is asserted;
every event must be accepted.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import bench_sync_stations as stations
import sync_common as common
from bench_store import machine, ms, run_in_work_folder

from sync.client import HubClient
from sync.hub.service import HubService

progress = common.progress
TARGET_P99 = 0.300  # seconds: the push p99 a steady day should stay under (issue 19)


def rounds_of(args: argparse.Namespace) -> int:
    """How many times each station syncs: once per "minute" of ``--period`` seconds."""
    return max(1, args.minutes)


# -- the client process ------------------------------------------------------------


def station_days(station: dict[str, Any], spec: dict[str, Any], begin: float,
                 results: list[dict[str, Any]], lock: threading.Lock) -> None:
    """One station's syncs: one case's events per sync, each period, with jitter."""
    node = common.Node.from_json(station["node"])
    raws = [base64.b64decode(r) for r in station["envelopes"]]
    period, jitter, rounds = spec["period"], spec["jitter"], spec["rounds"]
    chance = random.Random(station["seed"])
    at = begin + chance.uniform(0, period)
    per_round = common.EVENTS_PER_CASE
    for number in range(rounds):
        time.sleep(max(0.0, at - time.time()))
        batch = raws[number * per_round:(number + 1) * per_round]
        out = sync_once(spec["address"], node, batch, spec["timeout"])
        out.update(code=node.code, round=number)
        with lock:
            results.append(out)
        at += period * (1 + chance.uniform(-jitter, jitter))


def sync_once(address: str, node: common.Node, batch: list[bytes],
              timeout: float) -> dict[str, Any]:
    client = HubClient(address, node.key, node.code, timeout=timeout)
    began = time.time()
    out: dict[str, Any] = {"began": began, "events": len(batch)}
    try:
        client.health()
        client.hello(node.chain_pem)
        hello = time.time()
        answer = client.push(batch)
        ended = time.time()
        out.update(push=ended - hello, session=ended - began, accepted=answer.accepted)
    except Exception as error:  # counted and shown, not fatal: the others go on
        out.update(error=f"{type(error).__name__}: {error}"[:200])
    finally:
        client.http.close()
    return out


def client_main(spec_path: Path) -> int:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    print("ready", flush=True)
    begin = float(sys.stdin.readline())
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    threading.stack_size(512 * 1024)
    threads = [threading.Thread(target=station_days, args=(s, spec, begin, results, lock),
                                daemon=True) for s in spec["stations"]]
    cpu_before = stations._cpu()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"results": results, "cpu": stations._cpu() - cpu_before}), flush=True)
    return 0


# -- the parent ------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station: a steady day at one hub.")
    parser.add_argument("--stations", type=int, default=500, help="stations syncing")
    parser.add_argument("--period", type=float, default=60.0,
                        help="seconds between two syncs of a station (a minute: 60)")
    parser.add_argument("--minutes", type=int, default=3,
                        help="how long, in minutes of --period seconds (one sync each)")
    parser.add_argument("--jitter", type=float, default=0.2,
                        help="each wait varies by up to this share of --period")
    parser.add_argument("--materials", type=int, default=1,
                        help="materials each case.filed cites")
    parser.add_argument("--single", type=int, default=3,
                        help="extra stations that sync alone first (the peer)")
    parser.add_argument("--client-processes", type=int, default=2,
                        help="processes the stations are spread over")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="client request timeout, seconds (the product's default)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=19, help="the jitter's random seed")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    parser.add_argument("--client", type=Path, help=argparse.SUPPRESS)  # a client process
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.client:
        return client_main(args.client)
    if not 1 <= args.stations + args.single <= 999 or args.single < 1 or args.period <= 0:
        print("--stations + --single must be 2–999 (village numbers of one township), "
              "--single at least 1, --period above 0", file=sys.stderr)
        return 2
    return run_in_work_folder(args.workdir, "bianmin-bench-steady-", lambda work: run(args, work))


def run(args: argparse.Namespace, work: Path) -> None:
    load_before = common.load_average()
    everyone = args.stations + args.single
    rounds = rounds_of(args)
    progress(f"certifying {everyone} villages")
    net = common.make_network(everyone)
    network_file = work / "network.json"
    net.save(network_file)
    progress(f"building {everyone} × {rounds * common.EVENTS_PER_CASE} events")
    recipients = common.readers()
    logs = [common.station_log(v, rounds, recipients, args.materials) for v in net.villages]
    steady_logs, single_logs = logs[:args.stations], logs[args.stations:]
    path = work / "hub.db"
    context: AbstractContextManager[str | None] = (
        common.postgres_database("steady") if args.backend == "postgresql" else nullcontext())
    with context as url:
        with common.hub_database(url, path) as db:
            HubService(net.identity(), db)
            common.register_materials(a for log in logs for a in log.materials)
            common.register_directory()
        argv = common.hub_argv(network_file, "127.0.0.1:0", url, path)
        with common.serving(argv, work / "hub.log") as hub:
            progress(f"{args.single} stations alone, one after another")
            single = alone(hub.address, single_logs, rounds, args.timeout)
            progress(f"{args.stations} stations, each syncing every {args.period:g} s for "
                     f"{rounds} periods")
            results, client_cpu, hub_cpu, wall = steady(args, hub, steady_logs, work)
    report(args, results, single, client_cpu, hub_cpu, wall, load_before)


def alone(address: str, logs: list[common.StationLog], rounds: int,
          timeout: float) -> list[dict[str, Any]]:
    """The peer: each of ``logs``' stations makes the same syncs, one after another,
    with nobody else on the hub."""
    per_round = common.EVENTS_PER_CASE
    return [sync_once(address, log.node, log.envelopes[n * per_round:(n + 1) * per_round],
                      timeout) for log in logs for n in range(rounds)]


def steady(args: argparse.Namespace, hub: common.Server, logs: list[common.StationLog],
           work: Path) -> tuple[list[dict[str, Any]], float, float, float]:
    clients = []
    for number in range(args.client_processes):
        mine = logs[number::args.client_processes]
        spec = work / f"steady-{number}.json"
        spec.write_text(json.dumps({
            "address": hub.address, "timeout": args.timeout, "period": args.period,
            "jitter": args.jitter, "rounds": rounds_of(args),
            "stations": [{**stations.station_spec(log), "seed": args.seed * 1000 + index
                          * args.client_processes + number}
                         for index, log in enumerate(mine)]}), encoding="utf-8")
        clients.append(subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--client", str(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for client in clients:
        assert client.stdout is not None
        if client.stdout.readline().strip() != "ready":
            raise RuntimeError("a client process did not start")
    hub_before = hub.cpu_seconds()
    begin = time.time() + 1.0
    for client in clients:
        assert client.stdin is not None
        client.stdin.write(f"{begin}\n")
        client.stdin.flush()
    results: list[dict[str, Any]] = []
    cpu = 0.0
    for client in clients:
        out, _ = client.communicate()
        value = json.loads(out)
        results += value["results"]
        cpu += value["cpu"]
    return results, cpu, hub.cpu_seconds() - hub_before, time.time() - begin


def report(args: argparse.Namespace, results: list[dict[str, Any]],
           single: list[dict[str, Any]], client_cpu: float, hub_cpu: float, wall: float,
           load_before: str) -> None:
    failed = [r for r in results + single if "error" in r]
    refused = [r for r in results if "error" not in r and r["accepted"] != r["events"]]
    if refused:
        raise RuntimeError(f"{len(refused)} syncs had events refused: the figures would be "
                           "wrong")
    ok = [r for r in results if "error" not in r]
    library = common.postgres_version() if args.backend == "postgresql" \
        else f"SQLite {sqlite3.sqlite_version}"
    single_push = statistics.median(r["push"] for r in single if "push" in r)
    single_session = statistics.median(r["session"] for r in single if "session" in r)
    print()
    print(f"Bianmin Station: {args.stations} stations, each syncing every {args.period:g} s "
          f"(jitter ±{args.jitter:.0%}) for {rounds_of(args)} periods, "
          f"{datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine(library)}")
    print(f"  load average (1/5/15 min): {load_before} at the start, "
          f"{common.load_average()} at the end")
    print(f"  hub: HubService behind waitress (8 threads, 100 connections), "
          f"{'SQLite file' if args.backend == 'sqlite' else 'PostgreSQL on 127.0.0.1'}; "
          f"clients: {args.client_processes} processes, one thread per station; each sync: "
          f"health, hello, one push of {common.EVENTS_PER_CASE} events on a fresh connection")
    print()
    if ok:
        for label, key, peer in (("push (POST /v1/events)", "push", single_push),
                                 ("whole sync (3 requests)", "session", single_session)):
            values = [r[key] for r in ok]
            p50, p99 = common.percentile(values, 50), common.percentile(values, 99)
            print(f"  {label:<26} p50 {ms(p50):>9}   p99 {ms(p99):>9}   max "
                  f"{ms(max(values)):>9}   alone {ms(peer):>9}   ratio p99 {p99 / peer:6.1f}")
        p99 = common.percentile([r["push"] for r in ok], 99)
        print(f"  target push p99 ≤ {ms(TARGET_P99)}: "
              f"{'met' if p99 <= TARGET_P99 else 'NOT met'}")
    print(f"  syncs done: {len(ok)} of {len(results)}; failed: {len(failed)}"
          + (f" (first: {failed[0]['error']})" if failed else ""))
    rate = len(ok) / wall if wall else 0.0
    print(f"  load: {rate:,.1f} syncs/s over {wall:.1f} s wall")
    print(f"  CPU over the steady phase: hub {hub_cpu:.1f} s ({hub_cpu / wall:.0%} of one "
          f"core), clients {client_cpu:.1f} s ({client_cpu / wall:.0%} of one core), on 2 "
          f"cores; hub CPU per sync {ms(hub_cpu / max(1, len(ok)))}")


if __name__ == "__main__":
    sys.exit(main())
