"""Shared parts of the sync benchmarks (bench/bench_sync_*.py).

A county root, a township hub and any number of villages, certified with
``keys/ca.py`` directly (no station stores: a few hundred villages take a
second); their events built with ``sync/envelope.py`` as ``station/network/publish.py``
builds them (sealed to two offices, signed, hash-chained); a hub served by
the product's own waitress settings (``sync/hub/serve.py``) in its own
process; fresh PostgreSQL databases; percentiles.

Also a small program, for the processes a benchmark starts::

    python bench/sync_common.py hub --network FILE --listen HOST:PORT (--sqlite PATH | --db URL)
        [--workers N] [--blobs SPEC] [--public-name HOST:PORT ...]
    python bench/sync_common.py sink --listen HOST:PORT

``hub`` serves ``HubService`` for the township in FILE (``--workers`` N > 1: that many
worker processes through the product's own ``sync/hub/workers.py``, PostgreSQL only);
``sink`` is a plain
HTTP server that reads every request body and throws it away (the peer of an
upload).  Both print ``… listening on http://HOST:PORT`` to stderr when ready.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from peewee import Database

from keys import ca
from keys.seal import Recipient, seal
from keys.suites import generate_sealing_key
from sync.envelope import ZERO_HASH, Header, build_envelope, envelope_hash
from sync.hlc import HybridClock
from sync.hub.identity import HubIdentity, open_database
from sync.hub.models import HubBlob, HubDirectory, upsert

COUNTY = ("450981000000", "桂平市政务服务中心")
TOWNSHIP = ("450981104000", "桂平市示范镇便民服务中心")
VILLAGE_NAME = "桂平市示范镇第{n}村便民服务站"
ARCHIVE = "office:450981000000:档案:1"
OFFICE = "office:450981104000:民政办:1"
MATTER = "450981-MZ-005"  # 高龄津贴申领
EVENTS_PER_CASE = 4  # case.filed, case.notice_issued, access.printed, access.viewed
MATERIAL_SIZE = 180_000  # a travelling page: one JPEG scan, encrypted
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql://postgres@127.0.0.1:5432/{name}"
LISTENING = re.compile(r"listening on (http://\S+)")
HERE = Path(__file__).resolve().parent


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- the network: keys and certificates ------------------------------------------


@dataclass
class Node:
    code: str
    key: Ed25519PrivateKey
    chain_pem: str  # the node's certificate first

    def to_json(self) -> dict[str, str]:
        raw = self.key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return {"code": self.code, "key": raw.hex(), "chain": self.chain_pem}

    @classmethod
    def from_json(cls, value: dict[str, str]) -> Node:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(value["key"]))
        return cls(value["code"], key, value["chain"])


@dataclass
class Network:
    root_pem: str
    township: Node
    villages: list[Node]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"root": self.root_pem, "township": self.township.to_json(),
                                    "villages": [v.to_json() for v in self.villages]}),
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Network:
        value = json.loads(path.read_text(encoding="utf-8"))
        return cls(value["root"], Node.from_json(value["township"]),
                   [Node.from_json(v) for v in value["villages"]])

    def identity(self) -> HubIdentity:
        """The township hub, as ``station hub serve`` builds it from a station."""
        return HubIdentity(TOWNSHIP[0], "township", TOWNSHIP[1], self.township.key,
                           self.township.chain_pem,
                           ca.certificate_from_pem(self.root_pem.encode()))


def village_code(number: int) -> str:
    """Village ``number`` (1–999) of the township."""
    if not 1 <= number <= 999:
        raise ValueError(f"a township has villages 1–999, not {number}")
    return f"{TOWNSHIP[0][:9]}{number:03d}"


def make_network(villages: int) -> Network:
    """A county root, the township (node key and issuing key) and ``villages`` villages,
    each village certified by the township's issuing key (chain: village, township)."""
    root_key, root = ca.create_root(*COUNTY)
    township_key = Ed25519PrivateKey.generate()
    township_cert = ca.approve(ca.node_csr(township_key, TOWNSHIP[0], "township", TOWNSHIP[1]),
                               root_key, root)
    issuing_key = ca.new_issuing_key()
    issuing = ca.approve(ca.issuing_csr(issuing_key, *TOWNSHIP), root_key, root)
    nodes = []
    for number in range(1, villages + 1):
        key = Ed25519PrivateKey.generate()
        code = village_code(number)
        cert = ca.approve(ca.node_csr(key, code, "village", VILLAGE_NAME.format(n=number)),
                          issuing_key, issuing)
        nodes.append(Node(code, key, ca.to_pem([cert, issuing]).decode()))
    township = Node(TOWNSHIP[0], township_key, ca.to_pem([township_cert]).decode())
    return Network(ca.to_pem(root).decode(), township, nodes)


# -- events ----------------------------------------------------------------------


def readers() -> list[Recipient]:
    """The county archive and the township's 民政办: who reads a village's events."""
    return [Recipient(ARCHIVE, generate_sealing_key()[1]),
            Recipient(OFFICE, generate_sealing_key()[1])]


@dataclass
class StationLog:
    """One village's outbox: signed envelopes in seq order and the materials they cite."""

    node: Node
    envelopes: list[bytes]
    materials: list[str]  # content addresses, each to be whole at the hub before its event


def scan_bytes(node: str, case: int, page: int) -> bytes:
    """A scan's ciphertext as the bench's villages send it: ``MATERIAL_SIZE`` bytes that
    look random, the same each time for the same page."""
    return random.Random(f"{node}/{case}/{page}").randbytes(MATERIAL_SIZE)


def material_address(node: str, case: int, page: int) -> str:
    """The content address of ``scan_bytes(node, case, page)``."""
    return hashlib.sha256(scan_bytes(node, case, page)).hexdigest()


def _payload(kind: str, case_no: str, materials: Sequence[str], n: int) -> dict[str, Any]:
    if kind == "case.filed":
        return {"applicant": {"name": "黄秀英", "id_number": "11010519491231002X",
                              "phone": "13977512345", "address": f"示范村三组 {n % 90 + 1} 号"},
                "form": {"age": 80 + n % 15, "applicant_relation": "本人",
                         "account_type": "社会保障卡", "account_no": "6217995610001234567",
                         "start_date": "2026-12-01"},
                "materials": [{"name": "居民身份证", "page": i + 1, "address": a,
                               "key": base64.b64encode(os.urandom(32)).decode(),
                               "size": MATERIAL_SIZE} for i, a in enumerate(materials)],
                "status": "filed", "deadline": "2026-12-15"}
    if kind == "case.notice_issued":
        return {"notice_no": f"{case_no}-GZ", "items": ["户口簿首页"], "promised_days": 10}
    return {"case_no": case_no, "what": "受理通知书" if kind == "access.printed" else "案件"}


def station_log(node: Node, cases: int, recipients: Sequence[Recipient],
                materials_per_case: int, first_case: int = 1) -> StationLog:
    """``cases`` cases of ``EVENTS_PER_CASE`` events each, as the village publishes them."""
    clock = HybridClock(node.code, lambda: int(datetime.now(UTC).timestamp() * 1000))
    day = date.today()
    envelopes: list[bytes] = []
    cited: list[str] = []
    prev = ZERO_HASH
    for n in range(first_case, first_case + cases):
        case_no = f"{node.code}-{day:%Y%m%d}-{n:04d}"
        materials = [material_address(node.code, n, p) for p in range(materials_per_case)]
        cited += materials
        for kind in ("case.filed", "case.notice_issued", "access.printed", "access.viewed"):
            payload = _payload(kind, case_no, materials, n)
            sealed = seal(json.dumps(payload, ensure_ascii=False).encode(), recipients)
            header = Header(event_id=uuid.uuid4().hex, node=node.code, seq=len(envelopes) + 1,
                            prev=prev, case_no=case_no, matter=MATTER, type=kind,
                            hlc=str(clock.tick()), author="daiban",
                            recipients=tuple(r.id for r in recipients),
                            materials=tuple(materials) if kind == "case.filed" else ())
            raw = build_envelope(header, sealed, node.key, node.code)
            envelopes.append(raw)
            prev = envelope_hash(raw)
    return StationLog(node, envelopes, cited)


# -- hub databases and processes ---------------------------------------------------


@contextmanager
def postgres_database(label: str) -> Iterator[str]:
    """A fresh database on 127.0.0.1:5432 (trust auth, user postgres), dropped afterwards."""
    import psycopg2

    name = f"bm_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(PG_ADMIN)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        yield PG_URL.format(name=name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds (user + system) of each running PostgreSQL server process, by pid:
    every process whose command name is ``postgres`` (the postmaster, its background
    processes, the backends), less the backends of other databases (other benchmarks on
    the same server, and this query's own).  Linux /proc; the server's processes belong
    to another user, so reading them needs root or that user."""
    import psycopg2

    with psycopg2.connect(PG_ADMIN) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL "
                       "AND datname <> %s", (database,))
        others = {row[0] for row in cursor.fetchall()}
    connection.close()
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in others:
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):  # it ended meanwhile
            continue
        name, _, rest = stat.partition("(")[2].rpartition(")")
        if name == "postgres":
            fields = rest.split()
            found[int(entry.name)] = ((int(fields[11]) + int(fields[12]))
                                      / os.sysconf("SC_CLK_TCK"))
    return found


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy since boot, over all its cores, by every
    process (Linux /proc/stat: user, nice, system, irq, softirq; not idle, iowait, nor the
    time a hypervisor took, steal; guest time is inside user and nice already)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / os.sysconf("SC_CLK_TCK")


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """The CPU time that processes spent between two samples by pid: those that started
    meanwhile count whole; those that ended meanwhile are lost."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def postgres_version() -> str:
    import psycopg2

    with psycopg2.connect(PG_ADMIN) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    connection.close()
    return f"PostgreSQL {row[0].split()[0] if row else '?'}"


@contextmanager
def hub_database(url: str | None, sqlite_path: Path) -> Iterator[Database]:
    """The hub's tables (``open_database``: SQLite WAL + synchronous=full by default)."""
    db = open_database(url, sqlite_path)
    try:
        with db.connection_context():
            yield db
    finally:
        db.close()


def register_materials(addresses: Iterable[str], peer: str = "setup") -> int:
    """Mark materials as whole at the hub, directly in its table (setup, not measured:
    the push path only checks that each cited material is complete)."""
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    rows = [{"address": a, "total": MATERIAL_SIZE, "received": MATERIAL_SIZE, "complete": True,
             "created_at": stamp, "peer": peer} for a in addresses]
    for start in range(0, len(rows), 500):
        HubBlob.insert_many(rows[start:start + 500]).on_conflict_ignore().execute()
    return len(rows)


def register_directory() -> int:
    """Give the hub the directory entries the events' recipients name (the county's
    archive, the township's 民政办), directly in its table (setup, not measured: the push
    path reads the offices of each recipient's entry; the signature was checked when a
    real entry was stored, and is not read again)."""
    stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    for recipient in (ARCHIVE, OFFICE):
        _, node, office, _version = recipient.split(":")
        body = {"kind": "directory", "node": node, "issued_at": stamp,
                "offices": [{"id": recipient, "office": office}]}
        document = {"body": base64.b64encode(json.dumps(body).encode()).decode(),
                    "signature": ""}
        upsert(HubDirectory, node=node, document=json.dumps(document), issued_at=stamp)
    return 2


def sqlite_target(path: Path) -> list[str]:
    return ["--sqlite", str(path)]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    address: str
    log: Path

    def cpu_seconds(self) -> float:
        """The server's CPU time with that of its running child processes (a hub with
        several workers: the master and each worker)."""
        return tree_cpu_seconds(self.process.pid)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The running child processes of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and of its running descendants."""
    total = cpu_seconds(pid)
    for child in children(pid):
        try:
            total += tree_cpu_seconds(child)
        except FileNotFoundError:  # it ended meanwhile
            continue
    return total


@contextmanager
def serving(argv: Sequence[str], log: Path, timeout: float = 60.0) -> Iterator[Server]:
    """Start a server process; yield it once it says where it listens; stop it after."""
    with serving_in(argv, log, timeout=timeout) as server:
        yield server


@contextmanager
def serving_in(argv: Sequence[str], log: Path, *, env: dict[str, str] | None = None,
               cwd: Path | None = None, timeout: float = 60.0) -> Iterator[Server]:
    """``serving`` with the process's environment and working folder (a server run from
    another checkout: its PYTHONPATH)."""
    handle = log.open("ab")
    process = subprocess.Popen(list(argv), stdout=handle, stderr=subprocess.PIPE, env=env,
                               cwd=cwd)
    assert process.stderr is not None
    try:
        address = None
        while address is None:
            line = process.stderr.readline()
            if not line:
                raise RuntimeError(f"{argv[2]} exited ({process.wait()}); see {log}")
            handle.write(line)
            found = LISTENING.search(line.decode("utf-8", "replace"))
            address = found.group(1) if found else None
        threading.Thread(target=_copy, args=(process.stderr, handle), daemon=True).start()
        yield Server(process, address, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        handle.close()


def _copy(source: Any, target: Any) -> None:
    for line in source:
        target.write(line)
        target.flush()


def hub_argv(network: Path, listen: str, url: str | None, sqlite_path: Path,
             workers: int = 1, blobs: str | None = None,
             public_names: Sequence[str] = ()) -> list[str]:
    """``public_names``: the authorities clients sign for when they reach the hub through
    something in between (an emulated link's proxy); by default its listen address."""
    argv = [sys.executable, str(HERE / "sync_common.py"), "hub", "--network", str(network),
            "--listen", listen, "--workers", str(workers)]
    if blobs:
        argv += ["--blobs", blobs]
    for name in public_names:
        argv += ["--public-name", name]
    return argv + (["--db", url] if url else sqlite_target(sqlite_path))


def sink_argv(listen: str) -> list[str]:
    return [sys.executable, str(HERE / "sync_common.py"), "sink", "--listen", listen]


# -- figures -----------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0–100) of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages (other work on a shared machine)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "–"


# -- the server program ---------------------------------------------------------------


def _serve_hub(args: argparse.Namespace) -> None:
    from sync.hub.serve import bind
    from sync.hub.service import HubService

    net = Network.load(args.network)
    db = open_database(args.db, args.sqlite)
    blobs = None
    if args.blobs:  # where materials are kept (sync/hub/blob_config.py)
        from sync.hub.blob_config import open_blob_store

        blobs = open_blob_store(args.blobs, Path(args.sqlite).resolve().parent)
    with db.connection_context():
        service = HubService(net.identity(), db, blobs)
    host, _, port = args.listen.rpartition(":")
    if args.workers > 1:  # the product's worker processes (station hub serve --workers)
        _serve_hub_workers(service, host, int(port), args.workers)
        return
    # the product's waitress settings; --public-name: the address clients use (a proxy's)
    server, address = bind(service, host, int(port), public_names=args.public_name or ())
    print(f"hub listening on {address}", file=sys.stderr, flush=True)
    server.run()


def _serve_hub_workers(service: Any, host: str, port: int, workers: int) -> None:
    from sync.hub import workers as hub_workers
    from sync.hub.serve import app_for

    sock = hub_workers.listen_socket(host, port)
    bound = sock.getsockname()[1]
    app = app_for(service, host, bound)
    stop = threading.Event()

    def in_worker() -> None:
        threading.Thread(target=hub_workers.keep_in_step, args=(service, stop),
                         daemon=True).start()

    hub_workers.serve(
        app, sock, workers, 8, db=service.db, in_worker=in_worker,
        started=lambda: print(f"hub listening on http://{host}:{bound}", file=sys.stderr,
                              flush=True))


def _sink(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    stream = environ["wsgi.input"]
    received = 0
    while chunk := stream.read(1 << 16):
        received += len(chunk)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
    return [b""]


def _serve_sink(args: argparse.Namespace) -> None:
    from waitress import create_server

    host, _, port = args.listen.rpartition(":")
    server: Any = create_server(_sink, host=host, port=int(port), threads=8)
    print(f"sink listening on http://{host}:{server.effective_port}", file=sys.stderr,
          flush=True)
    server.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Servers for the sync benchmarks.")
    commands = parser.add_subparsers(dest="command", required=True)
    hub = commands.add_parser("hub", help="serve the township hub of a benchmark network")
    hub.add_argument("--network", type=Path, required=True)
    hub.add_argument("--listen", default="127.0.0.1:0")
    hub.add_argument("--db", help="database URL (default: SQLite at --sqlite)")
    hub.add_argument("--sqlite", type=Path, default=Path("hub.db"))
    hub.add_argument("--workers", type=int, default=1,
                     help="worker processes (more than 1: PostgreSQL only)")
    hub.add_argument("--blobs", help="material store: file:///path or s3://… "
                     "(default: a folder beside --sqlite, or a temporary one)")
    hub.add_argument("--public-name", action="append", metavar="HOST:PORT",
                     help="an address clients reach the hub by (repeatable; default: --listen)")
    sink = commands.add_parser("sink", help="an HTTP server that discards request bodies")
    sink.add_argument("--listen", default="127.0.0.1:0")
    args = parser.parse_args(argv)
    {"hub": _serve_hub, "sink": _serve_sink}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
