"""The station's name and code before anyone logs in (the login screen shows them).

They are node settings, stored in clear (none of them personal), so they are
read from the database file read-only, without the vault.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from station.node import Node
from station.paths import DataLayout
from station.store.models import Setting

WANTED = ("code", "tier", "name")


def node_on_disk(data: Path) -> Node | None:
    """The node in ``data``, or None when its database cannot be read."""
    path = DataLayout(data).database
    if not path.exists():
        return None
    table = Setting._meta.table_name
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = dict(connection.execute(
                f'SELECT "key", "value" FROM "{table}" WHERE "key" IN (?, ?, ?)', WANTED))
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    if any(key not in rows for key in WANTED):
        return None
    return Node(rows["code"], rows["tier"], rows["name"])
