"""Hub ingest benchmark: pushed events verified and committed per second.

Run from the repository root::

    .venv/bin/python bench/bench_sync_ingest.py [--nodes 25] [--events 10000] [--batch 200]
        [--materials 2] [--http-clients 4] [--no-http] [--backends sqlite,postgresql]
        [--profile]
        [--workdir DIR]

It prints figures, each beside the target (2,000 events/s) and a peer measured
in the same run, as a ratio.  It asserts nothing about timings (they are read
by people, docs/performance.md); it does check that every event was accepted,
so a figure never counts refused events.

What it does:

1. Certifies ``--nodes`` villages under one township with ``keys/ca.py`` and
   builds their logs with ``sync/envelope.py``: cases of four events
   (``case.filed`` citing ``--materials`` materials, ``case.notice_issued``,
   ``access.printed``, ``access.viewed``), each payload sealed to the county
   archive and the township's 民政办, signed and hash-chained, as a village
   publishes them.  The batches are what a station pushes (``--batch`` events
   of one node, in seq order); the nodes take turns.
2. For each backend (SQLite: a file on disk, WAL, ``synchronous=full``, the
   hub's default; PostgreSQL: a fresh database on 127.0.0.1:5432, dropped
   after), on a fresh hub database each time:

   a. ``HubService.push`` in process: the code path of ``POST /v1/events``
      (parse, certificate-chain key, Ed25519 signature, who may emit what,
      the (node, seq) decision and hash-chain position, case rules, cited
      materials, storing, addresses, one signed receipt per node, commit);
   b. the same rows (``hub_event`` and ``hub_address``) written with plain
      parameterised INSERTs (``executemany``), one transaction per batch:
      what the database alone costs;
   c. ``POST /v1/events`` over real HTTP on loopback: the hub in its own
      process (waitress with the product's settings, ``sync/hub/serve.py``),
      signed requests from ``sync.client.HubClient`` (one per node), first one
      client pushing batch after batch, then ``--http-clients`` threads at once.

   The nodes' certificate chains are registered (``/v1/hello``) and the
   materials they cite marked whole in the hub's table before the clock starts.
3. Bare Ed25519 verifies of the same signed bytes: the cryptographic ceiling,
   on one thread and on a thread pool of one thread per CPU (``cryptography``
   releases the GIL while it verifies, so threads use every core).  Issue 19
   sets the bar against the latter: in-process ingest on SQLite at least
   5,000 events/s and half the all-cores verify rate; PostgreSQL within 0.8×
   of SQLite.  The summary prints these figures and ratios.

``--profile`` adds where the time of one in-process SQLite pass goes: each
step of ``push`` timed by wrapping it (cProfile would slow peewee's many small
calls several times over and distort the shares), and one (node, seq) lookup
through peewee against the same SELECT as a fixed SQL string.

Progress goes to stderr; the figures to stdout.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sync_common as common
from bench_store import machine, ms, run_in_work_folder
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from peewee import Database

import sync.envelope as envelope_module
import sync.hub.service as service_module
from keys.sign import parse as parse_signature
from sync.client import HubClient
from sync.envelope import parse_envelope
from sync.hub.identity import is_postgres
from sync.hub.service import HubService

TARGET = 2000.0  # verified events per second (issue 5)
TARGET_SQLITE = 5000.0  # in-process ingest on SQLite, verified events/s (issue 19)
TARGET_OF_VERIFY = 0.5  # ... and at least this share of the all-cores verify rate
TARGET_PG_OF_SQLITE = 0.8  # PostgreSQL within this factor of SQLite
progress = common.progress


@dataclass
class Batch:
    node: common.Node
    raws: list[bytes]


@dataclass
class Pass:
    """One measured pass: events per batch and the seconds each batch took."""

    events: int = 0
    seconds: float = 0.0  # wall time of the whole pass
    batches: list[float] = field(default_factory=list)
    cpu: float = 0.0  # this process's CPU seconds (in-process passes)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        """Events per CPU second of this process: on a busy machine it varies far less
        than the wall-clock rate (PostgreSQL's own work is in its server, not here)."""
        return self.events / self.cpu if self.cpu else 0.0


def batches_of(logs: list[common.StationLog], size: int) -> list[Batch]:
    """Each node's log cut into batches of ``size``; the nodes take turns."""
    cut = [[Batch(log.node, log.envelopes[i:i + size]) for i in range(0, len(log.envelopes),
                                                                          size)]
           for log in logs]
    out = []
    for turn in range(max(len(c) for c in cut)):
        out += [c[turn] for c in cut if turn < len(c)]
    return out


# -- backends --------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    work: Path

    @contextmanager
    def fresh(self, tag: str) -> Iterator[str | None]:
        """A new, empty hub database: its URL (None: SQLite at ``sqlite_path(tag)``)."""
        if self.name == "postgresql":
            with common.postgres_database(tag) as url:
                yield url
        else:
            yield None

    def sqlite_path(self, tag: str) -> Path:
        return self.work / f"hub-{tag}.db"


def prepare(url: str | None, path: Path, net: common.Network, materials: list[str],
            register: bool) -> None:
    """Create the hub tables; mark the cited materials whole; optionally register chains."""
    with common.hub_database(url, path) as db:
        service = HubService(net.identity(), db)
        common.register_materials(materials)
        common.register_directory()
        if register:
            for village in net.villages:
                service.register_chain(village.chain_pem)


# -- a. in process -------------------------------------------------------------------


def in_process(url: str | None, path: Path, net: common.Network, batches: list[Batch]) -> Pass:
    result = Pass()
    with common.hub_database(url, path) as db:
        service = HubService(net.identity(), db)
        started, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            begun = time.perf_counter()
            answer = service.push(batch.raws, batch.node.code)
            result.batches.append(time.perf_counter() - begun)
            check(answer.accepted, batch)
            result.events += answer.accepted
        result.seconds = time.perf_counter() - started
        result.cpu = time.process_time() - cpu
    return result


def check(accepted: int, batch: Batch) -> None:
    if accepted != len(batch.raws):
        raise RuntimeError(f"the hub accepted {accepted} of {len(batch.raws)} events of "
                           f"{batch.node.code}: the figures would be wrong")


# -- b. plain INSERTs ------------------------------------------------------------------

PLAIN_TABLES = (
    "CREATE TABLE plain_event (id {serial}, node TEXT NOT NULL, seq BIGINT NOT NULL, "
    "digest TEXT NOT NULL, envelope {blob} NOT NULL, type TEXT NOT NULL, case_no TEXT, "
    "matter TEXT, hlc TEXT NOT NULL, author TEXT NOT NULL, peer TEXT NOT NULL, "
    "received_at TEXT NOT NULL)",
    "CREATE UNIQUE INDEX plain_event_node_seq ON plain_event (node, seq)",
    "CREATE INDEX plain_event_case_no ON plain_event (case_no)",
    "CREATE TABLE plain_address (event BIGINT NOT NULL, node TEXT NOT NULL, "
    "PRIMARY KEY (event, node))",
    "CREATE INDEX plain_address_event ON plain_address (event)",
    "CREATE INDEX plain_address_node ON plain_address (node)",
)


def plain_rows(batch: Batch, first_id: int) -> tuple[list[tuple[Any, ...]],
                                                     list[tuple[Any, ...]]]:
    """The hub_event and hub_address rows the hub writes for ``batch``."""
    stamp = datetime.now().isoformat(timespec="milliseconds")
    events, addresses = [], []
    for number, raw in enumerate(batch.raws, first_id):
        envelope = parse_envelope(raw)
        h = envelope.header
        events.append((number, h.node, h.seq, envelope.hash, raw, h.type, h.case_no, h.matter,
                       h.hlc, h.author, batch.node.code, stamp))
        for node in sorted({r.split(":")[1] for r in h.recipients}):
            addresses.append((number, node))
    return events, addresses


def plain_inserts(url: str | None, path: Path, batches: list[Batch]) -> Pass:
    rows, next_id = [], 1
    for batch in batches:
        rows.append(plain_rows(batch, next_id))
        next_id += len(batch.raws)
    result = Pass()
    with common.hub_database(url, path) as db:
        pg = is_postgres(db)
        for statement in PLAIN_TABLES:
            db.execute_sql(statement.format(serial="BIGINT PRIMARY KEY",
                                            blob="BYTEA" if pg else "BLOB"))
        mark = "%s" if pg else "?"
        insert_event = f"INSERT INTO plain_event VALUES ({', '.join([mark] * 12)})"
        insert_address = f"INSERT INTO plain_address VALUES ({mark}, {mark})"
        started = time.perf_counter()
        for events, addresses in rows:
            begun = time.perf_counter()
            with transaction(db):
                cursor = db.cursor()
                cursor.executemany(insert_event, events)
                cursor.executemany(insert_address, addresses)
            result.batches.append(time.perf_counter() - begun)
            result.events += len(events)
        result.seconds = time.perf_counter() - started
    return result


def transaction(db: Database) -> Any:
    return db.atomic() if is_postgres(db) else db.atomic("IMMEDIATE")


# -- c. over HTTP ------------------------------------------------------------------------


def over_http(address: str, net: common.Network, batches: list[Batch], clients: int) -> Pass:
    """``clients`` threads push the batches; node i belongs to thread i % clients."""
    sessions = {}
    for village in net.villages:
        client = HubClient(address, village.key, village.code)
        client.health()
        client.hello(village.chain_pem)  # registration: before the clock starts
        sessions[village.code] = client
    owner = {v.code: i % clients for i, v in enumerate(net.villages)}
    work: list[list[Batch]] = [[b for b in batches if owner[b.node.code] == t]
                               for t in range(clients)]
    result = Pass()
    lock = threading.Lock()
    failures: list[BaseException] = []

    def push_all(mine: list[Batch]) -> None:
        try:
            for batch in mine:
                begun = time.perf_counter()
                answer = sessions[batch.node.code].push(batch.raws)
                seconds = time.perf_counter() - begun
                check(answer.accepted, batch)
                with lock:
                    result.batches.append(seconds)
                    result.events += answer.accepted
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=push_all, args=(mine,)) for mine in work]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    if failures:
        raise failures[0]
    return result


def http_pass(backend: Backend, tag: str, network_file: Path, net: common.Network,
              batches: list[Batch], materials: list[str], clients: int) -> tuple[Pass, float]:
    """A pass over HTTP on a fresh database; also the hub process's CPU seconds."""
    path = backend.sqlite_path(tag)
    with backend.fresh(tag) as url:
        prepare(url, path, net, materials, register=False)
        argv = common.hub_argv(network_file, "127.0.0.1:0", url, path)
        with common.serving(argv, backend.work / f"hub-{tag}.log") as hub:
            cpu_before = hub.cpu_seconds()
            result = over_http(hub.address, net, batches, clients)
            cpu = hub.cpu_seconds() - cpu_before
    return result, cpu


# -- Ed25519 alone -------------------------------------------------------------------------


def verify_parts(net: common.Network,
                 batches: list[Batch]) -> list[tuple[Ed25519PublicKey, bytes, bytes]]:
    """(key, signature, signed bytes) of every event, parsed ahead of the clock."""
    keys: dict[str, Ed25519PublicKey] = {v.code: v.key.public_key() for v in net.villages}
    parts = []
    for batch in batches:
        for raw in batch.raws:
            envelope = parse_envelope(raw)
            parsed = parse_signature(envelope.signature)
            parts.append((keys[batch.node.code], parsed.raw, parsed.prefix + envelope.signed_part))
    return parts


def bare_verifies(net: common.Network, batches: list[Batch]) -> Pass:
    parts = verify_parts(net, batches)
    result = Pass()
    started = time.perf_counter()
    for key, signature, data in parts:
        key.verify(signature, data)
    result.seconds = time.perf_counter() - started
    result.events = len(parts)
    return result


def pooled_verifies(net: common.Network, batches: list[Batch], threads: int) -> Pass:
    """The same verifies on ``threads`` threads, in as many equal slices."""
    parts = verify_parts(net, batches)
    size = -(-len(parts) // threads)

    def run(start: int) -> None:
        for key, signature, data in parts[start:start + size]:
            key.verify(signature, data)

    result = Pass()
    with ThreadPoolExecutor(threads) as pool:
        started = time.perf_counter()
        list(pool.map(run, range(0, len(parts), size)))
        result.seconds = time.perf_counter() - started
    result.events = len(parts)
    return result


# -- output -----------------------------------------------------------------------------------


def figure(label: str, value: float, against: str, ratio: float, note: str = "") -> None:
    print(f"  {label:<46} {value:>9,.0f}/s   {against:<30} ratio {ratio:>6.3f}  {note}".rstrip())


def batch_note(result: Pass) -> str:
    return (f"batch {ms(statistics.median(result.batches))} median, "
            f"{ms(common.percentile(result.batches, 99))} p99")


class Timers:
    """Seconds and calls per named step, by wrapping callables (little overhead, unlike
    cProfile, which slows peewee's many small calls several times over)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1
        return timed


@contextmanager
def timing_steps(service: HubService, db: Database, timers: Timers) -> Iterator[None]:
    """Wrap the steps of ``HubService.push`` (and the database calls) in ``timers``."""
    modules = ((service_module, "parse_envelope", "parse_envelope"),
               (service_module, "decide_batch", "decide_batch"),
               # keys.sign as envelope calls it: verify, or verify_parsed with the signature
               # parse_envelope already read
               (envelope_module, "verify", "ed25519"),
               (envelope_module, "verify_parsed", "ed25519"))
    saved = [(module, name, getattr(module, name)) for module, name, _ in modules]
    for module, name, label in modules:
        setattr(module, name, timers.wrap(label, getattr(module, name)))
    for name in ("_verify_begin", "_store", "_advance_case", "_receipt"):
        setattr(service, name, timers.wrap(name, getattr(service, name)))
    for name in ("execute", "execute_sql", "commit"):
        setattr(db, name, timers.wrap(f"db.{name}", getattr(db, name)))
    try:
        yield
    finally:
        for module, name, call in saved:
            setattr(module, name, call)
        for name in ("execute", "execute_sql", "commit"):
            delattr(db, name)


def profile_pass(path: Path, net: common.Network, batches: list[Batch]) -> tuple[Pass, Timers]:
    timers = Timers()
    result = Pass()
    with common.hub_database(None, path) as db:
        service = HubService(net.identity(), db)
        with timing_steps(service, db, timers):
            started = time.perf_counter()
            for batch in batches:
                answer = service.push(batch.raws, batch.node.code)
                check(answer.accepted, batch)
                result.events += answer.accepted
            result.seconds = time.perf_counter() - started
    return result, timers


def query_cost(path: Path, node: str, runs: int = 2000) -> tuple[float, float]:
    """One ``digest_at`` (a peewee ``get_or_none``) against the same SELECT as a fixed SQL
    string through ``db.execute_sql``; seconds per call, alternating."""
    peewee_side, plain_side = [], []
    with common.hub_database(None, path) as db:
        service = HubService.__new__(HubService)
        sql = "SELECT digest FROM hub_event WHERE node = ? AND seq = ? LIMIT 1"
        for round_ in range(10):
            started = time.perf_counter()
            for seq in range(1, runs // 10 + 1):
                service.digest_at(node, seq)
            peewee_side.append((time.perf_counter() - started) / (runs // 10))
            started = time.perf_counter()
            for seq in range(1, runs // 10 + 1):
                db.execute_sql(sql, (node, seq)).fetchone()
            plain_side.append((time.perf_counter() - started) / (runs // 10))
            del round_
    return statistics.median(peewee_side), statistics.median(plain_side)


def profile_report(result: Pass, timers: Timers, costs: tuple[float, float]) -> None:
    events, total = result.events, result.seconds
    print(f"  steps of one in-process SQLite pass: {events:,} events in {total:.2f} s "
          f"({result.rate:,.0f}/s with the timers in place)")
    steps = (("parse, hand each chunk to the verify pool", "_verify_begin"),
             ("  of which parse_envelope", "parse_envelope"),
             ("Ed25519 (keys.sign), on the pool's threads", "ed25519"),
             ("decide_batch: (node, seq) lookups", "decide_batch"),
             ("_store: materials, case rules, rows", "_store"),
             ("  of which _advance_case (case rules)", "_advance_case"),
             ("_receipt: sign + upsert, per node", "_receipt"),
             ("database: build + run statements (peewee)", "db.execute"),
             ("  of which running them (cursor.execute)", "db.execute_sql"),
             ("commits", "db.commit"))
    for label, key in steps:
        seconds, calls = timers.seconds.get(key, 0.0), timers.calls.get(key, 0)
        print(f"    {label:<48} {seconds:7.2f} s  {seconds / total:6.1%}  {calls:>7,} calls  "
              f"{seconds / events * 1e6:7.0f} µs/event")
    statements = timers.calls.get("db.execute_sql", 0)
    print(f"    SQL statements: {statements:,} ({statements / events:.1f} per event)")
    peewee_cost, plain_cost = costs
    print(f"  one (node, seq) lookup: peewee get_or_none {ms(peewee_cost)}, the same SELECT as "
          f"a fixed SQL string {ms(plain_cost)} (ratio {peewee_cost / plain_cost:,.0f})")


# -- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station hub ingest benchmark.")
    parser.add_argument("--nodes", type=int, default=25, help="village nodes pushing")
    parser.add_argument("--events", type=int, default=10_000,
                        help="events in all (rounded to whole cases of 4 events per node)")
    parser.add_argument("--batch", type=int, default=200, help="events per push (a station's)")
    parser.add_argument("--materials", type=int, default=2,
                        help="materials each case.filed cites")
    parser.add_argument("--http-clients", type=int, default=4,
                        help="concurrent clients in the second HTTP pass")
    parser.add_argument("--no-http", action="store_true",
                        help="only the in-process passes (skip POST /v1/events over HTTP)")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one in-process SQLite pass")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown or not backends:
        print(f"--backends: unknown {', '.join(sorted(unknown)) or 'empty'}", file=sys.stderr)
        return 2
    return run_in_work_folder(args.workdir, "bianmin-bench-ingest-",
                              lambda work: run(args, backends, work))


def run(args: argparse.Namespace, backends: list[str], work: Path) -> None:
    cases = max(1, args.events // (args.nodes * common.EVENTS_PER_CASE))
    load_before = common.load_average()
    progress(f"certifying {args.nodes} villages")
    net = common.make_network(args.nodes)
    network_file = work / "network.json"
    net.save(network_file)
    progress(f"building {args.nodes} × {cases * common.EVENTS_PER_CASE} events")
    recipients = common.readers()
    logs = [common.station_log(v, cases, recipients, args.materials) for v in net.villages]
    materials = [a for log in logs for a in log.materials]
    batches = batches_of(logs, args.batch)
    total = sum(len(b.raws) for b in batches)
    sizes = [len(raw) for log in logs for raw in log.envelopes]

    progress("Ed25519 verifies alone")
    verify = bare_verifies(net, batches)
    threads = os.cpu_count() or 1
    pooled = pooled_verifies(net, batches, threads)
    results: dict[str, dict[str, Any]] = {}
    for name in backends:
        backend = Backend(name, work)
        tag = f"{name[:2]}"
        progress(f"{name}: HubService.push in process")
        with backend.fresh(f"{tag}_a") as url:
            path = backend.sqlite_path(f"{tag}_a")
            prepare(url, path, net, materials, register=True)
            inproc = in_process(url, path, net, batches)
        progress(f"{name}: plain INSERTs of the same rows")
        with backend.fresh(f"{tag}_b") as url:
            plain = plain_inserts(url, backend.sqlite_path(f"{tag}_b"), batches)
        results[name] = {"in": inproc, "plain": plain}
        if args.no_http:
            continue
        progress(f"{name}: POST /v1/events over HTTP, 1 client")
        results[name]["http1"] = http_pass(backend, f"{tag}_c", network_file, net, batches,
                                           materials, 1)
        progress(f"{name}: POST /v1/events over HTTP, {args.http_clients} clients")
        results[name]["httpn"] = http_pass(backend, f"{tag}_d", network_file, net, batches,
                                           materials, args.http_clients)

    profile = None
    if args.profile:
        progress("timing the steps of one in-process SQLite pass")
        path = work / "hub-profile.db"
        prepare(None, path, net, materials, register=True)
        profile = profile_pass(path, net, batches)
        costs = query_cost(path, net.villages[0].code)

    libraries = ", ".join(common.postgres_version() if b == "postgresql"
                          else f"SQLite {sqlite3.sqlite_version}"
                          for b in backends)
    print()
    print(f"Bianmin Station hub ingest benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine(libraries)}")
    print(f"  load average (1/5/15 min): {load_before} at the start, "
          f"{common.load_average()} at the end")
    print(f"  {total:,} events from {args.nodes} villages ({cases} cases × "
          f"{common.EVENTS_PER_CASE} events each; case.filed cites {args.materials} "
          f"materials), envelopes {statistics.median(sizes):,.0f} B median; batches of "
          f"{args.batch} events of one node, nodes taking turns")
    print(f"  target {TARGET:,.0f} verified events/s; ratio = figure / peer or target")
    labels = {"sqlite": "SQLite file (WAL, synchronous=full)",
              "postgresql": "PostgreSQL, fresh database on 127.0.0.1"}
    for number, name in enumerate(backends, 1):
        r = results[name]
        inproc, plain = r["in"], r["plain"]
        print()
        print(f"{number}. {labels[name]}")
        figure("HubService.push, in process", inproc.rate, f"target {TARGET:,.0f}/s",
               inproc.rate / TARGET, batch_note(inproc))
        figure("", inproc.rate, f"verify on {threads} threads {pooled.rate:,.0f}/s",
               inproc.rate / pooled.rate)
        figure("", inproc.rate, f"plain INSERTs {plain.rate:,.0f}/s", inproc.rate / plain.rate,
               batch_note(plain))
        figure("", inproc.rate, f"Ed25519 verify {verify.rate:,.0f}/s",
               inproc.rate / verify.rate)
        figure("  per CPU second of this process", inproc.cpu_rate,
               f"target {TARGET:,.0f}/s", inproc.cpu_rate / TARGET)
        if "http1" not in r:
            continue
        (http1, cpu1), (httpn, cpun) = r["http1"], r["httpn"]
        figure("POST /v1/events over HTTP, 1 client", http1.rate, f"target {TARGET:,.0f}/s",
               http1.rate / TARGET, batch_note(http1))
        figure("", http1.rate, f"in process {inproc.rate:,.0f}/s", http1.rate / inproc.rate,
               f"hub CPU {cpu1 / http1.seconds:.0%} of wall")
        figure(f"POST /v1/events over HTTP, {args.http_clients} clients", httpn.rate,
               f"target {TARGET:,.0f}/s", httpn.rate / TARGET, batch_note(httpn))
        figure("", httpn.rate, f"in process {inproc.rate:,.0f}/s", httpn.rate / inproc.rate,
               f"hub CPU {cpun / httpn.seconds:.0%} of wall")
    print()
    print(f"{len(backends) + 1}. Ed25519 verify of the same signed bytes, alone: "
          f"{verify.rate:,.0f}/s ({ms(verify.seconds / verify.events)} each); "
          f"on {threads} threads {pooled.rate:,.0f}/s")
    summary(results, pooled, threads)
    if profile is not None:
        print()
        profile_report(*profile, costs)


def summary(results: dict[str, dict[str, Any]], pooled: Pass, threads: int) -> None:
    """The figures issue 19 names, each against its bar."""
    print()
    print("Issue 19 (both cores), in-process HubService.push:")
    sqlite = results.get("sqlite", {}).get("in")
    postgres = results.get("postgresql", {}).get("in")
    print(f"  Ed25519 verify on {threads} threads (same run)         {pooled.rate:>9,.0f}/s")
    if sqlite is not None:
        figure("SQLite events/s", sqlite.rate, f"target {TARGET_SQLITE:,.0f}/s",
               sqlite.rate / TARGET_SQLITE)
        figure("", sqlite.rate, f"verify {pooled.rate:,.0f}/s (bar {TARGET_OF_VERIFY})",
               sqlite.rate / pooled.rate)
    if postgres is not None:
        figure("PostgreSQL events/s", postgres.rate,
               f"verify {pooled.rate:,.0f}/s", postgres.rate / pooled.rate)
    if sqlite is not None and postgres is not None:
        figure("", postgres.rate, f"SQLite {sqlite.rate:,.0f}/s (bar {TARGET_PG_OF_SQLITE})",
               postgres.rate / sqlite.rate)


if __name__ == "__main__":
    sys.exit(main())
