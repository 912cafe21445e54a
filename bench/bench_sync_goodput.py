"""Materials goodput over an emulated village link, beside curl moving the same bytes.

Run from the repository root, as root (it builds a network namespace)::

    .venv/bin/python bench/bench_sync_goodput.py [--size-mib 4] [--rounds 5]
        [--rate-kbit 2000] [--rtt-ms 300] [--loss 3] [--chunk-kib N] [--workdir DIR]

It prints the goodput of a material upload through the product's resumable,
signed upload (``sync.client.HubClient.upload`` against the hub's
``/v1/materials``) beside ``curl`` uploading the same bytes over the same link
to a plain HTTP server that discards them, as a ratio (target ≥ 0.95), and beside
the same upload sent one chunk a round trip (``HubClient.pipeline`` off: the client
before pipelining, and the one used with a hub that does not offer it).  It
asserts nothing about timings (they are read by people, docs/performance.md);
it does check that the hub holds each material whole.

The link is ``tests/netlink.py``'s ``VillageLink``: a network namespace
behind a veth pair shaped by ``tc tbf`` (``--rate-kbit`` each way), losing
``--loss`` % of packets each way (nftables), with ``--rtt-ms`` of latency
added by a delaying TCP proxy on the link's host-side address.  The hub
(``HubService`` behind waitress with the product's settings,
``sync/hub/serve.py``; SQLite file) and the sink (waitress, a WSGI app that
reads and drops the body) run in the root namespace behind that proxy; both
clients run inside the namespace.  The hub's port is chosen first and the proxy's
address given to it as its public name (``--public-name``, bench/sync_common.py):
the client signs for the authority it connects to.

Each round makes a fresh file of ``--size-mib`` MiB of random bytes (as
incompressible as the encrypted materials are) and uploads it both ways, the
two sides taking turns going first:

* hub: a process in the namespace registers the village (health, hello: not
  timed), then a fresh ``HubClient`` (a new connection, as curl has) times
  ``upload``: ``POST /v1/materials/{sha256}`` then signed ``PATCH``es of
  ``PART`` (256 KiB, sync/chunks.py) pipelined on one connection, up to ``DEPTH``
  (4) sent before the first is answered;
* sequential: the same with one ``PATCH`` per ``CHUNK`` (1 MiB), each waiting for
  its answer (a material of its own);
* curl: ``curl --data-binary @FILE -H "Expect:"`` to the sink, one request,
  timed by curl (``%{time_total}``, connection included).

``--chunk-kib N`` adds a side: the pipelined upload with parts of N KiB (as many
in flight as make 1 MiB).  Progress goes to stderr;
the figures to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import sync_common as common
from bench_store import machine, work_folder

from sync.hub.service import HubService

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from netlink import LinkUnavailable, VillageLink  # the tests' link emulator

TARGET = 0.95
progress = common.progress


# -- the upload client (runs inside the namespace) ---------------------------------


def upload_main(args: argparse.Namespace) -> int:
    import sync.client
    from sync.client import HubClient

    net = common.Network.load(args.network)
    village = net.villages[0]
    if args.chunk_kib:  # the pipelined parts' size, as many in flight as make a CHUNK
        sync.client.PART = args.chunk_kib * 1024
        sync.client.DEPTH = max(1, sync.client.CHUNK // sync.client.PART)
    data = args.client_upload.read_bytes()
    address = hashlib.sha256(data).hexdigest()
    setup = HubClient(args.hub, village.key, village.code, timeout=120)
    setup.health()
    setup.hello(village.chain_pem)
    client = HubClient(args.hub, village.key, village.code, timeout=120)
    client.clock_offset = setup.clock_offset
    client.pipeline = not args.sequential
    began = time.perf_counter()
    sent = client.upload(address, len(data), lambda at, n: data[at:at + n])
    seconds = time.perf_counter() - began
    status = setup.material_status(address) or {}
    print(json.dumps({"seconds": seconds, "sent": sent, "requests": client.requests_made,
                      "complete": bool(status.get("complete")), "address": address}))
    return 0


# -- the parent -------------------------------------------------------------------------


def hub_upload(link: VillageLink, hub: str, network: Path, path: Path,
               chunk_kib: int | None = None, sequential: bool = False) -> dict[str, Any]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--client-upload", str(path),
            "--network", str(network), "--hub", hub]
    if chunk_kib:
        argv += ["--chunk-kib", str(chunk_kib)]
    if sequential:
        argv += ["--sequential"]
    done = link.run(argv, capture_output=True, text=True, timeout=900, cwd=os.getcwd())
    if done.returncode != 0:
        raise RuntimeError(f"the upload client failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not result["complete"] or result["sent"] != path.stat().st_size:
        raise RuntimeError(f"the hub does not hold the material whole: {result}")
    return result


def curl_upload(link: VillageLink, sink: str, path: Path) -> dict[str, Any]:
    argv = ["curl", "-sS", "--fail", "--max-time", "900", "-H", "Expect:", "-H",
            "Content-Type: application/octet-stream", "--data-binary", f"@{path}",
            "-o", "/dev/null", "-w", "%{time_total} %{size_upload}", f"{sink}/upload"]
    done = link.run(argv, capture_output=True, text=True, timeout=960)
    if done.returncode != 0:
        raise RuntimeError(f"curl failed: {done.stderr}")
    seconds, size = done.stdout.split()
    if int(float(size)) != path.stat().st_size:
        raise RuntimeError(f"curl sent {size} of {path.stat().st_size} bytes")
    return {"seconds": float(seconds), "requests": 1}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station materials goodput benchmark.")
    parser.add_argument("--size-mib", type=float, default=4.0, help="material size, MiB")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (each side once a round)")
    parser.add_argument("--rate-kbit", type=int, default=2000, help="link rate each way")
    parser.add_argument("--rtt-ms", type=int, default=300, help="round-trip time added")
    parser.add_argument("--loss", type=float, default=3.0, help="packet loss each way, %%")
    parser.add_argument("--chunk-kib", type=int,
                        help="also upload pipelined with parts of this size (KiB, at most "
                        "1024; as many in flight as make 1 MiB)")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    parser.add_argument("--sequential", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client-upload", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--network", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--hub", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.client_upload:
        return upload_main(args)
    if args.chunk_kib is not None and not 1 <= args.chunk_kib <= 1024:
        print("--chunk-kib must be 1–1024 (the hub takes chunks up to 1 MiB)", file=sys.stderr)
        return 2
    work = work_folder(args.workdir, "bianmin-bench-goodput-")
    if work is None:
        return 2
    try:
        run(args, work)
    except LinkUnavailable as error:
        print(f"the village link cannot be built here: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def run(args: argparse.Namespace, work: Path) -> None:
    load_before = common.load_average()
    size = int(args.size_mib * 1024 * 1024)
    net = common.make_network(1)
    network = work / "network.json"
    net.save(network)
    hub_db = work / "hub.db"
    with common.hub_database(None, hub_db) as db:
        HubService(net.identity(), db)
    sides: dict[str, list[dict[str, Any]]] = {"hub": [], "curl": [], "sequential": []}
    if args.chunk_kib:
        sides[f"hub, {args.chunk_kib} KiB chunks"] = []
    with VillageLink(args.rate_kbit, args.rtt_ms, args.loss) as link, \
            common.serving(common.sink_argv("127.0.0.1:0"), work / "sink.log") as sink:
        # The hub's port first: the village reaches it through the link's proxy, whose
        # address is the authority the client signs for, so the hub must take it as one
        # of its public names (sync/hub/serve.py) from the start.
        port = free_port()
        forwarded = "{}:{}".format(*link.forward("127.0.0.1", port))
        hub_url = f"http://{forwarded}"
        sink_url = "http://{}:{}".format(*link.forward(*_host_port(sink.address)))
        hub_argv = common.hub_argv(network, f"127.0.0.1:{port}", None, hub_db,
                                   public_names=[forwarded])
        with common.serving(hub_argv, work / "hub.log"):
            rounds(args, link, hub_url, sink_url, network, work, size, sides)
    report(args, size, sides, load_before)


def free_port() -> int:
    """A loopback port free now (the hub binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rounds(args: argparse.Namespace, link: VillageLink, hub_url: str, sink_url: str,
           network: Path, work: Path, size: int,
           sides: dict[str, list[dict[str, Any]]]) -> None:
    progress(f"link up: {link!r}")
    for number in range(args.rounds):
        path = work / f"material-{number}.bin"
        path.write_bytes(os.urandom(size))
        runs: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("hub", lambda p=path: hub_upload(link, hub_url, network, p)),
            ("curl", lambda p=path: curl_upload(link, sink_url, p))]
        sequential = work / f"material-{number}-s.bin"  # its own bytes: a new address
        sequential.write_bytes(os.urandom(size))
        runs.append(("sequential", lambda p=sequential: hub_upload(link, hub_url, network, p,
                                                                  sequential=True)))
        if args.chunk_kib:
            chunked = work / f"material-{number}-c.bin"  # its own bytes: a new address
            chunked.write_bytes(os.urandom(size))
            runs.append((f"hub, {args.chunk_kib} KiB chunks",
                         lambda p=chunked: hub_upload(link, hub_url, network, p,
                                                      args.chunk_kib)))
        if number % 2:
            runs.reverse()
        for side, call in runs:
            progress(f"round {number + 1}/{args.rounds}: {side}")
            sides[side].append(call())
        path.unlink()
        sequential.unlink()


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.removeprefix("http://").rpartition(":")
    return host, int(port)


def report(args: argparse.Namespace, size: int, sides: dict[str, list[dict[str, Any]]],
           load_before: str) -> None:
    line_rate = args.rate_kbit * 1000 / 8  # bytes per second
    floor = size / line_rate
    medians = {side: statistics.median(r["seconds"] for r in runs)
               for side, runs in sides.items()}
    curl = medians["curl"]
    print()
    print(f"Bianmin Station materials goodput benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine()}")
    print(f"  load average (1/5/15 min): {load_before} at the start, "
          f"{common.load_average()} at the end")
    print(f"  link: {args.rate_kbit} kbit/s each way, {args.rtt_ms} ms RTT, {args.loss:g} % "
          f"loss each way (tests/netlink.py VillageLink); {args.size_mib:g} MiB of random "
          f"bytes per upload; {args.rounds} rounds, sides alternating; median (min–max)")
    print(f"  at exactly the line rate the bytes alone take {floor:.1f} s "
          f"({line_rate / 1024:.0f} KiB/s)")
    print()
    for side, runs in sides.items():
        seconds = [r["seconds"] for r in runs]
        median = medians[side]
        label = {"hub": "HubClient.upload (pipelined, signed)",
                 "curl": "curl, one POST to a sink",
                 "sequential": "  same, one chunk a round trip"}.get(
            side, f"HubClient.upload, {args.chunk_kib} KiB parts")
        requests = runs[0]["requests"]
        goodput = size / median / 1024
        note = f"target ≥ {TARGET}" if side == "hub" else ""
        ratio = curl / median
        print(f"  {label:<38} {median:6.1f} s ({min(seconds):.1f}–{max(seconds):.1f})  "
              f"{goodput:6.1f} KiB/s  {requests:>3} requests  of line rate "
              f"{floor / median:5.2f}  vs curl {ratio:5.3f}  {note}".rstrip())
    runs = sides["sequential"]
    chunks = runs[0]["requests"] - 1
    extra = medians["sequential"] - curl
    print()
    print(f"  one chunk a round trip − curl: {extra:+.1f} s over {chunks} chunks = "
          f"{extra / chunks * 1000:+.0f} ms a chunk (one round trip is {args.rtt_ms} ms)")
    extra = medians["hub"] - curl
    print(f"  pipelined − curl: {extra:+.1f} s over {sides['hub'][0]['requests'] - 1} parts")

if __name__ == "__main__":
    sys.exit(main())
