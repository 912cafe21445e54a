"""A hub database made by an older hub opens after an upgrade: new columns are added."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sync.hub.identity import open_database
from sync.hub.models import SCHEMA_VERSION


def test_an_older_hub_case_table_gains_the_lifecycle_columns(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as old:  # hub_case and hub_state as schema 1 made them
        old.execute("CREATE TABLE hub_case (case_no TEXT NOT NULL PRIMARY KEY, state TEXT NOT "
                    "NULL, holder TEXT, filed_by TEXT, matter TEXT, offices TEXT NOT NULL, "
                    "updated_index INTEGER NOT NULL)")
        old.execute("INSERT INTO hub_case VALUES ('C1', 'queued', NULL, 'V', 'M', '[]', 3)")
        old.execute("CREATE TABLE hub_state (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)")
        old.execute("INSERT INTO hub_state VALUES ('schema', '1')")
    db = open_database(None, path)
    db.close()
    with sqlite3.connect(path) as upgraded:
        columns = {row[1] for row in upgraded.execute("PRAGMA table_info(hub_case)")}
        assert {"level", "view"} <= columns
        assert upgraded.execute("SELECT state, view FROM hub_case").fetchone() == ("queued",
                                                                                    "{}")
        schema = upgraded.execute("SELECT value FROM hub_state WHERE key = 'schema'").fetchone()
        assert json.loads(schema[0]) == SCHEMA_VERSION
