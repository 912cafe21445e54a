"""Node codes: 12-digit division codes that match the tier."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from station.errors import InvalidNodeCode, InvalidTier, StoreTooNew
from station.node import check_node
from station.store.database import open_database
from station.store.migrations import LATEST


@pytest.mark.parametrize(("tier", "code"), [
    ("county", "450981000000"), ("township", "450981104000"), ("village", "450981104201"),
    ("村", "450981104201"), ("乡镇", "450981104000"), ("县", "450981000000"),
])
def test_valid_codes(tier: str, code: str) -> None:
    assert check_node(code, tier, "站").code == code


@pytest.mark.parametrize(("tier", "code", "fragment"), [
    ("village", "45098110420", "12"), ("village", "4509811042O1", "12"),
    ("village", "450981104000", "不符"), ("township", "450981104201", "不符"),
    ("county", "450981104000", "不符"), ("county", "450900000000", "县级"),
    ("township", "450981000201", "000"), ("village", "４５０９８１１０４２０１", "12"),
])
def test_invalid_codes_say_why(tier: str, code: str, fragment: str) -> None:
    with pytest.raises(InvalidNodeCode) as caught:
        check_node(code, tier, "站")
    assert fragment in str(caught.value)


def test_unknown_tier() -> None:
    with pytest.raises(InvalidTier):
        check_node("450981104201", "city", "站")


def test_schema_version_and_newer_store_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_database(path, None).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(StoreTooNew):
        open_database(path, None)
