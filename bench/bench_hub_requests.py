"""The hub's CPU per request, one kind at a time: where a syncing station's cost goes.

Run from the repository root::

    .venv/bin/python bench/bench_hub_requests.py [--stations 80] [--rounds 3]
        [--backend postgresql|sqlite] [--baseline DIR] [--workdir DIR]

``bench_sync_stations.py`` measures the hub's CPU per station in a storm, where it
varies by ±12 % from run to run and mixes every request.  This bench sends the same
requests one after another, each kind in turn over ``--stations`` stations, to a
single-process hub (``sync_common.py hub``, the product's settings), and prints the
hub's CPU time (``/proc``: user + system) per request of each kind:

- ``GET /v1/health`` (unsigned);
- ``POST /v1/hello``, first time: the chain verified and the station registered;
- ``POST /v1/events``, first time: the station's log (``bench_sync_stations``'s: 5 cases
  of 4 events), verified and stored;
- ``POST /v1/hello`` again (what every later session sends: nothing new to store);
- ``POST /v1/events`` again (all held already: the receipt only).

With ``--baseline DIR`` (a checkout of older code, as in ``bench_sync_stations.py``)
the hub of that checkout is measured in the same run, the two alternating ``--rounds``
times, each on a fresh database, and the ratio of each kind is printed.  Medians of the
rounds.  It asserts nothing about timings; it does stop if an event was refused.
Progress goes to stderr; the figures to stdout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path

import sync_common as common
from bench_store import machine, run_in_work_folder
from bench_sync_stations import ROOT, Configuration, code_env, describe, hub_argv, prepare

from sync.client import HubClient

progress = common.progress
Call = Callable[[HubClient, common.Node, common.StationLog], object]
KINDS: list[tuple[str, Call]] = [
    ("health", lambda c, v, log: c.health()),
    ("hello, first", lambda c, v, log: c.hello(v.chain_pem)),
    ("push, first", lambda c, v, log: _all_accepted(c.push(log.envelopes), log)),
    ("hello again", lambda c, v, log: c.hello(v.chain_pem)),
    ("push again (held)", lambda c, v, log: c.push(log.envelopes)),
]


def _all_accepted(answer: object, log: common.StationLog) -> object:
    if getattr(answer, "accepted", None) != len(log.envelopes):
        raise RuntimeError("the hub refused events: the figures would be wrong")
    return answer


def measure(configuration: Configuration, args: argparse.Namespace, net: common.Network,
            network_file: Path, logs: list[common.StationLog], work: Path,
            tag: str) -> dict[str, float]:
    """Hub CPU (ms) per request of each kind, on a fresh database."""
    context: AbstractContextManager[str | None] = (
        common.postgres_database("requests") if args.backend == "postgresql"
        else nullcontext())
    path = work / f"hub-{tag}.db"
    with context as url:
        prepare(configuration, network_file, url, path,
                [a for log in logs for a in log.materials], work)
        argv = hub_argv(configuration.root, network_file, url, path, 1)
        with common.serving_in(argv, work / f"hub-{tag}.log", env=code_env(configuration.root),
                               cwd=configuration.root) as hub:
            # One client per station, as a station has; each request its own connection's
            # turn: the hub's 100 connections are not all taken (--stations ≤ 90).
            clients = [HubClient(hub.address, v.key, v.code, timeout=60) for v in net.villages]
            out = {}
            for name, call in KINDS:
                before = hub.cpu_seconds()
                for client, village, log in zip(clients, net.villages, logs, strict=True):
                    call(client, village, log)
                out[name] = (hub.cpu_seconds() - before) / len(clients) * 1000
            for client in clients:
                client.http.close()
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station: the hub's CPU per request.")
    parser.add_argument("--stations", type=int, default=80,
                        help="stations, each sending every kind once (at most 90)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per configuration")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="a checkout of older code measured in the same run")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not 1 <= args.stations <= 90 or args.rounds < 1:
        print("--stations must be 1–90 and --rounds at least 1", file=sys.stderr)
        return 2
    if args.baseline and not (args.baseline / "bench" / "sync_common.py").is_file():
        print(f"--baseline {args.baseline}: no bench/sync_common.py there", file=sys.stderr)
        return 2
    return run_in_work_folder(args.workdir, "bianmin-bench-requests-",
                              lambda work: run(args, work))


def run(args: argparse.Namespace, work: Path) -> None:
    load_before = common.load_average()
    net = common.make_network(args.stations)
    network_file = work / "network.json"
    net.save(network_file)
    logs = [common.station_log(v, 5, common.readers(), 2) for v in net.villages]
    configurations = [Configuration("today", ROOT, 1, backend=args.backend)]
    if args.baseline:
        root = args.baseline.resolve()
        configurations.insert(0, Configuration(f"baseline {describe(root)}", root, 1, True,
                                               args.backend))
    figures: dict[str, list[dict[str, float]]] = {c.label: [] for c in configurations}
    for number in range(1, args.rounds + 1):
        for configuration in configurations:
            progress(f"{configuration.label}, round {number} of {args.rounds}")
            figures[configuration.label].append(
                measure(configuration, args, net, network_file, logs, work,
                        f"{number}-{len(figures[configuration.label])}-{configuration.baseline}"))
    library = common.postgres_version() if args.backend == "postgresql" else "SQLite"
    print()
    print(f"Bianmin Station: the hub's CPU per request, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine(library)}")
    print(f"  load average (1/5/15 min): {load_before} at the start, "
          f"{common.load_average()} at the end")
    print(f"  one hub process (waitress, 8 threads) on {args.backend}; {args.stations} stations, "
          f"each request kind in turn; medians of {args.rounds} rounds, CPU from /proc")
    print()
    labels = [c.label for c in configurations]
    print(f"  {'request':<22}" + "".join(f"{label[:24]:>26}" for label in labels)
          + ("     ratio" if len(labels) == 2 else ""))
    for name, _call in KINDS:
        values = [statistics.median(r[name] for r in figures[label]) for label in labels]
        line = f"  {name:<22}" + "".join(f"{v:>23.2f} ms" for v in values)
        if len(values) == 2:
            line += f"  {values[1] / values[0]:8.2f}"
        print(line)
    first = ("health", "hello, first", "push, first")
    again = ("health", "hello again", "push, first")
    for title, kinds in (("a station's first session", first),
                         ("a known station's session with new events", again)):
        values = [sum(statistics.median(r[k] for r in figures[label]) for k in kinds)
                  for label in labels]
        print(f"  {title} ({' + '.join(kinds)}):")
        line = f"  {'':<22}" + "".join(f"{v:>23.2f} ms" for v in values)
        if len(values) == 2:
            line += f"  {values[1] / values[0]:8.2f}"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
