"""Schema versions: an old store opens after an upgrade, and migrations match the models."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

from filing_samples import APPLICANT, DIBAO_FORM
from peewee import SqliteDatabase

from station import user_keys
from station.app import Station
from station.cases.register import export_material, find_by_name, show_case
from station.cases.search import search
from station.store import migrations
from station.store.database import open_database
from station.store.models import MODELS, User

FROZEN = Path(__file__).parent / "data" / "store-v1"


def columns(path: Path) -> dict[str, list[tuple[str, str, int]]]:
    with sqlite3.connect(path) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted((r[1], r[2].upper(), r[3])
                          for r in conn.execute(f"PRAGMA table_info('{t}')")) for t in tables}


def test_migrations_build_the_schema_the_models_describe(tmp_path: Path) -> None:
    modelled = SqliteDatabase(str(tmp_path / "models.db"))
    modelled.bind(MODELS, bind_refs=False, bind_backrefs=False)
    modelled.create_tables(MODELS)
    modelled.close()
    open_database(tmp_path / "migrated.db", None).close()
    assert columns(tmp_path / "migrated.db") == columns(tmp_path / "models.db")


def test_a_version_1_store_opens_after_the_upgrade(tmp_path: Path) -> None:
    """tests/data/store-v1 was written by release 1's own code (schema 1): vault,
    database and an encrypted scan, with one case awaiting supplement."""
    data = tmp_path / "data"
    shutil.copytree(FROZEN / "data", data)
    station = Station.open(data, None, "release-1 passphrase", tmp_path / "printed")
    try:
        with sqlite3.connect(data / "station.db") as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        details = show_case(station, "450981104201-20261120-0001")
        assert details["applicant"]["name"] == APPLICANT["name"]
        assert details["form"]["household_size"] == DIBAO_FORM["household_size"]
        assert details["status"] == "awaiting_supplement"
        # Rows from before schema 3 got their name index when the station was unlocked.
        assert [c.case_no for c in find_by_name(station, APPLICANT["name"])] == [
            details["case_no"]]
        # And their search keys (schema 9): by the ID's tail with the birth year, by
        # part of the name (release 1's case was filed on 2026-11-20).
        assert station.wait_search_keys()  # written in the background after the unlock
        tail = APPLICANT["id_number"][-4:] + " " + APPLICANT["id_number"][6:10]
        assert [c.case_no for c in search(station, tail).items] == [details["case_no"]]
        assert [c.case_no for c in search(station, APPLICANT["name"][1:], date(2026, 12, 1))
                .items] == [details["case_no"]]
        out = export_material(station, details["case_no"], "居民身份证", 1, tmp_path / "p.jpg")
        assert out.read_bytes() == (FROZEN / "scan.jpg").read_bytes()
        # Release 1's user had no sealing key (schema 5): the login gave one, so the user
        # can be made a member of an office (keys sealed to it).
        user = User.get(User.name == station.user)
        assert user.sealing_private is not None
        assert user_keys.private_key(station.vault, user.name) is not None
    finally:
        station.close()
