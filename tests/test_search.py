"""The village desk's search (issue 20, item 5): ID or phone tail with the birth year or
surname, part of a name among the last year's cases, the message for anything else, and
the search keys' backfill after the upgrade to schema 9 (real store files)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli import station as run_station
from conftest import PASSPHRASE, VILLAGE, write_json
from filing_samples import ELDER_FORM, ELDER_MATTER

import station.app as station_app
from keys.blind import BlindIndexer
from station import outbox
from station.app import Station
from station.cases import search as desk
from station.cases.search import SearchNotUnderstood, read_query, search
from station.demo.samples import resident_id
from station.filing.new_case import file_case
from station.store import search_keys
from station.store.models import Applicant, Event, SearchKey

TODAY = date.today()


def person(name: str, born: date, sequence: int, phone: str) -> dict[str, str]:
    return {"name": name, "id_number": resident_id("450981", born, sequence), "phone": phone,
            "address": "示范村一组"}


RESIDENTS = {
    "huang": person("黄秀英", date(1956, 3, 15), 122, "13977511234"),
    "li": person("李秀英", date(1956, 7, 1), 342, "13877500001"),
    "wei": person("韦秀华", date(1961, 2, 2), 511, "15877500002"),
    "ouyang": person("欧阳春生", date(1949, 9, 9), 731, "17777500003"),
    "old": person("莫秀英", date(1956, 1, 1), 922, "18777500004"),  # filed 400 days ago
    "dot": person("阿卜杜拉·艾则孜", date(1970, 5, 5), 311, "13900005555"),
}


@pytest.fixture
def filed(station: Station) -> dict[str, str]:
    """One case per resident (the old one 400 days ago); the case number by resident."""
    cases = {}
    for key, who in RESIDENTS.items():
        now = datetime.now().astimezone() - timedelta(days=400 if key == "old" else 0)
        cases[key] = file_case(station, ELDER_MATTER, who, ELDER_FORM, [], now=now,
                               print_documents=False).case_no
    return cases


def found(station: Station, typed: str, today: date | None = None) -> set[str]:
    return {item.case_no for item in search(station, typed, today).items}


def tail(key: str, of: str = "id_number") -> str:
    return RESIDENTS[key][of][-4:]


def test_an_id_or_phone_tail_with_the_birth_year_or_surname(
        station: Station, filed: dict[str, str]) -> None:
    assert found(station, f"{tail('huang')} 1956") == {filed["huang"]}
    assert found(station, f"{tail('huang')}1956") == {filed["huang"]}  # no space needed
    assert found(station, f"{tail('huang')} 王") == set()
    assert found(station, f"{tail('huang')} 黄") == {filed["huang"]}
    assert found(station, f"{tail('huang')} 1957") == set()
    assert found(station, f"{tail('li', 'phone')} 1956") == {filed["li"]}  # the phone's tail
    assert found(station, f"{tail('li', 'phone')} 李") == {filed["li"]}
    assert found(station, f"{tail('old')} 1956") == {filed["old"]}  # any year's case
    # A compound surname is looked up by its first character, then confirmed.
    assert found(station, f"{tail('ouyang')} 欧阳") == {filed["ouyang"]}
    assert found(station, f"{tail('ouyang')} 欧") == {filed["ouyang"]}
    assert found(station, f"{tail('ouyang')} 欧美") == set()
    # Full-width digits, as some input methods type them; an ID ending in x.
    wide = "".join(chr(ord(c) + 0xFEE0) for c in tail("wei"))
    assert found(station, f"{wide}　１９６１") == {filed["wei"]}
    assert read_query(f"{tail('huang')[:3]}x 1956").tail.endswith("X")


def test_part_of_a_name_among_the_last_years_cases(station: Station,
                                                    filed: dict[str, str]) -> None:
    assert found(station, "秀英") == {filed["huang"], filed["li"]}  # not 莫秀英: 400 days
    assert found(station, "秀") == {filed["huang"], filed["li"], filed["wei"]}
    assert found(station, "英秀") == set()  # both characters, but not in that order
    assert found(station, "阳春") == {filed["ouyang"]}
    assert found(station, "杜拉•艾") == {filed["dot"]}  # another middle dot, normalised
    # A whole name is found in every year, as before.
    assert found(station, "莫秀英") == {filed["old"]}
    # A year later, part of a name finds none of these cases.
    assert found(station, "秀英", TODAY + timedelta(days=400)) == set()
    assert found(station, "黄秀英", TODAY + timedelta(days=400)) == {filed["huang"]}


def test_the_candidates_decrypted_are_capped_and_the_cap_is_said(
        station: Station, filed: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    original = desk._names_that

    def counting(people: list[str], keep: Any) -> list[str]:
        opened.extend(people)
        return original(people, keep)

    monkeypatch.setattr(desk, "_names_that", counting)
    result = search(station, "秀")
    assert not result.capped and len(opened) == 3  # only residents with 秀 and a recent case
    monkeypatch.setattr(desk, "NAME_CANDIDATES", 2)
    opened.clear()
    result = search(station, "秀")
    assert result.capped and len(opened) == 2 and len(result.items) == 2
    last = Event.select().order_by(Event.seq.desc()).first()
    assert last.type == outbox.ACCESS_SEARCHED
    assert last.payload == {"by": "name_part", "count": 2, "candidates": 2, "capped": True}


@pytest.mark.parametrize("typed", ["12", "abc", "12345", "1234 1800", "1234 ab", "王1",
                                   "1234 王秀英", "11010519491231002"])
def test_input_not_understood_says_what_search_accepts_and_changes_nothing(
        station: Station, filed: dict[str, str], typed: str) -> None:
    events = Event.select().count()
    with pytest.raises(SearchNotUnderstood) as raised:
        search(station, typed)
    assert "后四位加出生年份（如 1234 1956）" in str(raised.value)
    assert Event.select().count() == events


def test_each_search_is_one_access_event(station: Station, filed: dict[str, str]) -> None:
    for typed, by in ((RESIDENTS["huang"]["id_number"], "id_number"),
                      (f"{tail('huang')} 1956", "tail_year"),
                      (f"{tail('huang')} 黄", "tail_surname"),
                      ("秀英", "name_part"), (filed["huang"][-4:], "case_tail")):
        before = Event.select().count()
        result = search(station, typed)
        assert result.kind == by and result.items
        events = list(Event.select().where(Event.seq > before).order_by(Event.seq))
        assert [(e.type, e.payload["by"]) for e in events] == [(outbox.ACCESS_SEARCHED, by)]
    assert outbox.verify_chain(Event.select().order_by(Event.seq)) == []


def test_refiling_a_resident_replaces_their_keys(station: Station,
                                                filed: dict[str, str]) -> None:
    moved = dict(RESIDENTS["huang"], name="黄秀兰", phone="13900009999")
    again = file_case(station, ELDER_MATTER, moved, ELDER_FORM, [], print_documents=False)
    assert found(station, "秀兰") == {filed["huang"], again.case_no}
    assert filed["huang"] not in found(station, "秀英")
    assert found(station, f"{tail('huang', 'phone')} 1956") == set()  # the old phone
    assert found(station, "9999 1956") == {filed["huang"], again.case_no}


# -- the upgrade to schema 9 ------------------------------------------------------------


def keys_by_resident(data: Path) -> dict[str, set[str]]:
    with sqlite3.connect(data / "station.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        keys: dict[str, set[str]] = {}
        for key, who in conn.execute("SELECT key, applicant_id FROM search_key"):
            keys.setdefault(who, set()).add(key)
        return keys


def as_before_schema_9(data: Path) -> None:
    """Take the keys away, as a store upgraded from schema 8 has none."""
    with sqlite3.connect(data / "station.db") as conn:
        conn.execute("DELETE FROM search_key")
        conn.execute("UPDATE applicant SET search_version = NULL")


def test_the_unlock_after_the_upgrade_writes_the_keys_filing_writes(
        data_dir: Path, documents: Path, filed: dict[str, str], station: Station,
        monkeypatch: pytest.MonkeyPatch) -> None:
    station.close()
    written_at_filing = keys_by_resident(data_dir)
    assert len(written_at_filing) == len(RESIDENTS)
    as_before_schema_9(data_dir)
    monkeypatch.setattr(search_keys, "BACKFILL_BATCH", 2)  # three batches
    opened = Station.open(data_dir, None, PASSPHRASE, documents)
    try:
        assert opened.wait_search_keys()  # written in the background after the unlock
        assert keys_by_resident(data_dir) == written_at_filing
        assert found(opened, "秀英") == {filed["huang"], filed["li"]}
        assert search_keys.backfill_search_keys(opened.index) == 0  # nothing left to do
        # The larger page cache of the backfill is given back.
        assert opened.db.execute_sql("PRAGMA cache_size").fetchone()[0] == -2000
    finally:
        opened.close()


def test_a_backfill_that_fails_midway_keeps_whole_batches_and_finishes_later(
        data_dir: Path, documents: Path, filed: dict[str, str], station: Station) -> None:
    index = station.index
    station.close()
    written_at_filing = keys_by_resident(data_dir)
    as_before_schema_9(data_dir)

    class Failing:
        def __init__(self, inner: BlindIndexer) -> None:
            self.inner, self.calls = inner, 0

        def index(self, kind: str, value: str) -> str:
            self.calls += 1
            if self.calls == 40:  # in the third batch of two residents (~8 keys each)
                raise OSError("injected failure")
            return self.inner.index(kind, value)

    opened = Station.open(data_dir, None, PASSPHRASE, documents)  # backfills everything
    assert opened.wait_search_keys()
    with opened.db.atomic():
        SearchKey.delete().execute()
        Applicant.update(search_version=None).execute()
    with pytest.raises(OSError, match="injected failure"):
        search_keys.backfill_search_keys(Failing(index), 2)  # type: ignore[arg-type]
    done = Applicant.select().where(Applicant.search_version.is_null(False)).count()
    assert done == 4
    partial = keys_by_resident(data_dir)
    assert len(partial) == 4 and all(written_at_filing[k] == v for k, v in partial.items())
    opened.close()
    again = Station.open(data_dir, None, PASSPHRASE, documents)
    assert again.wait_search_keys()
    again.close()
    assert keys_by_resident(data_dir) == written_at_filing


def test_the_first_login_after_the_upgrade_does_not_wait_for_the_keys(
        data_dir: Path, documents: Path, filed: dict[str, str], station: Station,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys are written in the background; a search meanwhile says it may be
    incomplete, a whole ID number is found as ever, and closing the station stops the
    backfill after its batch (the next login finishes it)."""
    station.close()
    written_at_filing = keys_by_resident(data_dir)
    as_before_schema_9(data_dir)
    release, started = threading.Event(), threading.Event()
    real = station_app.backfill_search_keys

    def held(*args: Any, **kwargs: Any) -> int:
        started.set()
        release.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(station_app, "backfill_search_keys", held)
    opened = Station.open(data_dir, None, PASSPHRASE, documents)  # returns while it is held
    try:
        started.wait()
        assert not opened.search_keys_ready()
        waiting = search(opened, "秀英", TODAY)
        assert waiting.partial and waiting.to_json()["partial"] is True
        whole = search(opened, RESIDENTS["li"]["id_number"])
        assert not whole.partial and [c.case_no for c in whole.items] == [filed["li"]]
        release.set()
        assert opened.wait_search_keys()
        done = search(opened, "秀英", TODAY)
        assert not done.partial
        assert {c.case_no for c in done.items} == {filed["huang"], filed["li"]}
    finally:
        release.set()
        opened.close()
    assert keys_by_resident(data_dir) == written_at_filing


# -- the command line ---------------------------------------------------------------------


def test_the_find_command_reads_what_was_typed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"STATION_DATA": str(data), "STATION_PASSPHRASE": PASSPHRASE,
           "STATION_DOCUMENTS": str(tmp_path / "printed")}
    assert run_station("init", "--tier", VILLAGE[0], "--code", VILLAGE[1], "--name",
                       VILLAGE[2], "--operator", "agent", env=env).code == 0
    applicant = write_json(tmp_path / "a.json", RESIDENTS["huang"])
    form = write_json(tmp_path / "f.json", ELDER_FORM)
    filed = run_station("case", "new", "--matter", ELDER_MATTER, "--applicant", applicant,
                        "--form", form, "--json", env=env)
    assert filed.code == 0, filed.err
    case_no = filed.json()["case_no"]
    for typed in (f"{tail('huang')} 1956", "秀英"):
        result = run_station("case", "find", typed, "--json", env=env)
        assert result.code == 0, result.err
        assert [c["case_no"] for c in result.json()["cases"]] == [case_no]
    old = run_station("case", "find", "--name", "黄秀英", "--json", env=env)  # still works
    assert [c["case_no"] for c in old.json()["cases"]] == [case_no]
    refused = run_station("case", "find", "12", env=env)
    assert refused.code == 4 and "姓名中的一两个字" in refused.err
