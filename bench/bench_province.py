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
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sync_common as common
from bench_store import machine, ms, run_in_work_folder

from sync.client import HubClient
from sync.hub.service import HubService

progress = common.progress
SCALE = 100  # the province is this many times the bench
PROVINCE = {"stations": 30_000, "cases": 600_000, "scan_bytes": 1.5e12}  # a month
EVENTS_PER_CASE_REAL = 12  # a whole case life (filed … decided, notices, prints, views)


# -- the client process ------------------------------------------------------------------


def scans_phase(client: HubClient, station: dict[str, Any], day: int) -> dict[str, Any]:
    """health, hello, then the day's scans."""
    node = station["node"]["code"]
    client.health()
    client.hello(station["node"]["chain"])
    sent = 0
    for page in range(station["scans"]):
        data = common.scan_bytes(node, day, page)
        sent += client.upload(common.material_address(node, day, page), len(data),
                              lambda start, length, d=data: d[start:start + length])
    return {"scan_bytes": sent}


def events_phase(client: HubClient, station: dict[str, Any], day: int) -> dict[str, Any]:
    """The day's case: its events in one push, after any a failed day left unsent (as a
    station's outbox does)."""
    per = common.EVENTS_PER_CASE
    sent = station.setdefault("sent", 0)
    raws = [base64.b64decode(r) for r in station["envelopes"][sent:day * per]]
    answer = client.push(raws)
    if answer.accepted + answer.duplicates == len(raws):
        station["sent"] = day * per
    return {"events": len(raws), "accepted": answer.accepted + answer.duplicates}


PHASES = {"scans": scans_phase, "events": events_phase}


def run_phase(spec: dict[str, Any], clients: dict[str, HubClient], phase: str,
              day: int) -> list[dict[str, Any]]:
    """Every station's ``phase`` of ``day``, all at once: timings from time.time()."""
    go = threading.Event()
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def run(station: dict[str, Any]) -> None:
        client = clients[station["node"]["code"]]
        go.wait()
        began = time.time()
        try:
            out = PHASES[phase](client, station, day)
            out["seconds"] = time.time() - began
        except Exception as error:  # counted and shown: the others go on
            out = {"error": f"{type(error).__name__}: {error}"[:200]}
        with lock:
            results.append(out)

    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in spec["stations"]]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join()
    return results


def client_main(spec_path: Path) -> int:
    """Read "PHASE DAY" lines on stdin; run that phase of that day for every station at
    once; print the results as one JSON line; until stdin closes.  Each station keeps
    one HubClient (its connection and sync session) for the whole month."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    clients = {}
    for station in spec["stations"]:
        node = common.Node.from_json(station["node"])
        clients[node.code] = HubClient(spec["address"], node.key, node.code,
                                       timeout=spec["timeout"])
    threading.stack_size(512 * 1024)
    for line in sys.stdin:
        phase, day = line.split()
        print(json.dumps(run_phase(spec, clients, phase, int(day))), flush=True)
    return 0


# -- the parent ----------------------------------------------------------------------------


@dataclass
class Phase:
    results: list[dict[str, Any]]
    wall: float
    hub_cpu: float


@dataclass
class Month:
    scans: list[Phase] = field(default_factory=list)
    events: list[Phase] = field(default_factory=list)
    db_bytes: int = 0
    event_table_bytes: int = 0
    blob_bytes: int = 0
    events_held: int = 0
    scans_held: int = 0


def run_month(args: argparse.Namespace, work: Path) -> Month:
    progress(f"certifying {args.stations} villages")
    net = common.make_network(args.stations)
    network_file = work / "network.json"
    net.save(network_file)
    progress(f"building {args.stations} × {args.days} cases")
    recipients = common.readers()
    logs = [common.station_log(v, args.days, recipients, args.scans) for v in net.villages]
    month = Month()
    blobs = args.blobs or f"file://{work / 'blobs'}"
    with common.postgres_database("province") as url:
        with common.hub_database(url, work / "unused.db") as db:
            HubService(net.identity(), db)
            common.register_directory()
        argv = common.hub_argv(network_file, "127.0.0.1:0", url, work / "unused.db",
                               workers=args.workers, blobs=blobs)
        with common.serving(argv, work / "hub.log") as hub:
            clients = start_clients(hub.address, logs, args, work)
            try:
                for day in range(1, args.days + 1):
                    month.scans.append(one_phase(hub, clients, "scans", day))
                    month.events.append(one_phase(hub, clients, "events", day))
                    summary(day, month.scans[-1], month.events[-1])
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


def one_phase(hub: common.Server, clients: list[subprocess.Popen[str]], phase: str,
              day: int) -> Phase:
    cpu_before, started = hub.cpu_seconds(), time.time()
    for client in clients:
        assert client.stdin is not None
        client.stdin.write(f"{phase} {day}\n")
        client.stdin.flush()
    results: list[dict[str, Any]] = []
    for client in clients:
        assert client.stdout is not None
        results += json.loads(client.stdout.readline())
    return Phase(results, time.time() - started, hub.cpu_seconds() - cpu_before)


def summary(day: int, scans: Phase, events: Phase) -> None:
    ok = [r for r in events.results if "error" not in r]
    pushes = [r["seconds"] for r in ok] or [0.0]
    progress(f"day {day}: scans {scans.wall:.1f} s (hub CPU {scans.hub_cpu:.1f} s), events "
             f"{events.wall:.1f} s (hub CPU {events.hub_cpu:.1f} s), {len(ok)}/"
             f"{len(events.results)} stations, push p99 {ms(common.percentile(pushes, 99))}")


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
    month.db_bytes, month.event_table_bytes, month.events_held, month.scans_held = (
        int(v) for v in row)
    blobs = work / "blobs"
    month.blob_bytes = sum(p.stat().st_size for p in blobs.rglob("*") if p.is_file()) \
        if blobs.exists() else 0


# -- figures ---------------------------------------------------------------------------------


def gib(value: float) -> str:
    return f"{value / 2**30:,.2f} GiB" if value < 2**40 else f"{value / 2**40:,.2f} TiB"


def _ok(phases: list[Phase]) -> list[dict[str, Any]]:
    return [r for phase in phases for r in phase.results if "error" not in r]


def _failed(phases: list[Phase]) -> list[dict[str, Any]]:
    return [r for phase in phases for r in phase.results if "error" in r]


def _latency(label: str, values: list[float], walls: list[float]) -> None:
    print(f"  {label:<22} per station p50 {ms(common.percentile(values, 50))}  p99 "
          f"{ms(common.percentile(values, 99))}  max {ms(max(values))};  all stations: "
          f"median {statistics.median(walls):.1f} s, longest {max(walls):.1f} s")


def report(args: argparse.Namespace, month: Month, load_before: str) -> None:
    scans_ok, events_ok = _ok(month.scans), _ok(month.events)
    failed = _failed(month.scans) + _failed(month.events)
    refused = [r for r in events_ok if r["accepted"] != r["events"]]
    reasons = Counter(r["error"].split(":")[0] for r in failed)
    scan_cpu = sum(p.hub_cpu for p in month.scans)
    event_cpu = sum(p.hub_cpu for p in month.events)
    scan_bytes = sum(r["scan_bytes"] for r in scans_ok)
    events = sum(r["accepted"] for r in events_ok)
    event_walls = [p.wall for p in month.events]
    per_event_cpu = event_cpu / max(1, events)
    per_mb_cpu = scan_cpu / max(1e-9, scan_bytes / 1e6)
    per_event_db = month.event_table_bytes / max(1, month.events_held)
    print()
    print(f"Bianmin Station: a province at 1/{SCALE}, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine(common.postgres_version())}")
    print(f"  load average (1/5/15 min): {load_before} at the start, "
          f"{common.load_average()} at the end")
    print(f"  hub: {args.workers} worker process(es), PostgreSQL on 127.0.0.1, materials in "
          f"{args.blobs or 'a folder (file://)'}; {args.stations} stations × {args.days} "
          f"days; each day every station at once: its scans ({args.scans} × "
          f"{common.MATERIAL_SIZE // 1000} KB), then its case ({common.EVENTS_PER_CASE} events)")
    print()
    print("Measured")
    print(f"  {len(events_ok):,} cases, {events:,} events and {len(scans_ok) * args.scans:,} "
          f"scans ({gib(scan_bytes)}) sent; {len(failed)} station phases failed"
          + (f" ({dict(reasons)}; first: {failed[0]['error']})" if failed else "")
          + f"; {len(refused)} pushes with events refused")
    print(f"  held at the hub: {month.events_held:,} events, {month.scans_held:,} scans")
    _latency("scans (health, hello, uploads)", [r["seconds"] for r in scans_ok],
             [p.wall for p in month.scans])
    _latency("push of the day's case", [r["seconds"] for r in events_ok], event_walls)
    print(f"  hub CPU: events {event_cpu:.1f} s = {per_event_cpu * 1000:.2f} ms per event; "
          f"scans {scan_cpu:.1f} s = {per_mb_cpu * 1000:.1f} ms per MB "
          f"(health and hello counted with the scans)")
    print(f"  event rate in the rush: {events / sum(event_walls):,.0f} events/s")
    print(f"  database: {gib(month.db_bytes)} in all; event table with its indexes "
          f"{gib(month.event_table_bytes)} = {per_event_db:,.0f} B per event")
    print(f"  scans in the material store: {gib(month.blob_bytes)}")
    print()
    real_events = PROVINCE["cases"] * EVENTS_PER_CASE_REAL
    scan_mb = PROVINCE["scan_bytes"] / 1e6
    day_cases = PROVINCE["cases"] / args.days
    station_day_cpu = (EVENTS_PER_CASE_REAL * per_event_cpu
                       + PROVINCE["scan_bytes"] / PROVINCE["cases"] / 1e6 * per_mb_cpu)
    print(f"Extrapolated to the province (30,000 stations, 600,000 cases and 1.5 TB of scans "
          f"a month; {EVENTS_PER_CASE_REAL} events per real case; linear in each measured "
          "cost)")
    print(f"  hub CPU a month: events {real_events * per_event_cpu / 3600:,.1f} + scans "
          f"{scan_mb * per_mb_cpu / 3600:,.1f} core-hours")
    print(f"  event table: {gib(real_events * per_event_db)} a month, "
          f"{gib(12 * real_events * per_event_db)} a year")
    print(f"  scans: {gib(PROVINCE['scan_bytes'])} a month, "
          f"{gib(12 * PROVINCE['scan_bytes'])} a year")
    rush = 1800.0  # the morning rush, 8:30 to 9:00
    print(f"  a morning rush (every station's day, {day_cases:,.0f} cases, in 30 min): "
          f"{day_cases * station_day_cpu / rush:,.1f} cores busy, "
          f"{day_cases * EVENTS_PER_CASE_REAL / rush:,.0f} events/s into the databases, "
          f"{PROVINCE['scan_bytes'] / args.days / rush / 1e6:,.0f} MB/s of scans "
          f"into the object store")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station: a province at 1/100.")
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--days", type=int, default=20, help="working days in the month")
    parser.add_argument("--scans", type=int, default=2, help="scans (180 KB) per case")
    parser.add_argument("--workers", type=int, default=2, help="hub worker processes")
    parser.add_argument("--blobs", help="where the hub keeps scans (station hub serve "
                        "--blobs; default: a folder in the work folder)")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--workdir", type=Path, help="where to work (kept)")
    parser.add_argument("--client", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.client:
        return client_main(args.client)
    load_before = common.load_average()
    return run_in_work_folder(args.workdir, "bianmin-bench-province-",
                              lambda work: report(args, run_month(args, work), load_before))


if __name__ == "__main__":
    sys.exit(main())
