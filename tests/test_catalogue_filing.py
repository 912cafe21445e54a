"""A conditional material (委托书 when a relative applies on the resident's behalf) is
required only when its condition holds: through `station case new`, its receipt,
`case status` and `case show` (real child processes, real PDFs read back)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli import station
from conftest import PASSPHRASE, write_json
from filing_samples import APPLICANT, scans

from forms.catalogue import load_catalogue
from station.filing.material_text import condition, requirement

MATTER = "450981-CL-001"  # 残疾人两项补贴 as the county's list has it
ALWAYS = ("残疾人两项补贴申请审批表", "第二代残疾人证", "居民身份证", "居民户口簿")
PROXY = ("委托书", "受托人居民身份证")


def form(applied_by: str) -> dict[str, object]:
    return {"applied_by": applied_by, "disability_cert_no": "11010519491231002X43",
            "disability_category": "肢体残疾", "disability_level": "二级",
            "subsidy_type": "重度残疾人护理补贴", "household_size": 3,
            "cert_issue_date": "2020-06-01"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {"STATION_DATA": str(tmp_path / "data"), "STATION_PASSPHRASE": PASSPHRASE,
              "STATION_DOCUMENTS": str(tmp_path / "printed")}
    done = station("init", "--tier", "village", "--code", "450981104201", "--name",
                   "示范村便民服务站", "--operator", "agent", "--json", env=values)
    assert done.code == 0, done.err
    return values


def file_case(tmp_path: Path, env: dict[str, str], applied_by: str,
              names: tuple[str, ...]) -> dict:
    folder = tmp_path / applied_by
    folder.mkdir()
    args: list[str] = []
    for item in scans(folder, names):
        args += ["--material", f"{item.name}={item.path}"]
    done = station("case", "new", "--matter", MATTER,
                   "--applicant", write_json(folder / "applicant.json", APPLICANT),
                   "--form", write_json(folder / "form.json", form(applied_by)), *args,
                   "--json", env=env)
    assert done.code == 0, done.err
    return done.json()


def flat_text(pdf: str) -> str:
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], check=True,
                          capture_output=True, text=True).stdout
    return "".join(text.split())


def test_the_proxy_letter_is_not_asked_of_a_resident_applying_in_person(
        tmp_path: Path, env: dict[str, str]) -> None:
    filed = file_case(tmp_path, env, "本人申请", ALWAYS)
    assert filed["status"] == "filed" and filed["missing"] == []
    assert filed["deadline"] is not None
    receipt = flat_text(filed["receipt"])
    assert "委托书" not in receipt
    status = station("case", "status", filed["case_no"], "--json", env=env)
    assert status.code == 0, status.err
    assert status.json()["missing"] == []
    limits = status.json()["step_limits"]  # nothing runs before the township accepts
    assert [(c["tier"], c["office"], c["days"], c["state"]) for c in limits] == [
        ("township", None, 15, "not_started"), ("county", "残联", 5, "not_started"),
        ("county", "民政局", 5, "not_started")]


def test_the_proxy_letter_is_required_when_a_relative_applies(
        tmp_path: Path, env: dict[str, str]) -> None:
    filed = file_case(tmp_path, env, "亲属代办", ALWAYS)
    assert filed["status"] == "awaiting_supplement"
    assert filed["missing"] == list(PROXY)
    receipt = flat_text(filed["receipt"])
    assert all(name in receipt for name in PROXY)
    status = station("case", "status", filed["case_no"], "--json", env=env)
    assert status.code == 0, status.err
    assert status.json()["missing"] == list(PROXY)
    shown = station("case", "show", filed["case_no"], "--json", env=env)
    assert shown.code == 0, shown.err
    assert shown.json()["missing"] == list(PROXY)
    complete = file_case(tmp_path, env, "村（居）委会代办", ALWAYS + PROXY)
    assert complete["status"] == "filed" and complete["missing"] == []


def test_what_each_material_asks_for_is_said_in_full() -> None:
    matter = load_catalogue().get(MATTER)
    said = {m.name: requirement(m) for m in matter.materials}
    assert said["残疾人两项补贴申请审批表"] == "原件 2 份"
    assert said["第二代残疾人证"] == (
        "原件 1 份、复印件 1 份；纸质、电子均可；出具单位：县残疾人联合会；"
        "原件核对后当场退还；可出示电子残疾人证")
    assert said["居民户口簿"] == "复印件 1 份；出具单位：户籍所在地公安派出所"
    old = load_catalogue().get("450981-MZ-004").material("残疾人两项补贴申请审批表")
    assert requirement(old) == "原件 2 份"  # an older file: copies = 2 of a 原件


def test_when_a_conditional_material_is_needed_is_said_with_the_field_label() -> None:
    matter = load_catalogue().get(MATTER)
    assert condition(matter.material("委托书"), matter) == (
        "申请方式为“亲属代办”或“村（居）委会代办”")
    assert condition(matter.material("最低生活保障证"), matter) == "家庭困难情况为“低保家庭”"
    assert condition(matter.material("居民户口簿"), matter) == ""
