"""A province at 1/100 scale: a month of filings and scans, compressed in time.

Run from the repository root::

    .venv/bin/python bench/bench_province.py [--stations 300] [--days 20]
        [--scans 2] [--workers 2] [--blobs SPEC] [--client-processes 2] [--workdir DIR]

A province has about 30,000 village stations, 600,000 cases and about 1.5 TB of
scans a month (issue 19).  At 1/100 that is 300 stations and 6,000 cases: one
case per station per working day over 20 working days.  Each simulated day,
every station opens at the same moment (the 8:30 rush) and runs its sync
session with the product's client (``sync.client.HubClient``): health, hello,
the day's scans (``--scans`` encrypted JPEG-sized materials of 180 KB, uploaded
for real), then the day's case (``EVENTS_PER_CASE`` signed, sealed events).  The
hub runs on PostgreSQL in its own process(es), as ``station hub serve`` runs it.

Measured, per day and for the month: push and session latency (p50 / p99 / max),
the hub's CPU time (all its processes), the wall time of the rush; at the end,
the database's size (whole and the event table) and the bytes of scans held.
Printed last: those figures divided per event, per case and per scanned
megabyte, and multiplied out to the whole province (×100) for a month and a
year — every extrapolated figure is marked as such.  Nothing is asserted
about timings (docs/scale.md reads them).
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sync_common as common
from bench_store import machine, ms, work_folder

from sync.client import HubClient
from sync.hub.service import HubService

progress = common.progress
SCALE = 100  # the province is this many times the bench
PROVINCE = {"stations": 30_000, "cases": 600_000, "scan_bytes": 1.5e12}  # a month
EVENTS_PER_CASE_REAL = 12  # a whole case life (filed … decided, notices, prints, views)


# -- the client process ------------------------------------------------------------------


def session(address: str, station: dict[str, Any], day: int, timeout: float,
            go: threading.Event) -> dict[str, Any]:
    node = common.Node.from_json(station["node"])
    per = common.EVENTS_PER_CASE
    raws = [base64.b64decode(r) for r in station["envelopes"][(day - 1) * per:day * per]]
    client = HubClient(address, node.key, node.code, timeout=timeout)
    go.wait()
    began = time.time()
    out: dict[str, Any] = {"code": node.code, "began": began, "events": len(raws)}
    try:
        client.health()
        client.hello(node.chain_pem)
        uploaded = time.time()
        sent = 0
        for page in range(station["scans"]):
            data = common.scan_bytes(node.code, day, page)
            address_of = common.material_address(node.code, day, page)
            sent += client.upload(address_of, len(data),
                                  lambda start, length, d=data: d[start:start + length])
        pushing = time.time()
        answer = client.push(raws)
        ended = time.time()
        out.update(upload=pushing - uploaded, push=ended - pushing, session=ended - began,
                   ended=ended, accepted=answer.accepted, scan_bytes=sent)
    except Exception as error:  # counted and shown: the others go on
        out.update(error=f"{type(error).__name__}: {error}"[:200], ended=time.time())
    return out


def run_day(spec: dict[str, Any], day: int) -> list[dict[str, Any]]:
    """Every station's session of ``day``, all at once."""
    go = threading.Event()
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def run(station: dict[str, Any]) -> None:
        result = session(spec["address"], station, day, spec["timeout"], go)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in spec["stations"]]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join()
    return results


def client_main(spec_path: Path) -> int:
    """Wait for a day number on stdin; run that day; print the results as one JSON
    line; until stdin closes."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    threading.stack_size(512 * 1024)
    for line in sys.stdin:
        print(json.dumps(run_day(spec, int(line))), flush=True)
    return 0


# -- the parent ----------------------------------------------------------------------------


@dataclass
class Day:
    results: list[dict[str, Any]]
    wall: float
    hub_cpu: float


@dataclass
class Month:
    days: list[Day] = field(default_factory=list)
    db_bytes: int = 0
    event_table_bytes: int = 0
    blob_bytes: int = 0
    events: int = 0
    scans: int = 0


def run_month(args: argparse.Namespace, work: Path) -> Month:
    progress(f"certifying {args.stations} villages")
    net = common.make_network(args.stations)
    network_file = work / "network.json"
    net.save(network_file)
    progress(f"building {args.stations} × {args.days} cases")
    recipients = common.readers()
    logs = [common.station_log(v, args.days, recipients, args.scans) for v in net.villages]
    month = Month()
    with common.postgres_database("province") as url:
        with common.hub_database(url, work / "unused.db") as db:
            HubService(net.identity(), db)
            common.register_directory()
        argv = common.hub_argv(network_file, "127.0.0.1:0", url, work / "unused.db",
                               workers=args.workers, blobs=args.blobs)
        with common.serving(argv, work / "hub.log") as hub:
            clients = start_clients(hub.address, logs, args, work)
            try:
                for day in range(1, args.days + 1):
                    month.days.append(one_day(hub, clients, day))
                    summary(day, month.days[-1])
            finally:
                for client in clients:
                    assert client.stdin is not None
                    client.stdin.close()
                    client.wait()
        measure_sizes(url, month, work)
    return month


def start_clients(address: str, logs: list[common.StationLog], args: argparse.Namespace,
                  work: Path) -> list[subprocess.Popen[str]]:
    clients = []
    for number in range(args.client_processes):
        spec = work / f"clients-{number}.json"
        spec.write_text(json.dumps({
            "address": address, "timeout": args.timeout,
            "stations": [{"node": log.node.to_json(), "scans": args.scans,
                          "envelopes": [base64.b64encode(r).decode() for r in log.envelopes]}
                         for log in logs[number::args.client_processes]]}), encoding="utf-8")
        clients.append(subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--client", str(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    return clients


def one_day(hub: common.Server, clients: list[subprocess.Popen[str]], day: int) -> Day:
    cpu_before, started = hub.cpu_seconds(), time.time()
    for client in clients:
        assert client.stdin is not None
        client.stdin.write(f"{day}\n")
        client.stdin.flush()
    results: list[dict[str, Any]] = []
    for client in clients:
        assert client.stdout is not None
        results += json.loads(client.stdout.readline())
    return Day(results, time.time() - started, hub.cpu_seconds() - cpu_before)


def summary(day: int, today: Day) -> None:
    ok = [r for r in today.results if "error" not in r]
    pushes = [r["push"] for r in ok] or [0.0]
    progress(f"day {day}: {len(ok)}/{len(today.results)} stations, rush {today.wall:.1f} s, "
             f"push p99 {ms(common.percentile(pushes, 99))}, hub CPU {today.hub_cpu:.1f} s")


def measure_sizes(url: str, month: Month, work: Path) -> None:
    import psycopg2

    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_database_size(current_database()), "
                       "pg_total_relation_size('hub_event'), (SELECT count(*) FROM hub_event), "
                       "(SELECT count(*) FROM hub_blob WHERE complete)")
        row = cursor.fetchone()
    connection.close()
    assert row is not None
    month.db_bytes, month.event_table_bytes, month.events, month.scans = (int(v) for v in row)
    blobs = work / "blobs"
    month.blob_bytes = sum(p.stat().st_size for p in blobs.rglob("*") if p.is_file()) \
        if blobs.exists() else 0


# -- figures ---------------------------------------------------------------------------------


def gib(value: float) -> str:
    return f"{value / 2**30:,.2f} GiB" if value < 2**40 else f"{value / 2**40:,.2f} TiB"


def report(args: argparse.Namespace, month: Month, load_before: str) -> None:
    results = [r for day in month.days for r in day.results]
    ok = [r for r in results if "error" not in r]
    failed = len(results) - len(ok)
    cases = len(ok)
    cpu = sum(d.hub_cpu for d in month.days)
    scan_bytes = sum(r["scan_bytes"] for r in ok)
    pushes = [r["push"] for r in ok]
    sessions = [r["session"] for r in ok]
    rush = [d.wall for d in month.days]
    print()
    print(f"Bianmin Station: a province at 1/{SCALE}, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine(common.postgres_version())}")
    print(f"  load average (1/5/15 min): {load_before} at the start, "
          f"{common.load_average()} at the end")
    print(f"  hub: {args.workers} worker process(es), PostgreSQL on 127.0.0.1, materials "
          f"{args.blobs or 'in the hub default store'}; {args.stations} stations × "
          f"{args.days} days, each day all at once")
    print()
    print("Measured")
    print(f"  sessions: {len(ok):,} done, {failed} failed; cases {cases:,}, events "
          f"{month.events:,}, scans {month.scans:,} ({gib(scan_bytes)} uploaded)")
    print(f"  push p50 {ms(common.percentile(pushes, 50))}  p99 "
          f"{ms(common.percentile(pushes, 99))}  max {ms(max(pushes))}")
    print(f"  whole session p50 {ms(common.percentile(sessions, 50))}  p99 "
          f"{ms(common.percentile(sessions, 99))}  max {ms(max(sessions))}")
    print(f"  morning rush (all {args.stations} stations): median "
          f"{statistics.median(rush):.1f} s, longest {max(rush):.1f} s")
    print(f"  hub CPU: {cpu:.1f} s for the month = {cpu / cases * 1000:.1f} ms per case "
          f"(with its scans), {cpu / max(1, month.events) * 1000:.2f} ms per event")
    print(f"  database: {gib(month.db_bytes)} in all, event table {gib(month.event_table_bytes)}"
          f" = {month.event_table_bytes / max(1, month.events):,.0f} B per event")
    print(f"  scans held outside the database: {gib(month.blob_bytes)}")
    print()
    print(f"Extrapolated to the province (×{SCALE} stations; "
          f"{EVENTS_PER_CASE_REAL} events per real case; 2.5 MB of scans per case)")
    real_events = PROVINCE["cases"] * EVENTS_PER_CASE_REAL
    per_event_cpu = cpu / max(1, month.events)
    per_event_db = month.event_table_bytes / max(1, month.events)
    print(f"  events a month: {real_events:,} (extrapolated)")
    print(f"  hub CPU a month: {real_events * per_event_cpu / 3600:,.1f} core-hours "
          f"(extrapolated from {per_event_cpu * 1000:.2f} ms per event, scans excluded)")
    print(f"  event table growth: {gib(real_events * per_event_db)} a month, "
          f"{gib(12 * real_events * per_event_db)} a year (extrapolated)")
    print(f"  scans: {gib(PROVINCE['scan_bytes'])} a month, "
          f"{gib(12 * PROVINCE['scan_bytes'])} a year (the issue's figure)")
    rush_rate = args.stations / statistics.median(rush)
    print(f"  morning rush: {rush_rate:,.1f} stations/s measured here; 30,000 stations at the "
          f"same rate on {SCALE}× the cores would take {statistics.median(rush):.1f} s "
          "(extrapolated: hub workers scale out, the database is shared)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station: a province at 1/100.")
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--days", type=int, default=20, help="working days in the month")
    parser.add_argument("--scans", type=int, default=2, help="scans (180 KB) per case")
    parser.add_argument("--workers", type=int, default=2, help="hub worker processes")
    parser.add_argument("--blobs", help="where the hub keeps scans (station hub serve --blobs)")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--workdir", type=Path, help="where to work (kept)")
    parser.add_argument("--client", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.client:
        return client_main(args.client)
    work = work_folder(args.workdir, "bianmin-bench-province-")
    if work is None:
        return 2
    load_before = common.load_average()
    try:
        month = run_month(args, work)
        report(args, month, load_before)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
