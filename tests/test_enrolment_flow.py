"""Enrolment through the real command: county CA, township and village, as files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli import station
from conftest import PASSPHRASE


def node(tmp_path: Path, tier: str, code: str, name: str) -> dict[str, str]:
    env = {"STATION_DATA": str(tmp_path / code), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(tmp_path / f"printed-{code}"),
           "STATION_STATE": str(tmp_path / "state")}
    done = station("init", "--tier", tier, "--code", code, "--name", name, env=env)
    assert done.code == 0, done.err
    return env


@pytest.fixture
def network(tmp_path: Path) -> dict[str, dict[str, str]]:
    county = node(tmp_path, "county", "450981000000", "桂平市政务服务中心")
    assert station("ca", "init", env=county).code == 0
    return {"county": county,
            "township": node(tmp_path, "township", "450981104000", "示范镇便民服务中心"),
            "village": node(tmp_path, "village", "450981104201", "示范村便民服务站")}


def enrol(tmp_path: Path, parent: dict[str, str], child: dict[str, str], code: str,
          tier: str) -> str:
    issued = station("enrol", "issue", "--code", code, "--tier", tier, "--json", env=parent)
    assert issued.code == 0, issued.err
    secret = issued.json()["code"]
    sheet = Path(issued.json()["sheet"])
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(sheet), str(tmp_path / code)],
                   check=True)
    scanned = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / f"{code}-1.png")],
                             check=True, capture_output=True, text=True).stdout.strip()
    assert scanned == secret  # the QR code holds exactly the printed code
    fonts = subprocess.run(["pdffonts", str(sheet)], check=True, capture_output=True,
                           text=True).stdout
    assert "yes" in fonts.splitlines()[2] and " no " not in fonts
    request = tmp_path / f"{code}-request.json"
    done = station("enrol", "request", "--enrolment-code", secret.lower(), "--out", request,
                   env=child)
    assert done.code == 0, done.err
    assert "PRIVATE" not in request.read_text()
    certificates = tmp_path / f"{code}-certs.json"
    approved = station("enrol", "approve", request, "--out", certificates, env=parent)
    assert approved.code == 0, approved.err
    installed = station("enrol", "install", certificates, "--json", env=child)
    assert installed.code == 0, installed.err
    assert installed.json()["code"] == code
    return secret


def test_county_enrols_a_township_which_enrols_its_village(tmp_path: Path, network) -> None:
    enrol(tmp_path, network["county"], network["township"], "450981104000", "township")
    secret = enrol(tmp_path, network["township"], network["village"], "450981104201", "village")
    # The code worked once: approving the same request again is refused.
    again = station("enrol", "approve", tmp_path / "450981104201-request.json", "--out",
                    tmp_path / "again.json", env=network["township"])
    assert again.code == 4 and "用过（只能用一次）" in again.err, again.err
    assert secret


def test_a_village_outside_the_township_is_refused_at_issue(tmp_path: Path, network) -> None:
    enrol(tmp_path, network["county"], network["township"], "450981104000", "township")
    outside = station("enrol", "issue", "--code", "450981105201", "--tier", "village",
                      env=network["township"])
    assert outside.code != 0 and "450981105201" in outside.err


def test_mistyped_code_is_caught_by_the_check_character(tmp_path: Path, network) -> None:
    issued = station("enrol", "issue", "--code", "450981104000", "--tier", "township",
                     "--json", env=network["county"])
    secret = issued.json()["code"]
    wrong = secret[:-3] + ("A" if secret[-3] != "A" else "B") + secret[-2:]
    done = station("enrol", "request", "--enrolment-code", wrong, "--out",
                   tmp_path / "r.json", env=network["township"])
    assert done.code != 0 and "注册码有误" in done.err
    assert json.loads(issued.out)["tier"] == "township"


def test_users_offices_and_revocations_from_the_command_line(tmp_path: Path, network) -> None:
    township = network["township"]
    enrol(tmp_path, network["county"], township, "450981104000", "township")
    added = station("user", "add", "mz", "--role", "reviewer", "--office", "民政办", "--json",
                    env={**township, "STATION_NEW_PASSPHRASE": "mz passphrase 1"})
    assert added.code == 0, added.err
    assert station("user", "add", "x", "--role", "reviewer",
                   env={**township, "STATION_NEW_PASSPHRASE": "x passphrase 1"}).code == 4
    assert station("office", "create", "农业农村办", env=township).code == 4  # no members yet
    assert station("office", "create", "民政办", env=township).code == 0
    revoked = station("revocations", "issue", "--serial", "12345", "--out",
                      tmp_path / "revoked.bin", "--json", env=network["county"])
    assert revoked.code == 0, revoked.err
    installed = station("revocations", "install", tmp_path / "revoked.bin", "--json",
                        env=township)
    assert installed.code == 0 and installed.json()["revoked"] == [12345]
    tampered = bytearray((tmp_path / "revoked.bin").read_bytes())
    tampered[len(tampered) // 2] ^= 0x01
    (tmp_path / "tampered.bin").write_bytes(bytes(tampered))
    assert station("revocations", "install", tmp_path / "tampered.bin", env=township).code != 0
