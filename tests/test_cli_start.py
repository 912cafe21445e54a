"""The ``station`` command starts lean: building its parser loads no heavy library.

Every command module is imported to build the parser, so what a command needs to
run (PDF signing, reports, charts, HTTP, the store) is imported inside its
handler (station/cli/context.py).  A short command, a hub's start and the test
suite (which starts the command hundreds of times) then skip loading pyhanko,
reportlab, matplotlib … each time.  These tests start the real command in a child
process and read what it loaded; bench/bench_cli_start.py measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Loaded by no command that does not need them.
HEAVY = ("pyhanko", "pyhanko_certvalidator", "reportlab", "PIL", "matplotlib", "openpyxl",
         "requests", "falcon", "waitress", "prometheus_client", "aiohttp", "psycopg2", "peewee")
# What reading the catalogue needs none of.
NOT_FOR_MATTERS = ("pyhanko", "reportlab", "PIL", "matplotlib", "openpyxl", "requests", "falcon",
                   "waitress", "prometheus_client", "aiohttp")

PROBE = """
import json, runpy, sys
sys.argv = ["station", *json.loads(sys.argv[1])]
code = 0
try:
    runpy.run_module("station.cli.main", run_name="__main__")
except SystemExit as stop:
    code = stop.code or 0
sys.stdout.flush()
sys.stderr.write(json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def run(*args: str) -> tuple[int, str, set[str]]:
    """Run ``station *args`` in a fresh interpreter: exit code, stdout, top-level modules."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], env=env,
                          capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], done.stdout, {name.split(".")[0] for name in report["modules"]}


def test_version_loads_no_heavy_library() -> None:
    code, out, loaded = run("--version")
    assert code == 0
    assert out.startswith("station ") and out.split()[1][0].isdigit(), out
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_builds_every_command_without_heavy_libraries() -> None:
    code, out, loaded = run("--help")
    assert code == 0 and "COMMAND" in out
    for command in ("case", "hub", "matters", "publish", "review", "seal", "demo", "backup"):
        assert command in out, command
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_short_command_loads_only_what_it_uses() -> None:
    code, out, loaded = run("matters", "--json")
    assert code == 0, out
    assert json.loads(out), "the catalogue printed no matter"
    assert not loaded & set(NOT_FOR_MATTERS), sorted(loaded & set(NOT_FOR_MATTERS))


def test_the_check_sees_what_a_command_loads(tmp_path: Path) -> None:
    """The probe is not blind: verifying a PDF needs pyhanko, loaded when the command
    runs (here it then stops, exit 3: no passphrase given)."""
    code, _out, loaded = run("verify-pdf", str(tmp_path / "a.pdf"),
                             "--data", str(tmp_path / "none"))
    assert code == 3
    assert "pyhanko" in loaded


def test_the_light_sort_names_are_the_case_lists_sorts() -> None:
    from station.cases import list_options, register

    assert tuple(register.SORTS) == list_options.SORT_NAMES


def test_the_light_roles_are_the_roles_users_get() -> None:
    from station.trust import roles, users

    assert users.ROLES is roles.ROLES and users.ROLE_LABELS is roles.ROLE_LABELS
