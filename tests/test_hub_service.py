"""The hub's systemd unit (installer/systemd/bianmin-hub@.service), run as systemd would
run it where systemd itself cannot (no init here, as in a build root): its own ExecStart
line, with the instance, the environment file and the passphrase credential expanded by
systemd's rules, against a real enrolled township node."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import requests

from station.cli.context import CREDENTIAL
from station.cli.main import EXIT_DISK
from station.demo.demo_network import ADMIN, DemoNetwork, wait_until
from station.hubops.hub_banner import started_address

UNIT = Path(__file__).resolve().parent.parent / "installer" / "systemd" / "bianmin-hub@.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep case
    parser.read(UNIT, encoding="utf-8")
    return parser


def expand(line: str, instance: str, env: dict[str, str]) -> list[str]:
    """systemd's rules: %i is the instance; ${VAR} is one word, $VAR splits on spaces."""
    words: list[str] = []
    for word in line.replace("%i", instance).split():
        braced = re.fullmatch(r"\$\{(\w+)\}", word)
        bare = re.fullmatch(r"\$(\w+)", word)
        if braced:
            words.append(env.get(braced.group(1), ""))
        elif bare:
            words += env.get(bare.group(1), "").split()
        else:
            words.append(re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word))
    return words


def test_the_unit_runs_a_hub_with_its_own_command_line(net: DemoNetwork,
                                                       tmp_path: Path) -> None:
    service = unit()["Service"]
    node = net.township
    assert "%i" in service["EnvironmentFile"]
    credential, _source = service["LoadCredential"].split(":", 1)
    assert credential == CREDENTIAL  # the name the station reads the passphrase from
    assert str(EXIT_DISK) in service["RestartPreventExitStatus"].split()
    env = {"HUB_USER": ADMIN, "HUB_LISTEN": "127.0.0.1:0",
           "HUB_OPTIONS": "--trusted-proxy 127.0.0.1"}
    argv = expand(service["ExecStart"], node.code, env)
    assert argv[:3] == ["/usr/bin/station", "hub", "serve"], argv
    # The .deb's /usr/bin/station is this program; its data lives in /var/lib/bianmin/.
    data = argv.index("--data") + 1
    assert argv[data] == f"/var/lib/bianmin/{node.code}"
    argv[data] = str(node.data)
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / CREDENTIAL).write_text(net.passphrase + "\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "STATION_PASSPHRASE"}
    environment["CREDENTIALS_DIRECTORY"] = str(credentials)
    process = subprocess.Popen([sys.executable, "-m", "station.cli.main", *argv[1:]],
                               env=environment, stdin=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        assert process.stderr is not None
        line = process.stderr.readline().decode("utf-8", "replace")
        address = started_address(line)
        assert address, line + process.stderr.read().decode("utf-8", "replace")
        assert wait_until(lambda: requests.get(f"{address}/v1/health", timeout=10).ok, 60,
                          "the hub's health answer")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_without_the_credential_the_hub_stops_with_the_reason(net: DemoNetwork,
                                                            tmp_path: Path) -> None:
    """No passphrase anywhere: one plain line and the exit code systemd does not restart."""
    environment = {k: v for k, v in os.environ.items() if k != "STATION_PASSPHRASE"}
    environment["CREDENTIALS_DIRECTORY"] = str(tmp_path)  # empty
    done = subprocess.run([sys.executable, "-m", "station.cli.main", "hub", "serve", "--data",
                           str(net.township.data), "--user", ADMIN, "--listen", "127.0.0.1:0"],
                          env=environment, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "Traceback" not in done.stderr and "STATION_PASSPHRASE" in done.stderr, done.stderr
    prevented = unit()["Service"]["RestartPreventExitStatus"].split()
    assert str(done.returncode) in prevented, (done.returncode, prevented)
