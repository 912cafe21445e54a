"""The resident's file (居民档案, issue 20 item 4): every case of one resident held at
this station, newest first, with states and materials; each opening is one access
event; a wrong ID records nothing; nothing personal is in clear at rest (real store
files, the real command)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from cli import station as run_station
from conftest import PASSPHRASE, VILLAGE
from filing_samples import (
    APPLICANT,
    DIBAO_FORM,
    DIBAO_MATTER,
    ELDER_FORM,
    ELDER_MATTER,
    ELDER_REQUIRED,
    scans,
)
from test_at_rest import every_file

from station import outbox
from station.app import Station
from station.cases.material_checks import checked_text, record_checks
from station.cases.resident_file import (
    FileCase,
    ResidentIdInvalid,
    ResidentNotFound,
    open_by_case,
    open_by_id_number,
)
from station.casework import delivery
from station.errors import CaseNotFound, RoleRequired
from station.filing.new_case import file_case
from station.i18n import render
from station.store.models import Event
from station.trust import users

OTHER = {"name": "韦春花", "id_number": "45098119610202511X", "phone": "15877500002",
         "address": "示范村五组 7 号"}
UNKNOWN_ID = "450981195601010014"  # valid, but no case here
REUSED = "居民身份证"
NOT_REUSED = tuple(name for name in ELDER_REQUIRED if name != REUSED)


def file_four(station: Station, folder: Path) -> dict[str, str]:
    """Three cases of 黄秀英 (40 and 10 days ago, today reusing the first one's ID card;
    the oldest then withdrawn) and one of another resident filed between them."""
    now = datetime.now().astimezone()
    cases = {
        "elder": file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM,
                           scans(folder / "elder", ELDER_REQUIRED, pages=2),
                           now=now - timedelta(days=40),
                           print_documents=False).case_no,
        "other": file_case(station, ELDER_MATTER, OTHER, ELDER_FORM,
                           scans(folder / "other", ELDER_REQUIRED[:1], seed=300),
                           now=now - timedelta(days=20),
                           print_documents=False).case_no,
        "dibao": file_case(station, DIBAO_MATTER, APPLICANT, DIBAO_FORM, [],
                           now=now - timedelta(days=10), print_documents=False).case_no,
        # Today the resident agrees to the ID card of 40 days ago being used again.
        "today": file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM,
                           scans(folder / "today", NOT_REUSED, seed=500), now=now,
                           print_documents=False, reuse=[REUSED], consent=True).case_no,
    }
    delivery.withdraw(station, cases["elder"], "申请人不再申请", sync=False)
    return cases


@pytest.fixture
def filed(station: Station, tmp_path: Path) -> dict[str, str]:
    return file_four(station, tmp_path / "scans")


def new_events() -> list[Event]:
    return list(Event.select().order_by(Event.seq))


def test_the_file_lists_that_residents_cases_newest_first_with_states_and_materials(
        station: Station, filed: dict[str, str]) -> None:
    found = open_by_id_number(station, APPLICANT["id_number"].lower())
    assert found.resident.name == "黄秀英"
    assert found.resident.id_number == "1101**********002X"
    assert found.resident.phone == "139****2345"
    assert found.resident.address == APPLICANT["address"]
    assert [c.case_no for c in found.cases] == [filed["today"], filed["dibao"], filed["elder"]]
    assert [c.state for c in found.cases] == ["已收件，待受理", "已收件，缺件待补", "已撤回"]
    assert [c.matter_name for c in found.cases] == ["高龄津贴申领", "农村最低生活保障申请",
                                                    "高龄津贴申领"]
    today, dibao, elder = found.cases
    assert today.filed > dibao.filed > elder.filed
    assert all(c.filed.replace("-", "") in c.case_no for c in found.cases)  # as numbered
    assert dibao.materials == () and dibao.deadline is None  # the clock waits for them
    assert today.deadline is not None and today.deadline > today.filed
    assert sorted(m.name for m in elder.materials) == sorted(ELDER_REQUIRED)
    assert {m.pages for m in elder.materials} == {2} and elder.pages == 8
    assert {m.received for m in elder.materials} == {elder.filed}
    assert all(m.reused_from is None for m in elder.materials)
    assert today.pages == 5  # three new pages, the ID card's two reused
    # By a case number: the same file, the applicant of that case.
    assert open_by_case(station, filed["dibao"]) == found
    other = open_by_case(station, filed["other"])
    assert other.resident.name == "韦春花"
    assert [c.case_no for c in other.cases] == [filed["other"]]
    assert [(m.name, m.pages) for m in other.cases[0].materials] == [(ELDER_REQUIRED[0], 1)]


def test_each_opening_is_one_access_event_with_nothing_personal(
        station: Station, filed: dict[str, str]) -> None:
    before = len(new_events())
    open_by_id_number(station, APPLICANT["id_number"])
    open_by_case(station, filed["today"])
    events = new_events()[before:]
    assert [e.type for e in events] == [outbox.ACCESS_FILE_OPENED] * 2
    assert events[0].payload == events[1].payload
    assert set(events[0].payload) == {"applicant", "count"}
    assert events[0].payload["count"] == 3
    assert events[0].case_no is None and events[0].author == station.user
    assert outbox.label(outbox.ACCESS_FILE_OPENED) == "查阅居民档案"
    assert outbox.verify_chain(Event.select().order_by(Event.seq)) == []


@pytest.mark.parametrize("typed, error, says", [
    (UNKNOWN_ID, ResidentNotFound, "本站没有身份证号为 4509**********0014 的居民的办件"),
    ("11010519491231002", ResidentIdInvalid, "应为 18 位"),
    ("110105194912310021", ResidentIdInvalid, "校验码不对"),
])
def test_a_wrong_id_says_why_and_records_nothing(
        station: Station, filed: dict[str, str], typed: str, error: type, says: str) -> None:
    before = len(new_events())
    with pytest.raises(error) as raised:
        open_by_id_number(station, typed)
    assert says in render(raised.value)
    assert "id_number" not in render(raised.value)
    with pytest.raises(CaseNotFound):
        open_by_case(station, "450981104201-20260101-0999")
    assert len(new_events()) == before


def test_agents_reviewers_and_admins_may_open_it_an_auditor_may_not(
        data_dir: Path, documents: Path, station: Station, filed: dict[str, str]) -> None:
    users.add_user(station, "li", "agent", PASSPHRASE, "李代办")
    users.add_user(station, "audit", "auditor", PASSPHRASE, "审计员甲")
    station.close()
    for user, allowed in (("li", True), ("audit", False)):
        opened = Station.open(data_dir, user, PASSPHRASE, documents)
        try:
            before = len(new_events())
            if allowed:
                assert len(open_by_case(opened, filed["today"]).cases) == 3
                assert len(new_events()) == before + 1
            else:
                with pytest.raises(RoleRequired) as raised:
                    open_by_id_number(opened, APPLICANT["id_number"])
                assert "查阅居民档案" in render(raised.value)
                with pytest.raises(RoleRequired):
                    open_by_case(opened, filed["today"])
                assert len(new_events()) == before
        finally:
            opened.close()


def test_a_reused_material_shows_its_case_and_what_an_office_found(
        station: Station, filed: dict[str, str]) -> None:
    """资料共享: the ID card reused today names the case it came with and keeps the day
    it was first received; once an office found it 齐全, both cases show 已核验."""
    today = open_by_case(station, filed["today"]).cases[0]
    elder = open_by_case(station, filed["elder"]).cases[2]
    card = {m.name: m for m in today.materials}
    assert card[REUSED].reused_from == filed["elder"] and card[REUSED].pages == 2
    assert card[REUSED].received == elder.filed < today.filed
    assert all(card[name].reused_from is None and card[name].received == today.filed
               for name in NOT_REUSED)
    assert today.pages == 5 and materials_text_of(today) == (4, 5)
    assert all(m.checks == () for m in today.materials)
    with station.db.atomic("IMMEDIATE"):
        record_checks(filed["elder"], "民政办", "mz", [REUSED], date(2026, 11, 5))
    today = open_by_case(station, filed["today"]).cases[0]
    elder = open_by_case(station, filed["elder"]).cases[2]
    for case in (today, elder):
        checked = {m.name: checked_text(m.checks) for m in case.materials}
        assert checked[REUSED] == "已核验（民政办，2026-11-05）"
        assert checked["居民户口簿"] == "未核验"


def materials_text_of(case: FileCase) -> tuple[int, int]:
    return len({m.name for m in case.materials}), case.pages


def test_the_command_and_the_store_at_rest(tmp_path: Path) -> None:
    data, printed = tmp_path / "data", tmp_path / "printed"
    opened, _sheet = Station.init(data, *VILLAGE, "agent", PASSPHRASE, printed)
    try:
        filed = file_four(opened, tmp_path / "scans")
    finally:
        opened.close()
    env = {"STATION_DATA": str(data), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(printed)}
    holder = sqlite3.connect(data / "station.db")  # keeps the WAL on disk, as a crash would
    holder.execute("SELECT count(*) FROM sqlite_master").fetchall()

    shown = run_station("resident", "file", APPLICANT["id_number"], "--json", env=env)
    assert shown.code == 0, shown.err
    document = shown.json()
    assert document["resident"]["id_number"] == "1101**********002X"
    assert [c["case_no"] for c in document["cases"]] == [
        filed["today"], filed["dibao"], filed["elder"]]
    assert [c["state"] for c in document["cases"]] == ["已收件，待受理", "已收件，缺件待补",
                                                       "已撤回"]
    assert document["cases"][2]["materials"][0] == {
        "name": "居民户口簿", "pages": 2, "received": document["cases"][2]["filed"],
        "reused_from": None, "checks": []}
    card = next(m for m in document["cases"][0]["materials"] if m["name"] == REUSED)
    assert card["reused_from"] == filed["elder"] and card["pages"] == 2
    text = run_station("resident", "file", "--case", filed["other"], env=env)
    assert text.code == 0, text.err
    mine = run_station("resident", "file", "--case", filed["today"], env=env)
    first_day = document["cases"][2]["filed"]
    assert f"居民身份证  2 页  {first_day}  复用自办件 {filed['elder']}  未核验" in mine.out
    assert "韦春花" in text.out and "4509**********511X" in text.out
    assert "158****0002" in text.out and "本站共 1 件办件" in text.out
    assert filed["other"] in text.out and filed["today"] not in text.out
    wrong = run_station("resident", "file", UNKNOWN_ID, env=env)
    assert wrong.code == 5 and "本站没有身份证号为" in wrong.err and wrong.out == ""
    invalid = run_station("resident", "file", "12345", env=env)
    assert invalid.code == 4 and "应为 18 位" in invalid.err
    both = run_station("resident", "file", UNKNOWN_ID, "--case", filed["other"], env=env)
    assert both.code == 2

    # Three openings, three events; the wrong IDs none.
    with sqlite3.connect(data / "station.db") as conn:
        types = [row[0] for row in conn.execute("SELECT type FROM event ORDER BY seq")]
    assert types.count(outbox.ACCESS_FILE_OPENED) == 3
    assert types[-3:] == [outbox.ACCESS_FILE_OPENED] * 3

    needles = {}
    for who in (APPLICANT, OTHER):
        needles |= {f"name {who['name']} {encoding}": who["name"].encode(encoding)
                    for encoding in ("utf-8", "gbk", "utf-16-le", "utf-16-be")}
        needles |= {f"id {who['id_number']}": who["id_number"].encode(),
                    f"phone {who['phone']}": who["phone"].encode(),
                    f"address {who['address']}": who["address"].encode("utf-8")}
    files = every_file(data)
    assert (data / "station.db-wal").stat().st_size > 0
    assert any(p.name == "station.db" for p in files)
    for path, content in files.items():
        for what, needle in needles.items():
            assert needle not in content, f"{what} in plaintext in {path}"
    holder.close()
