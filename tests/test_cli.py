"""The station command as a person or a script uses it (real child processes)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cli import snapshot, station
from conftest import PASSPHRASE, write_json
from filing_samples import APPLICANT, ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED, scans


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {"STATION_DATA": str(tmp_path / "data"), "STATION_PASSPHRASE": PASSPHRASE,
              "STATION_DOCUMENTS": str(tmp_path / "printed")}
    done = station("init", "--tier", "village", "--code", "450981104201", "--name",
                   "示范村便民服务站", "--operator", "agent", "--json", env=values)
    assert done.code == 0, done.err
    return values


def file_elder_case(tmp_path: Path, env: dict[str, str]) -> dict:
    applicant = write_json(tmp_path / "applicant.json", APPLICANT)
    form = write_json(tmp_path / "form.json", ELDER_FORM)
    args = []
    for item in scans(tmp_path, ELDER_REQUIRED):
        args += ["--material", f"{item.name}={item.path}"]
    done = station("case", "new", "--matter", ELDER_MATTER, "--applicant", applicant,
                   "--form", form, *args, "--json", env=env)
    assert done.code == 0, done.err
    return done.json()


def test_init_twice_is_refused(env: dict[str, str]) -> None:
    again = station("init", "--tier", "village", "--code", "450981104201", "--name", "x", env=env)
    assert again.code == 1 and "已经建过站" in again.err


def test_init_validates_the_node_code(tmp_path: Path) -> None:
    values = {"STATION_DATA": str(tmp_path / "d"), "STATION_PASSPHRASE": PASSPHRASE}
    done = station("init", "--tier", "village", "--code", "450981104000", "--name", "x",
                   env=values)
    assert done.code == 4 and "450981104000" in done.err and "不符" in done.err
    assert not (tmp_path / "d").exists()


def test_wrong_passphrase_is_refused_and_changes_nothing(tmp_path: Path, env) -> None:
    file_elder_case(tmp_path, env)
    data = Path(env["STATION_DATA"])
    before = snapshot(data)
    for args in (("case", "list"), ("passwd",), ("case", "show", "x")):
        done = station(*args, env={**env, "STATION_PASSPHRASE": "wrong", "STATION_NEW_PASSPHRASE":
                                   "whatever-123"})
        assert done.code == 3, done.err
        assert "口令不正确" in done.err and done.out == ""
    assert snapshot(data) == before


def test_no_passphrase_and_no_terminal_says_how(env: dict[str, str]) -> None:
    done = station("case", "list", env={k: v for k, v in env.items()
                                        if k != "STATION_PASSPHRASE"})
    assert done.code == 3 and "STATION_PASSPHRASE" in done.err


def test_passwd_rewraps_and_data_stays_readable(tmp_path: Path, env) -> None:
    case_no = file_elder_case(tmp_path, env)["case_no"]
    db_before = (Path(env["STATION_DATA"]) / "station.db").read_bytes()
    changed = station("passwd", env={**env, "STATION_NEW_PASSPHRASE": "新的口令 2026"})
    assert changed.code == 0, changed.err
    assert station("case", "list", env=env).code == 3
    shown = station("case", "show", case_no, "--json",
                    env={**env, "STATION_PASSPHRASE": "新的口令 2026"})
    assert shown.code == 0 and shown.json()["applicant"]["name"] == APPLICANT["name"]
    assert (Path(env["STATION_DATA"]) / "station.db").read_bytes() != b""
    assert len(db_before) > 0


def test_recover_with_the_key_read_off_the_printed_sheet(tmp_path: Path, env) -> None:
    case_no = file_elder_case(tmp_path, env)["case_no"]
    sheet = next(Path(env["STATION_DOCUMENTS"]).glob("*恢复密钥单.pdf"))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(sheet), str(tmp_path / "sheet")],
                   check=True)
    key = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "sheet-1.png")],
                         check=True, capture_output=True, text=True).stdout.strip()
    forgotten = {**env, "STATION_PASSPHRASE": "forgotten"}
    wrong = station("recover", env={**forgotten, "STATION_RECOVERY_KEY": "0" * 52,
                                    "STATION_NEW_PASSPHRASE": "重新设置的新口令2026"})
    assert wrong.code == 3 and "恢复密钥不正确" in wrong.err
    done = station("recover", env={**forgotten, "STATION_RECOVERY_KEY": key.lower(),
                                   "STATION_NEW_PASSPHRASE": "重新设置的新口令2026"})
    assert done.code == 0, done.err
    shown = station("case", "status", case_no, "--json",
                    env={**env, "STATION_PASSPHRASE": "重新设置的新口令2026"})
    assert shown.code == 0 and shown.json()["status"] == "queued"


def test_matters_json_has_the_contract_keys(env: dict[str, str]) -> None:
    done = station("matters", "--json", env=env)
    assert done.code == 0
    matters = done.json()
    assert len(matters) >= 10
    for matter in matters:
        for key in ("code", "name", "tier", "offices", "promised_days", "legal_days",
                    "materials", "fields"):
            assert key in matter, key
        assert all({"name", "required"} <= set(m) for m in matter["materials"])
        for f in matter["fields"]:
            assert {"name", "type", "required"} <= set(f)
            if f["type"] == "choice":
                assert f["options"]
    assert {m["tier"] for m in matters} >= {"township", "county"}
    assert any(len(m["offices"]) >= 2 for m in matters)


def test_case_commands_json(tmp_path: Path, env) -> None:
    filed = file_elder_case(tmp_path, env)
    assert set(filed) >= {"case_no", "status", "deadline", "receipt"}
    assert Path(filed["receipt"]).is_file()
    assert filed["case_no"].startswith("450981104201-")
    listed = station("case", "list", "--json", env=env).json()
    assert listed["total"] == 1 and listed["cases"][0]["case_no"] == filed["case_no"]
    found = station("case", "find", "--id-number", APPLICANT["id_number"], "--json", env=env)
    assert [c["case_no"] for c in found.json()["cases"]] == [filed["case_no"]]
    shown = station("case", "show", filed["case_no"], "--json", env=env).json()
    assert shown["deadline"] == filed["deadline"]
    assert shown["applicant"]["id_number"] != APPLICANT["id_number"]
    again = station("case", "print", filed["case_no"], "--json", env=env)
    assert again.code == 0 and again.json()["files"] == [filed["receipt"]]


def test_invalid_id_number_names_the_field_and_stores_nothing(tmp_path: Path, env) -> None:
    applicant = write_json(tmp_path / "a.json", dict(APPLICANT, id_number="11010519491231002Y"))
    form = write_json(tmp_path / "f.json", ELDER_FORM)
    data = Path(env["STATION_DATA"])
    before = snapshot(data / "materials") if (data / "materials").exists() else {}
    done = station("case", "new", "--matter", ELDER_MATTER, "--applicant", applicant,
                   "--form", form, env=env)
    assert done.code == 4 and "“身份证号码”" in done.err and done.out == ""
    assert station("case", "list", "--json", env=env).json()["total"] == 0
    assert (snapshot(data / "materials") if (data / "materials").exists() else {}) == before


@pytest.mark.parametrize(("content", "fragment"), [
    ("{not json", "JSON"), ("[1, 2]", "JSON 对象"), (None, "不存在"),
])
def test_bad_input_files(tmp_path: Path, env, content: str | None, fragment: str) -> None:
    path = tmp_path / "applicant.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    form = write_json(tmp_path / "f.json", ELDER_FORM)
    done = station("case", "new", "--matter", ELDER_MATTER, "--applicant", path, "--form", form,
                   env=env)
    assert done.code == 4 and fragment in done.err


def test_not_found_and_usage_exit_codes(env: dict[str, str], tmp_path: Path) -> None:
    assert station("case", "show", "450981104201-20260101-0001", env=env).code == 5
    assert station("case", "list", env={**env, "STATION_DATA": str(tmp_path / "none")}).code == 5
    assert station("case", "frobnicate", env=env).code == 2
    matter = station("case", "new", "--matter", "NOPE", "--applicant", "a", "--form", "b",
                     env=env)
    assert matter.code == 4  # the applicant file is checked before the matter


def test_english_interface(env: dict[str, str]) -> None:
    done = station("--lang", "en", "case", "show", "450981104201-20260101-0001", env=env)
    assert done.code == 5 and "not found" in done.err.lower()
    wrong = station("case", "list", env={**env, "STATION_LANG": "en",
                                         "STATION_PASSPHRASE": "nope"})
    assert wrong.code == 3 and "passphrase" in wrong.err.lower()


@pytest.mark.parametrize(("start", "days", "expected"), [
    ("2026-09-28", "5", "2026-10-10"), ("2026-02-13", "3", "2026-02-25"),
    ("2026-10-03", "0", "2026-10-08"), ("2026-12-05", "0", "2026-12-07"),
])
def test_calendar_vectors(start: str, days: str, expected: str) -> None:
    done = station("calendar", "add", start, days)
    assert done.code == 0 and done.out.strip() == expected


@pytest.mark.parametrize(("start", "days", "expected"), [
    ("2027-03-05", "1", "2027-03-08"),
    ("2026-12-31", "1", "2027-01-04"),  # 元旦 2027-01-01 (a Friday) is a statutory holiday
    ("2027-02-04", "1", "2027-02-09"),  # 除夕 02-05, the weekend, 初三 02-08; no 调休
])
def test_calendar_year_without_data_counts_the_statutory_holidays_and_warns(
        start: str, days: str, expected: str) -> None:
    done = station("calendar", "add", start, days)
    assert done.code == 0 and done.out.strip() == expected
    assert done.err.strip() == ("2027 年的节假日安排尚未发布，"
                                "暂按法定节假日计算工作日（调休未知），以公布的安排为准。")
    assert "Warning" not in done.err and ".py" not in done.err  # a clean line, no traceback


def test_calendar_bad_input() -> None:
    assert station("calendar", "add", "2026-13-40", "1").code == 4
    assert station("calendar", "add", "2026-01-05", "-2").code == 4


def test_demo_runs_headless(tmp_path: Path) -> None:
    done = station("demo", "--headless", "--json", "--workdir", tmp_path / "demo")
    assert done.code == 0, done.err
    result = done.json()
    assert len(result["cases"]) == 2
    for case in result["cases"]:
        assert Path(case["receipt"]).is_file()
    assert shutil.which("pdftotext")


def test_tampered_material_or_column_gives_a_clear_error(tmp_path: Path, env) -> None:
    import sqlite3

    case_no = file_elder_case(tmp_path, env)["case_no"]
    data = Path(env["STATION_DATA"])
    blob = max((p for p in (data / "materials").rglob("*") if p.is_file()),
               key=lambda p: p.stat().st_size)
    original = blob.read_bytes()
    damaged = bytearray(original)
    damaged[len(damaged) // 2] ^= 0x01
    blob.write_bytes(bytes(damaged))
    out = tmp_path / "export.jpg"
    failures = [station("case", "export", case_no, "--material", name, "--out", out, env=env)
                for name in ("高龄津贴申请表", "居民身份证", "居民户口簿", "社会保障卡或银行卡")]
    broken = [f for f in failures if f.code != 0]
    assert len(broken) == 1 and broken[0].code == 6
    assert "已损坏或被改动" in broken[0].err and "Traceback" not in broken[0].err
    blob.write_bytes(original)

    with sqlite3.connect(data / "station.db") as conn:
        (address,) = conn.execute("SELECT address FROM applicant").fetchone()
        flipped = bytearray(address)
        flipped[-1] ^= 0x01
        conn.execute("UPDATE applicant SET address = ?", (bytes(flipped),))
    shown = station("case", "show", case_no, env=env)
    assert shown.code == 6 and "applicant.address" in shown.err
    assert "Traceback" not in shown.err


def test_output_closed_by_the_reader_is_not_a_crash(env: dict[str, str]) -> None:
    import fcntl
    import os

    from cli import COMMAND

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # smaller than the output: writes block
    proc = subprocess.Popen([*COMMAND, "matters", "--json"], stdout=write_end,
                            stderr=subprocess.PIPE, env={**os.environ, **env})
    os.close(write_end)
    assert os.read(read_end, 10)
    os.close(read_end)  # like `| head -c 10`
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and "Traceback" not in err


def test_list_filters_and_find_by_name(tmp_path: Path, env) -> None:
    filed = file_elder_case(tmp_path, env)
    by_name = station("case", "find", "--name", APPLICANT["name"], "--json", env=env)
    assert [c["case_no"] for c in by_name.json()["cases"]] == [filed["case_no"]]
    waiting = station("case", "list", "--status", "awaiting_supplement", "--json", env=env)
    assert waiting.json()["total"] == 0
    on_track = station("case", "list", "--deadline", "on_track", "--matter", ELDER_MATTER,
                       "--sort", "deadline", "--json", env=env)
    assert on_track.json()["total"] == 1
    bad = station("case", "list", "--from", "2026-13-01", env=env)
    assert bad.code == 2 and "2026-13-01" in bad.err and "Traceback" not in bad.err
