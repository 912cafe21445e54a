"""How long the ``station`` command takes to start, beside a bare Python start.

Run from the repository root::

    .venv/bin/python bench/bench_cli_start.py [--runs 10]

Most commands are short: a hub's timer, a script, the test suite start the
command hundreds of times, so its start-up is paid again and again.  This
starts, in turns, ``python -c pass`` (the floor: the interpreter alone),
``station --version`` (parsing the command line, no station) and
``station matters --json`` (a typical short command: the catalogue read and
printed), each as a fresh child process with the same interpreter, and prints
the median wall time of each and its ratio to the bare start.  It also prints
which heavy libraries ``--version`` loaded (none, if start-up stays lean).  It
asserts nothing: timings belong to the machine (docs/performance.md);
tests/test_cli_start.py checks the lean imports instead.

Progress goes to stderr; the figures to stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("pyhanko", "reportlab", "matplotlib", "openpyxl", "PIL", "prometheus_client",
         "requests", "falcon", "waitress", "psycopg2", "aiohttp", "peewee")
PROBE = ("import runpy, sys\n"
         "sys.argv = ['station', '--version']\n"
         "try:\n"
         "    runpy.run_module('station.cli.main', run_name='__main__')\n"
         "except SystemExit:\n"
         "    pass\n"
         f"print('loaded:', *(m for m in {HEAVY!r} if m in sys.modules))\n")


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
        env.update(HOME=home, XDG_DATA_HOME=str(Path(home) / "data"))
        station = [sys.executable, "-m", "station.cli.main"]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "station --version": [*station, "--version"],
            "station matters --json": [*station, "matters", "--json"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm the page cache once, untimed
            wall(command, env)
        for run in range(options.runs):
            print(f"[bench] run {run + 1}/{options.runs}", file=sys.stderr, flush=True)
            for name, command in commands.items():
                times[name].append(wall(command, env))
        loaded = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True,
                                capture_output=True, text=True).stdout.split()
        loaded = loaded[loaded.index("loaded:") + 1:]
    floor = statistics.median(times["python -c pass"])
    print(f"CLI start-up, median of {options.runs} runs each, {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:<24} {median * 1000:7.0f} ms  (min {min(samples) * 1000:.0f}, "
              f"max {max(samples) * 1000:.0f})  {median / floor:5.1f}× python -c pass")
    print(f"  heavy libraries loaded by --version: {' '.join(loaded) or 'none'}")


if __name__ == "__main__":
    main()
