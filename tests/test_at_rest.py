"""No personal value and no scanned byte in plaintext under the data directory.

A case is filed through the real command with a known applicant and a known
scan; then every byte of every file under the data directory (database, WAL,
shared memory, materials, logs, temp files) is searched for the name (UTF-8,
GBK, UTF-16 both byte orders), the ID number, the phone, the address and a
run of 64 bytes from the middle of each scan.  The case has three pages, so
they go through the store's parallel path (several pages encrypted at once,
temp files fsynced on I/O threads: station/store/blobs.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cli import station
from conftest import PASSPHRASE, write_json

from station.demo.samples import draw_scan

NAME = "欧阳翠花"
ID_NUMBER = "450981195003151220"
PHONE = "13977519876"
ADDRESS = "桂平市示范镇示范村七组 23 号"
BANK = "6217995610009876543"
AGENT_NAME = "覃代办员"


def needles(scan: bytes) -> dict[str, bytes]:
    middle = len(scan) // 2
    found = {
        "name utf-8": NAME.encode("utf-8"),
        "name gbk": NAME.encode("gbk"),
        "name utf-16-le": NAME.encode("utf-16-le"),
        "name utf-16-be": NAME.encode("utf-16-be"),
        "id number": ID_NUMBER.encode(),
        "id number utf-16": ID_NUMBER.encode("utf-16-le"),
        "phone": PHONE.encode(),
        "address": ADDRESS.encode("utf-8"),
        "address gbk": ADDRESS.encode("gbk"),
        "bank card in form": BANK.encode(),
        "agent's name": AGENT_NAME.encode("utf-8"),
        "scan bytes": scan[middle:middle + 64],
    }
    assert scan.count(found["scan bytes"]) == 1
    return found


def every_file(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_nothing_in_clear(root: Path, scan: bytes) -> None:
    files = every_file(root)
    assert any(p.name == "station.db" for p in files)
    assert any("materials" in p.parts for p in files)
    for path, content in files.items():
        for what, needle in needles(scan).items():
            assert needle not in content, f"{what} in plaintext in {path}"


def test_nothing_personal_in_plaintext_at_rest(tmp_path: Path) -> None:
    data, printed = tmp_path / "data", tmp_path / "printed"
    env = {"STATION_DATA": str(data), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(printed)}
    assert station("init", "--tier", "village", "--code", "450981104201",
                   "--name", "示范村便民服务站", "--operator", "agent",
                   "--operator-name", AGENT_NAME, env=env).code == 0
    # Hold a connection open so the WAL stays on disk as a crash would leave it.
    holder = sqlite3.connect(data / "station.db")
    holder.execute("SELECT count(*) FROM sqlite_master").fetchall()
    scan_path = draw_scan(tmp_path / "scan.jpg", "居民身份证", [NAME, ID_NUMBER, ADDRESS], seed=7)
    scan = scan_path.read_bytes()
    more = [draw_scan(tmp_path / f"scan{i}.jpg", "居民身份证", [NAME, ADDRESS], seed=8 + i)
            for i in range(2)]
    applicant = write_json(tmp_path / "a.json", {"name": NAME, "id_number": ID_NUMBER,
                                                 "phone": PHONE, "address": ADDRESS})
    form = write_json(tmp_path / "f.json", {
        "household_size": 3, "monthly_income_per_capita": 300, "main_reason": "因残",
        "has_severe_case": "否", "bank_card_no": BANK, "application_date": "2026-11-20"})
    filed = station("case", "new", "--matter", "450981-MZ-001", "--applicant", applicant,
                    "--form", form, "--material", f"居民身份证={scan_path}",
                    *(f"--material=居民身份证={page}" for page in more), "--json", env=env)
    assert filed.code == 0, filed.err
    case_no = filed.json()["case_no"]
    assert len(list((data / "materials").iterdir())) == 3  # three pages, stored together
    # Views, searches and exports write events too: they must be sealed as well.
    assert station("case", "show", case_no, "--reveal", env=env).code == 0
    assert station("case", "find", "--id-number", ID_NUMBER, env=env).code == 0
    # The partial search keys (schema 9) are blind too: search by them.
    for typed in (f"{ID_NUMBER[-4:]} {ID_NUMBER[6:10]}", f"{PHONE[-4:]} {NAME[0]}", NAME[1:]):
        searched = station("case", "find", typed, "--json", env=env)
        assert [c["case_no"] for c in searched.json()["cases"]] == [case_no], typed
    # 资料共享: a later matter reuses the ID card with consent; no page is stored again,
    # and the consent and the reuse leave nothing in clear either.
    elder = write_json(tmp_path / "e.json", {
        "age": 80, "applicant_relation": "本人", "account_type": "社会保障卡",
        "account_no": BANK, "start_date": "2026-12-01"})
    reused = station("case", "new", "--matter", "450981-MZ-005", "--applicant", applicant,
                     "--form", elder, "--reuse", "居民身份证", "--consent", "--json", env=env)
    assert reused.code == 0, reused.err
    assert reused.json()["reused"] == ["居民身份证"]
    assert len(list((data / "materials").iterdir())) == 3
    exported = station("case", "export", case_no, "--material", "居民身份证",
                       "--out", tmp_path / "out.jpg", env=env)
    assert exported.code == 0, exported.err
    assert (tmp_path / "out.jpg").read_bytes() == scan

    # The files as a stolen PC would hold them right now, WAL not checkpointed.
    assert (data / "station.db-wal").stat().st_size > 0
    for page in (scan, *(m.read_bytes() for m in more)):
        assert_nothing_in_clear(data, page)
    # And after a checkpoint has moved everything into the main file.
    holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    holder.close()
    for page in (scan, *(m.read_bytes() for m in more)):
        assert_nothing_in_clear(data, page)
    # The receipt does hold personal data, so it is outside the data directory.
    assert not any(p.suffix == ".pdf" for p in data.rglob("*"))
    assert any(p.suffix == ".pdf" for p in printed.iterdir())
    assert os.environ.get("STATION_DATA") is None
