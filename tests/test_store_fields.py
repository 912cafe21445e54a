"""The encrypted column type: stored bytes are ciphertext, bound to their row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keys.aead import FieldCipher
from keys.errors import DecryptionFailed
from station.store.database import open_database
from station.store.models import Applicant, Case

KEY = bytes(range(32))


def fresh_db(path: Path):
    return open_database(path, FieldCipher({1: KEY}, 1))


def make_applicant(name: str, id_number: str = "11010519491231002X") -> Applicant:
    person = Applicant(id_index="i-" + name, phone_index="p", created_at="2026-11-21")
    person.name = name
    person.id_number = id_number
    person.birth_date = "1949-12-31"
    person.sex = "女"
    person.phone = "13800138000"
    person.address = "示范村"
    person.save(force_insert=True)
    return person


def raw(path: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def test_stored_bytes_are_ciphertext_and_read_back(tmp_path: Path) -> None:
    db = fresh_db(tmp_path / "s.db")
    person = make_applicant("张三丰")
    db.close()
    [(name_blob,)] = raw(tmp_path / "s.db", "SELECT name FROM applicant")
    assert "张三丰".encode() not in name_blob
    assert name_blob[0] == 1  # format byte of keys.aead
    fresh_db(tmp_path / "s.db")
    assert Applicant.get_by_id(person.id).name == "张三丰"


def test_flipping_any_byte_of_a_column_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    db = fresh_db(path)
    person = make_applicant("李四")
    db.close()
    [(blob,)] = raw(path, "SELECT name FROM applicant")
    for i in range(len(blob)):
        damaged = bytearray(blob)
        damaged[i] ^= 0x01
        raw(path, "UPDATE applicant SET name = ?", bytes(damaged))
        db = fresh_db(path)
        with pytest.raises(DecryptionFailed) as caught:
            _ = Applicant.get_by_id(person.id).name
        assert "applicant.name" in str(caught.value)
        db.close()


def test_swapping_ciphertexts_between_rows_or_columns_fails(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    db = fresh_db(path)
    a, b = make_applicant("王五"), make_applicant("赵六")
    db.close()
    rows = dict(raw(path, "SELECT id, name FROM applicant"))
    raw(path, "UPDATE applicant SET name = ? WHERE id = ?", rows[b.id], a.id)
    raw(path, "UPDATE applicant SET address = name WHERE id = ?", b.id)
    fresh_db(path)
    with pytest.raises(DecryptionFailed):
        _ = Applicant.get_by_id(a.id).name
    with pytest.raises(DecryptionFailed):
        _ = Applicant.get_by_id(b.id).address
    assert Applicant.get_by_id(b.id).name == "赵六"


def test_encrypted_columns_cannot_be_queried_in_clear(tmp_path: Path) -> None:
    fresh_db(tmp_path / "s.db")
    make_applicant("钱七")
    with pytest.raises(TypeError, match="blind index"):
        list(Applicant.select().where(Applicant.name == "钱七"))


@settings(max_examples=60, deadline=None)
@given(form=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda kids: st.lists(kids, max_size=4)
    | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12,
))
def test_json_column_round_trips_any_value(tmp_path_factory: pytest.TempPathFactory,
                                           form: object) -> None:
    path = tmp_path_factory.mktemp("json") / "s.db"
    db = fresh_db(path)
    person = make_applicant("孙八")
    case = Case(case_no="450981104201-20261121-0001", node_code="450981104201",
                matter_code="m", matter_digest="d", applicant=person, status="filed",
                filed_at="2026-11-21T09:00:00+08:00", promised_days=5, agent="agent",
                updated_at="x")
    case.form = form
    case.save(force_insert=True)
    db.close()
    fresh_db(path)
    assert Case.get(Case.case_no == case.case_no).form == form
